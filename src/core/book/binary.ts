/**
 * The unified book of a binary market: ONE L2Book stored in YES terms, shown as two views.
 *
 * Why: Polymarket publishes one book per binary market twice (NO bids = 1 - YES asks, NO asks =
 * 1 - YES bids, same sizes; PROTOCOL.md §1.6, verified on 248/248 captured pairs). Keeping two
 * books would let a paper engine count the same liquidity twice; here it exists once.
 *
 * Invariants
 * - Every update for the NO token is mirrored into the YES book (side flipped, px -> 10000 - px).
 *   The NO view mirrors the YES book on the fly, so the two views are consistent by construction
 *   and share `valid`, `tickSize` and `version`.
 * - Level sets are idempotent, so applying both legs of a price_change (YES at p and NO at 1 - p)
 *   leaves the same book as applying either one.
 * - A tick-size change for either token invalidates the shared book until the next snapshot of
 *   either token (the tick grid is symmetric: p is on it iff 1 - p is); the pair token's copy of the
 *   same change is a no-op.
 *
 * Disagreement between the two tokens (a data-quality event, counted in `mirrorMismatch`, never thrown)
 * - Snapshots: the last snapshot of EITHER token replaces the whole book (last writer wins). The two
 *   tokens' snapshots are compared only when they describe the same venue instant: a snapshot arrives
 *   right after a snapshot of the other token, with no change in between, and both carry the same
 *   non-null `stamp` (the exchange timestamp). If its mirrored levels then differ, one mismatch is
 *   counted. Snapshots taken at different instants legitimately differ (the book moved; a collector
 *   that stores snapshots only has no deltas in between), so they are never compared.
 * - Level sets: BookRegistry compares the two legs of one price_change and calls
 *   `recordMirrorMismatch()` when they disagree; the later leg wins.
 *
 * Known limits: which token is "YES" is the caller's choice (MarketMeta tokens[0]); the pairing is
 * fixed for the life of the object.
 */
import type { BookSide, Level } from '../types/events.ts';
import type { Px, Qty } from '../types/fixed.ts';
import { PX_ONE } from '../types/fixed.ts';
import { L2Book, type L2BookOptions } from './l2.ts';
import { MirroredSide, type SideReader } from './ladder.ts';
import { mirrorLevels, mirrorSide } from './mirror.ts';
import { BookReadBase, type BookReader } from './reader.ts';

/** The NO token's view of a YES book: read-only, mirrored on every read. */
class MirrorView extends BookReadBase {
  private readonly bidSide: SideReader;
  private readonly askSide: SideReader;

  constructor(
    readonly assetId: string,
    private readonly src: L2Book,
  ) {
    super();
    this.bidSide = new MirroredSide(src.sideReader('ask'));
    this.askSide = new MirroredSide(src.sideReader('bid'));
  }

  get tickSize(): Px | null {
    return this.src.tickSize;
  }

  get valid(): boolean {
    return this.src.valid;
  }

  get version(): number {
    return this.src.version;
  }

  sideReader(side: BookSide): SideReader {
    return side === 'bid' ? this.bidSide : this.askSide;
  }
}

export class BinaryBook {
  readonly yesAssetId: string;
  readonly noAssetId: string;
  /** The one stored book, in YES terms. Mutate it only through this BinaryBook. */
  readonly yesBook: L2Book;
  /** The NO token's mirrored view of `yesBook`. */
  readonly noView: BookReader;
  private mismatches = 0;
  private lastSnapshotFromNo: boolean | null = null;
  private lastStamp: number | null = null;
  private versionAfterSnapshot = -1;

  constructor(yesAssetId: string, noAssetId: string, options: L2BookOptions = {}) {
    if (yesAssetId === noAssetId) throw new RangeError(`BinaryBook: both tokens are ${yesAssetId}`);
    this.yesAssetId = yesAssetId;
    this.noAssetId = noAssetId;
    this.yesBook = new L2Book(yesAssetId, options);
    this.noView = new MirrorView(noAssetId, this.yesBook);
  }

  /** Number of times the two tokens disagreed (see module notes). */
  get mirrorMismatch(): number {
    return this.mismatches;
  }

  has(assetId: string): boolean {
    return assetId === this.yesAssetId || assetId === this.noAssetId;
  }

  /** The other token of the pair, undefined for a foreign id. */
  pairOf(assetId: string): string | undefined {
    if (assetId === this.yesAssetId) return this.noAssetId;
    if (assetId === this.noAssetId) return this.yesAssetId;
    return undefined;
  }

  /** Read-only view for either token, undefined for a foreign id. */
  book(assetId: string): BookReader | undefined {
    if (assetId === this.yesAssetId) return this.yesBook;
    if (assetId === this.noAssetId) return this.noView;
    return undefined;
  }

  /**
   * A snapshot of either token's book (levels in that token's terms). `stamp` = the venue instant it
   * describes (exchange ms), used only to detect disagreeing twins. Returns true if the book changed.
   */
  applySnapshot(
    assetId: string,
    bids: readonly Level[],
    asks: readonly Level[],
    tickSize?: Px | null,
    stamp?: number | null,
  ): boolean {
    const fromNo = this.isNo(assetId);
    const at = stamp ?? null;
    const comparable =
      at !== null &&
      at === this.lastStamp &&
      this.lastSnapshotFromNo === !fromNo &&
      this.versionAfterSnapshot === this.yesBook.version &&
      this.yesBook.valid;
    const changed = fromNo
      ? this.yesBook.applySnapshot(mirrorLevels(asks), mirrorLevels(bids), tickSize)
      : this.yesBook.applySnapshot(bids, asks, tickSize);
    if (comparable && changed) this.mismatches++;
    this.lastSnapshotFromNo = fromNo;
    this.lastStamp = at;
    this.versionAfterSnapshot = this.yesBook.version;
    return changed;
  }

  /** A level set on either token (in that token's terms). False if ignored (invalid book). */
  setLevel(assetId: string, side: BookSide, px: Px, qty: Qty): boolean {
    return this.isNo(assetId)
      ? this.yesBook.setLevel(mirrorSide(side), PX_ONE - px, qty)
      : this.yesBook.setLevel(side, px, qty);
  }

  /** Tick-size change announced for either token. Returns true if the book was invalidated. */
  onTickSizeChange(assetId: string, newTick: Px): boolean {
    this.isNo(assetId); // refuses a foreign token; the tick applies to both views alike
    return this.yesBook.onTickSizeChange(newTick);
  }

  /** Clears the book and ignores sets until the next snapshot of either token. */
  invalidate(): void {
    this.yesBook.invalidate();
  }

  recordMirrorMismatch(): void {
    this.mismatches++;
  }

  private isNo(assetId: string): boolean {
    if (assetId === this.noAssetId) return true;
    if (assetId === this.yesAssetId) return false;
    throw new RangeError(`BinaryBook ${this.yesAssetId}/${this.noAssetId}: foreign token ${assetId}`);
  }
}
