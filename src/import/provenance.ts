/**
 * Provenance of an imported recording: where its records came from and what the source could not carry.
 *
 * Stored in the import session's `meta.import` of manifest.json (a field every manifest version already
 * has: `sessions[].meta` is free-form), so older manifests and older readers are unaffected and a
 * recording made by `poly record` simply has none. Read back with `provenanceOf` (zod-validated; a
 * malformed block is ignored rather than half-shown). `poly inspect` prints it (`formatProvenance`).
 *
 * `digest` is sha256 over everything that decides the output bytes (format, provenance version, each input's
 * sha256 and hour, filters, options, metadata records): same digest = same recording (output.ts).
 */
import { z } from 'zod';
import type { Manifest } from '../recorder/manifest.ts';

export const PROVENANCE_VERSION = 1;

export const PMXT_LOSSES = [
  'no hash on book and price_change (the archive drops it)',
  'order within one millisecond is inferred (see ordering)',
  'no custom-feature events: best_bid_ask, new_market, market_resolved (no settlement event; positions are marked, not settled)',
  'no tick_size, min_order_size, neg_risk or last_trade_price in book frames (taken from market metadata)',
  'no REST snapshots, subscriptions, heartbeats or connection events of the capture; hour files stand for connections',
  'receive time has millisecond resolution (timestamp_received)',
] as const;

const InputSchema = z.object({
  name: z.string(),
  url: z.string().nullable(),
  hour: z.string().nullable(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  etag: z.string().nullable().optional(),
  rowsInFile: z.number().int().nonnegative(),
  rowsImported: z.number().int().nonnegative(),
  byEventType: z.record(z.string(), z.number().int()),
  rowGroups: z.number().int().nonnegative().optional(),
  rowGroupsRead: z.number().int().nonnegative().optional(),
  skipped: z.record(z.string(), z.number().int()).optional(),
  /** Rows received before the previous file's last row, stamped at that earlier time (never reordered). */
  clampedRows: z.number().int().nonnegative().optional(),
  absentColumns: z.array(z.string()).optional(),
});
export type ProvenanceInput = z.infer<typeof InputSchema>;

export const ProvenanceSchema = z.object({
  version: z.number().int().positive(),
  format: z.string(),
  tool: z.string(),
  digest: z.string(),
  inputs: z.array(InputSchema),
  missingHours: z.array(z.object({ hour: z.string(), reason: z.string() })).optional(),
  filter: z.record(z.string(), z.unknown()),
  options: z.record(z.string(), z.unknown()),
  ordering: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  losses: z.array(z.string()),
  badLines: z.object({ count: z.number().int(), samples: z.array(z.object({ file: z.string(), line: z.number().int(), reason: z.string() })) }).optional(),
  notes: z.array(z.string()).optional(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

/** The provenance of an imported recording, or null for a recorded one (or a malformed block). */
export function provenanceOf(m: Manifest): Provenance | null {
  for (const s of m.sessions) {
    const p = s.meta?.['import'];
    if (p === undefined) continue;
    const r = ProvenanceSchema.safeParse(p);
    if (r.success) return r.data;
  }
  return null;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** Lines for `poly inspect` (no trailing newline). */
export function formatProvenance(p: Provenance): string {
  const L: string[] = [];
  L.push(`provenance imported by ${p.tool} from ${p.format} (digest ${p.digest.slice(0, 16)})`);
  for (const f of p.inputs) {
    const groups = f.rowGroups !== undefined && f.rowGroupsRead !== undefined ? `, row groups read ${f.rowGroupsRead}/${f.rowGroups}` : '';
    L.push(`  ${f.hour ?? '-'}  ${f.name}  sha256 ${f.sha256.slice(0, 16)}  ${n(f.rowsImported)} of ${n(f.rowsInFile)} rows${groups}`);
    if (f.url !== null) L.push(`      from ${f.url}`);
  }
  for (const g of p.missingHours ?? []) L.push(`  ${g.hour}  MISSING: ${g.reason} (a gap: books reset until the next snapshot)`);
  const filter = Object.entries(p.filter).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0));
  L.push(`  filter   ${filter.length === 0 ? 'none (every market, every row)' : filter.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join('; ')}`);
  L.push(`  metadata ${Object.entries(p.metadata).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`).join(', ')}`);
  L.push(`  ordering ${p.ordering}`);
  if (p.badLines !== undefined && p.badLines.count > 0) {
    L.push(`  bad lines ${p.badLines.count} (not imported):`);
    for (const b of p.badLines.samples) L.push(`    ${b.file}:${b.line}: ${b.reason}`);
  }
  L.push('  losses');
  for (const l of p.losses) L.push(`    - ${l}`);
  for (const x of p.notes ?? []) L.push(`  note ${x}`);
  return L.join('\n');
}
