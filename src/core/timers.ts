/**
 * TimerQueue: named one-shot timers in a binary min-heap. Pure; the kernel (bus.ts) drives it.
 *
 * Ordering
 * - Each timer has `atNs` (the time asked for) and `dueNs` (the time it fires at). Timers leave the
 *   queue ordered by (dueNs, id); ids increase by one per `schedule` call, so equal due times fire
 *   in scheduling order. The order never depends on heap layout or on cancellations.
 * - Timers scheduled in the past fire at the next opportunity: when the queue was given a `floor`
 *   (the kernel passes its clock), dueNs = max(atNs, floor.now()) at scheduling time, so a late timer
 *   is queued at "now", behind every timer already due at or before now (larger id), and the clock
 *   never has to go back to fire it. Without a floor, dueNs = atNs and `popDue(t)` returns a past
 *   timer with the first batch, in (atNs, id) order.
 *
 * Invariants
 * - A timer fires at most once; `cancel` of a fired, cancelled or unknown id returns false and does
 *   nothing. Cancelled timers are removed lazily (skipped when they reach the top); the heap is
 *   rebuilt when more than half of it is cancelled, so memory stays O(pending timers).
 * - Ids are plain increasing integers (1, 2, 3, ...): deterministic across runs.
 *
 * Limits: one-shot only (a repeating timer re-schedules itself from its handler).
 */
import type { Clock } from './clock.ts';

export type TimerId = number;

export interface Timer<P = unknown> {
  readonly id: TimerId;
  /** Time asked for, ns since epoch. */
  readonly atNs: bigint;
  /** Time it fires at: max(atNs, floor at scheduling time); equals atNs unless scheduled in the past. */
  readonly dueNs: bigint;
  readonly name: string;
  readonly payload: P | undefined;
}

/** Heap entry: the timer handed out, plus a liveness flag (cheap to test at the top of the heap). */
interface Slot<P> {
  readonly t: Timer<P>;
  live: boolean;
}

const before = (a: Slot<unknown>, b: Slot<unknown>): boolean =>
  a.t.dueNs < b.t.dueNs || (a.t.dueNs === b.t.dueNs && a.t.id < b.t.id);

export class TimerQueue<P = unknown> {
  private readonly heap: Slot<P>[] = [];
  private readonly pending = new Map<TimerId, Slot<P>>();
  private nextId = 1;

  /** `floor`: when given, timers asked for before floor.now() are queued at floor.now(). */
  constructor(private readonly floor: Clock | null = null) {}

  /** Number of pending (scheduled, not fired, not cancelled) timers. */
  get size(): number {
    return this.pending.size;
  }

  schedule(atNs: bigint, name: string, payload?: P): TimerId {
    const id = this.nextId++;
    let dueNs = atNs;
    if (this.floor !== null) {
      const now = this.floor.now();
      if (dueNs < now) dueNs = now;
    }
    const slot: Slot<P> = { t: { id, atNs, dueNs, name, payload }, live: true };
    this.pending.set(id, slot);
    this.push(slot);
    return id;
  }

  /** True when the timer was pending and is now cancelled. */
  cancel(id: TimerId): boolean {
    const slot = this.pending.get(id);
    if (slot === undefined) return false;
    slot.live = false;
    this.pending.delete(id);
    if (this.heap.length > 64 && this.pending.size * 2 < this.heap.length) this.rebuild();
    return true;
  }

  /** Pending timer by id (undefined once fired or cancelled). */
  get(id: TimerId): Timer<P> | undefined {
    return this.pending.get(id)?.t;
  }

  /** Due time of the earliest pending timer, or null when none. */
  nextDueNs(): bigint | null {
    const top = this.top();
    return top === undefined ? null : top.t.dueNs;
  }

  /** Removes and returns the earliest pending timer if its dueNs <= t, else null. */
  popNextDue(t: bigint): Timer<P> | null {
    const top = this.top();
    if (top === undefined || top.t.dueNs > t) return null;
    this.pop();
    top.live = false;
    this.pending.delete(top.t.id);
    return top.t;
  }

  /** Removes and returns every pending timer with dueNs <= t, ordered by (dueNs, id). */
  popDue(t: bigint): Timer<P>[] {
    const out: Timer<P>[] = [];
    for (let x = this.popNextDue(t); x !== null; x = this.popNextDue(t)) out.push(x);
    return out;
  }

  /** Top of the heap after dropping cancelled entries. */
  private top(): Slot<P> | undefined {
    const h = this.heap;
    while (h.length > 0) {
      const s = h[0] as Slot<P>;
      if (s.live) return s;
      this.pop();
    }
    return undefined;
  }

  private push(t: Slot<P>): void {
    const h = this.heap;
    let i = h.length;
    h.push(t);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Slot<P>;
      if (!before(t, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = t;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(h[r] as Slot<P>, h[l] as Slot<P>)) c = r;
      const child = h[c] as Slot<P>;
      if (!before(child, last)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }

  private rebuild(): void {
    this.heap.length = 0;
    for (const t of this.pending.values()) this.push(t);
  }
}
