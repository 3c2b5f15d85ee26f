import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/core/bus.ts';
import { seededRng, type Rng } from '../../src/core/rng.ts';
import type { TimerId } from '../../src/core/timers.ts';
import type { Source } from '../../src/core/types/raw.ts';
import { compareOrigin, mergeOrdered, orderKey } from '../../src/sources/merge.ts';

interface Data {
  readonly kind: 'data';
  readonly id: string;
  readonly recvNs: bigint;
  readonly source: Source;
  readonly seq: number;
  readonly sub: number;
  readonly conn: string;
  readonly exchMs: number | null;
}
interface Derived {
  readonly kind: 'derived';
  readonly id: string;
  readonly depth: number;
}
type Item = Data | Derived;

const SOURCES: readonly Source[] = ['market_ws', 'user_ws', 'clob_rest'];

/** Three per-source streams, each ordered; small ts steps so ties across sources are common. */
function makeStreams(seed: number, perSource: number): Data[][] {
  const rng = seededRng(seed);
  return SOURCES.map((source) => {
    const out: Data[] = [];
    let ts = 1_000n, seq = 0;
    for (let i = 0; i < perSource; i++) {
      ts += BigInt(rng.int(3)); // 0, 1 or 2 ns: many equal timestamps
      seq += 1 + rng.int(2);
      const subs = 1 + rng.int(2); // some records yield two events (sub 0 and 1)
      for (let sub = 0; sub < subs; sub++) {
        out.push({ kind: 'data', id: `${source}#${seq}.${sub}`, recvNs: ts, source, seq, sub, conn: 'c', exchMs: null });
      }
    }
    return out;
  });
}

/**
 * Runs the workload: handlers draw from their own seeded rng to schedule timers (in the past, at now,
 * in the future), cancel timers and emit derived events. Returns the trace and checks invariants.
 */
function makeKernel(seed: number) {
  const rng: Rng = seededRng(seed);
  const trace: string[] = [];
  const pending: TimerId[] = [];
  let lastClock = -1n;
  const k = new Kernel<Item, number>({ startNs: 0n, tsOf: (e) => (e.kind === 'data' ? e.recvNs : 0n) });
  const maybeWork = (kk: Kernel<Item, number>, depth: number, tag: string): void => {
    const r = rng.int(10);
    if (r < 3) pending.push(kk.schedule(kk.now() + BigInt(rng.int(12)) - 4n, `t:${tag}`, depth));
    else if (r < 5 && pending.length > 0) {
      const id = pending.splice(rng.int(pending.length), 1)[0] as TimerId;
      trace.push(`cancel:${id}:${kk.cancel(id)}`);
    } else if (r < 7 && depth < 3) kk.emit({ kind: 'derived', id: `d:${tag}`, depth: depth + 1 });
  };
  k.onEvent((e, kk) => {
    const now = kk.now();
    expect(now >= lastClock).toBe(true);
    lastClock = now;
    trace.push(`${e.kind}:${e.id}@${now}`);
    maybeWork(kk, e.kind === 'derived' ? e.depth : 0, e.id);
  });
  k.onTimer((t, kk) => {
    const now = kk.now();
    expect(now >= lastClock).toBe(true);
    expect(now).toBe(t.dueNs);
    expect(t.dueNs >= t.atNs).toBe(true);
    lastClock = now;
    trace.push(`timer:${t.id}:${t.name}@${now}`);
    if ((t.payload ?? 0) < 3) maybeWork(kk, (t.payload ?? 0) + 1, `${t.id}`);
  });
  return { k, trace };
}

const END = 10_000_000n;

function runSorted(streams: Data[][], seed: number): string[] {
  const { k, trace } = makeKernel(seed);
  const all = streams.flat().sort(compareOrigin);
  for (const e of all) k.push(e);
  k.advanceTo(END);
  return trace;
}

describe('kernel determinism', () => {
  it('a seeded random workload run twice gives identical traces (and a different seed does not)', () => {
    const streams = makeStreams(7, 300);
    const a = runSorted(streams, 99);
    const b = runSorted(streams, 99);
    expect(a.length).toBeGreaterThan(900);
    expect(a.some((l) => l.startsWith('timer:'))).toBe(true);
    expect(a.some((l) => l.startsWith('derived:'))).toBe(true);
    expect(a.some((l) => l.endsWith(':true'))).toBe(true); // some cancels hit pending timers
    expect(b).toEqual(a);
    expect(runSorted(streams, 100)).not.toEqual(a);
  });

  it('interleaving the same data from 3 sources in any arrival order through mergeOrdered gives the same trace', async () => {
    const streams = makeStreams(11, 40);
    const expected = runSorted(streams, 5);

    async function* arriving(items: readonly Data[], s: fc.Scheduler, label: string): AsyncGenerator<Data> {
      for (const it of items) {
        await s.schedule(Promise.resolve(), label); // the scheduler decides when each item arrives
        yield it;
      }
    }

    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { k, trace } = makeKernel(5);
        const merged = mergeOrdered(
          streams.map((items, i) => arriving(items, s, SOURCES[i] as string)),
          (e) => orderKey(e),
        );
        const run = (async () => {
          for await (const e of merged) k.push(e);
          k.advanceTo(END);
        })();
        await s.waitFor(run);
        expect(trace).toEqual(expected);
      }),
      { seed: 20251123, numRuns: 40 },
    );
  });
});
