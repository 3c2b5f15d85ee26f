// Liquidity rewards (src/core/economics/rewards.ts), worked out by hand. Scores are kept as (v - s)^2 x size in
// ticks^2 x shares (1 cent = 100 ticks); dividing by v^2 gives the venue's S x size.
import { describe, expect, it } from 'vitest';
import { adjustedMid, bookSideScores, othersQMin3, ourSideScores, qMin3, RewardsEstimator, rewardsSample, scaledScore, type RewardsTerms } from '../../src/core/economics/rewards.ts';
import type { BookSide, Level } from '../../src/core/types/events.ts';
import { D } from '../../src/core/types/fixed.ts';
import { nsFromIso } from '../../src/core/time.ts';
import { px, qty } from '../helpers/exact.ts';

const lv = (p: string, q: string): Level => ({ px: px(p), qty: qty(q) });
const V3 = new D(300); // v = 3 cents = 300 ticks

describe('order score S(v, s) = ((v - s) / v)^2 x size', () => {
  it('the documented worked example (mid 0.50, v = 3 cents)', () => {
    const mid = new D(5000);
    // 100 @ 0.49 (s = 1c): (300 - 100)^2 x 100 = 4,000,000 -> / 300^2 = 44.444... = (2/3)^2 x 100
    expect(scaledScore(px('0.49'), qty('100'), mid, V3, 0).eq(4_000_000)).toBe(true);
    // 200 @ 0.48 (s = 2c): (100)^2 x 200 = 2,000,000 -> 22.222... = (1/3)^2 x 200
    expect(scaledScore(px('0.48'), qty('200'), mid, V3, 0).eq(2_000_000)).toBe(true);
    // 200 @ 0.505 (s = 0.5c): (250)^2 x 200 = 12,500,000 -> 138.888... = (2.5/3)^2 x 200
    expect(scaledScore(px('0.505'), qty('200'), mid, V3, 0).eq(12_500_000)).toBe(true);
    // Q_one of the example: 4e6 + 2e6 + 4e6 = 1e7 -> 1e7 / 9e4 = 111.11 (the docs' 44.44 + 22.22 + 44.44)
    expect(new D(10_000_000).div(90_000).toFixed(2)).toBe('111.11');
  });

  it('at or beyond the max spread, or below the min size, an order scores nothing', () => {
    const mid = new D(5000);
    expect(scaledScore(px('0.47'), qty('100'), mid, V3, 0).isZero()).toBe(true); // s = v
    expect(scaledScore(px('0.40'), qty('100'), mid, V3, 0).isZero()).toBe(true);
    expect(scaledScore(px('0.49'), qty('49.99'), mid, V3, qty('50')).isZero()).toBe(true);
  });

  it('Q_min: two-sided is the min, one-sided earns a third in [0.10, 0.90], nothing outside', () => {
    const a = new D(900), b = new D(0);
    // 3 x Q_min: max(3 x min, max) = max(0, 900) = 900, i.e. Q_min = 300 = 900 / 3
    expect(qMin3(a, b, new D(5000)).eq(900)).toBe(true);
    expect(qMin3(a, new D(600), new D(5000)).eq(1800)).toBe(true); // 3 x 600 beats 900
    expect(qMin3(a, b, new D(9500)).isZero()).toBe(true); // mid 0.95: double-sided only
    expect(qMin3(a, new D(600), new D(500)).eq(1800)).toBe(true);
  });

  it("others' bound: (Q1 + Q2 + min) / 3 covers every split of the levels among makers", () => {
    // Q1 = 6, Q2 = 3: one maker would score max(3, 6/3) = 3; makers (3,3) and (3,0) score 3 + 1 = 4;
    // the bound is (6 + 3 + 3) / 3 = 4 (3 x bound = 12)
    expect(othersQMin3(new D(6), new D(3), new D(5000)).eq(12)).toBe(true);
    expect(othersQMin3(new D(6), new D(3), new D(9500)).eq(9)).toBe(true); // outside: min only, 3 x 3
  });
});

