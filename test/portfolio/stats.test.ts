import { describe, expect, it } from 'vitest';
import {
  describeInterval, EquityCurve, exposure, equityStats, MIN_RATIO_RETURNS, maxDrawdown, periodReturns, resample, sharpe, sortino, totalReturn, turnoverRatio, winRate, type EquityPoint,
} from '../../src/core/portfolio/stats.ts';
import { D } from '../../src/core/types/fixed.ts';
import { NS_PER_DAY } from '../../src/core/time.ts';
import { usd } from './helpers.ts';

const curve = (...pts: [number | bigint, string][]): EquityPoint[] => pts.map(([t, e]) => ({ tsNs: BigInt(t), equity: usd(e) }));
const day = (n: number) => BigInt(n) * NS_PER_DAY;
const close = (a: D | null, b: D | string | number) => {
  expect(a).not.toBeNull();
  expect(a!.sub(b).abs().lt('1e-40')).toBe(true);
};

describe('equity curve', () => {
  it('keeps time order: same time replaces, going back throws', () => {
    const c = new EquityCurve();
    c.add(1n, usd('100'));
    c.add(2n, usd('101'));
    c.add(2n, usd('99'));
    expect(c.points()).toEqual(curve([1, '100'], [2, '99']));
    expect(c.length).toBe(2);
    expect(() => c.add(1n, usd('1'))).toThrow(/time went back/);
  });
});

describe('return and drawdown (hand computed)', () => {
  const pts = curve([0, '100'], [10, '120'], [20, '90'], [30, '110'], [40, '130'], [50, '125'], [60, '125']);

  it('total return', () => {
    const r = totalReturn(pts)!;
    expect(r.pnl).toBe(usd('25'));
    expect(r.fraction!.eq('0.25')).toBe(true);
    expect(totalReturn([])).toBeNull();
    expect(totalReturn(curve([0, '0'], [1, '5']))!.fraction).toBeNull();
  });

  it('max drawdown amount, fraction, episode and durations', () => {
    const dd = maxDrawdown(pts)!;
    expect(dd.amount).toBe(usd('30')); // 120 -> 90
    expect(dd.fraction!.eq('0.25')).toBe(true);
    expect([dd.peakNs, dd.troughNs, dd.recoveryNs, dd.durationNs]).toEqual([10n, 20n, 40n, 30n]);
    expect(dd.longestUnderwaterNs).toBe(30n); // 10 -> 40 beats 40 -> 60 (end)
  });

  it('an unrecovered drawdown lasts to the last point; the largest fraction may come from another episode', () => {
    const dd = maxDrawdown(curve([0, '10'], [5, '5'], [10, '100'], [20, '60'], [35, '70']))!;
    expect(dd.amount).toBe(usd('40'));
    expect(dd.fraction!.eq('0.5')).toBe(true); // 10 -> 5
    expect(dd.recoveryNs).toBeNull();
    expect(dd.durationNs).toBe(25n); // peak at 10, still under at 35
    expect(dd.longestUnderwaterNs).toBe(25n);
  });

  it('a rising curve has no drawdown and no underwater time', () => {
    const dd = maxDrawdown(curve([0, '1'], [10, '2'], [20, '3']))!;
    expect(dd.amount).toBe(0n);
    expect(dd.fraction!.isZero()).toBe(true);
    expect(dd.durationNs).toBe(0n);
    expect(dd.longestUnderwaterNs).toBe(0n);
  });
});

