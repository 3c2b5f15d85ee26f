/**
 * Sum-to-one arbitrage on a binary market.
 *
 * The idea: one YES share plus one NO share of the same market can always be merged back into $1.
 * If you can BUY both for less than $1 together (after taker fees), merging them locks in the
 * difference at once, whatever the outcome.
 *
 * What it does, on every book update of a binary market:
 * 1. Walks the YES asks and the NO asks together, cheapest first, and keeps taking pairs while the
 *    next pair costs at most 1 - minEdge, taker fees included (the fee is paid in shares on a buy,
 *    so fewer shares arrive and fewer pairs can be merged). It stops at `size` pairs, at `maxSpend`
 *    dollars and at the cash available. Sizes are rounded down to 0.01 share.
 * 2. Checks the exact plan: the dollars of both sweeps must be at most (1 - minEdge) per pair it can
 *    merge, where the pairs it can merge = min(YES received, NO received) with the fee rounded up.
 * 3. Sends two dollar-sized taker BUYs (FAK by default, or FOK), each for exactly the cost of its
 *    sweep and capped at the worst level it planned to touch.
 * 4. When both orders are done (filled, killed or rejected), merges min(YES held, NO held) into cash.
 *    A leg that filled more than the other keeps the extra shares; they are held to settlement.
 *
 * Parameters
 * - size (shares, default 100): most pairs per attempt.
 * - minEdge (price, default 0.01): profit required per merged pair, in dollars.
 * - maxSpend (dollars, default 1000): most dollars per attempt (both legs together).
 * - tif (FAK | FOK, default FAK): FAK takes what is there; FOK all-or-nothing per leg.
 * - cooldown (duration, default 1s): wait after an attempt before trying that market again (it looks
 *   again when the cooldown ends, and on every later book update).
 *
 * Known limits (read these)
 * - Polymarket's YES and NO books are ONE book: a NO ask at q is a YES bid at 1 - q. So YES ask + NO
 *   ask = 1 + (YES ask - YES bid) is below 1 only when the book is CROSSED, which the venue's
 *   matching engine does not let stand. On clean data this strategy should never trade; it fires on
 *   crossed or stale books (data-quality moments), which a paper fill may flatter. Treat its results
 *   as a data check first, a strategy second. The same walk is useful across markets (neg-risk baskets).
 * - In replay the recorded book does not react to our orders: it keeps showing shares we already
 *   bought. The strategy plans on `ctx.available` (displayed minus our own taker fills, the paper
 *   exchange's own overlay), so it never counts the same shares twice.
 * - Taker fees are the engine's own (`ctx.feeTerms` for the marginal screen, `ctx.takerFee` per level for
 *   the exact plan): what the paper exchange will charge. Venue size/amount decimal rules are not applied.
 * - Latency: the orders act on the book as it is when they arrive; if it moved, FAK may fill less
 *   (and one leg more than the other), FOK may be killed.
 */
import { z } from 'zod';
import { defineStrategy, type BookView, type StrategyContext, type TimerInfo } from 'poly';
import { p } from 'poly';
import { D, PX_ONE, formatCash, formatQty, notional, usd, type Cash, type FeeTerms, type Px, type Qty } from 'poly';
import type { MarketMeta } from 'poly';
import type { OrderEvent } from 'poly';
import type { Level } from 'poly';
import { MIN_MARKETABLE, feeFraction, floorToLot, minQty, planBuy, type BuyFeeShares, type BuyPlan } from './lib/helpers.ts';

const params = z.object({
  size: p.qty().prefault('100'),
  minEdge: p.px().prefault('0.01'),
  maxSpend: p.usd().prefault('1000'),
  tif: z.enum(['FAK', 'FOK']).prefault('FAK'),
  cooldown: p.duration().refine((v) => v > 0n, { message: 'cooldown must be longer than 0' }).prefault('1s'),
});
type Params = z.output<typeof params>;

export interface PairPlan {
  readonly yes: BuyPlan;
  readonly no: BuyPlan;
  /** Pairs that can be merged for sure: min(YES received, NO received). */
  readonly pairs: Qty;
  readonly cost: Cash;
}

/**
 * How many pairs are worth buying: walk both ask ladders together while the marginal pair costs at most
 * (1 - minEdge) per merged pair (fee shares included), then check the exact plan. Null = no trade.
 */
