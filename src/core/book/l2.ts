/**
 * The exact L2 order book of one token: price levels keyed by integer 1e-4 ticks, sizes in integer
 * 1e-6 shares. Pure; no I/O, no time.
 *
 * Semantics (Polymarket market channel, PROTOCOL.md §1.5-1.6)
 * - `applySnapshot` replaces the whole book (a `book` message or REST `/book`). Levels may come in
 *   any order (the wire sends bids ascending and asks descending); zero sizes are dropped and a price
 *   listed twice keeps its later entry. A snapshot makes the book valid. `tickSize` null/undefined
 *   keeps the cached tick (post-trade `book` refreshes omit tick_size).
 * - `setLevel` is a level SET, not a delta: `qty` is the new total at px, 0 removes the level. Setting a
 *   level to the value it already has is a no-op, which is what makes applying both legs of a binary
 *   price_change idempotent. While the book is invalid, sets are ignored and return false.
 * - `onTickSizeChange(newTick)` (Nautilus behaviour): old-grid prices may be invalid, so the book is
 *   cleared and stays invalid (sets ignored) until the next snapshot. A change to the tick the book
 *   already has is a duplicate (the pair token's copy of the message, or a resend) and is ignored,
 *   so it cannot invalidate a book that was already re-snapshotted on the new grid.
 * - With `requireSnapshot` (what BookRegistry uses) a new book is invalid until its first snapshot:
 *   price_change for a token without a snapshot is dropped (PROTOCOL.md §1.6 step 2). By default a new
 *   book is valid and empty, which is convenient for tests and for building books by hand.
 * - A crossed book (bestBid >= bestAsk) is stored as given and reported by `isCrossed()`; it is a
 *   data-quality signal, never an exception.
 * - `version` increases on every observable change (levels, validity, tick size) and on nothing else.
 *
 * Reads (best/depth/levels/sweep/sweepCash/vwap/mid/spread) are documented in reader.ts; sweeping
 * never mutates. Representation and its measured cost are documented in ladder.ts.
 *
 * Known limits: prices are not checked against the tick grid (a stale-grid level is stored as sent);
 * price/size values outside Px/Qty (fractional, negative, > 1) are caller bugs and throw RangeError.
 */
import type { BookSide, Level } from '../types/events.ts';
import type { Px, Qty } from '../types/fixed.ts';
import { PX_ONE } from '../types/fixed.ts';
import { Ladder, type SideReader } from './ladder.ts';
import { BookReadBase } from './reader.ts';

export type { BookReader, Sweep } from './reader.ts';
export { mirrorLevels, mirrorPx, mirrorSide } from './mirror.ts';

export interface L2BookOptions {
  /** Start invalid: ignore level sets until the first snapshot. Default false. */
  readonly requireSnapshot?: boolean;
  /** Initial tick size (e.g. from market metadata) until a snapshot or tick change says otherwise. */
  readonly tickSize?: Px | null;
}

function assertTick(tick: Px): void {
  if (!Number.isInteger(tick) || tick <= 0 || tick > PX_ONE) {
    throw new RangeError(`book: tick size ${String(tick)} is not a positive integer Px`);
  }
}

export class L2Book extends BookReadBase {
  readonly assetId: string;
  private readonly bids = new Ladder(true);
  private readonly asks = new Ladder(false);
  private tick: Px | null;
  private isValid: boolean;
  private ver = 0;

  constructor(assetId: string, options: L2BookOptions = {}) {
    super();
    this.assetId = assetId;
    const tick = options.tickSize ?? null;
    if (tick !== null) assertTick(tick);
    this.tick = tick;
    this.isValid = options.requireSnapshot !== true;
  }

  get tickSize(): Px | null {
    return this.tick;
  }

  /** false from a tick-size change (or creation with requireSnapshot) until the next snapshot. */
  get valid(): boolean {
    return this.isValid;
  }

  get version(): number {
    return this.ver;
  }

  sideReader(side: BookSide): SideReader {
    return side === 'bid' ? this.bids : this.asks;
  }

  /**
   * Replaces the book with these levels (any order) and makes it valid.
   * Returns true when the levels differ from what the book held before.
   */
  applySnapshot(bids: readonly Level[], asks: readonly Level[], tickSize?: Px | null): boolean {
    if (tickSize != null) assertTick(tickSize);
    // Validate both sides before touching either: a bad level leaves the book as it was.
    const newBids = this.bids.prepare(bids);
    const newAsks = this.asks.prepare(asks);
    const bidsChanged = this.bids.commit(newBids);
    const asksChanged = this.asks.commit(newAsks);
    const changed = bidsChanged || asksChanged;
    let observable = changed || !this.isValid;
    if (tickSize != null && tickSize !== this.tick) {
      this.tick = tickSize;
      observable = true;
    }
    this.isValid = true;
    if (observable) this.ver++;
    return changed;
  }

  /** qty = new total at px, 0 deletes. Returns false if ignored because the book is invalid. */
  setLevel(side: BookSide, px: Px, qty: Qty): boolean {
    if (!this.isValid) return false;
    const old = (side === 'bid' ? this.bids : this.asks).set(px, qty);
    if (old !== qty) this.ver++;
    return true;
  }

  /**
   * Tick size changed at the venue: clear and ignore sets until the next snapshot.
   * Returns false (and does nothing) when the book already has this tick size.
   */
  onTickSizeChange(newTick: Px): boolean {
    assertTick(newTick);
    if (newTick === this.tick) return false;
    this.tick = newTick;
    this.clearLevels();
    this.isValid = false;
    this.ver++;
    return true;
  }

  /** Clears the book and ignores sets until the next snapshot (e.g. after a feed disconnect). */
  invalidate(): void {
    const had = this.clearLevels();
    if (had || this.isValid) this.ver++;
    this.isValid = false;
  }

  /** Removes every level; validity and tick size are unchanged. */
  clear(): void {
    if (this.clearLevels()) this.ver++;
  }

  private clearLevels(): boolean {
    const b = this.bids.clear();
    const a = this.asks.clear();
    return b || a;
  }
}
