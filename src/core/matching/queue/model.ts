/**
 * The queue-model interface of the paper exchange: where a resting paper order stands in the venue's queue
 * at its price, and how that estimate moves. After hftbacktest's `QueueModel` trait (`new_order`, `trade`,
 * `depth`, `is_filled`): here `join`, `trade`, `depth` and `filled`, over the orders of ONE level in
 * priority order. A model is one file in this folder plus one line in `table.ts`.
 *
 * What a model sees: `ahead` = venue shares in front of an order (paper orders are not in the venue's
 * book, so they never count), the level's displayed size before and after a change, the part of a
 * decrease that trade prints explain (attribution.ts), and a print's size. What it does not decide: the
 * price priority across levels, the consumed-liquidity overlay, print attribution and the clamp of every
 * `ahead` to what the level still shows (`normalizeAheads`, applied by the matching core after `depth`
 * and `trade`); those are the exchange's rules for every model.
 *
 * Invariants every model must keep (test/matching/property.test.ts and no-double-fill.test.ts check them
 * through the exchange for conservative and probabilistic)
 * - 0 <= ahead; several orders at one level are in FIFO order (ahead non-decreasing in priority order
 *   after normalizeAheads).
 * - `filled` gives our orders at most the print's size in total: a print is one budget shared, in priority
 *   order, by the venue shares ahead and our orders.
 * - Randomness only from the Rng passed in (seeded), the same number of draws for the same inputs.
 */
import type { Qty } from '../../types/fixed.ts';
import type { Rng } from '../../rng.ts';

/** One resting order of a level, in priority order: venue shares ahead of it and shares it still wants. */
export interface QueueSlot {
  readonly ahead: Qty;
  readonly leaves: Qty;
}

export interface QueueModel {
  /** The model's name as the table knows it (e.g. 'conservative', 'power2'). */
  readonly name: string;
  /**
   * A new order joins the level: `displayed` = venue shares shown at its price now (minus liquidity our own
   * fills consumed there); `lastAhead` = the ahead of the paper order already last in this level's queue, or
   * null. Returns the new order's ahead.
   */
  join(displayed: Qty, lastAhead: Qty | null): Qty;
  /**
   * The level's displayed size changed from prevQty to newQty; `tradedSince` = the part of a decrease that
   * prints explain (not a cancel); `cap` = the most any order can have ahead now. Returns new aheads.
   */
  depth(aheads: readonly Qty[], prevQty: Qty, newQty: Qty, tradedSince: Qty, cap: Qty, rng: Rng): Qty[];
  /** A trade print of `budget` shares at the level: the new aheads (before fills are taken off). */
  trade(slots: readonly QueueSlot[], budget: Qty): Qty[];
  /** The same print: shares each slot fills from it (sum <= budget). */
  filled(slots: readonly QueueSlot[], budget: Qty): Qty[];
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

/** Behind the displayed size, and never in front of the paper order that joined before (FIFO). */
export function joinBehindDisplayed(displayed: Qty, lastAhead: Qty | null): Qty {
  const a = Math.max(0, displayed);
  return lastAhead === null ? a : Math.max(a, lastAhead);
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
