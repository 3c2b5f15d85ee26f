/**
 * Spool segment -> Parquet parts, through DuckDB.
 *
 * Order of operations for one part (each step durable before the next):
 *   1. rows are appended (DuckDB Appender) into an in-memory table, in spool (= seq) order;
 *   2. COPY ... TO '<date dir>/.part-A-B.parquet.tmp' (FORMAT PARQUET, COMPRESSION ZSTD);
 *   3. verify the temp file by reading it back: row count, first/last seq, seqs strictly increasing in
 *      file order — a mismatch throws CORRUPT and the spool is left alone;
 *   4. fsync the temp file, rename it to 'part-A-B.parquet', fsync the directory, sha256 it;
 *   5. `onPart` (the caller records the part in manifest.json, atomically).
 * The caller deletes the spool segment only after every part of it went through step 5.
 *
 * Invariants
 * - Records whose seq is already stored in an existing part are skipped (counted), so converting a spool
 *   again after a crash between steps 4 and the spool's deletion never duplicates a row.
 * - A part never spans two UTC dates: the rows are cut into contiguous seq ranges at each date change.
 * - Insertion order is preserved (DuckDB's preserve_insertion_order, default on) and verified in step 3,
 *   so no ORDER BY sort is needed.
 *
 * Known limits: one segment is held in DuckDB memory while converting (bounded by rotateBytes).
 * The JS side appends row by row; it yields to the event loop between 1 MiB read chunks of the spool.
 */
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawRecord } from '../core/types/raw.ts';
import { metaToJson } from '../core/types/raw.ts';
import type { Duck } from '../io/duckdb.ts';
import { sqlString } from '../io/duckdb.ts';
import { ensureDir, fsyncDir, fsyncFile, sha256File } from '../io/paths.ts';
import { RecordingError } from './errors.ts';
import { PARQUET_COLUMN_LIST, PARQUET_TABLE_DDL, partPath, partTmpPath, utcDate } from './layout.ts';
import type { ManifestFile } from './manifest.ts';
import { emptySpoolStats, readSpool } from './spool.ts';
import type { SpoolReadStats } from './spool.ts';

/** Sorted, non-overlapping [firstSeq, lastSeq] ranges already stored as Parquet. */
export type SeqRanges = readonly (readonly [number, number])[];

export function rangesOf(files: readonly ManifestFile[]): [number, number][] {
  return files.map((f) => [f.firstSeq, f.lastSeq] as [number, number]).sort((a, b) => a[0] - b[0]);
}

export function inRanges(ranges: SeqRanges, seq: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid];
    if (r === undefined) return false;
    if (seq < r[0]) hi = mid - 1;
    else if (seq > r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

interface PartPlan {
  date: string;
  firstSeq: number;
  lastSeq: number;
  firstRecvNs: bigint;
  lastRecvNs: bigint;
  rows: number;
  bySource: Record<string, number>;
  byKind: Record<string, number>;
}

export interface ConvertResult {
  stats: SpoolReadStats;
  /** Valid spool records whose seq was already stored (not written again). */
  skipped: number;
  /** Rows written to new parts. */
  written: number;
  parts: ManifestFile[];
}

const TABLE = 'poly_spool_rows';
const NS_PER_DAY = 86_400_000_000_000n;

function sortedCounts(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k] ?? 0;
  return out;
}

/**
 * Converts one spool segment into Parquet parts under `dir`. `onPart` is awaited after each part is durable.
 * Throws RecordingError CORRUPT when verification fails; I/O and DuckDB errors propagate.
 */
