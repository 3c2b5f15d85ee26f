/**
 * probabilistic queue model (hftbacktest `ProbQueueModel`): size decreases at the level that prints do not
 * explain are cancels; whether a cancel came from behind us is decided by ONE seeded draw u per level
 * change: u < prob(front, back) -> behind (ahead moves only by what exceeds the shares behind), else in
 * front (ahead -= decrease). prob is f(back)/(f(back)+f(front)) with f = x^n (power) or log(1+x) (log),
 * front/back in shares. The shared draw keeps several orders consistent (a larger front is never "behind"
 * when a smaller one is "in front"). Increases and explained decreases draw nothing. Prints walk the queue
 * as in the conservative model.
 */
import type { Qty } from '../../types/fixed.ts';
import { QTY_SCALE } from '../../types/fixed.ts';
import type { QueueModel } from './model.ts';
import { joinBehindDisplayed, normalizeAheads, tradeAtLevel } from './model.ts';

/** Probability that a size decrease happened BEHIND the order, given shares in front and behind. */
export type QueueProbability = (front: number, back: number) => number;

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

export function probabilisticQueue(prob: QueueProbability = powerProbability(2), name = 'power2'): QueueModel {
  return {
    name,
    join: joinBehindDisplayed,
    depth(aheads, prevQty, newQty, tradedSince, cap, rng) {
      if (newQty >= prevQty || aheads.length === 0) return normalizeAheads(aheads, cap);
      const chg = prevQty - newQty - tradedSince;
      if (chg <= 0) return normalizeAheads(aheads, cap);
      const u = rng.nextFloat();
      const next = aheads.map((front): Qty => {
        const back = Math.max(0, prevQty - front);
        const pBehind = prob(front / QTY_SCALE, back / QTY_SCALE);
        if (u < pBehind) return Math.max(0, front - Math.max(0, chg - back));
        return Math.max(0, front - chg);
      });
      return normalizeAheads(next, cap);
    },
    trade: (slots, budget) => tradeAtLevel(slots, budget).aheads,
    filled: (slots, budget) => tradeAtLevel(slots, budget).fills,
  };
}
