/**
 * Inventory-skewed two-sided market maker for binary markets.
 *
 * The idea: quote a bid below and an offer above the mid, earn the spread when both get hit, and lean
 * the quotes against what we already hold so inventory drifts back toward flat.
 *
 * How it quotes (per binary market, in YES terms):
 * - bid = mid - halfSpread - skew, ask = mid + halfSpread - skew, where skew = net x skewPerShare and
 *   net = YES held - NO held (long YES -> both quotes move down: we buy less eagerly, sell more eagerly).
 *   The bid is rounded down and the ask up to the tick; both are kept inside the book (post-only:
 *   never at or through the other side) and inside [tick, 1 - tick].
 * - The bid is a post-only GTC BUY of YES. The offer is a post-only GTC BUY of NO at 1 - ask, which is
 *   the same trade as selling YES at the ask but needs no YES inventory (Polymarket has no short
 *   selling). When we hold both YES and NO, the pairs are merged back into $1 each.
 * - A quote is replaced only when its desired price moved by at least `requoteThreshold` ticks; the
 *   replacement is sent once the cancel is confirmed.
 * - Size: `size` shares per quote, less when the quote would take |net| beyond `maxPosition`; a side
 *   whose size would fall below the market's minimum order size is not quoted.
 * - Safety: all quotes of a market are cancelled `stopBefore` its endDate (from the metadata) and it is
 *   not quoted again; all quotes are pulled when the market-data feed drops (onFeed) and whenever the
 *   book is not tradeable (stale, awaiting a snapshot, crossed), checked on every update and every
 *   `checkEvery` by a timer. Quoting resumes once the book is fresh again.
 *
 * Parameters
 * - size (shares, default 10), halfSpread (price, default 0.02), skewPerShare (price per share of net
 *   inventory, default 0.0005), requoteThreshold (ticks, default 1), maxPosition (shares of net
 *   inventory, default 100), stopBefore (duration, default 5m), checkEvery (duration, default 5s).
 *
 * Known limits
 * - The mid is the only fair-value input; no trade flow, no volatility, no reference price.
 * - Both quotes are buys: cash is tied up by both until they fill or are cancelled.
 * - Markets without an endDate are quoted until they resolve or the run ends.
 * - Queue position is modelled conservatively by the paper exchange: few fills, late.
 */
import { z } from 'zod';
import { defineStrategy, type BookView, type StrategyContext } from 'poly';
import { p } from 'poly';
import { D, PX_SCALE, QTY_SCALE, px, qty, type Px } from 'poly';
import type { FeedState, MarketResolved } from 'poly';
import type { MarketMeta } from 'poly';
import type { OrderEvent } from 'poly';
import { ceilToTick, clampPx, complementPx, dollarsToPx, endDateNs, floorToTick, minQty, minSizeOf, tickOf } from './lib/helpers.ts';
import { QuoteSlots, type LiveQuote, type QuoteSpec } from './lib/quotes.ts';

const params = z.object({
  size: p.qty().prefault('10'),
  halfSpread: p.px().prefault('0.02'),
  skewPerShare: p.px().prefault('0.0005'),
  requoteThreshold: p.int().refine((v) => v >= 1, { message: 'requoteThreshold must be at least 1 tick' }).prefault('1'),
  maxPosition: p.qty().prefault('100'),
  stopBefore: p.duration().prefault('5m'),
  checkEvery: p.duration().prefault('5s'),
});
type Params = z.output<typeof params>;

export interface MakerQuotes {
  /** YES bid price or null. */
  readonly bid: Px | null;
  /** YES ask price or null; quoted as a BUY of NO at 1 - ask. */
  readonly ask: Px | null;
}

