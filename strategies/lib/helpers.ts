/**
 * Small helpers shared by the bundled strategies: tick rounding, the market's end time, and a
 * conservative estimate of Polymarket's taker fee on a BUY. Pure: no clock, no I/O, no floats for money.
 *
 * Invariants
 * - Prices are Px (1e-4 integer ticks), sizes Qty (1e-6 shares), dollars Cash (bigint 1e-10 $).
 * - `buyFeeSharesBound` is never below what the paper exchange withholds: the exchange rounds the
 *   dollar fee half-up at 5 decimals and the shares half-even at 1e-6; this rounds both UP. So a plan
 *   that is profitable with this bound is profitable with the real fee (given the same fills).
 * - `feeTermsOf` uses the market's own `feeSchedule` when it has one. A fee-enabled market without a
 *   schedule gets the highest published curve (0.07 x p(1-p)), which is above every known regime
 *   (the Jan-2026 0.25 x (p(1-p))^2 curve included), so the estimate stays on the safe side.
 * Known limits
 * - `endDateNs` reads ISO-8601 text (`2026-01-30T21:00:00Z`, an optional fraction, `Z` or a +hh:mm
 *   offset, or a bare date = midnight UTC); anything else gives null (the strategy then ignores the end).
 * - A non-integer fee exponent is evaluated by decimal.js at 60 digits (not exact, still rounded up).
 */
import type { BookView } from 'poly';
import { sweepLevels } from './taken.ts';
import { D, PX_ONE, PX_SCALE, QTY_SCALE, type Cash, type Px, type Qty } from 'poly';
import type { Level } from 'poly';
import type { MarketMeta } from 'poly';

/** Default tick when neither the book nor the metadata knows it. */
export const DEFAULT_TICK: Px = 100;
/** Default minimum resting-order size (Polymarket's usual 5 shares). */
export const DEFAULT_MIN_SIZE: Qty = 5 * QTY_SCALE;
/** Marketable orders must be worth at least $1 (PROTOCOL.md §5). */
export const MIN_MARKETABLE: Cash = 10n ** 10n;
/** Venue share precision: 2 decimals = 10_000 micro-shares. */
export const SHARE_LOT: Qty = 10_000;

/** The token's tick: the book's, else the market's, else 0.01. */
export function tickOf(book: BookView | undefined, meta: MarketMeta | undefined): Px {
  return book?.tickSize ?? meta?.tickSize ?? DEFAULT_TICK;
}

/** Minimum size of a resting (GTC/GTD) order in this market. */
export function minSizeOf(meta: MarketMeta | undefined): Qty {
  return meta?.minOrderSize ?? DEFAULT_MIN_SIZE;
}

export const floorToTick = (px: Px, tick: Px): Px => Math.floor(px / tick) * tick;
export const ceilToTick = (px: Px, tick: Px): Px => Math.ceil(px / tick) * tick;
/** Into the venue's valid range [tick, 1 - tick]. */
export const clampPx = (px: Px, tick: Px): Px => Math.min(PX_ONE - tick, Math.max(tick, px));
/** Rounds shares down to the venue's 0.01-share precision. */
export const floorToLot = (qty: Qty): Qty => Math.floor(qty / SHARE_LOT) * SHARE_LOT;

/** A price in dollars (Decimal) -> Px, rounded down or up to the 1e-4 grid. */
export function dollarsToPx(v: D, mode: 'down' | 'up'): Px {
  return v.mul(PX_SCALE).toDecimalPlaces(0, mode === 'down' ? D.ROUND_FLOOR : D.ROUND_CEIL).toNumber();
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO-8601 text -> ns since the epoch (UTC), without Date; null when the text is not a date. */
export function isoToNs(text: string): bigint | null {
  const m = ISO_RE.exec(text.trim());
  if (m === null) return null;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const h = Number(m[4] ?? '0'), mi = Number(m[5] ?? '0'), s = Number(m[6] ?? '0');
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  // Howard Hinnant's days_from_civil.
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  const days = era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
  let secs = days * 86_400 + h * 3600 + mi * 60 + s;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    secs -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  }
  return BigInt(secs) * 1_000_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'));
}

/** The market's published end (`endDate`), ns since the epoch; null when unknown or unreadable. */
export function endDateNs(meta: MarketMeta | undefined): bigint | null {
  return meta?.endDate == null ? null : isoToNs(meta.endDate);
}

export interface FeeTerms {
  readonly rate: D;
  readonly exponent: D;
}

/** Highest published taker curve: crypto, 0.07 x p(1-p). */
export const WORST_CASE_FEES: FeeTerms = { rate: new D('0.07'), exponent: new D(1) };

/** Taker fee terms to plan with (see header); null = fee-free. */
export function feeTermsOf(meta: MarketMeta | undefined): FeeTerms | null {
  if (meta === undefined) return WORST_CASE_FEES;
  const s = meta.feeSchedule;
  if (s !== null) {
    const rate = new D(s.rate);
    return rate.isZero() ? null : { rate, exponent: new D(s.exponent) };
  }
  return meta.feesEnabled ? WORST_CASE_FEES : null;
}

/** Shares withheld as the fee when a taker BUY fills `qty` at `px`, rounded up (>= the exchange's). */
export function buyFeeSharesBound(t: FeeTerms | null, px: Px, qty: Qty): Qty {
  if (t === null || qty <= 0 || px <= 0) return 0;
  const p = new D(px).div(PX_SCALE);
  const fee = new D(qty).div(QTY_SCALE).mul(t.rate).mul(p.mul(new D(1).sub(p)).pow(t.exponent)).toDecimalPlaces(5, D.ROUND_CEIL);
  if (fee.isZero()) return 0;
  return Math.min(qty, fee.div(p).mul(QTY_SCALE).toDecimalPlaces(0, D.ROUND_CEIL).toNumber());
}

/** Fee shares per share bought at px (a fraction, for quick marginal checks; not rounded). */
export function feeFraction(t: FeeTerms | null, px: Px): D {
  if (t === null || px <= 0) return new D(0);
  const p = new D(px).div(PX_SCALE);
  return t.rate.mul(p.mul(new D(1).sub(p)).pow(t.exponent)).div(p);
}

/** What a taker BUY of exactly `qty` shares would do against the displayed asks. */
export interface BuyPlan {
  readonly assetId: string;
  readonly qty: Qty;
  /** Exact dollars the sweep costs (= the amount to send with a dollar-sized FOK/FAK BUY). */
  readonly cost: Cash;
  /** Price of the last level touched: the worst price to allow. */
  readonly worstPx: Px;
  /** Shares received after the fee (a lower bound). */
  readonly netQty: Qty;
  readonly fills: readonly Level[];
}

/** Plans buying `qty` shares from `asks` (best first, e.g. TakenLiquidity.levels); null when too thin. */
export function planBuy(assetId: string, asks: readonly Level[], qty: Qty, fees: FeeTerms | null): BuyPlan | null {
  if (qty <= 0) return null;
  const s = sweepLevels(asks, 'ask', qty);
  const last = s.fills[s.fills.length - 1];
  if (!s.complete || last === undefined) return null;
  let feeQty = 0;
  for (const f of s.fills) feeQty += buyFeeSharesBound(fees, f.px, f.qty);
  return { assetId, qty, cost: s.cost, worstPx: last.px, netQty: qty - feeQty, fills: s.fills };
}
