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
 * Which terms apply (`polymarketFees`): the regime in force at the fill time (`defaultFeeRegimes`,
 * overridable), then:
 * 1. From 2026-03-31 the market's own `feeSchedule` (Gamma) is authoritative when present (a rate of "0"
 *    means fee-free). Before that date a schedule in the metadata is not used: metadata captured later
 *    describes later terms, and the venue charged by the table below then.
 * 2. Otherwise, if the market is not `feesEnabled`: no fees.
 * 3. Otherwise the regime's defaults for the market's category.
 *
 * The dated table (PROTOCOL.md 6.1, from Polymarket's changelog; every boundary 00:00 UTC, tested one ns
 * before and at):
 *   from        regime                fee-enabled markets without their own schedule pay
 *   -           fee_free              nothing (Polymarket charged no trading fees)
 *   2026-01-06  crypto_15m            15-minute crypto up/down only: C x 0.25 x (p(1-p))^2, rebate 100%
 *   2026-02-12  crypto_5m             + 5-minute crypto up/down, same terms
 *   2026-02-18  ncaab_serie_a         + NCAAB and Serie A: C x 0.0175 x p(1-p), rebate 25%
 *   2026-03-06  crypto_new            + every crypto market created from 2026-03-06 (an unknown creation
 *                                       date counts as new): C x 0.25 x (p(1-p))^2, rebate 100%
 *   2026-03-30  fee_v2                "Fee Structure V2": C x rate x p(1-p) in every category: crypto 0.07
 *                                       rebate 20%; sports 0.03; finance/politics/mentions/tech 0.04;
 *                                       economics/culture/weather/other 0.05 (rebate 25%); geopolitics 0
 *   2026-03-31  market_schedule       as fee_v2, and the market's own feeSchedule is authoritative
 *   2026-07-10  sports_jul2026        sports rate 0.03 -> 0.05, sports rebate 25% -> 15%
 * The Jan-2026 formula reproduces the published examples (100 sh @0.50 -> $1.56, @0.10 -> $0.20,
 * @0.99 -> $0.0025 are 1.5625 / 0.2025 / 0.00245025 shown to cents resp. 4 dp; at 5 dp the engine
 * charges 1.5625 / 0.2025 / 0.00245). Its rebate share is 100% (Gamma makerRebatesFeeShareBps = 10000 in
 * a captured 2026-03 5-minute market). The NCAAB / Serie A rebate share of February is not published: the
 * sports share of the docs (25%) is used. "Rebates computed per market from 2026-02-11" changes how the
 * venue pays rebates, not the per-fill estimate here.
 * Known limits: categories come from `tags` (and an `-updown-5m-` / `-updown-15m-` / `-updown-` slug for
 * crypto); NCAAB / Serie A from the tags 'ncaab' / 'serie a'; `exponent` must be an integer (Decimal.pow
 * of a fractional exponent would not be exact).
 */
import type { Cash, Px, Qty } from '../types/fixed.ts';
import { D, decimalToCash, decimalToQty, pxToDecimal, qtyToDecimal } from '../types/fixed.ts';
import type { Side } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';
import { nsFromIso } from '../time.ts';

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

const NS_PER_S = 1_000_000_000n;
/** 2026-01-06T00:00:00Z: first Polymarket taker fees (15-minute crypto markets). */
export const FEE_REGIME_JAN2026_NS = 1_767_657_600n * NS_PER_S;
/** 2026-02-12T00:00:00Z: 5-minute crypto markets too. */
export const FEE_REGIME_CRYPTO_5M_NS = 1_770_854_400n * NS_PER_S;
/** 2026-02-18T00:00:00Z: NCAAB and Serie A at 0.0175. */
export const FEE_REGIME_NCAAB_SERIE_A_NS = 1_771_372_800n * NS_PER_S;
/** 2026-03-06T00:00:00Z: every new crypto market. */
export const FEE_REGIME_NEW_CRYPTO_NS = 1_772_755_200n * NS_PER_S;
/** 2026-03-30T00:00:00Z: Fee Structure V2, C x rate x p(1-p) in every category. */
export const FEE_REGIME_V2_NS = 1_774_828_800n * NS_PER_S;
/** 2026-03-31T00:00:00Z: the market's own feeSchedule is authoritative. */
export const FEE_SCHEDULE_AUTHORITATIVE_NS = 1_774_915_200n * NS_PER_S;
/** 2026-07-10T00:00:00Z: sports 0.03 -> 0.05, sports rebate 25% -> 15%. */
export const FEE_REGIME_SPORTS_JUL2026_NS = 1_783_641_600n * NS_PER_S;

export const MIN_FEE = new D('0.00001');
const FEE_DP = 5;

const terms = (rate: string, exponent: string, rebateRate: string, source: string): FeeTerms => ({
  rate: new D(rate),
  exponent: new D(exponent),
  rebateRate: new D(rebateRate),
  source,
});