/** Where to quote, given the YES book, the net inventory (shares, 1e-6) and the parameters. */
export function makerPrices(book: BookView, tick: Px, net: number, P: Pick<Params, 'halfSpread' | 'skewPerShare'>): MakerQuotes {
  const bestBid = book.bestBid(), bestAsk = book.bestAsk();
  if (bestBid === null || bestAsk === null) return { bid: null, ask: null };
  // In integers, exactly: mid - half - skew in units of 1/(2 * QTY_SCALE) tick, where mid = (bb + ba) / 2
  // ticks, half = halfSpread ticks and skew = net (1e-6 shares) x skewPerShare (ticks per share) / QTY_SCALE.
  // Same values as the Decimal form (dollars, then floor/ceil to 1e-4; makerPricesDecimal below), without a
  // Decimal per book change; falls back to it when a term leaves the safe-integer range (huge positions).
  const S = 2 * QTY_SCALE;
  const base = (bestBid + bestAsk) * QTY_SCALE;
  const halfS = 2 * P.halfSpread * QTY_SCALE;
  const skewS = 2 * net * P.skewPerShare;
  const lo = base - halfS - skewS, hi = base + halfS - skewS;
  if (!Number.isSafeInteger(skewS) || !Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) return makerPricesDecimal(book, tick, net, P);
  // plain tick counts until clamped into [tick, 1 - tick] (which makes them prices)
  return inside(floorToTick(floorDiv(lo, S), tick), ceilToTick(-floorDiv(-hi, S), tick), bestBid, bestAsk, tick);
}

/** Tick-rounded raw quotes kept inside the book (post-only) and inside [tick, 1 - tick]; none when they meet. */
function inside(rawBid: number, rawAsk: number, bestBid: Px, bestAsk: Px, tick: Px): MakerQuotes {
  const bid = clampPx(Math.min(rawBid, bestAsk - tick), tick);
  const ask = clampPx(Math.max(rawAsk, bestBid + tick), tick);
  return bid < ask ? { bid, ask } : { bid: null, ask: null };
}

/** floor(a / b) for safe integers a and b > 0, exact (the float quotient is corrected by one step). */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q -= 1;
  else if ((q + 1) * b <= a) q += 1;
  return q;
}

/** The same quotes computed in Decimal dollars: the reference form (and the fallback beyond 2^53). */
export function makerPricesDecimal(book: BookView, tick: Px, net: number, P: Pick<Params, 'halfSpread' | 'skewPerShare'>): MakerQuotes {
  const bestBid = book.bestBid(), bestAsk = book.bestAsk();
  const mid = book.midDollars(); // null unless both sides have a level
  if (mid === null || bestBid === null || bestAsk === null) return { bid: null, ask: null };
  const skew = new D(net).div(QTY_SCALE).mul(P.skewPerShare).div(PX_SCALE);
  const half = new D(P.halfSpread).div(PX_SCALE);
  return inside(floorToTick(dollarsToPx(mid.sub(half).sub(skew), 'down'), tick), ceilToTick(dollarsToPx(mid.add(half).sub(skew), 'up'), tick), bestBid, bestAsk, tick);
}

/** What the strategy keeps per market, made once (hot path: one lookup, no key strings or closures per book change). */
interface MarketState {
  /** The stop timer was considered (armStop). */
  armed: boolean;
  /** Stopped before the end or resolved: never quoted again. */
  stopped: boolean;
  readonly bidKey: string;
  readonly askKey: string;
  /** Keys of this market's slots (the pull filter). */
  readonly mine: (key: string) => boolean;
  /** The requote rule at this market's tick of the current quote() call. */
  readonly moved: (cur: LiveQuote, spec: QuoteSpec) => boolean;
  tick: Px;
}

