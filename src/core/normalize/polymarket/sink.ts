/**
 * Sink: collects the events made from one raw record and stamps their origin.
 *
 * Invariants
 * - Every event gets recvNs/source/seq/conn from the record and `sub` = its index in the record's
 *   output (0, 1, 2, ...), so (recvNs, source rank, seq, sub) totally orders all events.
 * - `element(fn)` maps one wire element atomically: either all events `fn` pushed stay, or none do
 *   and a single NormalizationError takes their place (one bad book in a 100-book array costs that
 *   book only). Any exception is caught here; MapFailure gives a coded reason, anything else becomes
 *   `internal: ...`. Nothing thrown by a mapper escapes the sink.
 */
import type { EventOrigin, MarketEvent, NormalizationError } from '../../types/events.ts';
import type { RawRecord } from '../../types/raw.ts';
import { MapFailure } from './fields.ts';

export class Sink {
  readonly out: MarketEvent[] = [];

  constructor(readonly raw: RawRecord) {}

  /** Origin fields for the next event pushed. */
  origin(exchMs: number | null): EventOrigin {
    const r = this.raw;
    return { recvNs: r.recvNs, source: r.source, seq: r.seq, sub: this.out.length, conn: r.conn, exchMs };
  }

  push(e: MarketEvent): void {
    this.out.push(e);
  }

  error(reason: string, exchMs: number | null = null): void {
    const e: NormalizationError = { type: 'normalization_error', ...this.origin(exchMs), reason, raw: this.raw };
    this.out.push(e);
  }

  /** Runs `fn`; if it throws, drops what it pushed and records one NormalizationError instead. */
  element(fn: () => void): void {
    const mark = this.out.length;
    try {
      fn();
    } catch (e) {
      this.rollback(mark, e);
    }
  }

  /** The catch half of `element`, for hot loops that inline their own try (no closure per message). */
  rollback(mark: number, e: unknown): void {
    this.out.length = mark;
    this.error(reasonOf(e));
  }
}

export function reasonOf(e: unknown): string {
  if (e instanceof MapFailure) return e.reason;
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `internal: ${msg}`;
}
