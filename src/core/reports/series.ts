/**
 * Bounded per-token top-of-book series for the report's price panel (book_top.csv, report.html).
 *
 * What is kept: after every book change the kernel offers each changed token's top of book (best bid and ask
 * with their sizes) at the clock time. A point is stored only when the top changed (same values = no point);
 * several changes at one instant keep the last (the state the instant ends with).
 *
 * Memory bound (decided for long runs): per token at most MAX_TOP_POINTS (4 x TOP_MAX_BUCKETS) stored points
 * plus the points of one open bucket. While a token has at most MAX_TOP_POINTS changes, every change is kept
 * exactly. Beyond that the series switches to time buckets aligned to the epoch (first 1 s, doubled whenever
 * there are more than TOP_MAX_BUCKETS buckets: 1 s, 2 s, 4 s, ...), and each bucket keeps at most four of its
 * points, in time order: the first, the one with the lowest mid, the one with the highest mid, and the last.
 * So the mid's envelope survives downsampling (a spike is never smoothed away), every kept point is an exact
 * recorded state at its own time, and the last state of each bucket (what holds until the next bucket) is
 * kept. Re-bucketing a reduced series with the same rule gives the same points as reducing the full series
 * (first/last/min/max of a union are among the first/last/min/max of its parts), so the result depends only
 * on the data, never on replay speed or batch boundaries. Ties (equal mids) keep the earliest point.
 *
 * Values are exact (Px ticks, Qty micro-shares); the report prints them with formatPx / formatQty.
 * Known limit: memory is bounded per token, so a run over thousands of tokens holds thousands of series.
 */
import type { Px, Qty } from '../types/fixed.ts';

export interface TopPoint {
  readonly tsNs: bigint;
  readonly bid: Px | null;
  readonly ask: Px | null;
  readonly bidQty: Qty;
  readonly askQty: Qty;
}

export const TOP_MAX_BUCKETS = 1000;
export const MAX_TOP_POINTS = 4 * TOP_MAX_BUCKETS;
export const TOP_FIRST_BUCKET_NS = 1_000_000_000n;

/** bid + ask (twice the mid, in ticks) when both sides exist; null otherwise. */
const midKey = (p: TopPoint): number | null => (p.bid !== null && p.ask !== null ? p.bid + p.ask : null);

const sameTop = (a: TopPoint, b: TopPoint): boolean => a.bid === b.bid && a.ask === b.ask && a.bidQty === b.bidQty && a.askQty === b.askQty;

/** The first, lowest-mid, highest-mid and last points of one bucket, in time order (at most four, no repeats). */
export function reduceBucket(pts: readonly TopPoint[]): TopPoint[] {
  if (pts.length <= 4) return [...pts];
  let lo = -1;
  let hi = -1;
  for (let i = 0; i < pts.length; i++) {
    const k = midKey(pts[i]!);
    if (k === null) continue;
    if (lo === -1 || k < midKey(pts[lo]!)!) lo = i;
    if (hi === -1 || k > midKey(pts[hi]!)!) hi = i;
  }
  const keep = new Set<number>([0, pts.length - 1]);
  if (lo !== -1) keep.add(lo);
  if (hi !== -1) keep.add(hi);
  return [...keep].sort((a, b) => a - b).map((i) => pts[i]!);
}

/** One token's bounded series (see header). */
export class TopOfBookSeries {
  private done: TopPoint[] = [];
  private open: TopPoint[] = [];
  private openBucket = 0n;
  private bucketNs = 0n;
  private buckets = 0;
  private lastPt: TopPoint | null = null;
  private twoSided: TopPoint | null = null;

  /**
   * The latest offered top with both a bid and an ask (exact, whatever was stored). Its values are the latest
   * offer's; after offers that repeated a stored point, its tsNs is that point's (when the top was reached).
   */
  lastTwoSided(): TopPoint | null {
    return this.twoSided;
  }

  /**
   * add() of the point (tsNs, bid, ask, bidQty, askQty), building it only when it is stored (hot path: the
   * kernel offers every changed token's top on every book event, and most offers repeat the last top).
   */
  offer(tsNs: bigint, bid: Px | null, ask: Px | null, bidQty: Qty, askQty: Qty): void {
    const last = this.lastPt;
    if (last !== null && tsNs > last.tsNs && last.bid === bid && last.ask === ask && last.bidQty === bidQty && last.askQty === askQty) {
      // the same top as the stored last point, later: no point; the latest two-sided top has these values
      if (bid !== null && ask !== null) this.twoSided = last;
      return;
    }
    this.add({ tsNs, bid, ask, bidQty, askQty });
  }

