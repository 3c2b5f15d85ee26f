/**
 * Equity curve and performance statistics. Pure functions; money stays Cash (bigint), ratios are D (decimal.js,
 * 60 significant digits, half-even) so results are reproducible to the digit on every platform.
 *
 * Definitions
 * - Equity curve: points (tsNs, equity) in non-decreasing time; a point at the same time replaces the previous one.
 *   Between points equity is a step function (a point's value holds until the next point).
 * - Return: (last - first) / first; null fraction when first <= 0.
 * - Drawdown at a point: running peak - equity (peak = highest equity so far, reached at or before the point).
 *   `amount` is the largest drawdown; `peakNs`/`troughNs`/`recoveryNs` describe that episode, recovery being the
 *   first later point with equity >= its peak (null when never recovered); `durationNs` = (recovery or last point)
 *   - peak. `fraction` is the largest (peak - equity) / peak over points with peak > 0; it can come from a
 *   different episode than `amount` (an early small-equity dip can be the larger fraction).
 *   `longestUnderwaterNs`: the longest time from any peak until equity is back at or above it (or the last point).
 * - Per-interval returns: the curve is sampled every `intervalNs` starting at the first point (value at a sample
 *   time = last point at or before it); samples stop at the last point, so a trailing partial interval is dropped.
 *   r_i = E_i / E_{i-1} - 1. Any E_{i-1} <= 0 makes the ratios null.
 * - Sharpe = mean(r) / sample stdev(r) (n - 1) x sqrt(periods per year); risk-free rate 0. Null with fewer than
 *   2 returns or zero variance.
 * - Sortino = mean(r) / downside deviation x sqrt(periods per year), downside deviation = sqrt(sum(min(r, 0)^2) / n)
 *   (target 0, all n returns in the denominator). Null with fewer than 2 returns or no negative return.
 *   More than MAX_SAMPLES samples is refused (throws): pick an interval that fits the run.
 * - Annualisation: periods per year = 365 days / intervalNs (Polymarket trades every day, around the clock).
 * - Minimum sample (`equityStats`): Sharpe and Sortino are reported only with at least MIN_RATIO_RETURNS (30)
 *   period returns; below that they are null and `ratioBasis.omitted` says why. Why 30: the estimate's own
 *   standard error is about sqrt((1 + SR^2 / 2) / n) per period (Lo 2002, "The Statistics of Sharpe Ratios"),
 *   so at n = 30 it is already ~0.18 per period, and the sample standard deviation in the denominator has a
 *   relative standard error of about 1 / sqrt(2(n - 1)) (13% at n = 30, 27% at n = 8). Annualising multiplies
 *   that noise by sqrt(periods per year) (725 for one-minute returns): a 15-minute run's "Sharpe of -365" is
 *   that noise, not a measurement. 30 is the usual large-sample threshold; `minReturns` makes it configurable.
 *   The sampling period is the caller's interval (the run's --equity-interval) and is always stated.
 * - Win rate: round trips with pnl > 0 over all closed round trips; pnl = 0 counts as breakeven, not a win.
 *   A round trip (Portfolio) is one token's position leaving 0 and returning to 0 (by sells, a merge or the
 *   market's settlement); its pnl is the change in that token's realized + merge + settlement P&L over the
 *   trip (fees included, rebates excluded). Trips still open at the end are not counted.
 * - Exposure: length of the union of intervals with any position, clipped to [startNs, endNs], / (endNs - startNs).
 * - Turnover ratio: traded dollars / a base (e.g. initial equity).
 */
import { cashToDecimal, D, type Cash } from '../types/fixed.ts';
import { NS_PER_DAY } from '../time.ts';

export const YEAR_NS = 365n * NS_PER_DAY;
/** Fewest period returns for which Sharpe / Sortino are reported (see header). */
export const MIN_RATIO_RETURNS = 30;
/** resample refuses to build more samples than this (a too-short interval is a caller error). */
export const MAX_SAMPLES = 5_000_000n;

