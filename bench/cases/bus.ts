/**
 * Bench case `bus`: kernel dispatch throughput (src/core/bus.ts) with its virtual clock and timers.
 *
 * Workload: 1,000,000 synthetic market events (4 share each timestamp, 3 sources), three handlers:
 * a book-like accumulator, a strategy-like handler that schedules a timer 50 us ahead on 1% of
 * events and emits a derived order event on 0.2%, and a timer handler. Events are built before
 * timing.
 * FLOOR: a bare loop calling the same handlers directly, with a stub context whose schedule/emit
 * only count: the ratio is what the kernel (clock checks, timer heap, derived queue) costs.
 * Subjects: the kernel fed from an array; the kernel fed through mergeOrdered over 3 async sources
 * (what replay does: merge + async iteration + dispatch).
 */
import { Kernel } from '../../src/core/bus.ts';
import type { Source } from '../../src/core/types/raw.ts';
import { mergeOrdered, orderKey } from '../../src/sources/merge.ts';
import { fmtInt, measure, type CaseResult } from '../lib.ts';

export const name = 'bus';

const N = 1_000_000;
const BASE_NS = 1_765_000_000_000_000_000n;
const SOURCES: readonly Source[] = ['market_ws', 'user_ws', 'clob_rest'];

interface SynthEvent {
  readonly recvNs: bigint;
  readonly source: Source;
  readonly seq: number;
  readonly sub: number;
  readonly conn: string;
  readonly exchMs: number | null;
  readonly px: number;
  readonly qty: number;
}

/** What the handlers use from the kernel; the floor passes a stub with the same shape. */
interface Ctx {
  now(): bigint;
  schedule(atNs: bigint, name: string): number;
  emit(ev: SynthEvent): void;
}

function makeEvents(): SynthEvent[] {
  const out: SynthEvent[] = new Array<SynthEvent>(N);
  for (let i = 0; i < N; i++) {
    out[i] = {
      recvNs: BASE_NS + BigInt((i >> 2) * 1_000),
      source: SOURCES[i % 3] as Source,
      seq: i,
      sub: 0,
      conn: 'c',
      exchMs: null,
      px: 4_000 + (i % 200),
      qty: 1_000_000 + (i % 17) * 10_000,
    };
  }
  return out;
}

function makeHandlers() {
  const st = { notional: 0, events: 0, timers: 0, derived: 0 };
  const order: SynthEvent = { recvNs: 0n, source: 'user_ws', seq: -1, sub: 0, conn: 'c', exchMs: null, px: 0, qty: 0 };
  const book = (ev: SynthEvent): void => {
    st.events++;
    st.notional += ev.px * (ev.qty >>> 10);
  };
  const strategy = (ev: SynthEvent, ctx: Ctx): void => {
    if (ev.seq < 0) {
      st.derived++;
      return;
    }
    if (ev.seq % 100 === 0) ctx.schedule(ctx.now() + 50_000n, 'wake');
    if (ev.seq % 500 === 0) ctx.emit(order);
  };
  const onTimer = (): void => {
    st.timers++;
  };
  return { st, book, strategy, onTimer };
}

export async function run(): Promise<CaseResult> {
  const events = makeEvents();
  const iterations = 5;

  const floor = await measure('bare loop, same handlers', () => {
    const h = makeHandlers();
    let scheduled = 0;
    const stub: Ctx = { now: () => 0n, schedule: () => ++scheduled, emit: () => undefined };
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as SynthEvent;
      h.book(ev);
      h.strategy(ev, stub);
    }
    if (h.st.events !== N || scheduled !== N / 100) throw new Error('floor did not do the work');
    return h.st.events;
  }, { iterations });

  const newKernel = () => {
    const h = makeHandlers();
    const k = new Kernel<SynthEvent>({ startNs: BASE_NS, tsOf: (e) => e.recvNs });
    k.onEvent(h.book).onEvent(h.strategy).onTimer(h.onTimer);
    return { h, k };
  };
  const check = (h: ReturnType<typeof makeHandlers>, k: Kernel<SynthEvent>): number => {
    k.advanceTo(k.now() + 1_000_000n);
    if (h.st.timers !== N / 100 || h.st.derived !== N / 500 || k.stats.data !== N) throw new Error('kernel did not do the work');
    return k.stats.data;
  };

  const bus = await measure('bus+virtual clock+timers', () => {
    const { h, k } = newKernel();
    for (let i = 0; i < events.length; i++) k.push(events[i] as SynthEvent);
    return check(h, k);
  }, { iterations });

  const parts = SOURCES.map((_, s) => events.filter((_e, i) => i % 3 === s));
  const merged = await measure('mergeOrdered(3 async sources)+bus', async () => {
    const { h, k } = newKernel();
    async function* from(xs: readonly SynthEvent[]): AsyncGenerator<SynthEvent> {
      for (const x of xs) yield x;
    }
    for await (const ev of mergeOrdered(parts.map(from), orderKey)) k.push(ev);
    return check(h, k);
  }, { iterations: 3 });

  return {
    name,
    floorName: 'direct-call',
    floor,
    subjects: [bus, merged],
    notes: [
      `${fmtInt(N / 100)} timers (1%), ${fmtInt(N / 500)} derived events (0.2%), 4 events per timestamp`,
      'merge subject: 3 pre-split arrays behind async generators (async iteration + heap + dispatch)',
    ],
  };
}
