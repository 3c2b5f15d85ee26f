/**
 * Exact fixed-point numbers for prices, sizes and cash.
 *
 * Invariants
 * - A price (`Px`) is an integer count of 1e-4 (the finest Polymarket tick, 0.0001), 0..10_000.
 *   Books key on these integers, so every valid tick size (0.1, 0.01, 0.001, 0.0001) lands on it.
 * - A quantity (`Qty`) is an integer count of 1e-6 shares (the on-chain token precision),
 *   kept in a JS number: exact while below 2^53 (about 9e9 shares), checked on parse.
 * - Cash (`Cash`) is a bigint count of 1e-10 dollars: exactly Px * Qty, so notional never rounds.
 * - Venue strings parse straight into these; no value ever passes through a binary float.
 *   `Decimal` (decimal.js) is used where values meet people (reports, fees, statistics).
 */
import { Decimal } from 'decimal.js';

export type Px = number;
export type Qty = number;
export type Cash = bigint;

export const PX_DECIMALS = 4;
export const QTY_DECIMALS = 6;
export const CASH_DECIMALS = PX_DECIMALS + QTY_DECIMALS;
export const PX_SCALE = 10_000;
export const QTY_SCALE = 1_000_000;
export const PX_ONE: Px = PX_SCALE;
export const CASH_SCALE = 10n ** BigInt(CASH_DECIMALS);

/** A Decimal constructor with enough precision for every value poly computes. */
export const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -30, toExpPos: 40 });
export type D = Decimal;

const DECIMAL_RE = /^(-)?(\d*)(?:\.(\d*))?$/;

/**
 * Parses a non-negative decimal string into an integer count of 10^-decimals.
 * Returns null when the text is not a plain decimal, has more significant fractional digits
 * than `decimals`, or does not fit a safe integer. Accepts "0.5", ".5", "5.", "0.500", "10500100".
 */
export function parseScaled(text: string, decimals: number): number | null {
  const m = DECIMAL_RE.exec(text);
  if (m === null || m[1] !== undefined) return null;
  const intPart = m[2] ?? '';
  let frac = m[3] ?? '';
  if (intPart === '' && frac === '') return null;
  if (frac.length > decimals) {
    if (!/^0*$/.test(frac.slice(decimals))) return null;
    frac = frac.slice(0, decimals);
  }
  const digits = (intPart + frac.padEnd(decimals, '0')).replace(/^0+(?=\d)/, '');
  if (digits.length > 16) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** Formats an integer count of 10^-decimals as the shortest exact decimal string ("0.5", "12", "-0.0001"). */
export function formatScaled(value: number | bigint, decimals: number): string {
  const neg = value < 0;
  let s = (neg ? -BigInt(value) : BigInt(value)).toString();
  if (decimals > 0) {
    s = s.padStart(decimals + 1, '0');
    const int = s.slice(0, s.length - decimals);
    const frac = s.slice(s.length - decimals).replace(/0+$/, '');
    s = frac === '' ? int : `${int}.${frac}`;
  }
  return neg && s !== '0' ? `-${s}` : s;
}

/** Price string -> Px, or null if it is not on the 1e-4 grid or outside [0, 1]. */
export function parsePx(text: string): Px | null {
  const v = parseScaled(text, PX_DECIMALS);
  return v === null || v > PX_ONE ? null : v;
}

/** Size string -> Qty, or null if it has more than 6 decimals or is too large to be exact. */
export function parseQty(text: string): Qty | null {
  return parseScaled(text, QTY_DECIMALS);
}

/**
 * Dollar string -> Cash, or null when it is not a plain decimal with at most 10 decimals ("5", "250.50",
 * "-3.25"; a sign is allowed: cash and P&L can be negative).
 */
export function parseCash(text: string): Cash | null {
  const m = /^(-)?(\d+)(?:\.(\d{1,10}))?$/.exec(text);
  if (m === null) return null;
  const cash = BigInt(m[2]! + (m[3] ?? '').padEnd(CASH_DECIMALS, '0'));
  return m[1] === undefined ? cash : -cash;
}

export const formatPx = (px: Px): string => formatScaled(px, PX_DECIMALS);
export const formatQty = (qty: Qty): string => formatScaled(qty, QTY_DECIMALS);
export const formatCash = (cash: Cash): string => formatScaled(cash, CASH_DECIMALS);

/** Exact notional of qty shares at px. */
export const notional = (px: Px, qty: Qty): Cash => BigInt(px) * BigInt(qty);

export const pxToDecimal = (px: Px): D => new D(px).div(PX_SCALE);
export const qtyToDecimal = (qty: Qty): D => new D(qty).div(QTY_SCALE);
export const cashToDecimal = (cash: Cash): D => new D(cash.toString()).div(CASH_SCALE.toString());

/** Decimal dollars -> Cash, rounding half-even at 1e-10 (only for values computed in Decimal, e.g. fees). */
export function decimalToCash(value: D): Cash {
  return BigInt(value.mul(CASH_SCALE.toString()).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0));
}

/** Decimal shares -> Qty, rounding half-even at 1e-6. */
export function decimalToQty(value: D): Qty {
  return Number(value.mul(QTY_SCALE).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0));
}

/** Decimal price -> Px if it is exactly on the 1e-4 grid, else null. */
export function decimalToPx(value: D): Px | null {
  const scaled = value.mul(PX_SCALE);
  return scaled.isInteger() && scaled.gte(0) && scaled.lte(PX_ONE) ? scaled.toNumber() : null;
}
