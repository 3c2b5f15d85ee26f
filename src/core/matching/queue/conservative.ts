/**
 * conservative queue model: an order's place in the queue improves only through trade prints at its price
 * (the walk of `tradeAtLevel`) and the clamp to what the level still shows. A size decrease is never taken
 * as a cancel in front of us: the reading that cannot flatter. No random draws.
 */
import type { QueueModel } from './model.ts';
import { joinBehindDisplayed, normalizeAheads, tradeAtLevel } from './model.ts';

export const conservativeQueue: QueueModel = {
  name: 'conservative',
  join: joinBehindDisplayed,
  depth: (aheads, _prev, _next, _traded, cap) => normalizeAheads(aheads, cap),
  trade: (slots, budget) => tradeAtLevel(slots, budget).aheads,
  filled: (slots, budget) => tradeAtLevel(slots, budget).fills,
};
