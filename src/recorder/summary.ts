/**
 * Recording summary for `poly inspect`: one streaming pass over the recording (readRecording, seq order)
 * that counts raw records, normalizes each one (core normalizer) and follows connection lifecycles.
 *
 * Definitions
 * - connection: the records sharing one `conn` id; opens/closes/errors count its lifecycle records.
 * - reconnect: an `open` on a source after that source's first `open`.
 * - gap: one per outage as src/core/outages.ts defines it (the same rule replay counts disconnects by):
 *   a live connection going down (stale / error / abnormal close; our own clean stop is not one), or a
 *   recorder session that crashed with connections open. From the connection's last data frame (a
 *   crash: the old session's last record) to the next `open` on that source (a crash: the new session's
 *   first record); toNs null when the recording ends first. Measured on recvNs.
 * - seq gap: a jump in seq (records lost before they were flushed, or parts removed).
 *
 * Memory: bounded by the number of connections and distinct counters, not by the recording's length.
 * Known limits: with several concurrent connections per source (sharding), a gap on one connection ends
 * at the next open on that source, which may be another shard's redial.
 */
import type { NormalizerStatsSnapshot } from '../core/normalize/index.ts';
import { OutageTracker, type Outage, type OutageCause } from '../core/outages.ts';
import { Normalizer } from '../core/normalize/index.ts';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isCode } from '../io/paths.ts';
import { isoFromNs, SPOOL_DIR, SPOOL_EXT } from './layout.ts';
import { digestOfManifest, readManifest, readRecording } from './read.ts';

export interface ConnectionSummary {
  source: string;
  conn: string;
  records: number;
  opens: number;
  closes: number;
  errors: number;
  firstNs: string;
  lastNs: string;
}

export interface GapSummary {
  source: string;
  conn: string;
  /** What revealed the gap: the stale detector, a socket error, an abnormal close, or a crashed recorder session. */
  cause: OutageCause;
  detail: string;
  /** Last data frame of the connection before it went down (for a crash: the old session's last record). */
  fromNs: string;
  /** The record that revealed it (error / close row; for a crash the new session's first record). */
  detectedNs: string;
  /** recvNs of the reopening `open` (for a crash: the new session's first record), or null if the recording ended first. */
  toNs: string | null;
  durationMs: number | null;
}

function gapSummary(o: Outage): GapSummary {
  return {
    source: o.source,
    conn: o.conn,
    cause: o.cause,
    detail: o.detail,
    fromNs: o.fromNs.toString(),
    detectedNs: o.detectedNs.toString(),
    toNs: o.toNs === null ? null : o.toNs.toString(),
    durationMs: o.toNs === null ? null : Number((o.toNs - o.fromNs) / 1_000_000n),
  };
}

export interface RecordingSummary {
  dir: string;
  createdBy: string;
  records: number;
  parts: number;
  bytes: number;
  digest: string;
  timeRange: { fromNs: string; toNs: string; from: string; to: string; durationS: number } | null;
  sessions: { startedNs: string; endedNs: string | null; firstSeq: number | null; lastSeq: number | null; clean: boolean }[];
  bySource: Record<string, number>;
  byKind: Record<string, number>;
  normalized: NormalizerStatsSnapshot;
  markets: { conditionId: string; slug: string | null; question: string | null; tokens: { tokenId: string; outcome: string }[] }[];
  connections: ConnectionSummary[];
  reconnects: Record<string, number>;
  gaps: GapSummary[];
  seqGaps: { afterSeq: number; nextSeq: number; missing: number }[];
  /** Spool segments not yet converted (a recorder is running, or it crashed: run repair). */
  pendingSpoolSegments: number;
}

function inc(r: Record<string, number>, k: string): void {
  r[k] = (r[k] ?? 0) + 1;
}

function sortedKeys<V>(r: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k] as V;
  return out;
}

async function countSpool(dir: string): Promise<number> {
  try {
    return (await readdir(join(dir, SPOOL_DIR))).filter((f) => f.endsWith(SPOOL_EXT)).length;
  } catch (err) {
    if (isCode(err, 'ENOENT')) return 0;
    throw err;
  }
}

export async function summarizeRecording(dir: string): Promise<RecordingSummary> {
  const m = await readManifest(dir);
  const normalizer = new Normalizer();
  const bySource: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const conns = new Map<string, ConnectionSummary>();
  const firstOpenSeen = new Set<string>();
  const reconnects: Record<string, number> = {};
  const outages = new OutageTracker();
  const gaps: Outage[] = [];
  const seqGaps: RecordingSummary['seqGaps'] = [];
  let records = 0;
  let prevSeq: number | null = null;

  for await (const r of readRecording(dir)) {
    records++;
    inc(bySource, r.source);
    inc(byKind, r.kind);
    normalizer.normalize(r);
    if (prevSeq !== null && r.seq !== prevSeq + 1) seqGaps.push({ afterSeq: prevSeq, nextSeq: r.seq, missing: r.seq - prevSeq - 1 });
    prevSeq = r.seq;

    const key = `${r.source}\u0000${r.conn}`;
    let c = conns.get(key);
    const ns = r.recvNs.toString();
    if (c === undefined) {
      c = { source: r.source, conn: r.conn, records: 0, opens: 0, closes: 0, errors: 0, firstNs: ns, lastNs: ns };
      conns.set(key, c);
    }
    c.records++;
    c.lastNs = ns;
    if (r.kind === 'open') {
      c.opens++;
      if (firstOpenSeen.has(r.source)) inc(reconnects, r.source);
      firstOpenSeen.add(r.source);
    } else if (r.kind === 'close') c.closes++;
    else if (r.kind === 'error') c.errors++;
    for (const o of outages.observe(r)) gaps.push(o);
  }

  const tr = m.timeRange;
  return {
    dir,
    createdBy: m.createdBy,
    records,
    parts: m.files.length,
    bytes: m.files.reduce((a, f) => a + f.bytes, 0),
    digest: digestOfManifest(m),
    timeRange:
      tr === null
        ? null
        : {
            fromNs: tr.fromNs,
            toNs: tr.toNs,
            from: isoFromNs(BigInt(tr.fromNs)),
            to: isoFromNs(BigInt(tr.toNs)),
            durationS: Number((BigInt(tr.toNs) - BigInt(tr.fromNs)) / 1_000_000n) / 1000,
          },
    sessions: m.sessions.map((s) => ({ startedNs: s.startedNs, endedNs: s.endedNs, firstSeq: s.firstSeq, lastSeq: s.lastSeq, clean: s.clean })),
    bySource: sortedKeys(bySource),
    byKind: sortedKeys(byKind),
    normalized: normalizer.stats.snapshot(),
    markets: m.markets.map((x) => ({ conditionId: x.conditionId, slug: x.slug, question: x.question, tokens: x.tokens.map((t) => ({ tokenId: t.tokenId, outcome: t.outcome })) })),
    connections: [...conns.values()].sort((a, b) => (a.firstNs === b.firstNs ? (a.conn < b.conn ? -1 : 1) : BigInt(a.firstNs) < BigInt(b.firstNs) ? -1 : 1)),
    reconnects: sortedKeys(reconnects),
    gaps: gaps.map(gapSummary),
    seqGaps,
    pendingSpoolSegments: await countSpool(dir),
  };
}
