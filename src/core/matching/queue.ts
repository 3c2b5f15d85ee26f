/**
 * Queue-position models for resting paper orders (after hftbacktest `models/queue.rs`): the public face of
 * `queue/` (the `QueueModel` interface in `queue/model.ts`, one file per model, THE table in
 * `queue/table.ts`).
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
 * Models (table.ts): conservative (queue/conservative.ts) and probabilistic with power-2, power-3 and log
 * weights (queue/probabilistic.ts).
 * Decrease and print of one trade (attribution.ts): a decrease that a print received within the print
 * window explains is not a cancel (`tradedSince` = the explained part); when the decrease comes first, the
 * exchange gives the order back what the decrease took off `ahead` and walks the print over the queue as it
 * was (matching-core.ts), so in both models the trade moves the queue once.
 */
import type { Qty } from '../types/fixed.ts';
import type { Rng } from '../rng.ts';
import type { QueueModel } from './queue/model.ts';

export type { QueueModel, QueueSlot, TradeAtLevel } from './queue/model.ts';
export { joinBehindDisplayed, normalizeAheads, tradeAtLevel } from './queue/model.ts';
export { conservativeQueue } from './queue/conservative.ts';
export { logProbability, powerProbability, probabilisticQueue, type QueueProbability } from './queue/probabilistic.ts';
export { queueModelNamed, queueModelNames, queueModels, registerQueueModel, type QueueModelEntry } from './queue/table.ts';

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
  return model.depth(aheads, prevQty, newQty, tradedSince, cap, rng);
}
