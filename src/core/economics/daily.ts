/**
 * What the two venue programs share: accumulators per (market, UTC day) kept in order of first appearance,
 * and the venue's payout rules (pUSD has 6 decimals: an estimate is floored to $0.000001; nothing under the $1
 * minimum is paid). Pure.
 */
import { D } from '../types/fixed.ts';
import { isoDate, NS_PER_DAY, utcDay } from '../time.ts';

/** The venue's minimum payout of each program. */
export const MIN_PAYOUT = new D(1);
export const PAYOUT_DP = 6;

/** An estimate floored to the venue's smallest unit. */
export const floorPayout = (d: D): D => d.toDecimalPlaces(PAYOUT_DP, D.ROUND_DOWN);

/** What is paid of an estimate: all of it from $1, else nothing. */
export const paidOf = (estimate: D): D => (estimate.gte(MIN_PAYOUT) ? estimate : new D(0));

/** YYYY-MM-DD of a UTC day number. */
export const dayLabel = (day: number): string => isoDate(BigInt(day) * NS_PER_DAY);

/** Accumulators keyed by (market, UTC day of tsNs), in order of first appearance. */
export class MarketDays<A> {
  private readonly days = new Map<string, A>();

  constructor(private readonly init: (market: string, day: number) => A) {}

  /** The last answer of at(), for the run of calls with one market on one day (every print of a market). */
  private last: { market: string; lo: bigint; hi: bigint; a: A } | null = null;

  at(market: string, tsNs: bigint): A {
    const l = this.last;
    if (l !== null && l.market === market && tsNs >= l.lo && tsNs < l.hi) return l.a;
    const day = utcDay(tsNs);
    const key = `${market}|${day}`;
    let a = this.days.get(key);
    if (a === undefined) {
      a = this.init(market, day);
      this.days.set(key, a);
    }
    const lo = BigInt(day) * NS_PER_DAY;
    this.last = { market, lo, hi: lo + NS_PER_DAY, a };
    return a;
  }

  values(): A[] {
    return [...this.days.values()];
  }
}
