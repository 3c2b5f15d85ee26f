// Maker rebates as paid (src/core/economics/rebates.ts), worked out by hand on a small tape.
import { describe, expect, it } from 'vitest';
import { RebateEstimator } from '../../src/core/economics/rebates.ts';
import { flatFees } from '../../src/core/matching/fees.ts';
import { nsFromIso } from '../../src/core/time.ts';
import { px, qty, usd } from '../helpers/exact.ts';

const M = '0x' + 'ab'.repeat(32);
const DAY1 = nsFromIso('2026-05-01T10:00:00Z')!;
const DAY2 = nsFromIso('2026-05-02T09:00:00Z')!;
// crypto terms: fee = C x 0.07 x p(1-p), makers get 20% of the taker fees
const terms = flatFees('0.07', '1', '0.2').terms(undefined, 0n);

describe('maker rebates as the venue pays them (hand computed)', () => {
  const est = new RebateEstimator();
  // Day 1, three recorded prints:
  //   1000 sh @ 0.50: fee-equivalent 1000 x 0.07 x 0.50 x 0.50 = 17.5   (the taker paid 17.5)
  //   2000 sh @ 0.40: 2000 x 0.07 x 0.40 x 0.60 = 33.6
  //    500 sh @ 0.90:  500 x 0.07 x 0.90 x 0.10 =  3.15
  //   prints' fee-equivalent = taker fees = 54.25; pool = 0.2 x 54.25 = 10.85
  est.onPrint(M, DAY1, terms, px('0.50'), qty('1000'));
  est.onPrint(M, DAY1 + 1n, terms, px('0.40'), qty('2000'));
  est.onPrint(M, DAY1 + 2n, terms, px('0.90'), qty('500'));
  // our paper maker fill: 1000 sh @ 0.50 -> fee-equivalent 17.5; the engine credited 17.5 x 0.2 = 3.5 per fill
  est.onMakerFill(M, DAY1 + 3n, terms, px('0.50'), qty('1000'), usd('3.5'));
  // Day 2: one print of 10 sh @ 0.50 (fee-eq 0.175, pool 0.035) and our fill of 10 @ 0.50 (0.175)
  est.onPrint(M, DAY2, terms, px('0.50'), qty('10'));
  est.onMakerFill(M, DAY2 + 1n, terms, px('0.50'), qty('10'), usd('0.035'));
  const [d1, d2] = est.result();

  it('day 1: our share of the fee-equivalent (ours added to the total) times the pool', () => {
    expect(d1!.day).toBe('2026-05-01');
    expect(d1!.prints).toBe(3);
    expect(d1!.printsFeeEquivalent.eq('54.25')).toBe(true);
    expect(d1!.takerFees.eq('54.25')).toBe(true);
    expect(d1!.pool.eq('10.85')).toBe(true);
    expect(d1!.ourFeeEquivalent.eq('17.5')).toBe(true);
    // share = 17.5 / (54.25 + 17.5) = 17.5 / 71.75 = 10/41 = 0.2439024390...
    expect(d1!.share!.toFixed(12)).toBe('0.243902439024');
    // estimate = 10/41 x 10.85 = 2.6463414634... floored to 1e-6 -> 2.646341; >= $1 so it is paid
    expect(d1!.estimate.toFixed()).toBe('2.646341');
    expect(d1!.paid.toFixed()).toBe('2.646341');
    // beside the per-fill estimate (3.5): the as-paid figure is lower because other makers share the pool
    expect(d1!.perFillEstimate).toBe(usd('3.5'));
  });

  it('day 2: under $1 is not paid', () => {
    // share = 0.175 / (0.175 + 0.175) = 0.5; estimate = 0.5 x 0.2 x 0.175 = 0.0175 -> paid 0
    expect(d2!.day).toBe('2026-05-02');
    expect(d2!.share!.eq('0.5')).toBe(true);
    expect(d2!.estimate.toFixed()).toBe('0.0175');
    expect(d2!.paid.isZero()).toBe(true);
  });

  it('a fee-free market has no pool and no rebate', () => {
    const e = new RebateEstimator();
    e.onPrint(M, DAY1, null, px('0.5'), qty('100'));
    e.onMakerFill(M, DAY1, null, px('0.5'), qty('100'), 0n);
    const [d] = e.result();
    expect(d!.prints).toBe(1);
    expect(d!.pool.isZero()).toBe(true);
    expect(d!.share).toBeNull();
    expect(d!.paid.isZero()).toBe(true);
  });
});
