/**
 * manifest.json: the index of a recording directory (format version 1).
 *
 * Invariants
 * - JSON only (no bigint): nanosecond times are decimal strings, seqs are safe integers.
 * - `files` is sorted by firstSeq; ranges never overlap; `rows`, `timeRange` and `counts` are always the
 *   sums/extremes over `files` (recomputed by `withFiles`, never edited by hand).
 * - `sessions` are in start order; a session with `endedNs: null` is still running or crashed (repair
 *   closes it with `clean: false`).
 * - Read through `parseManifest` (zod): a manifest that does not validate is reported as CORRUPT with the
 *   first issue, never half-used.
 * - `sha256` of each part covers its exact bytes; `recordingDigest` (read.ts) hashes these in seq order.
 *
 * Known limits: counts cover stored Parquet rows only; records still in the spool of a running recorder are
 * not in the manifest until their segment is converted.
 */
import { z } from 'zod';
import type { MarketMeta } from '../core/types/market.ts';
import { RAW_FORMAT_VERSION } from '../core/types/raw.ts';

export const MANIFEST_FORMAT_VERSION = 1;

const nsString = z.string().regex(/^-?\d{1,20}$/, 'expected an integer nanosecond time as a decimal string');
const seqInt = z.number().int().nonnegative();

const FeeScheduleSchema = z.object({
  rate: z.string(),
  exponent: z.string(),
  takerOnly: z.boolean(),
  rebateRate: z.string(),
});

export const MarketMetaSchema = z.object({
  conditionId: z.string(),
  id: z.string().nullable(),
  slug: z.string().nullable(),
  question: z.string().nullable(),
  tokens: z.array(z.object({ tokenId: z.string(), outcome: z.string() })),
  tickSize: z.number().int().nullable(),
  minOrderSize: z.number().int().nullable(),
  negRisk: z.boolean(),
  feesEnabled: z.boolean(),
  feeSchedule: FeeScheduleSchema.nullable(),
  endDate: z.string().nullable(),
  active: z.boolean().nullable(),
  closed: z.boolean().nullable(),
  acceptingOrders: z.boolean().nullable(),
  eventSlug: z.string().nullable(),
  tags: z.array(z.string()),
  version: z.enum(['v1', 'v2']).nullable().optional(),
  createdAt: z.string().nullable().optional(),
  takerDelayMs: z.number().int().nonnegative().nullable().optional(),
  takerDelayed: z.boolean().nullable().optional(),
  rewards: z.object({ maxSpread: z.string(), minSize: z.string(), ratePerDay: z.string().nullable() }).optional(),
});

const CountsSchema = z.record(z.string(), z.number().int().nonnegative());

export const ManifestFileSchema = z.object({
  /** Relative to the recording directory, '/' separated. */
  path: z.string(),
  rows: z.number().int().positive(),
  firstSeq: seqInt,
  lastSeq: seqInt,
  firstRecvNs: nsString,
  lastRecvNs: nsString,
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Rows by source and by kind in this part (lets repair rebuild totals without rescanning). */
  counts: z.object({ bySource: CountsSchema, byKind: CountsSchema }),
});
export type ManifestFile = z.infer<typeof ManifestFileSchema>;

export const ManifestSessionSchema = z.object({
  startedNs: nsString,
  endedNs: nsString.nullable(),
  firstSeq: seqInt.nullable(),
  lastSeq: seqInt.nullable(),
  clean: z.boolean(),
  /** Caller-supplied context (command line, poly version, endpoints). */
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type ManifestSession = z.infer<typeof ManifestSessionSchema>;

export const ManifestSchema = z.object({
  formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
  rawRecordVersion: z.number().int().positive(),
  createdBy: z.string(),
  markets: z.array(MarketMetaSchema),
  files: z.array(ManifestFileSchema),
  rows: z.number().int().nonnegative(),
  timeRange: z.object({ fromNs: nsString, toNs: nsString }).nullable(),
  counts: z.object({ bySource: CountsSchema, byKind: CountsSchema }),
  sessions: z.array(ManifestSessionSchema),
});
/** Markets are typed as the core's MarketMeta (readonly arrays) rather than zod's mutable inference. */
export type Manifest = Omit<z.infer<typeof ManifestSchema>, 'markets'> & { markets: MarketMeta[] };

export function emptyManifest(createdBy: string): Manifest {
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    rawRecordVersion: RAW_FORMAT_VERSION,
    createdBy,
    markets: [],
    files: [],
    rows: 0,
    timeRange: null,
    counts: { bySource: {}, byKind: {} },
    sessions: [],
  };
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function sortedRecord(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k] ?? 0;
  return out;
}

/** Returns a manifest whose files are `files` (sorted by firstSeq) and whose totals are recomputed. */
export function withFiles(m: Manifest, files: readonly ManifestFile[]): Manifest {
  const sorted = [...files].sort((a, b) => a.firstSeq - b.firstSeq);
  const bySource: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  let rows = 0;
  let from: bigint | null = null;
  let to: bigint | null = null;
  for (const f of sorted) {
    rows += f.rows;
    addCounts(bySource, f.counts.bySource);
    addCounts(byKind, f.counts.byKind);
    const a = BigInt(f.firstRecvNs);
    const b = BigInt(f.lastRecvNs);
    if (from === null || a < from) from = a;
    if (to === null || b > to) to = b;
  }
  return {
    ...m,
    files: sorted,
    rows,
    timeRange: from === null || to === null ? null : { fromNs: from.toString(), toNs: to.toString() },
    counts: { bySource: sortedRecord(bySource), byKind: sortedRecord(byKind) },
  };
}

/** Merges market lists by conditionId; later entries replace earlier ones; result sorted by conditionId. */
export function mergeMarkets(...lists: readonly (readonly MarketMeta[])[]): MarketMeta[] {
  const byId = new Map<string, MarketMeta>();
  for (const list of lists) for (const m of list) byId.set(m.conditionId, m);
  return [...byId.values()].sort((a, b) => (a.conditionId < b.conditionId ? -1 : a.conditionId > b.conditionId ? 1 : 0));
}

/** Highest seq the manifest knows to be used (files or sessions), or null. */
export function lastKnownSeq(m: Manifest): number | null {
  let last: number | null = null;
  for (const f of m.files) if (last === null || f.lastSeq > last) last = f.lastSeq;
  for (const s of m.sessions) if (s.lastSeq !== null && (last === null || s.lastSeq > last)) last = s.lastSeq;
  return last;
}

/** Validates manifest text; returns the manifest or a one-line reason. */
export function parseManifest(text: string): { ok: true; manifest: Manifest } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const r = ManifestSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    return { ok: false, reason: `invalid manifest${where}: ${issue?.message ?? 'unknown issue'}` };
  }
  return { ok: true, manifest: r.data };
}

export function manifestToJson(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}
