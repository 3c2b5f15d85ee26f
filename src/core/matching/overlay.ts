/**
 * The consumed-liquidity overlay: displayed liquidity our own paper fills already took.
 *
 * The venue never sees paper orders, so after a paper fill the recorded book still shows the shares we
 * "took" (a WS `book`, a REST `/books` resync, a delta: none of them ever contains our paper trades).
 * The overlay remembers them per level so the same displayed liquidity is never filled twice.
 *
 * INVARIANT: no displayed share is filled to us twice, by any path. Per canonical level, the shares our
 * fills took from displayed liquidity (taker fills, trade-through maker fills) never exceed the first
 * displayed size plus every later increase of the displayed size (property-tested in
 * test/matching/no-double-fill.test.ts over WS and REST snapshots, deltas, prints, feed losses, tick-size
 * changes and orders on both views of a binary book).
 *
 * Keys are in canonical (YES-book) terms: (canon, side, px) where canon is the canonical token of a binary
 * pair (see `canonicalOf` in exchange.ts) and a NO-token level (side s, price q) is stored as
 * (mirror(s), 1 - q). A BUY NO at q and a SELL YES at 1 - q therefore consume the same entry. The key is
 * one number (`LevelKeys`: the matching core's interned canonical token index x side x px), not a built
 * string: the per-event maps then key on small integers.
 *
 * The one rule, applied after every book change of the canonical token (any snapshot, WS or REST, and
 * any delta); nothing else ever forgets consumption:
 * - consumed := min(consumed, displayed size now). If the venue's level shrinks below what we consumed,
 *   the shares we took may be among those gone; we never claim more than is displayed.
 * - displayed size 0 (level gone) -> the entry is deleted.
 * - Increases do not decay the entry: new size at the level is new liquidity, available on top.
 * - While a book cannot be read (invalid after a tick-size change, stale after a feed loss) the entry is
 *   kept as it is, and the first snapshot afterwards decays it like any refresh. Clearing there would
 *   let the snapshot that follows (which shows the same shares) be taken again: the rule that cannot
 *   flatter is to keep what we took until the venue shows less.
 * Known limit: an L2 book cannot say which shares left a level; min() keeps hiding every displayed share
 * while any of ours may still be there, and forgets ours only once the level shows less than we took.
 */
import type { Px, Qty } from '../types/fixed.ts';
import type { BookSide } from '../types/events.ts';

export interface LevelReader {
  /** A token and side/price in that token's own terms through which the level can be read. */
  readonly assetId: string;
  readonly side: BookSide;
  readonly px: Px;
}

interface Entry {
  consumed: Qty;
  readonly reader: LevelReader;
}

/**
 * A canonical level (canonical token, side, price) as one number, so the hot maps key on small integers, not
 * built strings: token index (first seen first, per LevelKeys) x 2 sides x 2^20 prices. Px are ticks in
 * [0, PX_ONE]; a price outside [0, 2^20) would alias another level, so it throws.
 */
export type LevelKey = number;

const PX_SPAN = 1 << 20;

/** Interns canonical token ids to indices (first seen first) and builds LevelKeys from them. */
export class LevelKeys {
  private readonly ids = new Map<string, number>();
  /** The last canonical token asked for and its index (both legs of a price_change ask for one token). */
  private lastCanon: string | null = null;
  private lastIdx = 0;

  key(canon: string, side: BookSide, px: Px): LevelKey {
    let i: number | undefined;
    if (canon === this.lastCanon) i = this.lastIdx;
    else {
      i = this.ids.get(canon);
      if (i === undefined) {
        i = this.ids.size;
        this.ids.set(canon, i);
      }
      this.lastCanon = canon;
      this.lastIdx = i;
    }
    if (!(px >= 0 && px < PX_SPAN)) throw new RangeError(`level key: price ${px} outside [0, ${PX_SPAN})`);
    return (i * 2 + (side === 'bid' ? 0 : 1)) * PX_SPAN + px;
  }
}

export class ConsumedOverlay {
  private readonly entries = new Map<LevelKey, Entry>();
  private readonly byCanon = new Map<string, Set<LevelKey>>();

  consumed(key: LevelKey): Qty {
    return this.entries.get(key)?.consumed ?? 0;
  }

  add(canon: string, key: LevelKey, reader: LevelReader, qty: Qty): void {
    if (!(qty > 0)) return;
    const e = this.entries.get(key);
    if (e !== undefined) {
      e.consumed += qty;
      return;
    }
    this.entries.set(key, { consumed: qty, reader });
    let set = this.byCanon.get(canon);
    if (set === undefined) this.byCanon.set(canon, (set = new Set()));
    set.add(key);
  }

  /** Applies the decay rule; `read` returns the displayed size now, or null when unreadable (keep). */
  decay(canon: string, read: (r: LevelReader) => Qty | null): void {
    const set = this.byCanon.get(canon);
    if (set === undefined) return;
    for (const key of [...set]) {
      const e = this.entries.get(key);
      if (e === undefined) continue;
      const shown = read(e.reader);
      if (shown === null) continue;
      if (shown <= 0) {
        this.entries.delete(key);
        set.delete(key);
      } else if (e.consumed > shown) {
        e.consumed = shown;
      }
    }
    if (set.size === 0) this.byCanon.delete(canon);
  }

  get size(): number {
    return this.entries.size;
  }
}
