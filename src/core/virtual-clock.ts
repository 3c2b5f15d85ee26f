/**
 * VirtualClock: the Clock the kernel owns. Replay moves it to each record's receive time; live
 * moves it to LiveClock readings (src/engine/live-clock.ts). Nothing else moves it.
 *
 * Invariants
 * - Time only moves forward: `advanceTo(t)` with t < now() is corrupt state upstream (events out
 *   of order, a bad merge) and throws ClockWentBackError at once (fail fast). t === now() is allowed
 *   (many events share one timestamp).
 * - Pure: holds a bigint, reads nothing.
 */
import type { Clock } from './clock.ts';

export class ClockWentBackError extends Error {
  constructor(readonly nowNs: bigint, readonly toNs: bigint) {
    super(`clock cannot go back: now ${nowNs} ns, asked to move to ${toNs} ns (${nowNs - toNs} ns earlier)`);
    this.name = 'ClockWentBackError';
  }
}

export class VirtualClock implements Clock {
  private t: bigint;

  constructor(startNs: bigint) {
    this.t = startNs;
  }

  now(): bigint {
    return this.t;
  }

  /** Moves the clock to `t` (>= now). Throws ClockWentBackError when t is earlier. */
  advanceTo(t: bigint): void {
    if (t < this.t) throw new ClockWentBackError(this.t, t);
    this.t = t;
  }
}
