/**
 * Spike fade: bet that a sudden jump of the price partly reverts.
 *
 * What it does, per binary market (watching the YES mid):
 * - Keeps the YES mid of the last `window` (rolling, by receive time). When the mid now is at least
 *   `threshold` above the lowest mid of the window (an up-spike), it buys NO; when it is at least
 *   `threshold` below the highest (a down-spike), it buys YES. Buying NO is how you bet against YES on
 *   Polymarket (there is no short selling).
 * - Entry: a limit BUY of `size` shares at the bought token's best ask (it takes what is there; any
 *   rest waits in the book as a bid until the exit).
 * - Exit: when the bought token's best bid reaches the average entry cost + `target`, or `hold` after
 *   the entry, whichever comes first: cancel what is left of the entry, then sell everything held with
 *   a FAK order no lower than best bid - `maxSlippage`. What the FAK cannot sell is retried on the next
 *   book update. After an exit the window starts afresh, so one spike is faded once.
 *
 * Parameters
 * - window (duration, default 30s), threshold (price, default 0.05), size (shares, default 10),
 *   hold (duration, default 60s), target (price, default 0.03), maxSlippage (price, default 0.02).
 *
 * Known limits
 * - No entry when `size` at the ask is worth less than $1 (the venue's minimum for a crossing order),
 *   e.g. 10 shares below 0.10.
 * - The mid needs both sides of the book; one-sided books are skipped. A mid jump caused by one side
 *   vanishing (thin book) looks like a spike too.
 * - No stop-loss besides the hold time; a spike that keeps going is held until `hold` expires.
 * - Positions smaller than a $1 sale (the venue's minimum for a marketable order) cannot be sold and
 *   are held to settlement.
 * - Taker fees (paid in shares on the entry, in dollars on the exit) are not part of the target.
 */
import { z } from 'zod';
import { defineStrategy, type StrategyContext, type TimerInfo } from 'poly';
import { p } from 'poly';
import { D, PX_SCALE, formatPx, notional, px, type Px } from 'poly';
import type { MarketMeta } from 'poly';
import type { OrderEvent } from 'poly';
import { MIN_MARKETABLE, minSizeOf, tickOf } from './lib/helpers.ts';

const params = z.object({
  window: p.duration().prefault('30s'),
  threshold: p.px().prefault('0.05'),
  size: p.qty().prefault('10'),
  hold: p.duration().prefault('60s'),
  target: p.px().prefault('0.03'),
  maxSlippage: p.px().prefault('0.02'),
});
type Params = z.output<typeof params>;

interface Trade {
  readonly token: string;
  readonly entryId: string;
  readonly timerId: number;
  exiting: boolean;
  exitId: string | null;
}