export interface EquityPoint {
  readonly tsNs: bigint;
  readonly equity: Cash;
}

/** Collects equity points; time never goes back. */
export class EquityCurve {
  private readonly pts: EquityPoint[] = [];

  add(tsNs: bigint, equity: Cash): void {
    const last = this.pts[this.pts.length - 1];
    if (last !== undefined) {
      if (tsNs < last.tsNs) throw new Error(`EquityCurve: time went back (${tsNs} < ${last.tsNs})`);
      if (tsNs === last.tsNs) {
        this.pts[this.pts.length - 1] = { tsNs, equity };
        return;
      }
    }
    this.pts.push({ tsNs, equity });
  }

  points(): readonly EquityPoint[] {
    return this.pts;
  }

  last(): EquityPoint | undefined {
    return this.pts[this.pts.length - 1];
  }

  get length(): number {
    return this.pts.length;
  }
}

export interface ReturnStat {
  readonly start: Cash;
  readonly end: Cash;
  readonly pnl: Cash;
  /** pnl / start; null when start <= 0. */
  readonly fraction: D | null;
}

export function totalReturn(points: readonly EquityPoint[]): ReturnStat | null {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return null;
  const pnl = last.equity - first.equity;
  return { start: first.equity, end: last.equity, pnl, fraction: first.equity > 0n ? cashToDecimal(pnl).div(cashToDecimal(first.equity)) : null };
}

export interface DrawdownStat {
  readonly amount: Cash;
  readonly fraction: D | null;
  readonly peakNs: bigint;
  readonly troughNs: bigint;
  readonly recoveryNs: bigint | null;
  readonly durationNs: bigint;
  readonly longestUnderwaterNs: bigint;
}

export function maxDrawdown(points: readonly EquityPoint[]): DrawdownStat | null {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return null;
  let peak = first.equity;
  let peakNs = first.tsNs;
  let best = { amount: 0n, peak: first.equity, peakNs: first.tsNs, troughNs: first.tsNs };
  let fraction: D | null = null;
  let longest = 0n;
  let under = false;
  for (const p of points) {
    if (p.equity >= peak) {
      if (under) longest = maxBig(longest, p.tsNs - peakNs);
      under = false;
      peak = p.equity;
      peakNs = p.tsNs;
      continue;
    }
    under = true;
    const dd = peak - p.equity;
    if (dd > best.amount) best = { amount: dd, peak, peakNs, troughNs: p.tsNs };
    if (peak > 0n) {
      const f = cashToDecimal(dd).div(cashToDecimal(peak));
      if (fraction === null || f.gt(fraction)) fraction = f;
    }
  }
  if (under) longest = maxBig(longest, last.tsNs - peakNs);
  let recoveryNs: bigint | null = null;
  if (best.amount > 0n) {
    for (const p of points) {
      if (p.tsNs > best.troughNs && p.equity >= best.peak) {
        recoveryNs = p.tsNs;
        break;
      }
    }
  }
  const durationNs = best.amount === 0n ? 0n : (recoveryNs ?? last.tsNs) - best.peakNs;
  return { amount: best.amount, fraction: best.amount === 0n ? new D(0) : fraction, peakNs: best.peakNs, troughNs: best.troughNs, recoveryNs, durationNs, longestUnderwaterNs: longest };
}

/** Equity sampled every intervalNs from the first point (step function), up to the last point. */
export function resample(points: readonly EquityPoint[], intervalNs: bigint): EquityPoint[] {
  if (intervalNs <= 0n) throw new Error(`resample: interval must be > 0, got ${intervalNs}`);
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return [];
  if ((last.tsNs - first.tsNs) / intervalNs > MAX_SAMPLES) {
    throw new Error(`resample: interval ${intervalNs} ns gives more than ${MAX_SAMPLES} samples; choose a longer interval`);
  }
  const out: EquityPoint[] = [];
  let i = 0;
  for (let t = first.tsNs; t <= last.tsNs; t += intervalNs) {
    while (i + 1 < points.length && points[i + 1]!.tsNs <= t) i += 1;
    out.push({ tsNs: t, equity: points[i]!.equity });
  }
  return out;
}

