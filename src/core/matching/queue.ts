/**
 * Queue-position models for resting paper orders (after hftbacktest `models/queue.rs`).
 *
 * A resting order joins the queue BEHIND the displayed size at its price when it arrives: `ahead` =
 * displayed venue shares at that price then (minus liquidity our own taker fills already consumed there).
 * `ahead` counts venue shares only: paper orders are not in the venue's book.
 *
 * Invariants (all quantities integer Qty)
 * - 0 <= ahead <= displayed size at the level (minus consumed), re-clamped after every book change: you
 *   cannot be behind shares that no longer exist (hftbacktest's RiskAdverseQueueModel clamps the same way).
 * - Several paper orders at one level keep FIFO consistency: in priority order, ahead is non-decreasing.
 * - A trade print of q shares is a budget shared, in priority order, by the venue shares ahead and our
 *   orders: our orders never receive more than q in total from one print (see `tradeAtLevel`).
 *
 * Models
 * - conservative: ahead decreases only by trade prints at the order's price (plus the clamp above).
 * - probabilistic: size decreases at the level that are not explained by prints seen since the last book
 *   change (hftbacktest's cum_trade_qty) are cancels; whether a cancel came from behind us is decided by ONE
 *   seeded draw u per level change: u < prob(front, back) -> behind (ahead moves only by what exceeds the
 *   shares behind), else -> in front (ahead -= decrease). prob is hftbacktest's f(back)/(f(back)+f(front))
 *   with f = x^n (power) or log(1+x) (log), front/back in shares. The shared draw keeps several orders
 *   consistent (a larger front is never "behind" when a smaller one is "in front").
 * Decrease and print of one trade (attribution.ts): a decrease that a print received within the print
 * window explains is not a cancel (`tradedSince` = the explained part); when the decrease comes first, the
 * exchange gives the order back what the decrease took off `ahead` and walks the print over the queue as it
 * was (exchange.ts), so in both models the trade moves the queue once.
 */
import type { Qty } from '../types/fixed.ts';
import { QTY_SCALE } from '../types/fixed.ts';
import type { Rng } from '../rng.ts';

/** Probability that a size decrease happened BEHIND the order, given shares in front and behind. */
export type QueueProbability = (front: number, back: number) => number;

export type QueueModel =
  | { readonly kind: 'conservative' }
  | { readonly kind: 'probabilistic'; readonly prob: QueueProbability; readonly name: string };

const finiteOr1 = (p: number): number => (Number.isFinite(p) ? p : 1);

/** f(x) = x^n: prob = back^n / (back^n + front^n). n = 2 or 3 are common choices. */
export function powerProbability(n: number): QueueProbability {
  return (front, back) => {
    const b = back ** n;
    return finiteOr1(b / (b + front ** n));
  };
}

/** f(x) = log(1 + x): prob = log(1+back) / (log(1+back) + log(1+front)). */
export const logProbability: QueueProbability = (front, back) => {
  const b = Math.log1p(back);
  return finiteOr1(b / (b + Math.log1p(front)));
};

export const conservativeQueue: QueueModel = { kind: 'conservative' };

export function probabilisticQueue(prob: QueueProbability = powerProbability(2), name = 'power2'): QueueModel {
  return { kind: 'probabilistic', prob, name };
}

/** Keeps aheads non-decreasing in priority order and within [0, cap]. */
export function normalizeAheads(aheads: readonly Qty[], cap: Qty): Qty[] {
  const out: Qty[] = [];
  let prev = 0;
  const c = Math.max(0, cap);
  for (const a of aheads) {
    prev = Math.max(prev, a);
    out.push(Math.min(prev, c));
  }
  return out;
}

/**
 * A level's displayed size changed from prevQty to newQty. Returns the new aheads (priority order).
 * `tradedSince` = the part of the decrease explained by prints (not double counted as cancels).
 * `cap` = the most any order can have ahead now (newQty minus our consumed overlay).
 */
export function depthChangeAheads(
  model: QueueModel,
  aheads: readonly Qty[],
  prevQty: Qty,
  newQty: Qty,
  tradedSince: Qty,
  cap: Qty,
  rng: Rng,
): Qty[] {
  if (model.kind === 'conservative' || newQty >= prevQty || aheads.length === 0) return normalizeAheads(aheads, cap);
  const chg = prevQty - newQty - tradedSince;
  if (chg <= 0) return normalizeAheads(aheads, cap);
  const u = rng.nextFloat();
  const next = aheads.map((front) => {
    const back = Math.max(0, prevQty - front);
    const pBehind = model.prob(front / QTY_SCALE, back / QTY_SCALE);
    if (u < pBehind) return Math.max(0, front - Math.max(0, chg - back));
    return Math.max(0, front - chg);
  });
  return normalizeAheads(next, cap);
}

export interface QueueSlot {
  readonly ahead: Qty;
  readonly leaves: Qty;
}

export interface TradeAtLevel {
  /** Shares filled per slot (priority order). */
  readonly fills: Qty[];
  /** New ahead per slot. */
  readonly aheads: Qty[];
  /** Part of the budget that went to our orders. */
  readonly used: Qty;
}

/**
 * A print of `budget` shares at this level walks the virtual queue front to back: the venue shares ahead
 * of the first order, that order, the venue shares between it and the next order, ... Our orders fill with
 * what reaches them; venue shares consumed in the walk are removed from every later order's ahead.
 */
export function tradeAtLevel(slots: readonly QueueSlot[], budget: Qty): TradeAtLevel {
  let remaining = budget;
  let prevAhead = 0;
  let venue = 0;
  const fills: Qty[] = [];
  for (const s of slots) {
    const gap = Math.max(0, s.ahead - prevAhead);
    const take = Math.min(remaining, gap);
    remaining -= take;
    venue += take;
    prevAhead = Math.max(prevAhead, s.ahead);
    const f = Math.min(remaining, s.leaves);
    remaining -= f;
    fills.push(f);
  }
  const aheads = slots.map((s) => Math.max(0, s.ahead - venue));
  return { fills, aheads, used: fills.reduce((a, b) => a + b, 0) };
}
