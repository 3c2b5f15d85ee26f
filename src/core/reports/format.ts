/**
 * Exact formatting shared by every report (CSV, summary.json, report.html data): money is the shortest exact
 * decimal, per-share averages and decimal-arithmetic results are rounded half-even at 1e-10 and trimmed,
 * ratios have 6 fixed decimals (half-even), durations are exact decimal seconds. Pure.
 */
import { decimalToCash, formatCash, formatScaled, type Cash, type D } from '../types/fixed.ts';

/** Money: shortest exact decimal. */
export const money = (c: Cash): string => formatCash(c);

/** A per-share average or a mark: half-even at 1e-10, trailing zeros trimmed (exact values print exactly). */
export const avg = (d: D): string => formatCash(decimalToCash(d));

/** A ratio with 6 fixed decimals (half-even); "-0.000000" prints as "0.000000". */
export function ratio(d: D | null): string | null {
  if (d === null) return null;
  const s = d.toFixed(6);
  return /^-0\.0+$/.test(s) ? s.slice(1) : s;
}

/** Nanoseconds as decimal seconds, exact ("90", "0.5"). */
export const seconds = (ns: bigint): string => formatScaled(ns, 9);