/** Per-interval simple returns, or null when a period starts at equity <= 0. */
export function periodReturns(points: readonly EquityPoint[], intervalNs: bigint): D[] | null {
  const s = resample(points, intervalNs);
  const out: D[] = [];
  for (let i = 1; i < s.length; i++) {
    const prev = s[i - 1]!.equity;
    if (prev <= 0n) return null;
    out.push(cashToDecimal(s[i]!.equity).div(cashToDecimal(prev)).sub(1));
  }
  return out;
}

export const periodsPerYear = (intervalNs: bigint): D => new D(YEAR_NS.toString()).div(intervalNs.toString());

function mean(xs: readonly D[]): D {
  return xs.reduce((a, x) => a.add(x), new D(0)).div(xs.length);
}

/** Sharpe ratio of returns (per period, not annualised); null below 2 returns or at zero variance. */
export function sharpeOfReturns(rs: readonly D[]): D | null {
  if (rs.length < 2) return null;
  const m = mean(rs);
  const v = rs.reduce((a, r) => a.add(r.sub(m).pow(2)), new D(0)).div(rs.length - 1);
  return v.isZero() ? null : m.div(v.sqrt());
}

/** Sortino ratio of returns (per period); null below 2 returns or without a negative return. */
export function sortinoOfReturns(rs: readonly D[]): D | null {
  if (rs.length < 2) return null;
  const dd = rs.reduce((a, r) => (r.isNeg() ? a.add(r.pow(2)) : a), new D(0)).div(rs.length);
  return dd.isZero() ? null : mean(rs).div(dd.sqrt());
}

/** Annualised Sharpe ratio of the curve sampled every intervalNs. */
export function sharpe(points: readonly EquityPoint[], intervalNs: bigint): D | null {
  const rs = periodReturns(points, intervalNs);
  const s = rs === null ? null : sharpeOfReturns(rs);
  return s === null ? null : s.mul(periodsPerYear(intervalNs).sqrt());
}

/** Annualised Sortino ratio of the curve sampled every intervalNs. */
export function sortino(points: readonly EquityPoint[], intervalNs: bigint): D | null {
  const rs = periodReturns(points, intervalNs);
  const s = rs === null ? null : sortinoOfReturns(rs);
  return s === null ? null : s.mul(periodsPerYear(intervalNs).sqrt());
}

export interface WinRateStat {
  readonly trips: number;
  readonly wins: number;
  readonly losses: number;
  readonly breakeven: number;
  /** wins / trips; null without trips. */
  readonly winRate: D | null;
}

export function winRate(trips: readonly { readonly pnl: Cash }[]): WinRateStat {
  let wins = 0, losses = 0, breakeven = 0;
  for (const t of trips) {
    if (t.pnl > 0n) wins += 1;
    else if (t.pnl < 0n) losses += 1;
    else breakeven += 1;
  }
  return { trips: trips.length, wins, losses, breakeven, winRate: trips.length === 0 ? null : new D(wins).div(trips.length) };
}

/** Fraction of [startNs, endNs] covered by at least one interval; null for an empty span. */
export function exposure(intervals: readonly { readonly startNs: bigint; readonly endNs: bigint }[], startNs: bigint, endNs: bigint): D | null {
  if (endNs <= startNs) return null;
  const clipped = intervals
    .map((iv) => ({ s: maxBig(iv.startNs, startNs), e: minBig(iv.endNs, endNs) }))
    .filter((iv) => iv.e > iv.s)
    .sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
  let covered = 0n;
  let curS: bigint | null = null;
  let curE = 0n;
  for (const iv of clipped) {
    if (curS === null || iv.s > curE) {
      if (curS !== null) covered += curE - curS;
      curS = iv.s;
      curE = iv.e;
    } else if (iv.e > curE) {
      curE = iv.e;
    }
  }
  if (curS !== null) covered += curE - curS;
  return new D(covered.toString()).div((endNs - startNs).toString());
}

