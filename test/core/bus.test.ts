import { describe, expect, it } from 'vitest';
import { Kernel, KernelStoppedError, OrderingError } from '../../src/core/bus.ts';
import { ClockWentBackError } from '../../src/core/virtual-clock.ts';
import type { Timer } from '../../src/core/timers.ts';
import type { Source } from '../../src/core/types/raw.ts';
import { compareOrigin } from '../../src/sources/merge.ts';

/** A minimal event with an EventOrigin-like key (plus `id` for traces). */
interface Ev {
  readonly id: string;
  readonly recvNs: bigint;
  readonly source: Source;
  readonly seq: number;
  readonly sub: number;
  readonly conn: string;
  readonly exchMs: number | null;
}
const ev = (id: string, recvNs: bigint, source: Source = 'market_ws', seq = 0, sub = 0): Ev => ({
  id, recvNs, source, seq, sub, conn: 'c', exchMs: null,
});

/** A kernel whose handlers append "<kind>:<id>@<clock>" lines to a trace. */
function traced(opts: { compare?: boolean; startNs?: bigint } = {}) {
  const trace: string[] = [];
  const k = new Kernel<Ev, string>({
    startNs: opts.startNs ?? 0n,
    tsOf: (e) => e.recvNs,
    ...(opts.compare === true ? { compare: compareOrigin } : {}),
  });
  k.onEvent((e, kk) => trace.push(`ev:${e.id}@${kk.now()}`));
  k.onTimer((t, kk) => trace.push(`timer:${t.name}@${kk.now()}`));
  return { k, trace };
}

