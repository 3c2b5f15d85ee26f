/**
 * Stamper: gives every captured record its global sequence number and receive time.
 *
 * Invariants
 * - ONE Stamper per process stamps every record at receipt (WS frame, HTTP response, open/close,
 *   our own sends). Node runs callbacks on one thread, so the order of stamp() calls is the global
 *   receive order: seq strictly increases by 1 per call, starting at `nextSeq`.
 * - recvNs never decreases: a clock reading older than the last stamp is clamped to the last stamp
 *   (wall clocks step backwards under NTP; recordings must not). `lastRecvNs` lets a resumed
 *   recording continue from the last time already on disk.
 * - The stamper never reads a clock by itself: the time source is passed in. `wallClockNs` is the
 *   default live source: the wall clock read once, advanced by the monotonic hrtime counter, so it
 *   has nanosecond resolution and does not jump with NTP steps during a run.
 *
 * Known limits: seq is a JS number (exact up to 2^53 records; at 1e6 records/s that is ~285 years).
 */

export interface Stamp {
  readonly seq: number;
  readonly recvNs: bigint;
}

export class Stamper {
  private seq: number;
  private last: bigint;

  constructor(
    private readonly nowNs: () => bigint,
    nextSeq: number,
    lastRecvNs = 0n,
  ) {
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 0) throw new RangeError(`Stamper: nextSeq must be a non-negative integer, got ${nextSeq}`);
    this.seq = nextSeq;
    this.last = lastRecvNs;
  }

  /** Stamps one record: the next seq and the receive time (clamped so it never decreases). */
  stamp(): Stamp {
    let t = this.nowNs();
    if (t < this.last) t = this.last;
    this.last = t;
    const seq = this.seq;
    this.seq += 1;
    return { seq, recvNs: t };
  }

  /** The seq the next stamp() will return. */
  get nextSeq(): number {
    return this.seq;
  }

  /** The receive time of the last stamp (or the floor given at construction). */
  get lastRecvNs(): bigint {
    return this.last;
  }
}

/** Wall-clock nanoseconds since the Unix epoch: anchored once to Date.now(), advanced by hrtime. */
export function makeWallClockNs(): () => bigint {
  const anchorWall = BigInt(Date.now()) * 1_000_000n;
  const anchorMono = process.hrtime.bigint();
  return () => anchorWall + (process.hrtime.bigint() - anchorMono);
}

export const wallClockNs: () => bigint = makeWallClockNs();
