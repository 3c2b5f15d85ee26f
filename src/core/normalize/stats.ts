/**
 * NormalizerStats: counts what the normalizer made of a stream of raw records, for `poly inspect`
 * and reports.
 *
 * Invariants
 * - Events are counted by type; NormalizationErrors also by error code (the text before the first
 *   ':' of the reason, see ERROR_CODES) with the first reason seen per code kept as a sample.
 * - Heartbeats are also counted by direction and text (text cut to 40 chars; at most 50 distinct
 *   texts, the rest under "(other)"), so an unexpected plain-text frame stays visible.
 * - `snapshot()` returns plain JSON-safe data with keys sorted, so equal streams give equal snapshots.
 */
import type { MarketEvent, MarketEventType } from '../types/events.ts';

export interface NormalizerStatsSnapshot {
  readonly records: number;
  /** Records that produced no event at all (requests, subscribe sends, unmapped endpoints/topics). */
  readonly recordsWithoutEvents: number;
  readonly events: number;
  readonly byType: Readonly<Partial<Record<MarketEventType, number>>>;
  readonly errors: number;
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly errorSamples: Readonly<Record<string, string>>;
  readonly heartbeats: Readonly<Record<string, number>>;
}

const MAX_HEARTBEAT_KEYS = 50;

/** The error code of a NormalizationError reason ("off_grid_price: bids[0].price ..." -> "off_grid_price"). */
export function errorCode(reason: string): string {
  const i = reason.indexOf(':');
  return i < 0 ? reason : reason.slice(0, i);
}

function sorted<V>(m: Map<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k) as V;
  return out;
}

export class NormalizerStats {
  private recordCount = 0;
  private emptyRecords = 0;
  private eventCount = 0;
  private readonly types = new Map<string, number>();
  private readonly codes = new Map<string, number>();
  private readonly samples = new Map<string, string>();
  private readonly beats = new Map<string, number>();

  /** Counts one record's output. */
  add(events: readonly MarketEvent[]): void {
    this.recordCount++;
    if (events.length === 0) this.emptyRecords++;
    for (const e of events) {
      this.eventCount++;
      this.types.set(e.type, (this.types.get(e.type) ?? 0) + 1);
      if (e.type === 'normalization_error') {
        const code = errorCode(e.reason);
        this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
        if (!this.samples.has(code)) this.samples.set(code, e.reason);
      } else if (e.type === 'heartbeat') {
        let key = `${e.direction} ${e.text.length > 40 ? `${e.text.slice(0, 40)}...` : e.text}`;
        if (!this.beats.has(key) && this.beats.size >= MAX_HEARTBEAT_KEYS) key = `${e.direction} (other)`;
        this.beats.set(key, (this.beats.get(key) ?? 0) + 1);
      }
    }
  }

  get records(): number {
    return this.recordCount;
  }

  count(type: MarketEventType): number {
    return this.types.get(type) ?? 0;
  }

  /** Errors with this code, or all errors. */
  errorCount(code?: string): number {
    if (code === undefined) return this.count('normalization_error');
    return this.codes.get(code) ?? 0;
  }

  snapshot(): NormalizerStatsSnapshot {
    return {
      records: this.recordCount,
      recordsWithoutEvents: this.emptyRecords,
      events: this.eventCount,
      byType: sorted(this.types) as Partial<Record<MarketEventType, number>>,
      errors: this.count('normalization_error'),
      errorsByCode: sorted(this.codes),
      errorSamples: sorted(this.samples),
      heartbeats: sorted(this.beats),
    };
  }
}
