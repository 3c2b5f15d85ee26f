/**
 * One side of an L2 book ("ladder"): the price levels of the bid or the ask side.
 *
 * Representation: two parallel typed arrays, `keys` (Int32) and `qtys` (Float64), sorted ascending by
 * key with the BEST level LAST, where key = +px on the bid side and -px on the ask side. Updates on
 * Polymarket cluster at the touch, so the common set is a fast path on the last element or a short
 * shift near the end; any other set is a binary search plus a `copyWithin` shift.
 * Measured (1M set+best on a ~45-level side, updates near the touch, Node 20, shared 2-core box):
 * sorted typed arrays ~45-75 ns/op raw (~90 ns/op through L2Book.setLevel + bestBid), plain JS arrays
 * with splice ~75-90 ns/op, a dense Float64Array(10001) per side ~20-30 ns/op. Dense is faster to
 * set but costs 160 KiB per book (160 MB for 1000 books vs ~2.3 MB here) and walks a sparse grid
 * slowly (10-level walk on a 0.01 grid: 7x slower), and walking levels is what the fill engine does.
 * A dense array over the tick grid only would need a known, stable tick; this does not.
 *
 * Invariants
 * - keys strictly ascending (no duplicate prices), every stored qty > 0, both integers:
 *   px is a Px (integer 1e-4 ticks, 0..10000), qty a Qty (safe integer 1e-6 shares).
 * - rank 0 = best level (highest bid / lowest ask); `pxAt`/`qtyAt` take a rank in [0, count).
 * - Values that break these (fractional, negative, out-of-range) are caller bugs and throw RangeError:
 *   the core trusts its types but fails fast on corrupt state instead of storing it.
 *
 * Known limits
 * - Iterating ranks while mutating the same ladder is undefined (ranks shift); views never mutate.
 * - No sums are kept: totals over a side are the caller's business (and may need bigint).
 */
import type { Level } from '../types/events.ts';
import type { Px, Qty } from '../types/fixed.ts';
import { PX_ONE } from '../types/fixed.ts';

/** Read access to one side, best level first. Implemented by Ladder and by its mirror image. */
export interface SideReader {
  /** Number of levels. */
  readonly count: number;
  /** Price of the level at `rank` (0 = best). */
  pxAt(rank: number): Px;
  /** Size of the level at `rank` (0 = best). */
  qtyAt(rank: number): Qty;
  /** Size resting at `px`, 0 when there is no level there. */
  find(px: Px): Qty;
}

export function assertPx(px: Px): void {
  if (!Number.isInteger(px) || px < 0 || px > PX_ONE) {
    throw new RangeError(`book: price ${String(px)} is not an integer Px in 0..${PX_ONE}`);
  }
}

export function assertQty(qty: Qty): void {
  if (!Number.isSafeInteger(qty) || qty < 0) {
    throw new RangeError(`book: size ${String(qty)} is not a non-negative safe-integer Qty`);
  }
}

const INITIAL_CAPACITY = 8;

/** A validated, sorted side built by `Ladder.prepare`, not yet installed. */
export interface PreparedSide {
  readonly sign: 1 | -1;
  readonly keys: Int32Array;
  readonly qtys: Float64Array;
  readonly n: number;
}

export class Ladder implements SideReader {
  /** +1 on the bid side, -1 on the ask side: key = sign * px, ascending, best last. */
  private readonly sign: 1 | -1;
  private keys: Int32Array = new Int32Array(INITIAL_CAPACITY);
  private qtys: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private n = 0;

  constructor(readonly isBid: boolean) {
    this.sign = isBid ? 1 : -1;
  }

  get count(): number {
    return this.n;
  }

  pxAt(rank: number): Px {
    return this.sign * (this.keys[this.n - 1 - rank] as number);
  }

  qtyAt(rank: number): Qty {
    return this.qtys[this.n - 1 - rank] as number;
  }

  find(px: Px): Qty {
    const i = this.indexOf(this.sign * px);
    return i >= 0 ? (this.qtys[i] as number) : 0;
  }

