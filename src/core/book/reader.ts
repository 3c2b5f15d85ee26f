/**
 * The read API shared by every book view (a plain L2Book, and the mirrored NO view of a binary
 * market), written once against `SideReader` so YES and NO views cannot drift apart.
 *
 * Invariants and conventions
 * - Prices are Px (integer 1e-4), sizes Qty (integer 1e-6 shares), cost Cash (bigint 1e-10 $), exact.
 *   `mid()` is in ticks like every other price: (bestBid + bestAsk) / 2, a number that is an integer or
 *   ends in .5 (a half tick, exact in a double: 4950.5 = 0.49505 $). `midDollars()` is the same value as
 *   an exact Decimal in dollars (at most 5 decimals), for arithmetic in dollars and for marks; `vwap()`
 *   returns Decimal DOLLARS per share, vwap is cost / shares rounded by D's 60 significant digits (monotone rounding).
 * - `sweep('ask', ...)` is what a taker BUY consumes, `sweep('bid', ...)` what a taker SELL consumes.
 *   Levels are walked best first and each level fills at its own price (makers fill at their limit;
 *   price improvement goes to the taker). `limitPx` stops the walk at the first level worse than it
 *   (ask side: px > limit; bid side: px < limit). Sweeping never mutates the book.
 * - `filledQty` never exceeds the requested qty, so the shares sum of a sweep stays a safe integer;
 *   in `sweepCash` it is bounded by the levels walked and checked.
 * - `complete` (sweep): the whole qty was available. (sweepCash): the budget, not the depth or the
 *   limit, ended the walk: either it was spent exactly, or what is left cannot pay for one more
 *   1e-6 share at the level where the walk stopped (shares are floored to 1e-6).
 *
 * Known limits
 * - `vwap` on a side too thin for `qty` returns the VWAP of what is there (use `sweep` to see
 *   `filledQty`/`complete`); it returns null only when nothing at all can be taken.
 * - `sweepCash` stops at the first level the budget cannot pay for in full, even on the bid side
 *   where a further (lower-priced) level could still take a share or two of the remainder: the walk
 *   models one taker order consuming levels in priority order.
 * - Non-positive or non-integer sizes/budgets are caller bugs and throw RangeError.
 */
import type { BookSide, Level } from '../types/events.ts';
import type { Cash, Px, Qty } from '../types/fixed.ts';
import { D, PX_SCALE } from '../types/fixed.ts';
import { assertQty, type SideReader } from './ladder.ts';

/** The result of walking one side of a book. */
export interface Sweep {
  /** Shares taken (1e-6 units). */
  filledQty: Qty;
  /** Exact cost of the shares taken: sum of px * qty over `fills`. */
  cost: Cash;
  /** Price and size taken at each level, best first. */
  fills: Level[];
  complete: boolean;
}

/** Read-only view of one token's book. Structurally satisfies the strategy API's BookView. */
export interface BookReader {
  readonly assetId: string;
  /** Last known tick size (from a snapshot, a tick_size_change or market metadata), null if unknown. */
  readonly tickSize: Px | null;
  /** False before the first snapshot (when required) and from a tick-size change to the next snapshot. */
  readonly valid: boolean;
  /** Bumped on every observable change (levels, validity, tick size); equal versions = same book. */
  readonly version: number;
  bestBid(): Px | null;
  bestAsk(): Px | null;
  /** Size at the best bid, 0 when the side is empty. */
  bestBidQty(): Qty;
  bestAskQty(): Qty;
  qtyAt(side: BookSide, px: Px): Qty;
  levelCount(side: BookSide): number;
  /** Up to n levels, best first. */
  depth(side: BookSide, n: number): Level[];
  /** All levels best first, lazily. Do not mutate the book while iterating. */
  levels(side: BookSide): IterableIterator<Level>;
  /** (bestBid + bestAsk) / 2 in ticks (Px units; an integer or a half tick such as 4950.5), null unless both sides have a level. */
  mid(): number | null;
  /** The mid as an exact Decimal in dollars (0.49505), null unless both sides have a level. */
  midDollars(): D | null;
  /** bestAsk - bestBid in Px (<= 0 when crossed), null unless both sides have a level. */
  spread(): Px | null;
  /** Both sides present and bestBid >= bestAsk (a data-quality problem, never thrown). */
  isCrossed(): boolean;
  sweep(side: BookSide, qty: Qty, limitPx?: Px): Sweep;
  sweepCash(side: BookSide, cash: Cash, limitPx?: Px): Sweep;
  /** Average fill price in dollars for `qty` shares taken from `side`; see module notes. */
  vwap(side: BookSide, qty: Qty): D | null;
}

/**
 * (bid + ask) / 2 in dollars as an exact Decimal, shared per sum: strategies read the mid on every book
 * change, and a Decimal is immutable, so one instance per sum in [0, 2 * PX_ONE] serves every book
 * (bounded: at most 20,001 entries); other sums are computed each time.
 */
const MID_CACHE: (D | undefined)[] = [];
const MID_CACHE_MAX = 2 * PX_SCALE;

function midOfSum(sum: number): D {
  if (!(Number.isInteger(sum) && sum >= 0 && sum <= MID_CACHE_MAX)) return new D(sum).div(2 * PX_SCALE);
  let d = MID_CACHE[sum];
  if (d === undefined) {
    d = new D(sum).div(2 * PX_SCALE);
    MID_CACHE[sum] = d;
  }
  return d;
}