function create(ctx: StrategyContext<Params>) {
  const P = ctx.params;
  /** market -> recent (time, bid + ask) of YES: twice the mid, an exact integer. */
  const history = new Map<string, { t: bigint; mid2: number }[]>();
  const trades = new Map<string, Trade>();

  const binary = (m: MarketMeta | undefined): m is MarketMeta => m !== undefined && m.tokens.length === 2;

  function enter(m: MarketMeta, token: string): void {
    const book = ctx.book(token);
    const ask = book?.bestAsk() ?? null;
    // A crossing BUY must be worth $1 at its limit, and a resting rest at least the minimum size.
    if (book === undefined || ask === null || P.size < minSizeOf(m) || notional(ask, P.size) < MIN_MARKETABLE) return;
    ctx.log.info('spike-fade: entering', { market: m.conditionId, token, px: formatPx(ask) });
    const entryId = ctx.buy({ assetId: token, px: ask, qty: P.size, tif: 'GTC' });
    trades.set(m.conditionId, { token, entryId, timerId: ctx.setTimeout(`exit:${m.conditionId}`, P.hold), exiting: false, exitId: null });
    history.delete(m.conditionId);
  }

  function exit(m: MarketMeta, tr: Trade): void {
    if (!tr.exiting) {
      tr.exiting = true;
      ctx.cancelTimer(tr.timerId);
      if (ctx.openOrders(tr.token).some((o) => o.clientId === tr.entryId)) ctx.cancel(tr.entryId);
    }
    if (tr.exitId !== null) return;
    const held = ctx.position(tr.token).qty;
    if (held === 0) {
      // Nothing bought (or all sold): done once the entry is gone.
      if (!ctx.openOrders(tr.token).some((o) => o.clientId === tr.entryId)) trades.delete(m.conditionId);
      return;
    }
    const book = ctx.book(tr.token);
    const bid = book?.bestBid() ?? null;
    if (book === undefined || bid === null || !ctx.canTrade(tr.token)) return; // retry on the next update
    const tick = tickOf(book, m);
    const worst: Px = px.ticks(Math.max(tick, bid - P.maxSlippage));
    if (notional(worst, held) < MIN_MARKETABLE) {
      ctx.log.warn('spike-fade: position too small to sell, holding to settlement', { market: m.conditionId });
      trades.delete(m.conditionId);
      return;
    }
    tr.exitId = ctx.marketSell({ assetId: tr.token, qty: held, worstPx: worst, tif: 'FAK' });
  }

  function onYesBook(m: MarketMeta, yes: string): void {
    const cid = m.conditionId;
    const tr = trades.get(cid);
    if (tr !== undefined) {
      const pos = ctx.position(tr.token);
      const bid = ctx.book(tr.token)?.bestBid() ?? null;
      const hit = pos.avgCost !== null && bid !== null && new D(bid).div(PX_SCALE).gte(pos.avgCost.add(new D(P.target).div(PX_SCALE)));
      if (tr.exiting || hit) exit(m, tr);
      return;
    }
    const book = ctx.book(yes);
    const bid = book?.bestBid() ?? null, ask = book?.bestAsk() ?? null;
    if (book === undefined || bid === null || ask === null || book.isCrossed() || !ctx.canTrade(yes)) return;
    const now = ctx.now();
    const h = (history.get(cid) ?? []).filter((x) => x.t >= now - P.window);
    const mid2 = bid + ask;
    h.push({ t: now, mid2 });
    history.set(cid, h);
    const lo = Math.min(...h.map((x) => x.mid2)), hi = Math.max(...h.map((x) => x.mid2));
    if (mid2 - lo >= 2 * P.threshold) enter(m, m.tokens[1]!.tokenId); // up-spike: bet on the way back down
    else if (hi - mid2 >= 2 * P.threshold) enter(m, yes);
  }

  return {
    onBook(assetId: string) {
      const m = ctx.market(assetId);
      if (binary(m) && m.tokens[0]!.tokenId === assetId) onYesBook(m, assetId);
    },
    onTimer(t: TimerInfo) {
      if (!t.name.startsWith('exit:')) return;
      const m = ctx.market(t.name.slice(5));
      const tr = m === undefined ? undefined : trades.get(m.conditionId);
      if (binary(m) && tr !== undefined) exit(m, tr);
    },
    onOrder(ev: OrderEvent) {
      const id = ev.type === 'order_filled' ? (ev.leavesQty === 0 ? ev.clientId : null) : ev.type === 'order_canceled' || ev.type === 'order_rejected' || ev.type === 'order_denied' ? ev.clientId : null;
      if (id === null) return;
      for (const [cid, tr] of trades) {
        const m = ctx.market(cid);
        if (!binary(m)) continue;
        if (tr.exitId === id) {
          // The exit order is done. Whatever it could not sell waits for the next book update (retrying
          // at once would hit the same, already consumed, liquidity again).
          tr.exitId = null;
          if (ctx.position(tr.token).qty === 0) exit(m, tr);
        } else if (tr.entryId === id) {
          if (tr.exiting) exit(m, tr);
          else if (ctx.position(tr.token).qty === 0 && ev.type !== 'order_filled') {
            ctx.cancelTimer(tr.timerId); // the entry never filled: forget the trade
            trades.delete(cid);
          }
        }
      }
    },
  };
}

export default defineStrategy({
  name: 'spike-fade',
  description: 'Fade a sudden move of the mid with a limit order; exit at a target or after a hold time.',
  params,
  create,
});
