import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderingError } from '../../src/core/bus.ts';
import type { EventOrigin } from '../../src/core/types/events.ts';
import { rawRecord, SOURCES, SOURCE_RANK, type Source } from '../../src/core/types/raw.ts';
import { compareKeys, compareOrigin, mergeOrdered, orderKey, rawKey, type OrderKey } from '../../src/sources/merge.ts';

type K = [bigint, number, number, number];
interface Item {
  readonly k: K;
  readonly tag: string;
}

/** An async source over `items` that counts pulls, tracks concurrency and records return(). */
function probe(items: readonly Item[]) {
  const stats = { pulls: 0, inFlight: 0, maxInFlight: 0, returned: false };
  let i = 0;
  const iterable: AsyncIterable<Item> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        stats.pulls++;
        stats.inFlight++;
        stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
        await Promise.resolve();
        await Promise.resolve();
        stats.inFlight--;
        const v = items[i++];
        return v === undefined ? { done: true, value: undefined } : { done: false, value: v };
      },
      return: async () => {
        stats.returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return { iterable, stats };
}

const byKey = (t: Item): OrderKey => t.k;
const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('mergeOrdered', () => {
  it('merges by (ts, rank, seq, sub) with ties on each component, and equal keys break on source index', async () => {
    const a = probe([
      { k: [1n, 0, 0, 0], tag: 'a1' },
      { k: [2n, 1, 5, 0], tag: 'a2' },
      { k: [2n, 1, 6, 1], tag: 'a3' },
      { k: [5n, 0, 0, 0], tag: 'a-dup' },
    ]);
    const b = probe([
      { k: [2n, 0, 9, 9], tag: 'b1' }, // same ts as a2, lower rank
      { k: [2n, 1, 6, 0], tag: 'b2' }, // same ts, rank, seq as a3, lower sub
      { k: [5n, 0, 0, 0], tag: 'b-dup' }, // identical key to a-dup: source 0 first
    ]);
    const c = probe([{ k: [2n, 1, 5, 1], tag: 'c1' }]); // same ts, rank as a2, same seq, higher sub
    const out = await collect(mergeOrdered([a.iterable, b.iterable, c.iterable], byKey));
    expect(out.map((x) => x.tag)).toEqual(['a1', 'b1', 'a2', 'c1', 'b2', 'a3', 'a-dup', 'b-dup']);
    expect(a.stats.returned || b.stats.returned || c.stats.returned).toBe(false); // finished sources are not closed again
  });

  it('equals a stable sort of the concatenation, for any ordered sources (property, fixed seed)', async () => {
    const key = fc.tuple(fc.bigInt({ min: 0n, max: 20n }), fc.nat(3), fc.nat(5), fc.nat(2));
    const sourceArb = fc.array(key, { maxLength: 25 }).map((ks) => [...ks].sort(compareKeys));
    await fc.assert(
      fc.asyncProperty(fc.array(sourceArb, { minLength: 0, maxLength: 5 }), async (srcs) => {
        const items = srcs.map((ks, s) => ks.map((k, i): Item => ({ k: k as K, tag: `${s}:${i}` })));
        const out = await collect(mergeOrdered(items.map((xs) => probe(xs).iterable), byKey));
        // Stable sort of the sources concatenated in index order = the documented tie-break.
        const expected = items.flat().sort((x, y) => compareKeys(x.k, y.k));
        expect(out.map((x) => x.tag)).toEqual(expected.map((x) => x.tag));
      }),
      { seed: 1337, numRuns: 150 },
    );
  });

  it('keeps memory bounded: one pull in flight per source, pulled only after its item is consumed', async () => {
    const mk = (s: number, n: number) => Array.from({ length: n }, (_, i): Item => ({ k: [BigInt(i * 3 + s), 0, i, 0], tag: `${s}:${i}` }));
    const srcs = [probe(mk(0, 50)), probe(mk(1, 50)), probe(mk(2, 50))];
    const it = mergeOrdered(srcs.map((p) => p.iterable), byKey)[Symbol.asyncIterator]();
    let consumed = 0;
    for (let i = 0; i < 30; i++) {
      const r = await it.next();
      expect(r.done).toBe(false);
      consumed++;
      // Each yielded item was pulled; at most one extra (buffered) item per source.
      const pulls = srcs.reduce((n, p) => n + p.stats.pulls, 0);
      expect(pulls).toBeLessThanOrEqual(consumed + srcs.length);
    }
    for (const p of srcs) expect(p.stats.maxInFlight).toBe(1);
    await it.return?.();
  });

  it('closes every unfinished source when the consumer stops early', async () => {
    const a = probe([{ k: [1n, 0, 0, 0], tag: 'a' }, { k: [9n, 0, 0, 0], tag: 'a2' }]);
    const b = probe([{ k: [2n, 0, 0, 0], tag: 'b' }]);
    const c = probe([]);
    for await (const x of mergeOrdered([a.iterable, b.iterable, c.iterable], byKey)) {
      if (x.tag === 'b') break;
    }
    expect(a.stats.returned).toBe(true);
    expect(b.stats.returned).toBe(true); // b had yielded its last item but had not reported done yet
    expect(c.stats.returned).toBe(false); // c was already finished
  });

  it('throws OrderingError naming the source when a source goes back, and closes the others', async () => {
    const a = probe([{ k: [1n, 0, 0, 0], tag: 'a' }, { k: [9n, 0, 0, 0], tag: 'a2' }]);
    const bad = probe([{ k: [5n, 0, 3, 0], tag: 'b1' }, { k: [5n, 0, 2, 0], tag: 'b0' }]);
    const err = await collect(mergeOrdered([a.iterable, bad.iterable], byKey)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrderingError);
    expect(String(err)).toContain('source #1');
    expect(a.stats.returned).toBe(true);
  });

  it('propagates a source failure after closing the other sources', async () => {
    const a = probe([{ k: [1n, 0, 0, 0], tag: 'a' }, { k: [2n, 0, 0, 0], tag: 'a2' }]);
    async function* failing(): AsyncGenerator<Item> {
      yield { k: [1n, 1, 0, 0], tag: 'f' };
      throw new Error('socket reset');
    }
    await expect(collect(mergeOrdered([a.iterable, failing()], byKey))).rejects.toThrow('socket reset');
    expect(a.stats.returned).toBe(true);
  });
});