export async function convertSpool(
  duck: Duck,
  dir: string,
  spoolPath: string,
  stored: SeqRanges,
  onPart: (part: ManifestFile) => Promise<void>,
): Promise<ConvertResult> {
  const stats = emptySpoolStats();
  const plans: PartPlan[] = [];
  let skipped = 0;
  const { conn } = duck;
  await conn.run(`CREATE OR REPLACE TABLE ${TABLE} (${PARQUET_TABLE_DDL})`);
  try {
    const app = await conn.createAppender(TABLE);
    let cur: PartPlan | null = null;
    let lastDay = -1n;
    let lastDate = '';
    try {
      for await (const r of readSpool(spoolPath, stats)) {
        if (inRanges(stored, r.seq)) {
          skipped++;
          continue;
        }
        appendRow(app, r);
        const dayIdx = r.recvNs / NS_PER_DAY;
        if (dayIdx !== lastDay) {
          lastDay = dayIdx;
          lastDate = utcDate(r.recvNs);
        }
        const date = lastDate;
        if (cur === null || cur.date !== date) {
          cur = { date, firstSeq: r.seq, lastSeq: r.seq, firstRecvNs: r.recvNs, lastRecvNs: r.recvNs, rows: 0, bySource: {}, byKind: {} };
          plans.push(cur);
        }
        cur.lastSeq = r.seq;
        if (r.recvNs < cur.firstRecvNs) cur.firstRecvNs = r.recvNs;
        if (r.recvNs > cur.lastRecvNs) cur.lastRecvNs = r.recvNs;
        cur.rows++;
        cur.bySource[r.source] = (cur.bySource[r.source] ?? 0) + 1;
        cur.byKind[r.kind] = (cur.byKind[r.kind] ?? 0) + 1;
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
    const parts: ManifestFile[] = [];
    let written = 0;
    for (const plan of plans) {
      const part = await writePart(duck, dir, plan);
      await onPart(part);
      parts.push(part);
      written += part.rows;
    }
    return { stats, skipped, written, parts };
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${TABLE}`);
  }
}

function appendRow(app: Awaited<ReturnType<Duck['conn']['createAppender']>>, r: RawRecord): void {
  app.appendUTinyInt(r.v);
  app.appendUBigInt(BigInt(r.seq));
  app.appendBigInt(r.recvNs);
  app.appendVarchar(r.source);
  app.appendVarchar(r.conn);
  app.appendVarchar(r.kind);
  app.appendVarchar(metaToJson(r.meta));
  app.appendVarchar(r.payload);
  app.endRow();
}

async function writePart(duck: Duck, dir: string, plan: PartPlan): Promise<ManifestFile> {
  const rel = partPath(plan.date, plan.firstSeq, plan.lastSeq);
  const relTmp = partTmpPath(plan.date, plan.firstSeq, plan.lastSeq);
  const dateDir = join(dir, `date=${plan.date}`);
  const created = await ensureDir(dateDir);
  if (created !== undefined) await fsyncDir(dir);
  const tmp = join(dir, relTmp);
  const final = join(dir, rel);
  await duck.conn.run(
    `COPY (SELECT ${PARQUET_COLUMN_LIST} FROM ${TABLE} WHERE seq BETWEEN ${plan.firstSeq} AND ${plan.lastSeq}) ` +
      `TO ${sqlString(tmp)} (FORMAT PARQUET, COMPRESSION ZSTD)`,
  );
  await verifyPart(duck, tmp, plan);
  await fsyncFile(tmp);
  await rename(tmp, final);
  await fsyncDir(dateDir);
  const [bytes, sha256] = await Promise.all([stat(final).then((s) => s.size), sha256File(final)]);
  return {
    path: rel,
    rows: plan.rows,
    firstSeq: plan.firstSeq,
    lastSeq: plan.lastSeq,
    firstRecvNs: plan.firstRecvNs.toString(),
    lastRecvNs: plan.lastRecvNs.toString(),
    bytes,
    sha256,
    counts: { bySource: sortedCounts(plan.bySource), byKind: sortedCounts(plan.byKind) },
  };
}

async function verifyPart(duck: Duck, path: string, plan: PartPlan): Promise<void> {
  const reader = await duck.conn.runAndReadAll(
    `SELECT count(*)::BIGINT, min(seq)::BIGINT, max(seq)::BIGINT, count(*) FILTER (WHERE prev IS NOT NULL AND seq <= prev)::BIGINT
       FROM (SELECT seq, lag(seq) OVER (ORDER BY file_row_number) AS prev
               FROM read_parquet(${sqlString(path)}, file_row_number = true, hive_partitioning = false))`,
  );
  const row = reader.getRows()[0];
  const [count, min, max, disorder] = (row ?? []) as (bigint | null)[];
  if (count !== BigInt(plan.rows) || min !== BigInt(plan.firstSeq) || max !== BigInt(plan.lastSeq) || disorder !== 0n) {
    throw new RecordingError(
      'CORRUPT',
      `verification of ${path} failed: expected ${plan.rows} rows seq ${plan.firstSeq}..${plan.lastSeq} in order, ` +
        `found ${String(count)} rows seq ${String(min)}..${String(max)} (${String(disorder)} out of order); the spool was kept`,
    );
  }
}

/** Builds a manifest entry for an existing part by reading it (used by repair for parts not in the manifest). */
export async function scanPart(duck: Duck, dir: string, rel: string): Promise<ManifestFile> {
  const path = join(dir, rel);
  const src = `read_parquet(${sqlString(path)}, hive_partitioning = false)`;
  const agg = await duck.conn.runAndReadAll(
    `SELECT count(*)::BIGINT, min(seq)::BIGINT, max(seq)::BIGINT, min(recv_ns), max(recv_ns) FROM ${src}`,
  );
  const [count, min, max, minNs, maxNs] = (agg.getRows()[0] ?? []) as (bigint | null)[];
  if (count === null || count === undefined || count === 0n || min == null || max == null || minNs == null || maxNs == null) {
    throw new RecordingError('CORRUPT', `Parquet part ${path} is empty or has no seq column; move it out of the recording`);
  }
  const bySource: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const grouped = await duck.conn.runAndReadAll(`SELECT source, kind, count(*)::BIGINT FROM ${src} GROUP BY ALL`);
  for (const [source, kind, n] of grouped.getRows() as [string, string, bigint][]) {
    bySource[source] = (bySource[source] ?? 0) + Number(n);
    byKind[kind] = (byKind[kind] ?? 0) + Number(n);
  }
  const [bytes, sha256] = await Promise.all([stat(path).then((s) => s.size), sha256File(path)]);
  return {
    path: rel,
    rows: Number(count),
    firstSeq: Number(min),
    lastSeq: Number(max),
    firstRecvNs: minNs.toString(),
    lastRecvNs: maxNs.toString(),
    bytes,
    sha256,
    counts: { bySource: sortedCounts(bySource), byKind: sortedCounts(byKind) },
  };
}