/** Traded dollars over a base (e.g. initial equity); null when base <= 0. */
export function turnoverRatio(turnover: Cash, base: Cash): D | null {
  return base > 0n ? cashToDecimal(turnover).div(cashToDecimal(base)) : null;
}

/** How Sharpe / Sortino were (or were not) computed: stated beside them in reports. */
export interface RatioBasis {
  /** Sampling period of the returns, ns. */
  readonly intervalNs: bigint;
  /** Number of period returns in the curve. */
  readonly returns: number;
  readonly minReturns: number;
  /** 365 days / intervalNs. */
  readonly periodsPerYear: D;
  /** Why the ratios are null (too few returns, zero variance, no negative return, equity <= 0), or null. */
  readonly sharpeOmitted: string | null;
  readonly sortinoOmitted: string | null;
}

export interface EquityStats {
  readonly totalReturn: ReturnStat | null;
  readonly drawdown: DrawdownStat | null;
  readonly intervalNs: bigint;
  /** Annualised; null when omitted (ratioBasis says why). */
  readonly sharpe: D | null;
  readonly sortino: D | null;
  readonly ratioBasis: RatioBasis;
}

/** A duration in the largest whole unit: 60000000000n -> "1m", 90 s -> "90s", 1.5 ms -> "1500us". */
export function describeInterval(ns: bigint): string {
  const units: readonly [bigint, string][] = [[86_400_000_000_000n, 'd'], [3_600_000_000_000n, 'h'], [60_000_000_000n, 'm'], [1_000_000_000n, 's'], [1_000_000n, 'ms'], [1_000n, 'us']];
  for (const [u, name] of units) if (ns !== 0n && ns % u === 0n) return `${ns / u}${name}`;
  return `${ns}ns`;
}

/**
 * Return, drawdown, Sharpe and Sortino of one curve (ratios on intervalNs returns, annualised), with the ratios
 * omitted below `minReturns` period returns (see header).
 */
export function equityStats(points: readonly EquityPoint[], intervalNs: bigint, minReturns: number = MIN_RATIO_RETURNS): EquityStats {
  const rs = periodReturns(points, intervalNs);
  const n = rs === null ? Math.max(0, resample(points, intervalNs).length - 1) : rs.length;
  const per = describeInterval(intervalNs);
  const ann = periodsPerYear(intervalNs).sqrt();
  let sharpeV: D | null = null;
  let sortinoV: D | null = null;
  let sharpeWhy: string | null = null;
  let sortinoWhy: string | null = null;
  if (rs === null) {
    sharpeWhy = sortinoWhy = 'equity was <= 0 at the start of a period: returns are undefined';
  } else if (n < minReturns) {
    sharpeWhy = sortinoWhy = `${n} returns at ${per} sampling; at least ${minReturns} are needed for a meaningful ratio`;
  } else {
    const s = sharpeOfReturns(rs);
    const so = sortinoOfReturns(rs);
    sharpeV = s === null ? null : s.mul(ann);
    sortinoV = so === null ? null : so.mul(ann);
    if (s === null) sharpeWhy = 'zero variance of returns';
    if (so === null) sortinoWhy = 'no negative return (downside deviation 0)';
  }
  return {
    totalReturn: totalReturn(points),
    drawdown: maxDrawdown(points),
    intervalNs,
    sharpe: sharpeV,
    sortino: sortinoV,
    ratioBasis: { intervalNs, returns: n, minReturns, periodsPerYear: periodsPerYear(intervalNs), sharpeOmitted: sharpeWhy, sortinoOmitted: sortinoWhy },
  };
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
