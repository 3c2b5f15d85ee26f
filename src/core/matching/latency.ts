/**
 * Latency models: how long an order (entry) or a cancel takes to reach the venue.
 *
 * Invariants
 * - Draws come only from the Rng passed in (seeded): the same seed and the same call sequence give the
 *   same delays. The engine draws exactly once per submitted command, in submission order.
 * - Every draw is a non-negative integer number of nanoseconds (bigint).
 * Known limits
 * - No response latency: events are stamped at the venue time they happen (hftbacktest models both
 *   entry and response latency; poly's engine delivers venue events at once).
 * - The lognormal draw uses Math.log/exp/cos (time only, never money). V8 is deterministic for them;
 *   another JS engine could differ in the last bit, i.e. by at most a nanosecond.
 */
import type { Rng } from '../rng.ts';

export interface LatencyModel {
  /** Delay from submit to the order reaching the matching engine. */
  entryNs(rng: Rng): bigint;
  /** Delay from submit to a cancel (or cancel-all) reaching the matching engine. */
  cancelNs(rng: Rng): bigint;
}

function checkNs(name: string, v: bigint): bigint {
  if (v < 0n) throw new RangeError(`${name} must be >= 0 ns, got ${v}`);
  return v;
}

/** Fixed delays (no randomness consumed). */
export function constantLatency(entryNs: bigint, cancelNs: bigint = entryNs): LatencyModel {
  checkNs('entryNs', entryNs);
  checkNs('cancelNs', cancelNs);
  return { entryNs: () => entryNs, cancelNs: () => cancelNs };
}

export interface UniformRange {
  readonly minNs: bigint;
  readonly maxNs: bigint;
}

function uniformDraw(r: UniformRange, rng: Rng): bigint {
  const span = r.maxNs - r.minNs;
  if (span === 0n) return r.minNs;
  // rng.int covers spans up to 2^32 ns (~4.3 s) exactly; wider spans use a float fraction (ns resolution).
  if (span < 2n ** 32n) return r.minNs + BigInt(rng.int(Number(span) + 1));
  return r.minNs + BigInt(Math.floor(rng.nextFloat() * Number(span + 1n)));
}

/** Uniform integer delay in [minNs, maxNs] (inclusive), one draw per command. */
export function uniformLatency(entry: UniformRange, cancel: UniformRange = entry): LatencyModel {
  for (const [n, r] of [['entry', entry], ['cancel', cancel]] as const) {
    checkNs(`${n}.minNs`, r.minNs);
    if (r.maxNs < r.minNs) throw new RangeError(`${n}: maxNs < minNs`);
  }
  return { entryNs: (rng) => uniformDraw(entry, rng), cancelNs: (rng) => uniformDraw(cancel, rng) };
}

export interface LognormalSpec {
  /** Median delay (the lognormal's exp(mu)). */
  readonly medianNs: bigint;
  /** Shape (standard deviation of the log); 0 = constant. */
  readonly sigma: number;
  readonly minNs?: bigint;
  readonly maxNs?: bigint;
}

function lognormalDraw(s: LognormalSpec, rng: Rng): bigint {
  // Box-Muller from two uniform draws; 1 - u keeps log away from 0.
  const u1 = 1 - rng.nextFloat();
  const u2 = rng.nextFloat();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  let v = BigInt(Math.round(Number(s.medianNs) * Math.exp(s.sigma * z)));
  if (s.minNs !== undefined && v < s.minNs) v = s.minNs;
  if (s.maxNs !== undefined && v > s.maxNs) v = s.maxNs;
  return v < 0n ? 0n : v;
}

/** Right-skewed delays (a few slow requests), clamped to [minNs, maxNs] when given. */
export function lognormalLatency(entry: LognormalSpec, cancel: LognormalSpec = entry): LatencyModel {
  for (const s of [entry, cancel]) {
    checkNs('medianNs', s.medianNs);
    if (!(s.sigma >= 0) || !Number.isFinite(s.sigma)) throw new RangeError(`sigma must be a finite number >= 0, got ${s.sigma}`);
  }
  return { entryNs: (rng) => lognormalDraw(entry, rng), cancelNs: (rng) => lognormalDraw(cancel, rng) };
}
