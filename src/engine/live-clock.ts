/**
 * LiveClock and LiveTimerDriver: the wall-clock side of the kernel, used by live paper trading.
 * (Outside src/core because it reads the wall clock and arms real timers.)
 *
 * LiveClock
 * - ns since the Unix epoch = wall-clock anchor taken ONCE at construction (Date.now, ms) plus the
 *   monotonic time elapsed since then (process.hrtime.bigint). NTP steps or a user changing the
 *   system time after start do not move it; it drifts from the wall clock only as the monotonic
 *   source drifts (negligible over a session). Resolution: ns; accuracy of the anchor: ~1 ms.
 * - Never goes back: each reading is max(previous reading, computed value) even if an injected
 *   monotonic source misbehaves. Consecutive readings may be equal.
 *
 * LiveTimerDriver
 * - Keeps at most ONE real setTimeout armed, for the kernel's earliest pending timer. When it fires
 *   it calls kernel.advanceTo(clock.now()) (which fires every timer due by then, in kernel order)
 *   and re-arms for the next one. The timeout is unref'd: it never keeps the process alive.
 * - The driver cannot see timers scheduled by handlers during a push: the engine calls `arm()` after
 *   each push / emit / schedule it makes (cheap and idempotent: it only resets the timeout when the
 *   earliest due time changed). After its own advanceTo it re-arms itself.
 * - setTimeout may wake up a little early (ms rounding); if the clock has not reached the due time
 *   the driver re-arms instead of advancing, so timers never fire before their due time.
 * - Data pushed in live must carry ts >= the kernel clock: a timer fired by the driver moves the
 *   clock, so the engine should stamp live data with clock.now() at push time, not earlier.
 * - Errors thrown by kernel handlers inside the timeout go to `onError` (default: rethrow, which
 *   makes them an uncaught exception: fail fast); after an error the driver disposes itself.
 *   Disposable (`dispose()` / `using`).
 */
import type { Clock } from '../core/clock.ts';

export interface MonotonicSources {
  /** Wall clock in ms since the epoch (default Date.now). Read once. */
  readonly wallMs?: () => number;
  /** Monotonic ns (default process.hrtime.bigint). */
  readonly monoNs?: () => bigint;
}

export class LiveClock implements Clock {
  private readonly anchorNs: bigint;
  private readonly mono0: bigint;
  private readonly monoNs: () => bigint;
  private last: bigint;

  constructor(sources: MonotonicSources = {}) {
    this.monoNs = sources.monoNs ?? process.hrtime.bigint;
    const wallMs = sources.wallMs ?? Date.now;
    this.mono0 = this.monoNs();
    this.anchorNs = BigInt(Math.trunc(wallMs())) * 1_000_000n;
    this.last = this.anchorNs;
  }

  now(): bigint {
    const t = this.anchorNs + (this.monoNs() - this.mono0);
    if (t > this.last) this.last = t;
    return this.last;
  }
}

/** What the driver needs from the kernel (src/core/bus.ts Kernel satisfies it). */
export interface WakeTarget {
  nextDueNs(): bigint | null;
  advanceTo(t: bigint): void;
}

export interface TimerApi {
  readonly set: (fn: () => void, ms: number) => unknown;
  readonly clear: (handle: unknown) => void;
}

const nodeTimers: TimerApi = {
  set: (fn, ms) => {
    const h = setTimeout(fn, ms);
    h.unref();
    return h;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface LiveTimerDriverOptions {
  /** Where errors thrown while firing go (default: rethrow = uncaught exception). */
  readonly onError?: (e: unknown) => void;
  /** Timer primitives (tests inject fakes). Default: unref'd setTimeout / clearTimeout. */
  readonly timers?: TimerApi;
}

const MAX_DELAY_MS = 2_147_483_647; // setTimeout's limit; longer waits re-arm on wake-up

export class LiveTimerDriver implements Disposable {
  private handle: unknown = null;
  private armedFor: bigint | null = null;
  private disposed = false;
  private readonly api: TimerApi;
  private readonly onError: (e: unknown) => void;

  constructor(
    private readonly kernel: WakeTarget,
    private readonly clock: Clock,
    opts: LiveTimerDriverOptions = {},
  ) {
    this.api = opts.timers ?? nodeTimers;
    this.onError = opts.onError ?? ((e) => { throw e; });
  }

  /** Due time the real timeout is armed for (null when idle). */
  get armedDueNs(): bigint | null {
    return this.armedFor;
  }

  /** Arms (or re-arms) the real timeout for the kernel's earliest pending timer. Idempotent. */
  arm(): void {
    if (this.disposed) return;
    const due = this.kernel.nextDueNs();
    if (due === this.armedFor) return;
    this.disarm();
    if (due === null) return;
    const waitNs = due - this.clock.now();
    const ms = waitNs <= 0n ? 0 : Number((waitNs + 999_999n) / 1_000_000n);
    this.armedFor = due;
    this.handle = this.api.set(() => this.wake(), Math.min(ms, MAX_DELAY_MS));
  }

  /** Fires due timers now (what the timeout does); exposed for the engine's own wake-ups. */
  wake(): void {
    this.handle = null;
    this.armedFor = null;
    if (this.disposed) return;
    try {
      const due = this.kernel.nextDueNs();
      if (due !== null && due <= this.clock.now()) this.kernel.advanceTo(this.clock.now());
    } catch (e) {
      this.dispose(); // the kernel is stopped (fail fast); never spin on it
      this.onError(e);
      return;
    }
    this.arm();
  }

  dispose(): void {
    this.disposed = true;
    this.disarm();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private disarm(): void {
    if (this.handle !== null) this.api.clear(this.handle);
    this.handle = null;
    this.armedFor = null;
  }
}
