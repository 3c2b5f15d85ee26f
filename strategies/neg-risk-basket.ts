/**
 * Neg-risk basket: buy YES of every outcome of a one-winner event when the whole set costs less than $1.
 *
 * The idea: in a neg-risk event (several markets sharing one eventSlug, negRisk true) exactly one
 * outcome resolves YES. Holding one YES share of EVERY outcome therefore pays exactly $1 at resolution.
 * If the set can be bought for less, the difference is locked in (minus fees), whoever wins.
 *
 * What it does, on every book update of a market in such an event:
 * - For each outcome, the cost of buying `size` YES shares from the asks still available to us (walking the
 *   depth, i.e. the VWAP for that size; `ctx.available`: displayed minus what our own earlier fills took),
 *   and the shares that arrive after the taker fee (paid in shares; `ctx.takerFee`, the engine's own fee).
 * - Buys only if total cost <= (1 - minEdge) x the number of complete sets received (the smallest leg),
 *   every leg has the depth, and every leg is worth the venue's $1 minimum. The set is shrunk to fit
 *   `maxSpend` and the cash available.
 * - Sends one dollar-sized BUY per outcome (FOK by default: all or nothing per leg), at most
 *   `maxBaskets` times per event, `cooldown` apart, and holds everything to settlement.
 *
 * Parameters
 * - size (shares per outcome, default 10), minEdge (price, default 0.01), maxSpend (dollars per basket,
 *   default 1000), maxBaskets (default 1), minOutcomes (default 2), tif (FOK | FAK, default FOK),
 *   cooldown (duration, default 1s), event (eventSlug to trade; default: every neg-risk event).
 *
 * Known limits (read these)
 * - It trusts that the markets of the run ARE the whole event. If an outcome is missing from the run
 *   (not recorded, or an "Other"/placeholder outcome of an augmented neg-risk event), the set does not
 *   cover every case and can lose everything. Check the event's outcome list before trusting a result.
 * - The legs are separate orders: if one leg is killed (FOK) or partly filled (FAK) the basket is
 *   incomplete and is NOT unwound; it is logged as a warning and held to settlement.
 * - Neg-risk conversions (NO of one outcome into YES of all others) are not used or modelled.
 */
import { z } from 'zod';
import { defineStrategy, type BookView, type StrategyContext } from 'poly';
import { p } from 'poly';
import { PX_ONE, formatCash, formatQty, notional, usd, type Cash, type Px, type Qty } from 'poly';
import type { Level, MarketListed } from 'poly';
import type { MarketMeta } from 'poly';
import type { OrderEvent } from 'poly';
import { MIN_MARKETABLE, floorToLot, minQty, planBuy, type BuyFeeShares, type BuyPlan } from './lib/helpers.ts';

const params = z.object({
  size: p.qty().prefault('10'),
  minEdge: p.px().prefault('0.01'),
  maxSpend: p.usd().prefault('1000'),
  maxBaskets: p.int().refine((v) => v >= 1, { message: 'maxBaskets must be at least 1' }).prefault('1'),
  minOutcomes: p.int().refine((v) => v >= 2, { message: 'minOutcomes must be at least 2' }).prefault('2'),
  tif: z.enum(['FOK', 'FAK']).prefault('FOK'),
  cooldown: p.duration().refine((v) => v > 0n, { message: 'cooldown must be longer than 0' }).prefault('1s'),
  event: z.string().optional(),
});
type Params = z.output<typeof params>;

export interface BasketPlan {
  readonly legs: readonly BuyPlan[];
  /** Complete sets received for sure: the smallest leg after fees. */
  readonly sets: Qty;
  readonly cost: Cash;
}