export function planPairs(
  yesLeg: { assetId: string; asks: readonly Level[]; fee: BuyFeeShares },
  noLeg: { assetId: string; asks: readonly Level[]; fee: BuyFeeShares },
  fees: FeeTerms | null,
  maxPairs: Qty,
  minEdge: number,
  cashCap: Cash,
): PairPlan | null {
  const limit = new D(PX_ONE - minEdge);
  const yes = yesLeg.asks, no = noLeg.asks;
  let i = 0, j = 0, usedY = 0, usedN = 0, taken = 0;
  let cashLeft: bigint = cashCap;
  while (i < yes.length && j < no.length && taken < maxPairs) {
    const ly = yes[i]!, ln = no[j]!;
    // Pairs merged per pair bought: the leg that loses more shares to the fee decides.
    const keep = new D(1).sub(D.max(feeFraction(fees, ly.px), feeFraction(fees, ln.px)));
    if (new D(ly.px + ln.px).gt(limit.mul(keep))) break;
    const pairPx = BigInt(ly.px + ln.px);
    const affordable = Number(cashLeft / pairPx);
    const chunk = Math.min(ly.qty - usedY, ln.qty - usedN, maxPairs - taken, affordable);
    if (chunk <= 0) break;
    taken += chunk;
    cashLeft -= pairPx * BigInt(chunk);
    usedY += chunk;
    usedN += chunk;
    if (usedY === ly.qty) {
      i += 1;
      usedY = 0;
    }
    if (usedN === ln.qty) {
      j += 1;
      usedN = 0;
    }
  }
  const qty = floorToLot(taken);
  if (qty <= 0) return null;
  const y = planBuy(yesLeg.assetId, yes, qty, yesLeg.fee);
  const n = planBuy(noLeg.assetId, no, qty, noLeg.fee);
  if (y === null || n === null) return null;
  const pairs = minQty(y.netQty, n.netQty);
  const cost = usd.raw(y.cost + n.cost);
  if (pairs <= 0 || cost > notional(PX_ONE - minEdge, pairs)) return null;
  if (y.cost < MIN_MARKETABLE || n.cost < MIN_MARKETABLE) return null;
  return { yes: y, no: n, pairs, cost };
}

interface Attempt {
  readonly orders: readonly string[];
}

function create(ctx: StrategyContext<Params>) {
  const P = ctx.params;
  const attempts = new Map<string, Attempt>();
  const nextTryNs = new Map<string, bigint>();

  const binary = (m: MarketMeta | undefined): m is MarketMeta => m !== undefined && m.tokens.length === 2;

  function consider(m: MarketMeta): void {
    const cid = m.conditionId;
    if (attempts.has(cid) || ctx.now() < (nextTryNs.get(cid) ?? 0n)) return;
    const yesId = m.tokens[0]!.tokenId, noId = m.tokens[1]!.tokenId;
    const yb = ctx.book(yesId), nb = ctx.book(noId);
    if (yb === undefined || nb === undefined || !yb.valid || !ctx.canTrade(yesId) || !ctx.canTrade(noId)) return;
    const cash = ctx.cash();
    const cap = cash < P.maxSpend ? cash : P.maxSpend;
    if (cap <= 0n) return;
    const legs = [yesId, noId].map((id) => ({ assetId: id, asks: ctx.available(id, 'ask'), fee: (px: Px, q: Qty) => ctx.takerFee(id, 'BUY', px, q).feeQty }));
    const plan = planPairs(legs[0]!, legs[1]!, ctx.feeTerms(yesId), P.size, P.minEdge, cap);
    if (plan === null) return;
    ctx.log.info('sum-to-one: buying pairs', { market: cid, pairs: formatQty(plan.pairs), cost: formatCash(plan.cost) });
    const orders = [plan.yes, plan.no].map((leg) => ctx.marketBuy({ assetId: leg.assetId, spend: leg.cost, worstPx: leg.worstPx, tif: P.tif }));
    attempts.set(cid, { orders });
  }

  /** Both legs finished: merge every pair we hold. */
  function settleAttempts(): void {
    const open = new Set(ctx.openOrders().map((o) => o.clientId));
    for (const [cid, a] of attempts) {
      if (a.orders.some((id) => open.has(id))) continue;
      attempts.delete(cid);
      nextTryNs.set(cid, ctx.now() + P.cooldown);
      ctx.setTimeout(`retry:${cid}`, P.cooldown);
      const m = ctx.market(cid);
      if (!binary(m)) continue;
      const pairs = minQty(ctx.position(m.tokens[0]!.tokenId).qty, ctx.position(m.tokens[1]!.tokenId).qty);
      if (pairs > 0) ctx.merge(cid, pairs);
    }
  }

  return {
    onBook(assetId: string, _book: BookView) {
      const m = ctx.market(assetId);
      if (binary(m)) consider(m);
    },
    onTimer(t: TimerInfo) {
      const m = t.name.startsWith('retry:') ? ctx.market(t.name.slice(6)) : undefined;
      if (binary(m)) consider(m);
    },
    onOrder(ev: OrderEvent) {
      if (ev.type === 'positions_merged') ctx.log.info('sum-to-one: merged', { market: ev.market, qty: formatQty(ev.qty) });
      if (attempts.size > 0) settleAttempts();
    },
  };
}

export default defineStrategy({
  name: 'sum-to-one-arb',
  description: 'Buy YES and NO of one binary market when together they cost less than $1 after fees, then merge the pairs.',
  params,
  create,
});
