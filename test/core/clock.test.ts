import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerQueue, type Timer } from '../../src/core/timers.ts';
import { ClockWentBackError, VirtualClock } from '../../src/core/virtual-clock.ts';

describe('VirtualClock', () => {
  it('starts at the given ns, moves forward, allows the same t, refuses to go back', () => {
    const c = new VirtualClock(1_700_000_000_000_000_000n);
    expect(c.now()).toBe(1_700_000_000_000_000_000n);
    c.advanceTo(1_700_000_000_000_000_005n);
    c.advanceTo(1_700_000_000_000_000_005n);
    expect(c.now()).toBe(1_700_000_000_000_000_005n);
    expect(() => c.advanceTo(1_700_000_000_000_000_004n)).toThrow(ClockWentBackError);
    expect(() => c.advanceTo(1_700_000_000_000_000_004n)).toThrow(/1 ns earlier/);
    expect(c.now()).toBe(1_700_000_000_000_000_005n); // a refused move leaves it untouched
  });
});

describe('TimerQueue', () => {
  it('pops due timers by (atNs, scheduling order) and leaves later ones', () => {
    const q = new TimerQueue<string>();
    q.schedule(30n, 'c');
    q.schedule(10n, 'a1', 'p');
    q.schedule(20n, 'b');
    q.schedule(10n, 'a2');
    q.schedule(31n, 'late');
    expect(q.nextDueNs()).toBe(10n);
    const due = q.popDue(30n);
    expect(due.map((t) => t.name)).toEqual(['a1', 'a2', 'b', 'c']);
    expect(due[0]).toMatchObject({ atNs: 10n, dueNs: 10n, payload: 'p' });
    expect(due[1]?.payload).toBeUndefined();
    expect(q.size).toBe(1);
    expect(q.nextDueNs()).toBe(31n);
    expect(q.popDue(30n)).toEqual([]);
  });

  it('cancel removes a pending timer once; fired and unknown ids return false', () => {
    const q = new TimerQueue();
    const a = q.schedule(5n, 'a');
    const b = q.schedule(6n, 'b');
    expect(q.cancel(a)).toBe(true);
    expect(q.cancel(a)).toBe(false);
    expect(q.get(a)).toBeUndefined();
    expect(q.nextDueNs()).toBe(6n);
    expect(q.popDue(100n).map((t) => t.id)).toEqual([b]);
    expect(q.cancel(b)).toBe(false);
    expect(q.cancel(12345)).toBe(false);
    expect(q.nextDueNs()).toBeNull();
  });

  it('past timers: without a floor they fire first by atNs; with a floor they queue at now behind earlier ones', () => {
    const bare = new TimerQueue();
    bare.schedule(50n, 'x');
    bare.schedule(5n, 'past');
    expect(bare.popDue(50n).map((t) => t.name)).toEqual(['past', 'x']);

    const clock = new VirtualClock(100n);
    const q = new TimerQueue(clock);
    q.schedule(100n, 'now-first');
    q.schedule(7n, 'past'); // asked in the past: due at 100, after 'now-first'
    q.schedule(150n, 'future');
    const fired = q.popDue(100n);
    expect(fired.map((t) => [t.name, t.atNs, t.dueNs])).toEqual([
      ['now-first', 100n, 100n],
      ['past', 7n, 100n],
    ]);
    expect(q.nextDueNs()).toBe(150n);
  });

  it('matches a sorted reference model under random schedule/cancel/pop (property, fixed seed)', () => {
    type Op = { op: 'sched'; at: number } | { op: 'cancel'; pick: number } | { op: 'pop'; t: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('sched' as const), at: fc.integer({ min: 0, max: 200 }) }),
      fc.record({ op: fc.constant('cancel' as const), pick: fc.nat(1000) }),
      fc.record({ op: fc.constant('pop' as const), t: fc.integer({ min: 0, max: 200 }) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
        const q = new TimerQueue();
        let model: { id: number; at: bigint }[] = [];
        const ids: number[] = [];
        for (const o of ops) {
          if (o.op === 'sched') {
            const id = q.schedule(BigInt(o.at), 'x');
            ids.push(id);
            model.push({ id, at: BigInt(o.at) });
          } else if (o.op === 'cancel') {
            if (ids.length === 0) continue;
            const id = ids[o.pick % ids.length] as number;
            const was = model.some((m) => m.id === id);
            expect(q.cancel(id)).toBe(was);
            model = model.filter((m) => m.id !== id);
          } else {
            const t = BigInt(o.t);
            const want = model.filter((m) => m.at <= t).sort((a, b) => (a.at === b.at ? a.id - b.id : a.at < b.at ? -1 : 1));
            model = model.filter((m) => m.at > t);
            expect(q.popDue(t).map((x: Timer) => x.id)).toEqual(want.map((m) => m.id));
          }
          expect(q.size).toBe(model.length);
          const min = model.reduce<bigint | null>((m, x) => (m === null || x.at < m ? x.at : m), null);
          expect(q.nextDueNs()).toBe(min);
        }
      }),
      { seed: 4242, numRuns: 200 },
    );
  });

  it('compacts after mass cancellation without losing or reordering pending timers', () => {
    const q = new TimerQueue();
    const ids = Array.from({ length: 1000 }, (_, i) => q.schedule(BigInt(1000 - i), `t${i}`));
    ids.forEach((id, i) => {
      if (i % 10 !== 0) q.cancel(id);
    });
    expect(q.size).toBe(100);
    const names = q.popDue(10_000n).map((t) => t.name);
    const expected = Array.from({ length: 100 }, (_, j) => `t${990 - j * 10}`);
    expect(names).toEqual(expected);
  });
});
