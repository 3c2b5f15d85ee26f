/**
 * Kernel (alias EventBus): the single-threaded, deterministic heart of replay and live. It owns the
 * virtual clock and the timer queue, and dispatches data items, timers and derived events to
 * handlers. Generic over the event type (the engine sends MarketEvent | OrderEvent through it).
 *
 * THE ORDERING RULE (habit 4). Everything the kernel dispatches is a "unit": a data item (given to
 * `push`), a timer firing, or a derived event (given to `emit` by a handler). Units happen in this
 * total order, and the trace of a run is a pure function of its inputs:
 *  1. Data items are ordered by the key (ts, source rank, seq, sub): ts = receive time in ns,
 *     source rank = SOURCE_RANK in types/raw.ts, seq = raw record seq, sub = index of the event in
 *     its record (EventOrigin in types/events.ts; `orderKey`/`compareOrigin` in src/sources/merge.ts).
 *     Upstream (mergeOrdered) delivers them in that order; the kernel checks it: a data item whose ts
 *     is earlier than the clock throws OrderingError (and, when `compare` is given, so does one that
 *     does not sort strictly after the previous data item).
 *  2. Timers due at t fire BEFORE data at t: before dispatching a data item at ts, every timer with
 *     dueNs <= ts fires, in (dueNs, id) order, with the clock set to each timer's dueNs while its
 *     handlers run. Then the clock is set to ts and the item is dispatched.
 *  3. Timers among themselves: (dueNs, id). id = scheduling order (timers.ts). A timer asked for at
 *     atNs < now is queued at dueNs = now (it fires at the next opportunity, never moving the clock
 *     back). So a handler that schedules a timer due <= now (at time now) gets it fired in the same
 *     call (`push`/`advanceTo`/`emit`): after the current unit's derived events, after every timer
 *     already pending with dueNs <= now (they have smaller ids), and before the next data item, even
 *     one with the same ts. A timer due in (now, t] while draining towards t fires in its (dueNs, id)
 *     place within the same drain.
 *  4. Derived events: `emit(ev)` inside a handler appends ev to a FIFO queue; the queue is drained
 *     (each event through all event handlers, in registration order) right after the current unit's
 *     handler chain completes, at the same clock time, before any other unit. Events emitted while
 *     draining go to the back of the same queue. `emit` outside any dispatch is dispatched at once, at
 *     the clock, like a data item (timers already due at now fire first).
 *  5. Handlers of one unit run in registration order. The clock never goes back (VirtualClock).
 * Between calls the kernel is quiescent: the derived queue is empty and no pending timer has
 * dueNs <= now (except one the caller itself scheduled at <= now from outside a dispatch: it fires
 * first thing in the next call).
 *
 * Fail fast: re-entrant `push`/`advanceTo` from a handler, data out of order, or a handler that
 * throws are corrupt state. Out-of-order data is refused before anything runs (OrderingError; the
 * kernel is unchanged). After a handler throws, the kernel refuses further work (the error is
 * rethrown to the caller, and every later call throws KernelStoppedError).
 *
 * Hot path: `push` does a clock check, a heap peek, one loop over handlers, a derived-queue check
 * and (only when a handler scheduled a timer) a second heap peek; no allocation, no async.
 * Known limit: a timer handler that keeps rescheduling itself at now loops forever (as it would on
 * any clock).
 */
import type { Clock } from './clock.ts';
import { TimerQueue, type Timer, type TimerId } from './timers.ts';
import { VirtualClock } from './virtual-clock.ts';

export type EventHandler<E, P = unknown> = (ev: E, kernel: Kernel<E, P>) => void;
export type TimerHandler<E, P = unknown> = (timer: Timer<P>, kernel: Kernel<E, P>) => void;

export interface KernelOptions<E> {
  /** Initial clock, ns since epoch. */
  readonly startNs: bigint;
  /** Time of a data item (e.g. `ev => ev.recvNs`). Derived events are dispatched at the clock. */
  readonly tsOf: (ev: E) => bigint;
  /** Optional total order of data items; when given, each pushed item must sort strictly after the last. */
  readonly compare?: (a: E, b: E) => number;
}

export class OrderingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderingError';
  }
}

export class KernelStoppedError extends Error {
  constructor(readonly causeError: unknown) {
    super(`kernel stopped: a handler threw earlier (${causeError instanceof Error ? causeError.message : String(causeError)})`);
    this.name = 'KernelStoppedError';
  }
}

export interface KernelStats {
  /** Data items dispatched. */
  data: number;
  /** Derived events dispatched. */
  derived: number;
  /** Timers fired. */
  timers: number;
}

export class Kernel<E, P = unknown> {
  private readonly vclock: VirtualClock;
  private readonly timers: TimerQueue<P>;
  private readonly eventHandlers: EventHandler<E, P>[] = [];
  private readonly timerHandlers: TimerHandler<E, P>[] = [];
  private readonly derived: E[] = [];
  private derivedHead = 0;
  private busy = false;
  private stopped: { error: unknown } | null = null;
  private last: E | undefined = undefined;
  /** Bumped by schedule(): lets push skip the post-dispatch timer check when nothing was scheduled. */
  private scheduled = 0;
  private readonly tsOf: (ev: E) => bigint;
  private readonly compare: ((a: E, b: E) => number) | null;
  readonly stats: KernelStats = { data: 0, derived: 0, timers: 0 };