describe('orderKey / compareOrigin / rawKey', () => {
  const origin = (recvNs: bigint, source: Source, seq: number, sub: number): EventOrigin => ({
    recvNs, source, seq, sub, conn: 'x', exchMs: null,
  });

  it('compareOrigin agrees with compareKeys over orderKey and uses SOURCE_RANK', () => {
    const arb = fc.tuple(fc.bigInt({ min: 0n, max: 5n }), fc.constantFrom(...SOURCES), fc.nat(3), fc.nat(2));
    fc.assert(
      fc.property(arb, arb, ([t1, s1, q1, u1], [t2, s2, q2, u2]) => {
        const a = origin(t1, s1, q1, u1), b = origin(t2, s2, q2, u2);
        expect(Math.sign(compareOrigin(a, b))).toBe(Math.sign(compareKeys(orderKey(a), orderKey(b))));
        expect(Math.sign(compareOrigin(a, b)) + Math.sign(compareOrigin(b, a))).toBe(0);
      }),
      { seed: 42, numRuns: 300 },
    );
    expect(orderKey(origin(7n, 'clob_rest', 3, 1))).toEqual([7n, SOURCE_RANK.clob_rest, 3, 1]);
    // Earlier time wins over rank; then rank over seq; then seq over sub.
    expect(compareOrigin(origin(1n, 'gamma_rest', 9, 9), origin(2n, 'market_ws', 0, 0))).toBeLessThan(0);
    expect(compareOrigin(origin(2n, 'market_ws', 9, 9), origin(2n, 'user_ws', 0, 0))).toBeLessThan(0);
    expect(compareOrigin(origin(2n, 'user_ws', 1, 9), origin(2n, 'user_ws', 2, 0))).toBeLessThan(0);
    expect(compareOrigin(origin(2n, 'user_ws', 2, 0), origin(2n, 'user_ws', 2, 1))).toBeLessThan(0);
  });

  it('rawKey puts a record at sub 0 of its own key', () => {
    const r = rawRecord({ seq: 12, recvNs: 99n, source: 'rtds_ws', conn: 'c1', kind: 'frame', payload: '' });
    expect(rawKey(r)).toEqual([99n, SOURCE_RANK.rtds_ws, 12, 0]);
  });
});
