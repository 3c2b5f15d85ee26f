/**
 * Small helpers shared by the bundled strategies: tick rounding, the market's end time, ladder walks and
 * buy plans. Pure: no clock, no I/O, no floats for money.
 *
 * Invariants
 * - Prices are Px (1e-4 integer ticks), sizes Qty (1e-6 shares), dollars Cash (bigint 1e-10 $), branded
 *   (poly's units: a plain number is not a Px). Arithmetic on them gives plain numbers; the helpers here
 *   turn results back into branded values through poly's checked constructors (px.ticks, qty.micro,
 *   usd.raw), so a helper never hands out a NaN, a fraction or an out-of-range price as a Px.
 * - Tick rounding (floorToTick, ceilToTick) works on any tick count (a mid, a computed price, possibly
 *   outside [0, 1]) and returns a plain number; clampPx, offsetPx and complementPx return a Px.
 * - Nothing here guesses the venue: fees come from the engine (`ctx.takerFee` / `ctx.feeTerms`, the exact
 *   FeeModel the paper exchange charges, dated regimes included) and the liquidity still available to us
 *   from `ctx.available` (displayed minus our own taker fills, the exchange's overlay). The helpers take
 *   them as arguments.
 * Known limits
 * - `endDateNs` reads ISO-8601 text (`2026-01-30T21:00:00Z`, an optional fraction, `Z` or a +hh:mm
 *   offset, or a bare date = midnight UTC); anything else gives null (the strategy then ignores the end).
 * - A non-integer fee exponent is evaluated by decimal.js at 60 digits (not exact, still rounded up).
 */
import type { BookSide, BookView, FeeTerms } from 'poly';
import { D, PX_ONE, PX_SCALE, px, qty as shares, usd, type Cash, type Px, type Qty } from 'poly';
import type { Level } from 'poly';
import type { MarketMeta } from 'poly';

/** Default tick when neither the book nor the metadata knows it. */
export const DEFAULT_TICK: Px = px('0.01');
/** Default minimum resting-order size (Polymarket's usual 5 shares). */
export const DEFAULT_MIN_SIZE: Qty = shares('5');
/** Marketable orders must be worth at least $1 (PROTOCOL.md §5). */
export const MIN_MARKETABLE: Cash = usd('1');
/** Venue share precision: 2 decimals = 10_000 micro-shares. */
export const SHARE_LOT: Qty = shares('0.01');

/** The token's tick: the book's, else the market's, else 0.01. */
export function tickOf(book: BookView | undefined, meta: MarketMeta | undefined): Px {
  return book?.tickSize ?? meta?.tickSize ?? DEFAULT_TICK;
}

/** Minimum size of a resting (GTC/GTD) order in this market. */
export function minSizeOf(meta: MarketMeta | undefined): Qty {
  return meta?.minOrderSize ?? DEFAULT_MIN_SIZE;
}

/** A tick count (a mid, a computed price) rounded down to a multiple of `tick`; plain: clamp or check it to order with it. */
export const floorToTick = (ticks: number, tick: Px): number => Math.floor(ticks / tick) * tick;
/** A tick count rounded up to a multiple of `tick`; plain, as floorToTick. */
export const ceilToTick = (ticks: number, tick: Px): number => Math.ceil(ticks / tick) * tick;
/** A tick count into the venue's valid range [tick, 1 - tick], as a Px (throws only on NaN or a fraction). */
export const clampPx = (ticks: number, tick: Px): Px => px.ticks(Math.min(PX_ONE - tick, Math.max(tick, ticks)));
/** `p` moved by `delta` ticks (negative = down), checked: throws outside [0, 1]. offsetPx(bid, tick) = one tick above the bid. */
export const offsetPx = (p: Px, delta: number): Px => px.ticks(p + delta);
/** 1 - p: the NO price of a YES price (a BUY of NO at 1 - ask is the same trade as a SELL of YES at ask). */
export const complementPx = (p: Px): Px => px.ticks(PX_ONE - p);
/** Rounds shares (>= 0) down to the venue's 0.01-share precision. */
export const floorToLot = (q: number): Qty => shares.micro(Math.floor(q / SHARE_LOT) * SHARE_LOT);
/** The smallest of one or more quantities, as a Qty (Math.min gives a plain number); throws when given none. */
export const minQty = (...qs: readonly Qty[]): Qty => shares.micro(Math.min(...qs));