const beyondLimit = (isBid: boolean, px: Px, limitPx: Px | undefined): boolean =>
  limitPx !== undefined && (isBid ? px < limitPx : px > limitPx);

/** Walks `s` best first taking up to `qty` shares. */
export function sweepQty(s: SideReader, isBid: boolean, qty: Qty, limitPx?: Px): Sweep {
  assertQty(qty);
  let remaining = qty;
  let cost = 0n;
  const fills: Level[] = [];
  for (let r = 0, n = s.count; r < n && remaining > 0; r++) {
    const px = s.pxAt(r);
    if (beyondLimit(isBid, px, limitPx)) break;
    const take = Math.min(s.qtyAt(r), remaining);
    fills.push({ px, qty: take });
    cost += BigInt(px) * BigInt(take);
    remaining -= take;
  }
  return { filledQty: qty - remaining, cost, fills, complete: remaining === 0 };
}

/** Walks `s` best first spending up to `cash`; shares at the last level are floored to 1e-6. */
export function sweepBudget(s: SideReader, isBid: boolean, cash: Cash, limitPx?: Px): Sweep {
  if (cash < 0n) throw new RangeError(`book: cash budget ${cash.toString()} is negative`);
  let remaining = cash;
  let filled = 0;
  let budgetBound = false;
  const fills: Level[] = [];
  for (let r = 0, n = s.count; r < n; r++) {
    const px = s.pxAt(r);
    if (beyondLimit(isBid, px, limitPx)) break;
    const q = s.qtyAt(r);
    const bpx = BigInt(px);
    const full = bpx * BigInt(q);
    if (full <= remaining) {
      fills.push({ px, qty: q });
      remaining -= full;
      filled += q;
      if (!Number.isSafeInteger(filled)) throw new RangeError('book: swept share total exceeds 2^53 micro-shares');
      if (remaining === 0n) {
        budgetBound = true;
        break;
      }
      continue;
    }
    // full > remaining >= 0 implies px > 0: take what the remainder pays for, floored.
    const take = Number(remaining / bpx);
    if (take > 0) {
      fills.push({ px, qty: take });
      remaining -= bpx * BigInt(take);
      filled += take;
      if (!Number.isSafeInteger(filled)) throw new RangeError('book: swept share total exceeds 2^53 micro-shares');
    }
    budgetBound = true;
    break;
  }
  return { filledQty: filled, cost: cash - remaining, fills, complete: budgetBound || remaining === 0n };
}

/** The read API, implemented once over two SideReaders. */
export abstract class BookReadBase implements BookReader {
  abstract readonly assetId: string;
  abstract get tickSize(): Px | null;
  abstract get valid(): boolean;
  abstract get version(): number;
  /** The side's levels, best first (read-only). */
  abstract sideReader(side: BookSide): SideReader;

  bestBid(): Px | null {
    const s = this.sideReader('bid');
    return s.count > 0 ? s.pxAt(0) : null;
  }

  bestAsk(): Px | null {
    const s = this.sideReader('ask');
    return s.count > 0 ? s.pxAt(0) : null;
  }

  bestBidQty(): Qty {
    const s = this.sideReader('bid');
    return s.count > 0 ? s.qtyAt(0) : 0;
  }

  bestAskQty(): Qty {
    const s = this.sideReader('ask');
    return s.count > 0 ? s.qtyAt(0) : 0;
  }

  qtyAt(side: BookSide, px: Px): Qty {
    return this.sideReader(side).find(px);
  }

  levelCount(side: BookSide): number {
    return this.sideReader(side).count;
  }

  depth(side: BookSide, n: number): Level[] {
    const s = this.sideReader(side);
    const m = Math.min(s.count, n);
    const out: Level[] = [];
    for (let r = 0; r < m; r++) out.push({ px: s.pxAt(r), qty: s.qtyAt(r) });
    return out;
  }

  *levels(side: BookSide): IterableIterator<Level> {
    const s = this.sideReader(side);
    for (let r = 0; r < s.count; r++) yield { px: s.pxAt(r), qty: s.qtyAt(r) };
  }

  mid(): number | null {
    const b = this.bestBid();
    const a = this.bestAsk();
    return b === null || a === null ? null : (b + a) / 2;
  }

  midDollars(): D | null {
    const b = this.bestBid();
    const a = this.bestAsk();
    return b === null || a === null ? null : midOfSum(b + a);
  }

  spread(): Px | null {
    const b = this.bestBid();
    const a = this.bestAsk();
    return b === null || a === null ? null : a - b;
  }

  isCrossed(): boolean {
    const b = this.bestBid();
    const a = this.bestAsk();
    return b !== null && a !== null && b >= a;
  }

  sweep(side: BookSide, qty: Qty, limitPx?: Px): Sweep {
    return sweepQty(this.sideReader(side), side === 'bid', qty, limitPx);
  }

  sweepCash(side: BookSide, cash: Cash, limitPx?: Px): Sweep {
    return sweepBudget(this.sideReader(side), side === 'bid', cash, limitPx);
  }

  vwap(side: BookSide, qty: Qty): D | null {
    if (qty <= 0) return null;
    const s = this.sweep(side, qty);
    if (s.filledQty === 0) return null;
    return new D(s.cost.toString()).div(new D(s.filledQty).mul(PX_SCALE));
  }
}