  constructor(opts: KernelOptions<E>) {
    this.vclock = new VirtualClock(opts.startNs);
    this.timers = new TimerQueue<P>(this.vclock);
    this.tsOf = opts.tsOf;
    this.compare = opts.compare ?? null;
  }

  /** The kernel's clock (read-only view; only the kernel moves it). */
  get clock(): Clock {
    return this.vclock;
  }

  now(): bigint {
    return this.vclock.now();
  }

  /** Adds an event handler; handlers run in registration order for data and derived events. */
  onEvent(handler: EventHandler<E, P>): this {
    this.eventHandlers.push(handler);
    return this;
  }

  /** Adds a timer handler; every timer goes to every timer handler, in registration order. */
  onTimer(handler: TimerHandler<E, P>): this {
    this.timerHandlers.push(handler);
    return this;
  }

  /** Schedules a one-shot timer; one asked for in the past fires at the next opportunity (rule 3). */
  schedule(atNs: bigint, name: string, payload?: P): TimerId {
    this.scheduled++;
    return payload === undefined ? this.timers.schedule(atNs, name) : this.timers.schedule(atNs, name, payload);
  }

  /** True when the timer was pending and is now cancelled. */
  cancel(id: TimerId): boolean {
    return this.timers.cancel(id);
  }

  /** Due time of the next pending timer (null when none): what a live driver arms a wake-up for. */
  nextDueNs(): bigint | null {
    return this.timers.nextDueNs();
  }

  /** Number of pending timers. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Emits a derived event at the current clock time (rule 4). */
  emit(ev: E): void {
    if (this.busy) {
      this.derived.push(ev);
      return;
    }
    this.enter();
    try {
      const now = this.vclock.now();
      this.fireTimersThrough(now); // like data: timers due at now go first
      this.derived.push(ev);
      this.drainDerived();
      this.fireTimersThrough(now);
    } catch (e) {
      this.stop(e);
    } finally {
      this.busy = false;
    }
  }

  /** Dispatches one data item: due timers first, then the item at its ts, then its derived events. */
  push(ev: E): void {
    const ts = this.tsOf(ev);
    if (ts < this.vclock.now()) {
      throw new OrderingError(`data at ${ts} ns is earlier than the clock (${this.vclock.now()} ns): sources out of order`);
    }
    if (this.compare !== null && this.last !== undefined && this.compare(this.last, ev) >= 0) {
      throw new OrderingError(`data at ${ts} ns does not sort after the previous item: sources out of order`);
    }
    this.enter();
    try {
      const next = this.timers.nextDueNs();
      if (next !== null && next <= ts) this.fireTimersThrough(ts);
      this.vclock.advanceTo(ts);
      this.last = ev;
      this.stats.data++;
      const mark = this.scheduled;
      const hs = this.eventHandlers;
      for (let i = 0; i < hs.length; i++) (hs[i] as EventHandler<E, P>)(ev, this);
      if (this.derived.length !== 0) this.drainDerived();
      if (this.scheduled !== mark) {
        const after = this.timers.nextDueNs();
        if (after !== null && after <= ts) this.fireTimersThrough(ts);
      }
    } catch (e) {
      this.stop(e);
    } finally {
      this.busy = false;
    }
  }

  /** Fires every timer due <= t (rule 2/3), then sets the clock to t. t < now throws (clock never goes back). */
  advanceTo(t: bigint): void {
    if (t < this.vclock.now()) {
      throw new OrderingError(`advanceTo(${t}) is earlier than the clock (${this.vclock.now()} ns)`);
    }
    this.enter();
    try {
      this.fireTimersThrough(t);
      this.vclock.advanceTo(t);
    } catch (e) {
      this.stop(e);
    } finally {
      this.busy = false;
    }
  }

  private enter(): void {
    if (this.stopped !== null) throw new KernelStoppedError(this.stopped.error);
    if (this.busy) throw new OrderingError('re-entrant kernel call from a handler: use emit() or schedule() instead');
    this.busy = true;
  }

  private stop(e: unknown): never {
    this.stopped = { error: e };
    this.derived.length = 0;
    this.derivedHead = 0;
    throw e;
  }

  private fireTimersThrough(t: bigint): void {
    const hs = this.timerHandlers;
    for (let timer = this.timers.popNextDue(t); timer !== null; timer = this.timers.popNextDue(t)) {
      this.vclock.advanceTo(timer.dueNs);
      this.stats.timers++;
      for (let i = 0; i < hs.length; i++) (hs[i] as TimerHandler<E, P>)(timer, this);
      if (this.derived.length !== 0) this.drainDerived();
    }
  }

  private drainDerived(): void {
    const q = this.derived;
    const hs = this.eventHandlers;
    while (this.derivedHead < q.length) {
      const ev = q[this.derivedHead] as E;
      q[this.derivedHead++] = undefined as E; // release the reference
      this.stats.derived++;
      for (let i = 0; i < hs.length; i++) (hs[i] as EventHandler<E, P>)(ev, this);
    }
    q.length = 0;
    this.derivedHead = 0;
  }
}

export { Kernel as EventBus };