/** Category rates of Fee Structure V2 (docs 2026-06); first matching tag wins, 'other' otherwise. */
const V2_RATES: readonly (readonly [string, string, string])[] = [
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

const tagsOf = (meta: MarketMeta): string[] => meta.tags.map((t) => t.toLowerCase());
const slugHas = (meta: MarketMeta, part: string): boolean => meta.slug !== null && meta.slug.includes(part);

/** A crypto market: tagged crypto, or an up/down series slug. */
export const isCrypto = (meta: MarketMeta): boolean => tagsOf(meta).includes('crypto') || slugHas(meta, '-updown-');
const isCrypto15m = (meta: MarketMeta): boolean => slugHas(meta, '-updown-15m-');
const isCrypto5m = (meta: MarketMeta): boolean => slugHas(meta, '-updown-5m-');
const isNcaabOrSerieA = (meta: MarketMeta): boolean => tagsOf(meta).some((t) => t === 'ncaab' || t === 'serie a' || t === 'serie-a');
/** Created on/after `ns` (Gamma createdAt); an unknown creation date counts as new. */
const createdFrom = (meta: MarketMeta, ns: bigint): boolean => {
  const c = meta.createdAt;
  const at = c === undefined || c === null ? null : nsFromIso(c);
  return at === null || at >= ns;
};

const JAN = (): FeeTerms => terms('0.25', '2', '1', 'jan2026_crypto');

/** Fee Structure V2 terms by category (sports: the 0.03 / 25% row, or from 2026-07-10 the 0.05 / 15% row). */
function v2Terms(meta: MarketMeta, sportsJul2026: boolean): FeeTerms | null {
  const tags = tagsOf(meta);
  if (slugHas(meta, '-updown-')) tags.unshift('crypto');
  for (const [cat, rate, rebate] of V2_RATES) {
    if (!tags.includes(cat)) continue;
    if (rate === '0') return null;
    if (cat === 'sports' && sportsJul2026) return terms('0.05', '1', '0.15', 'v2_sports_jul2026');
    return terms(rate, '1', rebate, `v2_${cat}`);
  }
  return terms('0.05', '1', '0.25', 'v2_other');
}

/** @deprecated name kept for callers: Fee Structure V2 category terms as of 2026-03-30. */
export function uniformCurveTerms(meta: MarketMeta): FeeTerms | null {
  return v2Terms(meta, false);
}

/** Before V2: the crypto and sports programs in force (`from` = the regime's start). */
function earlyTerms(meta: MarketMeta, from: bigint): FeeTerms | null {
  if (isCrypto15m(meta)) return JAN();
  if (from >= FEE_REGIME_CRYPTO_5M_NS && isCrypto5m(meta)) return JAN();
  if (from >= FEE_REGIME_NEW_CRYPTO_NS && isCrypto(meta) && createdFrom(meta, FEE_REGIME_NEW_CRYPTO_NS)) return JAN();
  if (from >= FEE_REGIME_NCAAB_SERIE_A_NS && isNcaabOrSerieA(meta)) return terms('0.0175', '1', '0.25', 'ncaab_serie_a');
  return null;
}

export interface FeeRegime {
  readonly name: string;
  /** In force from this instant (ns since epoch) until the next regime. */
  readonly fromNs: bigint;
  /** Is the market's own feeSchedule authoritative in this regime? */
  readonly marketSchedule: boolean;
  /** Terms for a fee-enabled market (without an authoritative schedule); null = fee-free. */
  defaults(meta: MarketMeta): FeeTerms | null;
}

export const defaultFeeRegimes: readonly FeeRegime[] = [
  { name: 'fee_free', fromNs: -(2n ** 63n), marketSchedule: false, defaults: () => null },
  { name: 'crypto_15m', fromNs: FEE_REGIME_JAN2026_NS, marketSchedule: false, defaults: (m) => earlyTerms(m, FEE_REGIME_JAN2026_NS) },
  { name: 'crypto_5m', fromNs: FEE_REGIME_CRYPTO_5M_NS, marketSchedule: false, defaults: (m) => earlyTerms(m, FEE_REGIME_CRYPTO_5M_NS) },
  { name: 'ncaab_serie_a', fromNs: FEE_REGIME_NCAAB_SERIE_A_NS, marketSchedule: false, defaults: (m) => earlyTerms(m, FEE_REGIME_NCAAB_SERIE_A_NS) },
  { name: 'crypto_new', fromNs: FEE_REGIME_NEW_CRYPTO_NS, marketSchedule: false, defaults: (m) => earlyTerms(m, FEE_REGIME_NEW_CRYPTO_NS) },
  { name: 'fee_v2', fromNs: FEE_REGIME_V2_NS, marketSchedule: false, defaults: (m) => v2Terms(m, false) },
  { name: 'market_schedule', fromNs: FEE_SCHEDULE_AUTHORITATIVE_NS, marketSchedule: true, defaults: (m) => v2Terms(m, false) },
  { name: 'sports_jul2026', fromNs: FEE_REGIME_SPORTS_JUL2026_NS, marketSchedule: true, defaults: (m) => v2Terms(m, true) },
];

/** The Polymarket fee model: the regime in force, the market's schedule where authoritative (see header). */
export function polymarketFees(regimes: readonly FeeRegime[] = defaultFeeRegimes): FeeModel {
  const sorted = [...regimes].sort((a, b) => (a.fromNs < b.fromNs ? -1 : a.fromNs > b.fromNs ? 1 : 0));
  return {
    terms(meta, nowNs) {
      if (meta === undefined) return null;
      let regime: FeeRegime | undefined;
      for (const r of sorted) if (r.fromNs <= nowNs) regime = r;
      if (regime === undefined) return null;
      const s = meta.feeSchedule;
      if (regime.marketSchedule && s !== null) {
        const t = terms(s.rate, s.exponent, s.rebateRate, 'market');
        return t.rate.isZero() ? null : t;
      }
      if (!meta.feesEnabled) return null;
      return regime.defaults(meta);
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