/** A price in dollars (Decimal) -> ticks, rounded down or up to the 1e-4 grid; plain (may be outside [0, 1]: clamp it). */
export function dollarsToPx(v: D, mode: 'down' | 'up'): number {
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

/** Shares withheld as the fee when a taker BUY fills `qty` at `px`: `(px, q) => ctx.takerFee(assetId, 'BUY', px, q).feeQty`. */
export type BuyFeeShares = (px: Px, qty: Qty) => Qty;

/** Fee shares per share bought at px under `t` (ctx.feeTerms): a fraction for quick marginal checks, not rounded. */
export function feeFraction(t: FeeTerms | null, price: Px): D {
  if (t === null || price <= 0) return new D(0);
  const p = new D(price).div(PX_SCALE);
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
  /** Shares received after the fee (the engine's fee per level, as each level fills on its own). */
  readonly netQty: Qty;
  readonly fills: readonly Level[];
}

/** Plans buying `qty` shares from `asks` (best first, e.g. ctx.available(assetId, 'ask')); null when too thin, or when the fee would take every share. */
export function planBuy(assetId: string, asks: readonly Level[], qty: Qty, feeShares: BuyFeeShares): BuyPlan | null {
  if (qty <= 0) return null;
  const s = sweepLevels(asks, 'ask', qty);
  const last = s.fills[s.fills.length - 1];
  if (!s.complete || last === undefined) return null;
  let feeQty = 0;
  for (const f of s.fills) feeQty += feeShares(f.px, f.qty);
  if (feeQty >= qty) return null;
  return { assetId, qty, cost: s.cost, worstPx: last.px, netQty: shares.micro(qty - feeQty), fills: s.fills };
}

/** The result of walking a ladder (same meaning as BookView.sweep). */
export interface LadderSweep {
  readonly filledQty: Qty;
  readonly cost: Cash;
  readonly fills: Level[];
  readonly complete: boolean;
}

const beyond = (side: BookSide, px: Px, limit: Px | undefined): boolean => limit !== undefined && (side === 'ask' ? px > limit : px < limit);

/** Takes up to `qty` shares from `levels` (best first), each level at its own price, up to `limitPx`. */
export function sweepLevels(levels: readonly Level[], side: BookSide, qty: Qty, limitPx?: Px): LadderSweep {
  let left: number = qty;
  let cost = 0n;
  const fills: Level[] = [];
  for (const l of levels) {
    if (left <= 0 || beyond(side, l.px, limitPx)) break;
    const take = shares.micro(Math.min(l.qty, left));
    fills.push({ px: l.px, qty: take });
    cost += BigInt(l.px) * BigInt(take);
    left -= take;
  }
  return { filledQty: shares.micro(qty - left), cost: usd.raw(cost), fills, complete: left === 0 };
}

/**
 * Spends up to `cash` on `levels` (best first), shares floored to 1e-6 at the last level, as the paper
 * exchange fills a dollar-sized BUY. `complete` = the budget, not the depth or the limit, ended the walk.
 */
export function sweepLevelsCash(levels: readonly Level[], side: BookSide, cash: Cash, limitPx?: Px): LadderSweep {
  let left: bigint = cash;
  let filled = 0;
  const fills: Level[] = [];
  const done = (complete: boolean): LadderSweep => ({ filledQty: shares.micro(filled), cost: usd.raw(cash - left), fills, complete });
  for (const l of levels) {
    if (beyond(side, l.px, limitPx) || l.px <= 0) break;
    const afford = left / BigInt(l.px);
    const take = Number(afford < BigInt(l.qty) ? afford : BigInt(l.qty));
    if (take <= 0) return done(true);
    fills.push({ px: l.px, qty: shares.micro(take) });
    left -= BigInt(l.px) * BigInt(take);
    filled += take;
    if (take < l.qty) return done(true);
  }
  return done(left === 0n);
}
