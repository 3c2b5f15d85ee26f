// Resolution metrics and locked capital (src/core/economics/resolution.ts), by hand.
import { describe, expect, it } from 'vitest';
import { brierScore, LockedCapital, settlementLines } from '../../src/core/economics/resolution.ts';
import { D } from '../../src/core/types/fixed.ts';
import { NS_PER_DAY, nsFromIso } from '../../src/core/time.ts';
import { px, qty, usd } from '../helpers/exact.ts';

describe('Brier score and calibration of our fill prices', () => {
  const resolved = [{ market: 'm', tsNs: 0n, payouts: new Map([['yes', 10_000], ['no', 0]]) }];
  const fills = [
    { assetId: 'yes', px: px('0.70'), qty: qty('10'), tsNs: 1n }, // (0.7 - 1)^2 = 0.09, x 10
    { assetId: 'no', px: px('0.20'), qty: qty('30'), tsNs: 2n }, //  (0.2 - 0)^2 = 0.04, x 30
    { assetId: 'other', px: px('0.50'), qty: qty('99'), tsNs: 3n }, // not resolved: ignored
  ];
  it('share-weighted', () => {
    const b = brierScore(fills, resolved);
    // (10 x 0.09 + 30 x 0.04) / 40 = (0.9 + 1.2) / 40 = 0.0525
    expect(b.fills).toBe(2);
    expect(b.shares.eq(40)).toBe(true);
    expect(b.brier!.eq('0.0525')).toBe(true);
    const c2 = b.calibration[2]!; // [0.2, 0.3): the NO fill, mean price 0.2, won 0
    expect([c2.from, c2.to, c2.fills]).toEqual(['0.2', '0.3', 1]);
    expect(c2.meanPrice!.eq('0.2')).toBe(true);
    expect(c2.winRate!.isZero()).toBe(true);
    expect(b.calibration[7]!.winRate!.eq(1)).toBe(true);
    expect(b.calibration[5]!.meanPrice).toBeNull();
    expect(brierScore([], resolved).brier).toBeNull();
  });
});

describe('settlement against mark-to-market', () => {
  it('payout - value at the last mark is the resolution jump', () => {
    // 10 shares bought for 6 $, marked at 0.55 (5.5 $) before resolving as the winner (10 $)
    const [l] = settlementLines([{ market: 'm', assetId: 'yes', tsNs: 0n, qty: qty('10'), costBasis: usd('6'), mark: new D('0.55'), markValue: usd('5.5'), payoutPx: 10_000 }]);
    expect(l!.payout).toBe(usd('10'));
    expect(l!.settlementPnl).toBe(usd('4'));
    expect(l!.markToMarketPnl).toBe(usd('-0.5'));
    expect(l!.jump).toBe(usd('4.5'));
  });
});

describe('locked capital', () => {
  it('time-weighted per UTC day, split at midnight', () => {
    const t0 = nsFromIso('2026-05-01T18:00:00Z')!;
    const h = 3_600_000_000_000n;
    const c = new LockedCapital();
    c.start(t0);
    c.set(t0 + h, usd('100')); // 19:00 locks 100
    c.set(t0 + 8n * h, usd('40')); // 02:00 next day: 40
    const st = c.finish(t0 + 12n * h); // 06:00
    // day 1 (18:00-24:00, 6 h): 0 for 1 h, 100 for 5 h -> 500 $h / 6 h = 83.333...
    expect(st.days[0]!.day).toBe('2026-05-01');
    expect(st.days[0]!.coveredNs).toBe(6n * h);
    expect(st.days[0]!.average!.toFixed(6)).toBe('83.333333');
    expect(st.days[0]!.peak).toBe(usd('100'));
    // day 2 (00:00-06:00): 100 for 2 h, 40 for 4 h -> 360 / 6 = 60
    expect(st.days[1]!.average!.eq(60)).toBe(true);
    expect(st.days[1]!.peak).toBe(usd('100'));
    // run: (500 + 360) $h / 12 h = 71.666...; dollar-days = 860 / 24 = 35.8333...
    expect(st.average!.toFixed(6)).toBe('71.666667');
    expect(st.peak).toBe(usd('100'));
    expect(st.dollarDays.toFixed(6)).toBe('35.833333');
    expect(NS_PER_DAY).toBe(24n * h);
  });
});