describe('Kernel ordering rule', () => {
  it('dispatches data in (ts, source rank, seq, sub) order and rejects a tie broken the wrong way on each component', () => {
    const ordered = [
      ev('a', 10n, 'market_ws', 5, 0),
      ev('b', 10n, 'user_ws', 1, 0), // tie on ts, higher rank
      ev('c', 10n, 'user_ws', 2, 0), // tie on ts+rank, higher seq
      ev('d', 10n, 'user_ws', 2, 1), // tie on ts+rank+seq, higher sub
      ev('e', 11n, 'market_ws', 0, 0),
    ];
    const { k, trace } = traced({ compare: true });
    for (const e of ordered) k.push(e);
    expect(trace).toEqual(['ev:a@10', 'ev:b@10', 'ev:c@10', 'ev:d@10', 'ev:e@11']);

    // Each adjacent pair swapped violates exactly one key component: all must be rejected.
    for (let i = 0; i + 1 < ordered.length; i++) {
      const { k: k2 } = traced({ compare: true });
      k2.push(ordered[i + 1] as Ev);
      expect(() => k2.push(ordered[i] as Ev)).toThrow(OrderingError);
    }
    // A duplicate key is also out of order.
    const { k: k3 } = traced({ compare: true });
    k3.push(ev('x', 5n, 'rtds_ws', 3, 2));
    expect(() => k3.push(ev('y', 5n, 'rtds_ws', 3, 2))).toThrow(OrderingError);
  });

  it('fires timers due at t before data at t, in (due, scheduling order), with the clock at each due time', () => {
    const { k, trace } = traced();
    k.schedule(100n, 'late-scheduled-100');
    k.schedule(50n, 't50');
    k.schedule(100n, 'second-100');
    k.schedule(101n, 't101');
    k.push(ev('d100', 100n));
    expect(trace).toEqual(['timer:t50@50', 'timer:late-scheduled-100@100', 'timer:second-100@100', 'ev:d100@100']);
    expect(k.nextDueNs()).toBe(101n);
    k.push(ev('d200', 200n));
    expect(trace.slice(4)).toEqual(['timer:t101@101', 'ev:d200@200']);
    expect(k.stats).toEqual({ data: 2, derived: 0, timers: 4 });
  });

  it('advanceTo fires timers without data and lands the clock on t', () => {
    const { k, trace } = traced();
    k.schedule(30n, 'a');
    k.schedule(70n, 'b');
    k.advanceTo(50n);
    expect(trace).toEqual(['timer:a@30']);
    expect(k.now()).toBe(50n);
    k.advanceTo(50n); // same t is fine
    k.advanceTo(70n);
    expect(trace).toEqual(['timer:a@30', 'timer:b@70']);
    expect(k.nextDueNs()).toBeNull();
  });

  it('the clock refuses to go back: earlier data or advanceTo throws, the kernel stays usable', () => {
    const { k, trace } = traced({ startNs: 1_000n });
    expect(() => k.push(ev('early', 999n))).toThrow(OrderingError);
    k.push(ev('ok', 1_000n));
    expect(() => k.advanceTo(999n)).toThrow(OrderingError);
    expect(k.now()).toBe(1_000n);
    k.push(ev('same-ts', 1_000n));
    expect(trace).toEqual(['ev:ok@1000', 'ev:same-ts@1000']);
  });

  it('a cancelled timer never fires, also when cancelled by an earlier timer due at the same time', () => {
    const { k, trace } = traced();
    const victim = { id: 0 };
    k.onTimer((t, kk) => {
      if (t.name === 'killer') expect(kk.cancel(victim.id)).toBe(true);
    });
    const gone = k.schedule(10n, 'gone');
    expect(k.cancel(gone)).toBe(true);
    expect(k.cancel(gone)).toBe(false);
    k.schedule(20n, 'killer');
    victim.id = k.schedule(20n, 'victim');
    k.schedule(20n, 'survivor');
    k.advanceTo(100n);
    expect(trace).toEqual(['timer:killer@20', 'timer:survivor@20']);
    expect(k.pendingTimers).toBe(0);
  });

  it('derived events drain FIFO after the whole handler chain, at the same time, before the next unit', () => {
    const trace: string[] = [];
    const k = new Kernel<Ev>({ startNs: 0n, tsOf: (e) => e.recvNs });
    k.onEvent((e, kk) => {
      trace.push(`A:${e.id}@${kk.now()}`);
      if (e.id === 'd') {
        kk.emit(ev('o1', 0n));
        kk.emit(ev('o2', 0n));
      }
      if (e.id === 'o1') kk.emit(ev('o1-child', 0n)); // emitted while draining: back of the queue
    });
    k.onEvent((e, kk) => {
      trace.push(`B:${e.id}`);
      if (e.id === 'd') kk.emit(ev('o3', 0n));
    });
    k.onTimer((t) => trace.push(`T:${t.name}`));
    k.schedule(7n, 'next');
    k.push(ev('d', 5n));
    k.push(ev('d2', 7n));
    expect(trace).toEqual([
      'A:d@5', 'B:d',
      'A:o1@5', 'B:o1', 'A:o2@5', 'B:o2', 'A:o3@5', 'B:o3', 'A:o1-child@5', 'B:o1-child',
      'T:next', 'A:d2@7', 'B:d2',
    ]);
    expect(k.stats.derived).toBe(4);
  });

  it('emit outside a dispatch is dispatched at once at the clock, after timers the caller made due', () => {
    const { k, trace } = traced();
    k.advanceTo(40n);
    k.emit(ev('manual', 0n));
    k.schedule(10n, 'caller-past'); // from outside a dispatch, in the past: due at 40
    k.schedule(41n, 'future');
    k.emit(ev('manual2', 0n));
    expect(trace).toEqual(['ev:manual@40', 'timer:caller-past@40', 'ev:manual2@40']);
    expect(k.nextDueNs()).toBe(41n);
  });

  it('a timer scheduled due <= now fires in the same call, after derived events and pending timers, before same-ts data', () => {
    const trace: string[] = [];
    const fired: Timer<string>[] = [];
    const k = new Kernel<Ev, string>({ startNs: 0n, tsOf: (e) => e.recvNs });
    k.onEvent((e, kk) => {
      trace.push(`ev:${e.id}@${kk.now()}`);
      if (e.id === 'd1') {
        kk.schedule(3n, 'past', 'p'); // asked in the past: due now
        kk.schedule(10n, 'now');
        kk.emit(ev('derived', 0n));
      }
    });
    k.onTimer((t, kk) => {
      fired.push(t);
      trace.push(`timer:${t.name}@${kk.now()}`);
      if (t.name === 'chain') kk.schedule(15n, 'from-chain'); // due in (now, target]: fires in its place
    });
    k.schedule(12n, 'chain');
    k.schedule(20n, 't20');
    k.push(ev('d1', 10n));
    // Quiescent between calls: nothing pending is due at or before now.
    expect(k.nextDueNs()).toBe(12n);
    k.push(ev('d2', 20n));
    expect(trace).toEqual([
      'ev:d1@10', 'ev:derived@10', 'timer:past@10', 'timer:now@10',
      'timer:chain@12', 'timer:from-chain@15', 'timer:t20@20', 'ev:d2@20',
    ]);
    const past = fired.find((t) => t.name === 'past');
    expect(past).toMatchObject({ atNs: 3n, dueNs: 10n, payload: 'p' });
  });

  it('a timer at now scheduled by a data handler fires before the next data item with the same ts', () => {
    const { k, trace } = traced();
    k.onEvent((e, kk) => {
      if (e.id === 'x1') kk.schedule(kk.now(), 'zero-latency');
    });
    k.push(ev('x1', 9n, 'market_ws', 1));
    k.push(ev('x2', 9n, 'market_ws', 2));
    expect(trace).toEqual(['ev:x1@9', 'timer:zero-latency@9', 'ev:x2@9']);
  });

  it('fails fast: re-entrant push and a throwing handler stop the kernel', () => {
    const k = new Kernel<Ev>({ startNs: 0n, tsOf: (e) => e.recvNs });
    k.onEvent((e, kk) => {
      if (e.id === 'reenter') kk.push(ev('inner', 1n));
    });
    expect(() => k.push(ev('reenter', 1n))).toThrow(OrderingError);
    expect(() => k.push(ev('after', 2n))).toThrow(KernelStoppedError);
    expect(() => k.advanceTo(3n)).toThrow(KernelStoppedError);

    const k2 = new Kernel<Ev>({ startNs: 0n, tsOf: (e) => e.recvNs });
    k2.onTimer(() => {
      throw new Error('boom');
    });
    k2.schedule(1n, 'bad');
    expect(() => k2.advanceTo(5n)).toThrow('boom');
    expect(() => k2.emit(ev('later', 0n))).toThrow(KernelStoppedError);
  });

  it('the clock seen by handlers never goes back', () => {
    const { k } = traced();
    const seen: bigint[] = [];
    k.onEvent((_e, kk) => seen.push(kk.clock.now()));
    k.onTimer((_t, kk) => seen.push(kk.clock.now()));
    for (let i = 0; i < 50; i++) {
      if (i % 3 === 0) k.schedule(BigInt(i * 7 - 40), `t${i}`);
      k.push(ev(`e${i}`, BigInt(i * 5)));
    }
    k.advanceTo(1_000n);
    for (let i = 1; i < seen.length; i++) expect(seen[i]! >= seen[i - 1]!).toBe(true);
    expect(seen.length).toBe(50 + 17);
    expect(() => (k.clock as unknown as { advanceTo(t: bigint): void }).advanceTo(0n)).toThrow(ClockWentBackError);
  });
});
