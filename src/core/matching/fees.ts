/**
 * Polymarket taker fees and maker rebates for the paper fill engine.
 *
 * Formula (PROTOCOL.md §5): fee = C x rate x (p(1-p))^exponent dollars, C = shares filled, p = fill price.
 * - Rounding: the raw fee is computed exactly in Decimal; below $0.00001 it is 0, otherwise it is rounded
 *   half-up to 5 decimals (PM-fees: "rounded to 5 dp, min 0.00001, smaller -> 0"). Nautilus' Rust docs say
 *   "floored" while its code rounds; the difference is at most $0.00001 per fill.
 * - Who pays: takers only. A taker SELL pays `feeCash` (dollars, taken from proceeds). A taker BUY pays in
 *   shares: `feeQty` = fee / p, rounded half-even to 1e-6 shares, withheld from the shares received; its
 *   `feeCash` is 0 so the portfolio never charges the same fee twice.
 * - Makers pay 0. A maker fill earns `rebateCash` = fee-equivalent (the taker fee at the maker's price and
 *   size, rounded as above) x rebateRate, rounded half-up to 5 decimals: a per-fill estimate of the daily,
 *   pro-rata rebate (Nautilus' backtest model does the same). `takerOnly: false` schedules are not modelled:
 *   makers still pay 0 (no published schedule has takerOnly false).
 *
 * Which terms apply (`polymarketFees`), in this order:
 * 1. The market's own `feeSchedule` when present (a rate of "0" means fee-free). It wins over the table.
 * 2. Otherwise, if the market is not `feesEnabled`: no fees.
 * 3. Otherwise the regime in force at the fill time (`defaultFeeRegimes`, overridable):
 *    - before 2026-01-06T00:00Z: fee-free (Polymarket charged no trading fees);
 *    - 2026-01-06: 15-minute crypto taker fees, fee = C x 0.25 x (p(1-p))^2. The published examples
 *      (100 sh @0.50 -> $1.56, @0.10 -> $0.20, @0.99 -> $0.0025) are this formula's 1.5625 / 0.2025 /
 *      0.00245025 shown to cents (resp. 4 dp); at 5 dp the engine charges 1.5625 / 0.2025 / 0.00245.
 *      Rebate share 100% (the program paid out all taker fees; Gamma makerRebatesFeeShareBps = 10000);
 *    - 2026-04-01 (approximate: the switch happened between 2026-03-12 and 2026-04-05 in the captured
 *      Gamma data): uniform curve fee = C x rate x p(1-p), rate by category (crypto 0.07 rebate 20%;
 *      sports 0.03; finance/politics/mentions/tech 0.04; economics/culture/weather/other 0.05, rebate 25%;
 *      geopolitics 0). Markets of this era normally carry their own feeSchedule, which wins.
 * Known limits: category detection reads `tags` and an `-updown-` slug; `exponent` must be an integer
 * (Decimal.pow of a fractional exponent would not be exact).
 */
import type { Cash, Px, Qty } from '../types/fixed.ts';
import { D, decimalToCash, decimalToQty, pxToDecimal, qtyToDecimal } from '../types/fixed.ts';
import type { Side } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';

export interface FeeTerms {
  readonly rate: D;
  readonly exponent: D;
  readonly rebateRate: D;
  /** Where the terms came from, for reports: 'market' or the regime name. */
  readonly source: string;
}

export interface FeeModel {
  /** Terms for a fill of this market at `nowNs`; null = fee-free. */
  terms(meta: MarketMeta | undefined, nowNs: bigint): FeeTerms | null;
}

export interface FeeRegime {
  readonly name: string;
  /** In force from this instant (ns since epoch) until the next regime. */
  readonly fromNs: bigint;
  /** Terms for a fee-enabled market without its own feeSchedule; null = fee-free. */
  defaults(meta: MarketMeta): FeeTerms | null;
}

const NS_PER_S = 1_000_000_000n;
/** 2026-01-06T00:00:00Z: first Polymarket taker fees (15-minute crypto markets). */
export const FEE_REGIME_JAN2026_NS = 1_767_657_600n * NS_PER_S;
/** 2026-04-01T00:00:00Z: approximate start of the uniform fee curve (see header). */
export const FEE_REGIME_UNIFORM_NS = 1_775_001_600n * NS_PER_S;

export const MIN_FEE = new D('0.00001');
const FEE_DP = 5;

const terms = (rate: string, exponent: string, rebateRate: string, source: string): FeeTerms => ({
  rate: new D(rate),
  exponent: new D(exponent),
  rebateRate: new D(rebateRate),
  source,
});