describe('one sample against the recorded book (hand computed)', () => {
  // YES book: bids 0.48 x 100, 0.47 x 300, 0.46 x 20; asks 0.52 x 200, 0.55 x 50. min size 50, v = 3 cents.
  const bids = [lv('0.48', '100'), lv('0.47', '300'), lv('0.46', '20')];
  const asks = [lv('0.52', '200'), lv('0.55', '50')];
  const levels = (side: BookSide) => (side === 'bid' ? bids : asks);
  const terms: RewardsTerms = { maxSpreadCents: new D(3), minSize: qty('50'), ratePerDay: new D('14.4'), source: 'test' };

  it('the adjusted midpoint skips levels below min size', () => {
    expect(adjustedMid(bids, asks, qty('50'))!.eq(5000)).toBe(true); // (0.48 + 0.52) / 2
    // with min size 150 the first qualifying levels are 0.47 (300) and 0.52 (200): mid 0.495
    expect(adjustedMid(bids, asks, qty('150'))!.eq(4950)).toBe(true);
    expect(adjustedMid(bids, [lv('0.52', '10')], qty('50'))).toBeNull();
  });

  it('book side scores', () => {
    // bids: 0.48 (s = 2c) -> 100^2 x 100 = 1,000,000; 0.47 (s = 3c) -> 0; 0.46 x 20 < min size -> 0
    // asks: 0.52 (s = 2c) -> 100^2 x 200 = 2,000,000; 0.55 (s = 5c) -> 0
    const b = bookSideScores(levels, new D(5000), V3, qty('50'));
    expect(b.q1.eq(1_000_000)).toBe(true);
    expect(b.q2.eq(2_000_000)).toBe(true);
  });

  it('our share and the reward', () => {
    const ours = [
      // YES bid 0.49 x 60: side one, s = 1c -> 200^2 x 60 = 2,400,000
      { tokenIndex: 0 as const, side: 'BUY' as const, px: px('0.49'), leavesQty: qty('60') },
      // NO ask 0.51 x 30: side one on the complement's midpoint 0.50, but 30 < min size -> 0
      { tokenIndex: 1 as const, side: 'SELL' as const, px: px('0.51'), leavesQty: qty('30') },
    ];
    const o = ourSideScores(ours, new D(5000), V3, qty('50'));
    expect(o.q1.eq(2_400_000)).toBe(true);
    expect(o.q2.isZero()).toBe(true);
    const s = rewardsSample(terms, levels, ours);
    // ours: one-sided, mid in range: 3 x Q_min = max(3 x 0, 2,400,000) = 2,400,000
    expect(s.ours3.eq(2_400_000)).toBe(true);
    // others: 3 x bound = 1,000,000 + 2,000,000 + min(1,000,000, 2,000,000) = 4,000,000
    expect(s.others3.eq(4_000_000)).toBe(true);
    // share = 2.4 / (4 + 2.4) = 0.375
    expect(s.share!.eq('0.375')).toBe(true);
    // two samples on one day: share sum 0.75; reward = 0.75 x 14.4 / 1440 = 0.0075 -> under $1, not paid
    const est = new RewardsEstimator();
    const t = nsFromIso('2026-05-01T10:00:00Z')!;
    est.add('m', t, terms, s);
    est.add('m', t + 60_000_000_000n, terms, s);
    const [d] = est.result();
    expect(d!.samples).toBe(2);
    expect(d!.samplesScored).toBe(2);
    expect(d!.shareSum.eq('0.75')).toBe(true);
    expect(d!.meanShare!.eq('0.375')).toBe(true);
    expect(d!.estimate!.toFixed()).toBe('0.0075');
    expect(d!.paid!.isZero()).toBe(true);
    // a day of such samples: 1440 x 0.375 x 14.4 / 1440 = 5.4, paid
    const full = new RewardsEstimator();
    for (let i = 0; i < 1440; i++) full.add('m', t - 36_000_000_000_000n + BigInt(i) * 60_000_000_000n, terms, s);
    expect(full.result()[0]!.paid!.toFixed()).toBe('5.4');
  });

  it('no qualifying level on a side: the sample scores nothing; unknown rate: shares only', () => {
    const s = rewardsSample(terms, (side) => (side === 'bid' ? bids : [lv('0.52', '10')]), []);
    expect(s.midTicks).toBeNull();
    expect(s.share).toBeNull();
    const est = new RewardsEstimator();
    est.add('m', 0n, { ...terms, ratePerDay: null }, s);
    const [d] = est.result();
    expect(d!.samplesWithoutMid).toBe(1);
    expect(d!.estimate).toBeNull();
  });
});