describe('per-interval returns, Sharpe and Sortino (hand computed)', () => {
  it('resamples as a step function from the first point and drops a trailing partial interval', () => {
    const pts = curve([0n, '100'], [day(1) + day(1) / 2n, '120'], [day(2), '130'], [day(2) + 5n, '1']);
    expect(resample(pts, day(1))).toEqual(curve([0n, '100'], [day(1), '100'], [day(2), '130']));
    expect(periodReturns(pts, day(1))!.map((r) => r.toString())).toEqual(['0', '0.3']);
    expect(() => resample(pts, 0n)).toThrow();
  });

  it('Sharpe = mean / sample stdev x sqrt(365 / interval in days)', () => {
    // returns 0.2, 0: mean 0.1, sample variance 0.02 -> 1/sqrt(2) per day -> squared annual 365/2
    const s = sharpe(curve([0n, '100'], [day(1), '120'], [day(2), '120']), day(1));
    close(s!.pow(2), '182.5');
    // returns 0.2, -0.1: mean 0.05, sample variance 0.045 -> squared 0.0025 / 0.045 * 365
    close(sharpe(curve([0n, '100'], [day(1), '120'], [day(2), '108']), day(1))!.pow(2), new D(365).div(18));
    // hourly returns annualise by sqrt(8760)
    close(sharpe(curve([0n, '100'], [3_600_000_000_000n, '120'], [7_200_000_000_000n, '120']), 3_600_000_000_000n)!.pow(2), '4380');
  });

  it('Sortino = mean / downside deviation (all n in the denominator) x sqrt(periods per year)', () => {
    // returns 0.2, -0.1: mean 0.05, downside deviation sqrt(0.01 / 2) -> squared 0.5 per day -> 182.5 a year
    close(sortino(curve([0n, '100'], [day(1), '120'], [day(2), '108']), day(1))!.pow(2), '182.5');
    expect(sortino(curve([0n, '100'], [day(1), '120'], [day(2), '120']), day(1))).toBeNull();
  });

  it('zero variance, too few returns or non-positive equity give null', () => {
    expect(sharpe(curve([0n, '100'], [day(1), '100'], [day(2), '100']), day(1))).toBeNull();
    expect(sharpe(curve([0n, '100'], [day(1), '110']), day(1))).toBeNull();
    expect(sharpe(curve([0n, '100'], [day(1), '0'], [day(2), '10']), day(1))).toBeNull();
    const st = equityStats(curve([0n, '100'], [day(1), '120'], [day(2), '108']), day(1), 2);
    expect(st.drawdown!.amount).toBe(usd('12'));
    expect(st.totalReturn!.pnl).toBe(usd('8'));
    expect(st.sharpe).not.toBeNull();
    expect(st.ratioBasis).toMatchObject({ returns: 2, minReturns: 2, sharpeOmitted: null, sortinoOmitted: null });
  });

  it('equityStats omits Sharpe / Sortino below the minimum number of returns and says why', () => {
    // a 15-minute run sampled each minute: 14 returns (the old report printed a Sharpe of -365 here)
    const pts = Array.from({ length: 15 }, (_, i) => ({ tsNs: BigInt(i) * 60_000_000_000n, equity: usd(String(1000 - i)) }));
    const st = equityStats(pts, 60_000_000_000n);
    expect(MIN_RATIO_RETURNS).toBe(30);
    expect(st.sharpe).toBeNull();
    expect(st.sortino).toBeNull();
    expect(st.ratioBasis.returns).toBe(14);
    expect(st.ratioBasis.sharpeOmitted).toBe('14 returns at 1m sampling; at least 30 are needed for a meaningful ratio');
    expect(st.ratioBasis.periodsPerYear.eq(525_600)).toBe(true);
    // with 30 returns the ratio is reported (the same losing curve: a negative Sharpe, no zero variance)
    const long = Array.from({ length: 31 }, (_, i) => ({ tsNs: BigInt(i) * 60_000_000_000n, equity: usd(String(1000 - i * (i % 2 === 0 ? 1 : 2))) }));
    const st2 = equityStats(long, 60_000_000_000n);
    expect(st2.ratioBasis.returns).toBe(30);
    expect(st2.sharpe).not.toBeNull();
    expect(st2.sharpe!.isNeg()).toBe(true);
    // zero variance and no negative return are stated too
    const flat = equityStats(Array.from({ length: 31 }, (_, i) => ({ tsNs: BigInt(i), equity: usd('5') })), 1n);
    expect(flat.ratioBasis.sharpeOmitted).toBe('zero variance of returns');
    expect(flat.ratioBasis.sortinoOmitted).toBe('no negative return (downside deviation 0)');
    expect(describeInterval(60_000_000_000n)).toBe('1m');
    expect(describeInterval(90_000_000_000n)).toBe('90s');
    expect(describeInterval(1_500_000n)).toBe('1500us');
  });
});

describe('trade statistics', () => {
  it('win rate over closed round trips (0 is breakeven)', () => {
    const w = winRate([{ pnl: usd('5') }, { pnl: usd('-3') }, { pnl: 0n }, { pnl: usd('2') }]);
    expect([w.trips, w.wins, w.losses, w.breakeven]).toEqual([4, 2, 1, 1]);
    expect(w.winRate!.eq('0.5')).toBe(true);
    expect(winRate([]).winRate).toBeNull();
  });

  it('exposure = union of position intervals clipped to the run / run length', () => {
    const iv = [{ startNs: 0n, endNs: 10n }, { startNs: 5n, endNs: 15n }, { startNs: 20n, endNs: 30n }, { startNs: 40n, endNs: 60n }];
    expect(exposure(iv, 0n, 50n)!.eq('0.7')).toBe(true); // 15 + 10 + 10 of 50
    expect(exposure([], 0n, 50n)!.isZero()).toBe(true);
    expect(exposure(iv, 5n, 5n)).toBeNull();
  });

  it('turnover ratio', () => {
    expect(turnoverRatio(usd('250'), usd('100'))!.eq('2.5')).toBe(true);
    expect(turnoverRatio(usd('250'), 0n)).toBeNull();
  });
});
