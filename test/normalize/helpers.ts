/**
 * Test helpers for the normalizer: raw record builders and the golden-file format.
 *
 * Golden format: JSON with bigint as decimal strings, 2-space indent, and any object or array whose
 * members are all primitives printed on one line (one book level per line), so goldens stay small and
 * diffs stay readable.
 */
import { createHash } from 'node:crypto';
import type { MarketEvent, NormalizationError } from '../../src/core/types/events.ts';
import type { RawMeta, RawRecord, RecordKind, Source } from '../../src/core/types/raw.ts';

export const BASE_NS = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z

export function rec(source: Source, kind: RecordKind, payload: string, opts: { seq?: number; meta?: RawMeta; conn?: string; recvNs?: bigint } = {}): RawRecord {
  const seq = opts.seq ?? 0;
  return {
    v: 1,
    seq,
    recvNs: opts.recvNs ?? BASE_NS + BigInt(seq) * 1_000_000n,
    source,
    conn: opts.conn ?? 'test',
    kind,
    meta: opts.meta ?? {},
    payload,
  };
}

export const frame = (source: Source, payload: unknown, seq = 0): RawRecord =>
  rec(source, 'frame', typeof payload === 'string' ? payload : JSON.stringify(payload), { seq });

export const response = (source: Source, url: string, payload: unknown, status = 200, seq = 0): RawRecord =>
  rec(source, 'response', typeof payload === 'string' ? payload : JSON.stringify(payload), { seq, meta: { url, status } });

export function errors(events: readonly MarketEvent[]): NormalizationError[] {
  return events.filter((e): e is NormalizationError => e.type === 'normalization_error');
}

export function reasons(events: readonly MarketEvent[]): string[] {
  return errors(events).map((e) => e.reason);
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

function isFlat(v: object): boolean {
  return Object.values(v).every((x) => x === null || typeof x !== 'object');
}

export function goldenJson(value: unknown, indent = ''): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (isFlat(value)) return JSON.stringify(value, bigintSafe);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + goldenJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${goldenJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

export function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value, bigintSafe)).digest('hex');
}

export function countByType(events: readonly MarketEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