  /** Offers the top of book at tsNs (time never goes back). */
  add(p: TopPoint): void {
    if (p.bid !== null && p.ask !== null && (this.twoSided === null || p.tsNs >= this.twoSided.tsNs)) this.twoSided = p;
    const last = this.lastPt;
    if (last !== null) {
      if (p.tsNs < last.tsNs) throw new Error(`TopOfBookSeries: time went back (${p.tsNs} < ${last.tsNs})`);
      if (p.tsNs === last.tsNs) {
        this.replaceLast(p);
        return;
      }
      if (sameTop(last, p)) return;
    }
    this.lastPt = p;
    if (this.bucketNs === 0n) {
      this.done.push(p);
      if (this.done.length > MAX_TOP_POINTS) this.rebucket(TOP_FIRST_BUCKET_NS);
      return;
    }
    // closing a bucket can widen the buckets (rebucket): recompute p's bucket until it is the open one
    while (this.open.length > 0 && p.tsNs / this.bucketNs !== this.openBucket) this.closeBucket();
    this.openBucket = p.tsNs / this.bucketNs;
    this.open.push(p);
  }

  /** Stored points in time order (the open bucket reduced as if it closed now). */
  points(): TopPoint[] {
    return this.bucketNs === 0n ? [...this.done] : [...this.done, ...reduceBucket(this.open)];
  }

  /** Current bucket width in ns (0 = every change kept). */
  get resolutionNs(): bigint {
    return this.bucketNs;
  }

  private replaceLast(p: TopPoint): void {
    const arr = this.bucketNs === 0n || this.open.length === 0 ? this.done : this.open;
    const prev = arr.length >= 2 ? arr[arr.length - 2]! : null;
    // a same-instant change that returns to the previous stored state removes the point instead
    if (prev !== null && sameTop(prev, p) && arr === this.done && this.bucketNs === 0n) {
      arr.pop();
      this.lastPt = prev;
      return;
    }
    arr[arr.length - 1] = p;
    this.lastPt = p;
  }

  private closeBucket(): void {
    this.done.push(...reduceBucket(this.open));
    this.open = [];
    this.buckets += 1;
    if (this.buckets > TOP_MAX_BUCKETS) this.rebucket(this.bucketNs * 2n);
  }

  /** Re-reduces every stored point into buckets of `width` (doubling until they fit). */
  private rebucket(width: bigint): void {
    let all = [...this.done, ...this.open];
    let w = width;
    for (;;) {
      const out: TopPoint[] = [];
      let cur: TopPoint[] = [];
      let curB = 0n;
      let n = 0;
      for (const p of all) {
        const b = p.tsNs / w;
        if (cur.length > 0 && b !== curB) {
          out.push(...reduceBucket(cur));
          n += 1;
          cur = [];
        }
        curB = b;
        cur.push(p);
      }
      if (n + (cur.length > 0 ? 1 : 0) <= TOP_MAX_BUCKETS) {
        this.done = out;
        this.open = cur;
        this.openBucket = curB;
        this.buckets = n;
        this.bucketNs = w;
        return;
      }
      all = [...out, ...cur];
      w *= 2n;
    }
  }
}

/**
 * Every token's series, in order of first change. `offerAt` is offer() for the hot path: the series is also
 * held in an array by the caller's token handle (one handle per token id, from one table: the kernel's
 * market registry), so an offer costs no string-keyed lookup.
 */
export class TopOfBookRecorder {
  private readonly series = new Map<string, TopOfBookSeries>();
  private readonly byH: (TopOfBookSeries | undefined)[] = [];

  add(assetId: string, p: TopPoint): void {
    let s = this.series.get(assetId);
    if (s === undefined) {
      s = new TopOfBookSeries();
      this.series.set(assetId, s);
    }
    s.add(p);
  }

  /** add() without building the point unless it is stored (TopOfBookSeries.offer). */
  offer(assetId: string, tsNs: bigint, bid: Px | null, ask: Px | null, bidQty: Qty, askQty: Qty): void {
    let s = this.series.get(assetId);
    if (s === undefined) {
      s = new TopOfBookSeries();
      this.series.set(assetId, s);
    }
    s.offer(tsNs, bid, ask, bidQty, askQty);
  }

  /** offer() of the token with handle h (its id `assetId`); a handle must always name the same id. */
  offerAt(h: number, assetId: string, tsNs: bigint, bid: Px | null, ask: Px | null, bidQty: Qty, askQty: Qty): void {
    let s = this.byH[h];
    if (s === undefined) {
      s = this.series.get(assetId);
      if (s === undefined) {
        s = new TopOfBookSeries();
        this.series.set(assetId, s);
      }
      this.byH[h] = s;
    }
    s.offer(tsNs, bid, ask, bidQty, askQty);
  }

  tokens(): string[] {
    return [...this.series.keys()];
  }

  get(assetId: string): TopOfBookSeries | undefined {
    return this.series.get(assetId);
  }
}