/** Plans `size` YES of every outcome; null when a leg is too thin or the set is not cheap enough. */
export function planBasket(
  outcomes: readonly { readonly assetId: string; readonly asks: readonly Level[]; readonly fee: BuyFeeShares }[],
  size: Qty,
  minEdge: number,
  cashCap: Cash,
): BasketPlan | null {
  const plan = (n: Qty): BuyPlan[] | null => {
    const legs: BuyPlan[] = [];
    for (const o of outcomes) {
      const leg = planBuy(o.assetId, o.asks, n, o.fee);
      if (leg === null) return null;
      legs.push(leg);
    }
    return legs;
  };
  let legs = plan(size);
  if (legs === null) return null;
  const total = (ls: readonly BuyPlan[]) => ls.reduce((a, l) => a + l.cost, 0n);
  if (total(legs) > cashCap) {
    if (cashCap <= 0n) return null; // nothing to spend (floorToLot takes no negative size)
    // Smaller sets cost less per set (the walk stops earlier), so the scaled size fits the cap.
    const n = floorToLot(Number((BigInt(size) * cashCap) / total(legs)));
    legs = n > 0 ? plan(n) : null;
    if (legs === null || total(legs) > cashCap) return null;
  }
  const sets = minQty(...legs.map((l) => l.netQty));
  const cost = usd.raw(total(legs));
  if (sets <= 0 || cost > notional(PX_ONE - minEdge, sets)) return null;
  if (legs.some((l) => l.cost < MIN_MARKETABLE)) return null;
  return { legs, sets, cost };
}

interface EventState {
  baskets: number;
  pending: string[];
  nextTryNs: bigint;
}

function create(ctx: StrategyContext<Params>) {
  const P = ctx.params;
  const events = new Map<string, EventState>();

  const eventOf = (m: MarketMeta | undefined): string | null =>
    m !== undefined && m.negRisk && m.tokens.length === 2 && m.eventSlug !== null && (P.event === undefined || P.event === m.eventSlug) ? m.eventSlug : null;

  function consider(slug: string): void {
    let st = events.get(slug);
    if (st === undefined) events.set(slug, (st = { baskets: 0, pending: [], nextTryNs: 0n }));
    if (st.pending.length > 0 || st.baskets >= P.maxBaskets || ctx.now() < st.nextTryNs) return;
    const members = ctx.markets().filter((m) => eventOf(m) === slug);
    if (members.length < P.minOutcomes) return;
    const outcomes = [];
    for (const meta of members) {
      const assetId = meta.tokens[0]!.tokenId;
      const book = ctx.book(assetId);
      if (book === undefined || !book.valid || !ctx.canTrade(assetId)) return;
      outcomes.push({ assetId, asks: ctx.available(assetId, 'ask'), fee: (px: Px, q: Qty) => ctx.takerFee(assetId, 'BUY', px, q).feeQty });
    }
    const cash = ctx.cash();
    const plan = planBasket(outcomes, P.size, P.minEdge, cash < P.maxSpend ? cash : P.maxSpend);
    if (plan === null) return;
    ctx.log.info('neg-risk basket: buying every outcome', { event: slug, outcomes: plan.legs.length, sets: formatQty(plan.sets), cost: formatCash(plan.cost) });
    st.pending = plan.legs.map((l) => ctx.marketBuy({ assetId: l.assetId, spend: l.cost, worstPx: l.worstPx, tif: P.tif }));
    st.baskets += 1;
  }

  function checkDone(): void {
    const open = new Set(ctx.openOrders().map((o) => o.clientId));
    for (const [slug, st] of events) {
      if (st.pending.length === 0 || st.pending.some((id) => open.has(id))) continue;
      st.pending = [];
      st.nextTryNs = ctx.now() + P.cooldown;
      const held = ctx.markets().filter((m) => eventOf(m) === slug).map((m) => ctx.position(m.tokens[0]!.tokenId).qty);
      if (Math.min(...held) !== Math.max(...held)) ctx.log.warn('neg-risk basket: legs filled unevenly, holding as is', { event: slug, held: held.map(formatQty) });
    }
  }

  return {
    onBook(assetId: string, _book: BookView) {
      const slug = eventOf(ctx.market(assetId));
      if (slug !== null) consider(slug);
    },
    onMarket(ev: MarketListed) {
      const slug = eventOf(ev.meta);
      if (slug !== null) consider(slug);
    },
    onOrder(_ev: OrderEvent) {
      checkDone();
    },
  };
}

export default defineStrategy({
  name: 'neg-risk-basket',
  description: 'Buy YES of every outcome of a neg-risk event when the whole set costs less than $1 after fees; hold to settlement.',
  params,
  create,
});
