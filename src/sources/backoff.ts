/**
 * Exponential reconnect/retry backoff with seeded jitter.
 *
 * delay(n) = min(maxMs, initialMs * factor^n) * (1 - jitter + jitter * u), u uniform in [0, 1)
 * drawn from the Rng passed in (src/core/rng.ts), n = attempts since the last reset().
 * So every delay lies in [(1 - jitter) * base, base], never above maxMs, and the same seed gives
 * the same delay sequence (tests are deterministic). jitter = 0 gives the plain exponential.
 *
 * Pure: no timers here; callers sleep for the returned number of milliseconds.
 */
import type { Rng } from '../core/rng.ts';
import { seededRng } from '../core/rng.ts';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Fraction of each delay that is randomized, 0..1. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

export class Backoff {
  private n = 0;
  readonly opts: BackoffOptions;

  constructor(
    opts: Partial<BackoffOptions> = {},
    private readonly rng: Rng = seededRng(1),
  ) {
    const o = { ...DEFAULT_BACKOFF, ...opts };
    if (!(o.initialMs >= 0 && o.maxMs >= o.initialMs && o.factor >= 1 && o.jitter >= 0 && o.jitter <= 1)) {
      throw new RangeError(`invalid backoff ${JSON.stringify(o)}: need 0 <= initialMs <= maxMs, factor >= 1, 0 <= jitter <= 1`);
    }
    this.opts = o;
  }

  /** The next delay in ms (integer), and counts one attempt. */
  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.opts;
    const base = Math.min(maxMs, initialMs * factor ** Math.min(this.n, 64));
    this.n += 1;
    const u = jitter > 0 ? this.rng.nextFloat() : 0;
    return Math.round(base * (1 - jitter + jitter * u));
  }

  /** Attempts counted since the last reset. */
  get attempts(): number {
    return this.n;
  }

  reset(): void {
    this.n = 0;
  }
}