  /** Sets the total size at px (0 deletes). Returns the size that was there before (0 = none). */
  set(px: Px, qty: Qty): Qty {
    assertPx(px);
    assertQty(qty);
    const key = this.sign * px;
    const keys = this.keys;
    const n = this.n;
    let lo: number;
    const last = n > 0 ? (keys[n - 1] as number) : 0;
    if (n === 0 || last < key) {
      lo = n; // new best: append
    } else if (last === key) {
      lo = n - 1; // update at the touch
    } else {
      lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((keys[mid] as number) < key) lo = mid + 1;
        else hi = mid;
      }
    }
    if (lo < n && keys[lo] === key) {
      const old = this.qtys[lo] as number;
      if (qty === 0) {
        keys.copyWithin(lo, lo + 1, n);
        this.qtys.copyWithin(lo, lo + 1, n);
        this.n = n - 1;
      } else {
        this.qtys[lo] = qty;
      }
      return old;
    }
    if (qty === 0) return 0;
    if (n === keys.length) this.grow(n * 2);
    if (lo < n) {
      this.keys.copyWithin(lo + 1, lo, n);
      this.qtys.copyWithin(lo + 1, lo, n);
    }
    this.keys[lo] = key;
    this.qtys[lo] = qty;
    this.n = n + 1;
    return 0;
  }

  /**
   * Validates and sorts `levels` (any order) into a side, without touching this one. Zero sizes are
   * dropped; for a price listed twice the later entry wins (level-set semantics, as if applied in
   * order). Throws RangeError on a value that is not a Px / Qty.
   */
  prepare(levels: readonly Level[]): PreparedSide {
    const m = levels.length;
    const sign0 = this.sign;
    // Fast path: levels already strictly best first (what the normalizer emits): no sort, no order array.
    let sorted = true;
    for (let i = 0; i < m; i++) {
      const l = levels[i] as Level;
      assertPx(l.px);
      assertQty(l.qty);
      if (i > 0 && sign0 * (levels[i - 1] as Level).px <= sign0 * l.px) sorted = false;
    }
    if (sorted) {
      const keys = new Int32Array(Math.max(INITIAL_CAPACITY, m));
      const qtys = new Float64Array(Math.max(INITIAL_CAPACITY, m));
      let n = 0;
      for (let j = m - 1; j >= 0; j--) {
        const l = levels[j] as Level;
        if (l.qty === 0) continue;
        keys[n] = sign0 * l.px;
        qtys[n] = l.qty;
        n++;
      }
      return { sign: sign0, keys, qtys, n };
    }
    const order: number[] = new Array<number>(m);
    for (let i = 0; i < m; i++) {
      const l = levels[i] as Level;
      assertPx(l.px);
      assertQty(l.qty);
      order[i] = i;
    }
    const sign = this.sign;
    // Stable by construction: ties on price keep input order, so the later entry comes last.
    order.sort((a, b) => sign * ((levels[a] as Level).px - (levels[b] as Level).px) || a - b);
    const cap = Math.max(INITIAL_CAPACITY, m);
    const keys = new Int32Array(cap);
    const qtys = new Float64Array(cap);
    let n = 0;
    for (let j = 0; j < m; j++) {
      const l = levels[order[j] as number] as Level;
      const next = j + 1 < m ? (levels[order[j + 1] as number] as Level) : undefined;
      if (next !== undefined && next.px === l.px) continue; // a later entry for this price wins
      if (l.qty === 0) continue;
      keys[n] = sign * l.px;
      qtys[n] = l.qty;
      n++;
    }
    return { sign, keys, qtys, n };
  }

  /** Replaces the whole side with a prepared one. Returns true when the levels differ from before. */
  commit(p: PreparedSide): boolean {
    if (p.sign !== this.sign) throw new RangeError('book: prepared side belongs to the other side');
    let changed = p.n !== this.n;
    for (let i = 0; !changed && i < p.n; i++) {
      changed = p.keys[i] !== this.keys[i] || p.qtys[i] !== this.qtys[i];
    }
    this.keys = p.keys;
    this.qtys = p.qtys;
    this.n = p.n;
    return changed;
  }

  /** prepare + commit. */
  replace(levels: readonly Level[]): boolean {
    return this.commit(this.prepare(levels));
  }

  /** Removes every level. Returns true if there were any. */
  clear(): boolean {
    const had = this.n > 0;
    this.n = 0;
    if (this.keys.length > 64) {
      this.keys = new Int32Array(INITIAL_CAPACITY);
      this.qtys = new Float64Array(INITIAL_CAPACITY);
    }
    return had;
  }

  private indexOf(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid] as number;
      if (k === key) return mid;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private grow(capacity: number): void {
    const keys = new Int32Array(capacity);
    keys.set(this.keys);
    const qtys = new Float64Array(capacity);
    qtys.set(this.qtys);
    this.keys = keys;
    this.qtys = qtys;
  }
}

/**
 * The mirror image of a side of the other token's book: price p becomes 1 - p, sizes unchanged,
 * ranks unchanged (YES asks ascending from best = NO bids descending from best).
 */
export class MirroredSide implements SideReader {
  constructor(private readonly inner: SideReader) {}

  get count(): number {
    return this.inner.count;
  }

  pxAt(rank: number): Px {
    return PX_ONE - this.inner.pxAt(rank);
  }

  qtyAt(rank: number): Qty {
    return this.inner.qtyAt(rank);
  }

  find(px: Px): Qty {
    return this.inner.find(PX_ONE - px);
  }
}