/** Category rates of the uniform curve (docs 2026-06); first matching tag wins, 'other' otherwise. */
const CATEGORY_RATES: readonly (readonly [string, string, string])[] = [
  ['crypto', '0.07', '0.2'],
  ['sports', '0.03', '0.25'],
  ['geopolitics', '0', '0'],
  ['finance', '0.04', '0.25'],
  ['politics', '0.04', '0.25'],
  ['mentions', '0.04', '0.25'],
  ['tech', '0.04', '0.25'],
  ['economics', '0.05', '0.25'],
  ['culture', '0.05', '0.25'],
  ['weather', '0.05', '0.25'],
];

export function uniformCurveTerms(meta: MarketMeta): FeeTerms | null {
  const tags = meta.tags.map((t) => t.toLowerCase());
  if (meta.slug !== null && meta.slug.includes('-updown-')) tags.unshift('crypto');
  for (const [cat, rate, rebate] of CATEGORY_RATES) {
    if (tags.includes(cat)) return rate === '0' ? null : terms(rate, '1', rebate, `uniform_${cat}`);
  }
  return terms('0.05', '1', '0.25', 'uniform_other');
}

export const defaultFeeRegimes: readonly FeeRegime[] = [
  { name: 'fee_free', fromNs: -(2n ** 63n), defaults: () => null },
  { name: 'jan2026_crypto', fromNs: FEE_REGIME_JAN2026_NS, defaults: () => terms('0.25', '2', '1', 'jan2026_crypto') },
  { name: 'uniform_curve', fromNs: FEE_REGIME_UNIFORM_NS, defaults: uniformCurveTerms },
];

/** The Polymarket fee model: market schedule first, then the regime table (see header). */
export function polymarketFees(regimes: readonly FeeRegime[] = defaultFeeRegimes): FeeModel {
  const sorted = [...regimes].sort((a, b) => (a.fromNs < b.fromNs ? -1 : a.fromNs > b.fromNs ? 1 : 0));
  return {
    terms(meta, nowNs) {
      if (meta === undefined) return null;
      const s = meta.feeSchedule;
      if (s !== null) {
        const t = terms(s.rate, s.exponent, s.rebateRate, 'market');
        return t.rate.isZero() ? null : t;
      }
      if (!meta.feesEnabled) return null;
      let regime: FeeRegime | undefined;
      for (const r of sorted) if (r.fromNs <= nowNs) regime = r;
      return regime === undefined ? null : regime.defaults(meta);
    },
  };
}

/** A model that never charges (for tests and "what if there were no fees" runs). */
export const noFees: FeeModel = { terms: () => null };

/** A fixed schedule for every market (ignores metadata and dates). */
export function flatFees(rate: string, exponent = '1', rebateRate = '0'): FeeModel {
  const t = terms(rate, exponent, rebateRate, 'flat');
  return { terms: () => t };
}

/** Rounds a raw dollar fee: < 0.00001 -> 0, else half-up at 5 decimals. */
export function roundFee(raw: D): D {
  if (raw.lt(MIN_FEE)) return new D(0);
  return raw.toDecimalPlaces(FEE_DP, D.ROUND_HALF_UP);
}

/** The unrounded fee C x rate x (p(1-p))^exponent in dollars. */
export function rawFee(t: FeeTerms, px: Px, qty: Qty): D {
  if (!t.exponent.isInteger()) throw new RangeError(`fee exponent must be an integer, got ${t.exponent.toString()}`);
  const p = pxToDecimal(px);
  return qtyToDecimal(qty).mul(t.rate).mul(p.mul(new D(1).sub(p)).pow(t.exponent));
}

/** The taker fee of a fill, rounded: dollars. */
export function feeDollars(t: FeeTerms | null, px: Px, qty: Qty): D {
  return t === null ? new D(0) : roundFee(rawFee(t, px, qty));
}

/** A taker fill's fee: shares withheld on a BUY, dollars on a SELL (see header). */
export function takerFee(t: FeeTerms | null, side: Side, px: Px, qty: Qty): { feeCash: Cash; feeQty: Qty } {
  const fee = feeDollars(t, px, qty);
  if (fee.isZero()) return { feeCash: 0n, feeQty: 0 };
  if (side === 'SELL') return { feeCash: decimalToCash(fee), feeQty: 0 };
  return { feeCash: 0n, feeQty: decimalToQty(fee.div(pxToDecimal(px))) };
}

/** A maker fill's rebate in dollars: fee-equivalent x rebateRate, half-up at 5 decimals. */
export function makerRebate(t: FeeTerms | null, px: Px, qty: Qty): Cash {
  if (t === null || t.rebateRate.isZero()) return 0n;
  const r = feeDollars(t, px, qty).mul(t.rebateRate).toDecimalPlaces(FEE_DP, D.ROUND_HALF_UP);
  return decimalToCash(r);
}