function create(ctx: StrategyContext<Params>) {
  const P = ctx.params;
  const quotes = new QuoteSlots(ctx);
  const perMarket = new Map<string, MarketState>();

  const binary = (m: MarketMeta | undefined): m is MarketMeta => m !== undefined && m.tokens.length === 2;
  function stateOf(cid: string): MarketState {
    let s = perMarket.get(cid);
    if (s === undefined) {
      const prefix = `${cid}:`;
      const made: MarketState = {
        armed: false,
        stopped: false,
        bidKey: `${cid}:bid`,
        askKey: `${cid}:ask`,
        mine: (key) => key.startsWith(prefix),
        moved: (cur, spec) => Math.abs(cur.px - spec.px) >= P.requoteThreshold * made.tick,
        tick: px.ticks(1),
      };
      perMarket.set(cid, made);
      s = made;
    }
    return s;
  }

  function armStop(m: MarketMeta, s: MarketState): void {
    if (s.armed) return;
    s.armed = true;
    const end = endDateNs(m);
    if (end !== null) ctx.setTimer(`stop:${m.conditionId}`, end - P.stopBefore);
  }

  function stop(cid: string): void {
    const s = stateOf(cid);
    s.stopped = true;
    quotes.pull(s.mine);
  }

  function quote(m: MarketMeta, s: MarketState): void {
    if (s.stopped) return;
    const yes = m.tokens[0]!.tokenId, no = m.tokens[1]!.tokenId;
    const book = ctx.book(yes);
    if (book === undefined || !book.valid || book.isCrossed() || !ctx.canTrade(yes)) {
      quotes.pull(s.mine);
      return;
    }
    const tick = tickOf(book, m);
    const net = ctx.position(yes).qty - ctx.position(no).qty;
    const { bid, ask } = makerPrices(book, tick, net, P);
    const min = minSizeOf(m);
    const bidQty = Math.min(P.size, P.maxPosition - net);
    const askQty = Math.min(P.size, P.maxPosition + net);
    s.tick = tick;
    quotes.want(s.bidKey, bid !== null && bidQty >= min ? { assetId: yes, side: 'BUY', px: bid, qty: qty.micro(bidQty) } : null, s.moved);
    quotes.want(s.askKey, ask !== null && askQty >= min ? { assetId: no, side: 'BUY', px: complementPx(ask), qty: qty.micro(askQty) } : null, s.moved);
  }

  function mergePairs(m: MarketMeta): void {
    const pairs = minQty(ctx.position(m.tokens[0]!.tokenId).qty, ctx.position(m.tokens[1]!.tokenId).qty);
    if (pairs > 0) ctx.merge(m.conditionId, pairs);
  }

  return {
    onStart() {
      for (const m of ctx.markets()) if (binary(m)) armStop(m, stateOf(m.conditionId));
      ctx.setTimeout('check', P.checkEvery);
    },
    onBook(assetId: string) {
      const m = ctx.market(assetId);
      if (!binary(m) || m.tokens[0]!.tokenId !== assetId) return; // both views change together: act once
      const s = stateOf(m.conditionId);
      armStop(m, s);
      quote(m, s);
    },
    onOrder(ev: OrderEvent) {
      const freed = quotes.onOrder(ev);
      const m = ev.type === 'order_filled' ? ctx.market(ev.assetId) : freed !== null ? ctx.market(freed.slice(0, freed.indexOf(':'))) : undefined;
      if (!binary(m)) return;
      if (ev.type === 'order_filled') mergePairs(m);
      quote(m, stateOf(m.conditionId));
    },
    onTimer(t: { name: string }) {
      if (t.name.startsWith('stop:')) return stop(t.name.slice(5));
      if (t.name === 'check') {
        for (const q of quotes.live()) {
          const m = ctx.market(q.assetId);
          if (binary(m) && !ctx.canTrade(m.tokens[0]!.tokenId)) quotes.pull(stateOf(m.conditionId).mine);
        }
        ctx.setTimeout('check', P.checkEvery);
      }
    },
    onFeed(ev: FeedState) {
      if (ev.source === 'market_ws' && ev.state !== 'open') quotes.pull();
    },
    onResolved(ev: MarketResolved) {
      stop(ev.market);
    },
  };
}

export default defineStrategy({
  name: 'market-maker',
  description: 'Two-sided post-only quotes around the mid, skewed against inventory; stops before the market ends and on feed loss.',
  params,
  create,
});
