/**
 * The consumed-liquidity overlay: displayed liquidity our own paper fills already took.
 *
 * The venue never sees paper orders, so after a paper taker fill the recorded book still shows the shares
 * we "took". The overlay remembers them per level so the same displayed liquidity is never filled twice.
 *
 * Keys are in canonical (YES-book) terms: `canon|side|px` where canon is the canonical token of a binary
 * pair (see `canonicalOf` in exchange.ts) and a NO-token level (side s, price q) is stored as
 * (mirror(s), 1 - q). A BUY NO at q and a SELL YES at 1 - q therefore consume the same entry.
 *
 * Decay rule (applied after every book change of the canonical token):
 * - consumed := min(consumed, displayed size now). If the venue's level shrinks below what we consumed,
 *   the shares we took may be among those gone; we never claim more than is displayed.
 * - displayed size 0 (level gone) -> the entry is deleted.
 * - Increases do not decay the entry: new size at the level is new liquidity, available on top.
 * - `clearAsset` (REST snapshot = resync, tick-size change, feed loss) forgets everything for the token.
 * Hence, per level, shares filled from the overlay never exceed the first displayed size plus every
 * later increase (property-tested).
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

export const levelKey = (canon: string, side: BookSide, px: Px): string => `${canon}|${side}|${px}`;

export class ConsumedOverlay {
  private readonly entries = new Map<string, Entry>();
  private readonly byCanon = new Map<string, Set<string>>();

  consumed(key: string): Qty {
    return this.entries.get(key)?.consumed ?? 0;
  }

  add(canon: string, key: string, reader: LevelReader, qty: Qty): void {
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

  clearAsset(canon: string): void {
    const set = this.byCanon.get(canon);
    if (set === undefined) return;
    for (const key of set) this.entries.delete(key);
    this.byCanon.delete(canon);
  }

  clearAll(): void {
    this.entries.clear();
    this.byCanon.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
