/**
 * Endgame sweep: in the last minutes of a market, buy the near-certain side to collect its last cents.
 *
 * What it does, per market with an endDate in its metadata:
 * - Only inside the window [endDate - window, endDate): a timer opens the window, and every book update
 *   inside it is a new chance.
 * - A side is the favourite when its best BID is at or above `threshold` (what buyers already pay, so
 *   one cheap stray offer does not make a favourite).
 * - It buys the favourite with a dollar-sized FAK order for the asks at or below `maxPx`, up to
 *   `budget` dollars per market in total (and never more than the cash available). When the book shows
 *   new asks within the cap, it buys again until the budget is spent. Orders below the venue's $1
 *   minimum are not sent.
 * - It holds to settlement: a winning share pays $1; the profit is 1 - price per share, the risk is the
 *   whole price if the favourite loses.
 *
 * Parameters
 * - window (duration, default 5m), threshold (price, default 0.95), maxPx (price, default 0.99),
 *   budget (dollars per market, default 100).
 *
 * Known limits
 * - Markets without a readable endDate are ignored; the endDate is the scheduled end, and resolution
 *   can come later (or earlier) than that.
 * - Taker fees (withheld in shares on a buy) eat part of the few cents of edge: at 0.97 with the 0.07
 *   crypto rate, 0.07 x 0.03 = 0.2 cents per share.
 * - In replay the recorded book keeps showing asks we already bought; the strategy plans on
 *   `ctx.available` (displayed minus our own taker fills, the paper exchange's own overlay), so it never
 *   counts the same asks twice.
 */
import { z } from 'zod';
import { defineStrategy, type BookView, type StrategyContext, type TimerInfo } from 'poly';
import { p } from 'poly';
import { formatCash, formatPx, notional, px, usd, type Cash } from 'poly';
import type { MarketResolved } from 'poly';
import type { MarketMeta } from 'poly';
import type { OrderEvent } from 'poly';
import { MIN_MARKETABLE, endDateNs, floorToTick, sweepLevelsCash, tickOf } from './lib/helpers.ts';

const params = z.object({
  window: p.duration().prefault('5m'),
  threshold: p.px().prefault('0.95'),
  maxPx: p.px().prefault('0.99'),
  budget: p.usd().prefault('100'),
});
type Params = z.output<typeof params>;

interface MarketState {
  /** Dollars spent so far (1e-10 $; plain: a running sum). */
  spent: bigint;
  inFlight: string | null;
  resolved: boolean;
}

function create(ctx: StrategyContext<Params>) {
  const P = ctx.params;
  const state = new Map<string, MarketState>();
  const orderMarket = new Map<string, string>();

  function stateOf(m: MarketMeta): MarketState | undefined {
    let s = state.get(m.conditionId);
    if (s === undefined && endDateNs(m) !== null) {
      s = { spent: 0n, inFlight: null, resolved: false };
      state.set(m.conditionId, s);
      ctx.setTimer(`window:${m.conditionId}`, endDateNs(m)! - P.window);
    }
    return s;
  }

  function consider(m: MarketMeta): void {
    const s = stateOf(m);
    const end = endDateNs(m);
    const now = ctx.now();
    if (s === undefined || end === null || s.resolved || s.inFlight !== null) return;
    if (now < end - P.window || now >= end) return;
    const cash = ctx.cash();
    let left: Cash = usd.raw(P.budget - s.spent);
    if (cash < left) left = cash;
    if (left < MIN_MARKETABLE) return;
    for (const t of m.tokens) {
      const book = ctx.book(t.tokenId);
      const bid = book?.bestBid() ?? null;
      if (book === undefined || bid === null || bid < P.threshold || !ctx.canTrade(t.tokenId)) continue;
      const cap = px.ticks(floorToTick(P.maxPx, tickOf(book, m)));
      const sweep = sweepLevelsCash(ctx.available(t.tokenId, 'ask'), 'ask', left, cap);
      if (sweep.cost < MIN_MARKETABLE) continue;
      ctx.log.info('endgame: buying the favourite', { market: m.conditionId, outcome: t.outcome, bid: formatPx(bid), amount: formatCash(sweep.cost) });
      s.inFlight = ctx.marketBuy({ assetId: t.tokenId, spend: sweep.cost, worstPx: cap, tif: 'FAK' });
      orderMarket.set(s.inFlight, m.conditionId);
      return;
    }
  }

  return {
    onStart() {
      for (const m of ctx.markets()) stateOf(m);
    },
    onBook(assetId: string, _book: BookView) {
      const m = ctx.market(assetId);
      if (m !== undefined) consider(m);
    },
    onTimer(t: TimerInfo) {
      const m = t.name.startsWith('window:') ? ctx.market(t.name.slice(7)) : undefined;
      if (m !== undefined) consider(m);
    },
    onOrder(ev: OrderEvent) {
      const clientId = ev.type === 'order_accepted' ? ev.order.clientId : 'clientId' in ev ? ev.clientId : null;
      const cid = clientId === null ? undefined : orderMarket.get(clientId);
      const s = cid === undefined ? undefined : state.get(cid);
      if (s === undefined || clientId === null) return;
      if (ev.type === 'order_filled') s.spent += notional(ev.px, ev.qty);
      const done = (ev.type === 'order_filled' && ev.leavesQty === 0) || ev.type === 'order_canceled' || ev.type === 'order_rejected' || ev.type === 'order_denied';
      if (done && s.inFlight === clientId) {
        s.inFlight = null;
        orderMarket.delete(clientId);
      }
    },
    onResolved(ev: MarketResolved) {
      const s = state.get(ev.market);
      if (s !== undefined) s.resolved = true;
    },
  };
}

export default defineStrategy({
  name: 'endgame-sweep',
  description: 'In the last minutes before endDate, buy the side priced at or above a threshold with FAK orders capped at maxPx; hold to settlement.',
  params,
  create,
});
