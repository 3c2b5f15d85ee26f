/**
 * mergeOrdered: k-way merge of already-ordered async sources into one stream in the kernel's total
 * order (see the ordering rule in src/core/bus.ts): key = (ts, source rank, seq, sub).
 *
 * Invariants and ordering
 * - Output is sorted by `key`, compared lexicographically (bigint ts first, then the three numbers).
 *   Equal keys from different sources break on the source's index in `sources` (lower first), and
 *   equal keys within one source keep that source's order, so the output is a pure function of the
 *   sources' contents: it does not depend on which source's promise resolves first.
 * - Bounded memory: at most one buffered item per source (a binary heap of k entries). One pull per
 *   source is in flight at a time; the first pull of every source happens concurrently at start,
 *   after that only the source whose item was just yielded is pulled.
 * - Each source must itself be non-decreasing in `key`; a source that goes back throws
 *   OrderingError naming the source index (corrupt input upstream: fail fast).
 * - When the consumer stops early (break / return) or a source throws, every source that is not
 *   finished is closed (`return()`), so files and sockets are released.
 *
 * Also: `orderKey` / `compareOrigin` for normalized events (EventOrigin) and `rawKey` for RawRecords.
 */
import { OrderingError } from '../core/bus.ts';
import type { EventOrigin } from '../core/types/events.ts';
import { SOURCE_RANK, type RawRecord } from '../core/types/raw.ts';

/** (ts ns, source rank, seq, sub). */
export type OrderKey = readonly [bigint, number, number, number];

export function compareKeys(a: OrderKey, b: OrderKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] - b[1];
  if (a[2] !== b[2]) return a[2] - b[2];
  return a[3] - b[3];
}

/** The total-order key of a normalized event: (recvNs, SOURCE_RANK[source], seq, sub). */
export function orderKey(ev: EventOrigin): [bigint, number, number, number] {
  return [ev.recvNs, SOURCE_RANK[ev.source], ev.seq, ev.sub];
}

/** The key of a raw record (sub = 0: a record precedes the events normalized from it). */
export function rawKey(r: RawRecord): [bigint, number, number, number] {
  return [r.recvNs, SOURCE_RANK[r.source], r.seq, 0];
}

/** Comparator for normalized events in the kernel's order; allocation-free. */
export function compareOrigin(a: EventOrigin, b: EventOrigin): number {
  if (a.recvNs !== b.recvNs) return a.recvNs < b.recvNs ? -1 : 1;
  const ra = SOURCE_RANK[a.source], rb = SOURCE_RANK[b.source];
  if (ra !== rb) return ra - rb;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.sub - b.sub;
}

interface Entry<T> {
  item: T;
  key: OrderKey;
  readonly src: number;
}

const before = <T>(a: Entry<T>, b: Entry<T>): boolean => {
  const c = compareKeys(a.key, b.key);
  return c < 0 || (c === 0 && a.src < b.src);
};

function siftDown<T>(h: Entry<T>[], i: number): void {
  const n = h.length;
  const x = h[i] as Entry<T>;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && before(h[r] as Entry<T>, h[l] as Entry<T>) ? r : l;
    const child = h[c] as Entry<T>;
    if (!before(child, x)) break;
    h[i] = child;
    i = c;
  }
  h[i] = x;
}

const fmt = (k: OrderKey): string => `(${k[0]}, ${k[1]}, ${k[2]}, ${k[3]})`;

export function mergeOrdered<T>(sources: readonly AsyncIterable<T>[], key: (t: T) => OrderKey): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => merge(sources, key),
  };
}

async function* merge<T>(sources: readonly AsyncIterable<T>[], key: (t: T) => OrderKey): AsyncGenerator<T, void, undefined> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const done = its.map(() => false);
  const heap: Entry<T>[] = [];
  try {
    const firsts = await Promise.all(its.map((it) => it.next()));
    firsts.forEach((r, src) => {
      if (r.done === true) done[src] = true;
      else heap.push({ item: r.value, key: key(r.value), src });
    });
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);

    while (heap.length > 0) {
      const top = heap[0] as Entry<T>;
      yield top.item;
      const r = await (its[top.src] as AsyncIterator<T>).next();
      if (r.done === true) {
        done[top.src] = true;
        const last = heap.pop() as Entry<T>;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(heap, 0);
        }
        continue;
      }
      const k = key(r.value);
      if (compareKeys(k, top.key) < 0) {
        throw new OrderingError(`mergeOrdered: source #${top.src} went back in order: ${fmt(k)} after ${fmt(top.key)}`);
      }
      top.item = r.value;
      top.key = k;
      siftDown(heap, 0);
    }
  } finally {
    const closing: Promise<unknown>[] = [];
    its.forEach((it, src) => {
      if (!done[src] && it.return !== undefined) closing.push(it.return());
    });
    await Promise.allSettled(closing);
  }
}
