/**
 * What the parts of the paper exchange share: the book view they read, a paper order's state record and
 * the canonical-terms helpers (a NO-token level (side s, price q) is the YES level (mirror(s), 1 - q); the
 * canonical token of a pair comes from the market registry, src/core/markets/registry.ts).
 * Pure data and helpers; no part owns another's state through this file.
 */
import type { Cash, Px, Qty } from '../types/fixed.ts';
import { PX_ONE } from '../types/fixed.ts';
import type { BookSide, Level, Side } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';
import type { PlaceOrder } from '../types/orders.ts';
import type { TimerId } from '../timers.ts';

/** The read API the engine needs from a book view (L2Book, BinaryBook views and BookView all fit). */
export interface MatchBookView {
  readonly tickSize: Px | null;
  readonly valid: boolean;
  /** Best first. */
  levels(side: BookSide): Iterable<Level>;
  qtyAt(side: BookSide, px: Px): Qty;
  bestBid(): Px | null;
  bestAsk(): Px | null;
  isCrossed(): boolean;
}

/**
 * assetId -> read view: a function, or anything with `book(assetId)` (e.g. BookRegistry). One that also has
 * `bookAt(handle)` and the `markets` registry whose token handles it takes (a BookRegistry) lets the
 * exchange read books by handle on the per-event path, when that registry is the exchange's too.
 */
export type BookLookup =
  | ((assetId: string) => MatchBookView | undefined)
  | { book(assetId: string): MatchBookView | undefined; bookAt?(h: number): MatchBookView | undefined; readonly markets?: unknown };

/** The per-event reads by token handle (the market registry's handles, MarketRegistry.legs). */
export interface HandleReads {
  canonAt(h: number): Canonical;
  /** The book waits for a snapshot (MarketRegistry.waitingAt). */
  waitingAt(h: number): boolean;
  bookAt(h: number): MatchBookView | undefined;
}

export type OpenOrderState = 'in_flight' | 'held' | 'resting';
export type Status = OpenOrderState | 'done';

/** A token's canonical terms: the pair's canonical token, and whether this token is its mirror. */
export interface Canonical {
  readonly canon: string;
  readonly mirrored: boolean;
}

export interface OrderRec {
  readonly cmd: PlaceOrder;
  readonly duplicate: boolean;
  status: Status;
  arrivalNs: bigint;
  filledQty: Qty;
  spent: Cash;
  ahead: Qty;
  /** Market-event sequence when the order came to rest (print attribution: joined before or after a decrease). */
  restSeq: number;
  /** Shares of `ahead` the current decrease run at the order's level removed (given back to a matching print). */
  ghost: Qty;
  /** The decrease run `ghost` belongs to (attribution.ts `run`); -1 = none. */
  ghostRun: number;
  canon: string;
  mirrored: boolean;
  /** The level queue the order rests in (matching-core's LevelKey; -1 before it rests). */
  restKey: number;
  meta: MarketMeta | undefined;
  /** Pending GTD expiry / taker-delay release on the in-flight timer heap (cancelled when the order is done). */
  expireTimer: TimerId | null;
  releaseTimer: TimerId | null;
}

export const flipSide = (s: BookSide): BookSide => (s === 'bid' ? 'ask' : 'bid');
export const flipTaker = (s: Side): Side => (s === 'BUY' ? 'SELL' : 'BUY');

export function toCanon(mirrored: boolean, side: BookSide, px: Px): [BookSide, Px] {
  return mirrored ? [flipSide(side), PX_ONE - px] : [side, px];
}

/** Shares still open; for dollar-sized orders, the shares the unspent amount buys at the limit (floored). */
export function leaves(rec: OrderRec): Qty {
  const c = rec.cmd;
  if (c.qty !== null) return c.qty - rec.filledQty;
  const rem = (c.amount ?? 0n) - rec.spent;
  return rem > 0n && c.px > 0 ? Number(rem / BigInt(c.px)) : 0;
}
