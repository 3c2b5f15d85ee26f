/**
 * Spool segment -> Parquet parts, through DuckDB.
 *
 * Order of operations for one part (each step durable before the next):
 *   1. rows are appended (DuckDB Appender) into an in-memory table, in spool (= seq) order;
 *   2. COPY ... TO '<date dir>/.part-A-B.parquet.tmp' (PARQUET_OPTIONS: ZSTD level 1, 8,192-row groups);
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
 * Two ways in (same parts, same bytes)
 * - convertOwnSegment (the recorder's hot path, chosen by measurement): DuckDB reads the sealed v3
 *   segment ITSELF — read_csv splits each line into its ten typed fields (spool.ts; `nullstr` = LF,
 *   which no field can be, so an empty field stays ''), a field the writer JSON-escaped is unescaped
 *   only when the writer saw one in this segment (SegmentFacts.escapes), else every column is taken as
 *   it is — and streams it into the Parquet writer (row groups of ROW_GROUP_ROWS) on DuckDB's own
 *   thread. No JavaScript runs per row and no table is built, so the event loop stays free for ingest
 *   and memory is bounded by a row group, not by the segment. Measured (2-core machine shared with
 *   other work, one DuckDB thread, 110,000 firehose frames): the COPY takes 1.4-1.9 us of CPU per row
 *   (the CSV read alone ~0.5 us), against 2.9 us for the v2 line (read_csv + from_json of a JSON
 *   header + substr for meta) and ~5 us for v1 (payload inside the JSON); verification 0.12 us and
 *   sha256 0.07 us per row. The JS appender path below costs 9.1-9.4 us per row and +400 MB (an
 *   in-memory table of the whole segment). A worker thread running the JS path would still pay its
 *   per-row CPU on the shared second core, and node-api has no Arrow scan to hand DuckDB batches
 *   without a per-value copy. Used only for a segment this process wrote, flushed and sealed: it
 *   holds no torn or corrupt line, so the per-line CRC (which protects against crashes) is not re-read;
 *   the result is verified against what the writer counted (rows, seq range and order, receive-time
 *   range). One UTC date per segment (the writer rotates at midnight). Any error (an escaped lone
 *   surrogate that DuckDB's JSON reader refuses, bytes that are not UTF-8, an unexpected line) falls back
 *   to the JS path.
 * - convertSpool (repair, foreign or crashed spools, and the fallback): reads the spool in JS with the
 *   CRC check of every line (torn tail dropped, corrupt middle skipped and counted), skips seqs already
 *   stored, and appends into an in-memory table (bounded by rotateBytes) cut per UTC date.
 *
 * Known limits: convertSpool holds one segment in DuckDB memory while converting and yields to the
 * event loop only between 1 MiB read chunks of the spool.
 */
import { rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawRecord } from '../core/types/raw.ts';
import { metaToJson } from '../core/types/raw.ts';
import type { Duck } from '../io/duckdb.ts';
import { sqlString } from '../io/duckdb.ts';
import { ensureDir, fsyncDir, fsyncFile, sha256File } from '../io/paths.ts';
import { RecordingError } from './errors.ts';
import { PARQUET_COLUMN_LIST, PARQUET_TABLE_DDL, partPath, partTmpPath, utcDate } from './layout.ts';
import type { ManifestFile } from './manifest.ts';
import { E_CONN_JSON, E_PAYLOAD_JSON, emptySpoolStats, readSpool } from './spool.ts';
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

/** What the writer counted while appending one segment (convertOwnSegment verifies the part against it). */
export interface SegmentFacts {
  readonly rows: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstRecvNs: bigint;
  readonly lastRecvNs: bigint;
  /** Longest spool line in bytes (sizes DuckDB's line buffer). */
  readonly maxLineBytes: number;
  /** OR of the lines' e bits (spool.ts E_*): which fields hold JSON string literals somewhere. */
  readonly escapes: number;
}

/**
 * Rows per Parquet row group: bounds the Parquet writer's memory (~5 MB of firehose frames). 8,192
 * rather than 16,384: measured ~20 MiB less peak RSS of a recording session for ~0.1 us more CPU per
 * row (1.65 vs 1.54 us, min of 5) and the same part size.
 */
export const ROW_GROUP_ROWS = 8192;
/**
 * Parquet options of every part. ZSTD level 1: on 110,000 firehose frames (v3 spool) the COPY took
 * 1.4-1.7 us of CPU per row whatever the codec (zstd -5 .. 1, lz4, snappy within 0.2 us; uncompressed
 * only 0.3 us less), and zstd 1 gives the smallest part (7.9 MB vs 13-17 MB for the faster codecs).
 */
const PARQUET_OPTIONS = `FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}`;

/**
 * A sealed segment of this writer -> one verified, durable Parquet part, by DuckDB alone (see the header).
 * Throws on anything unexpected (the caller falls back to convertSpool); leaves no temp file behind.
 */
export async function convertOwnSegment(duck: Duck, dir: string, spoolPath: string, f: SegmentFacts): Promise<ManifestFile> {
  const date = utcDate(f.firstRecvNs);
  if (utcDate(f.lastRecvNs) !== date) throw new Error('segment spans two UTC dates');
  const maxLine = Math.max(256 * 1024, f.maxLineBytes + 1024);
  // DuckDB's default CSV buffer is 16 x max_line_size (32 MiB+); 2 x is enough for one line and halves
  // the conversion's peak memory (measured +90 MB instead of +200 MB over four 84 MB segments). A
  // 256 KiB floor (512 KiB buffers) rather than 2 MiB: ~30 MiB lower RSS plateau after 8 conversions
  // (231 vs 260 MiB), same CPU per row (1.44-1.69 us for 0.5-4 MiB buffers, min of 5)
  const bufferSize = 2 * maxLine;
  // a v3 line is ten TAB-separated fields (spool.ts); no field can be a lone LF (the line terminator),
  // so nullstr = LF makes an empty field '' rather than NULL. Escaped fields are unescaped only when
  // the writer wrote any (the E_* bits it saw), so the common segment is read with no per-row function.
  const conn = (f.escapes & E_CONN_JSON) === 0 ? 'conn' : `CASE WHEN e & ${E_CONN_JSON} = 0 THEN conn ELSE json_extract_string(conn, '$') END`;
  const payload = (f.escapes & E_PAYLOAD_JSON) === 0 ? 'payload' : `CASE WHEN e & ${E_PAYLOAD_JSON} = 0 THEN payload ELSE json_extract_string(payload, '$') END`;
  const columns = `{'crc': 'VARCHAR', 'v': 'UTINYINT', 'seq': 'UBIGINT', 'recv_ns': 'BIGINT', 'source': 'VARCHAR', 'conn': 'VARCHAR', 'kind': 'VARCHAR', 'e': 'UTINYINT', 'meta': 'VARCHAR', 'payload': 'VARCHAR'}`;
  const plan: PartPlan = { date, firstSeq: f.firstSeq, lastSeq: f.lastSeq, firstRecvNs: f.firstRecvNs, lastRecvNs: f.lastRecvNs, rows: f.rows, bySource: {}, byKind: {} };
  return commitPart(duck, dir, plan, true, (tmp) =>
    duck.conn.run(
      `COPY (SELECT v, seq, recv_ns, source, ${conn} AS conn, kind, meta, ${payload} AS payload
               FROM read_csv(${sqlString(spoolPath)}, delim = '\t', quote = '', escape = '', header = false, auto_detect = false,
                             new_line = '\\n', nullstr = '\n', columns = ${columns},
                             max_line_size = ${maxLine}, buffer_size = ${bufferSize}))
         TO ${sqlString(tmp)} (${PARQUET_OPTIONS})`,
    ),
  );
}

async function countsOf(duck: Duck, path: string): Promise<ManifestFile['counts']> {
  const bySource: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const grouped = await duck.conn.runAndReadAll(`SELECT source, kind, count(*)::BIGINT FROM read_parquet(${sqlString(path)}, hive_partitioning = false) GROUP BY ALL`);
  for (const [source, kind, n] of grouped.getRows() as [string, string, bigint][]) {
    bySource[source] = (bySource[source] ?? 0) + Number(n);
    byKind[kind] = (byKind[kind] ?? 0) + Number(n);
  }
  return { bySource: sortedCounts(bySource), byKind: sortedCounts(byKind) };
}

/**
 * Steps 2-4 of the header for one part: `write` produces the temp file, which is verified against `plan`
 * (times too when `checkTimes`), fsynced and renamed; then the manifest entry (counts from the plan, or
 * read from the part when the plan has none). A failure removes the temp file and throws.
 */
async function commitPart(duck: Duck, dir: string, plan: PartPlan, checkTimes: boolean, write: (tmp: string) => Promise<unknown>): Promise<ManifestFile> {
  const rel = partPath(plan.date, plan.firstSeq, plan.lastSeq);
  const dateDir = join(dir, `date=${plan.date}`);
  const created = await ensureDir(dateDir);
  if (created !== undefined) await fsyncDir(dir);
  const tmp = join(dir, partTmpPath(plan.date, plan.firstSeq, plan.lastSeq));
  const final = join(dir, rel);
  try {
    await write(tmp);
    await verifyPart(duck, tmp, plan, checkTimes);
    await fsyncFile(tmp);
    await rename(tmp, final);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dateDir);
  const [bytes, sha256] = await Promise.all([stat(final).then((x) => x.size), sha256File(final)]);
  const counted = Object.keys(plan.bySource).length > 0;
  return {
    path: rel,
    rows: plan.rows,
    firstSeq: plan.firstSeq,
    lastSeq: plan.lastSeq,
    firstRecvNs: plan.firstRecvNs.toString(),
    lastRecvNs: plan.lastRecvNs.toString(),
    bytes,
    sha256,
    counts: counted ? { bySource: sortedCounts(plan.bySource), byKind: sortedCounts(plan.byKind) } : await countsOf(duck, final),
  };
}

function writePart(duck: Duck, dir: string, plan: PartPlan): Promise<ManifestFile> {
  return commitPart(duck, dir, plan, false, (tmp) =>
    duck.conn.run(`COPY (SELECT ${PARQUET_COLUMN_LIST} FROM ${TABLE} WHERE seq BETWEEN ${plan.firstSeq} AND ${plan.lastSeq}) TO ${sqlString(tmp)} (${PARQUET_OPTIONS})`),
  );
}

async function verifyPart(duck: Duck, path: string, plan: PartPlan, checkTimes = false): Promise<void> {
  const reader = await duck.conn.runAndReadAll(
    `SELECT count(*)::BIGINT, min(seq)::BIGINT, max(seq)::BIGINT, count(*) FILTER (WHERE prev IS NOT NULL AND seq <= prev)::BIGINT, min(recv_ns), max(recv_ns)
       FROM (SELECT seq, recv_ns, lag(seq) OVER (ORDER BY file_row_number) AS prev
               FROM read_parquet(${sqlString(path)}, file_row_number = true, hive_partitioning = false))`,
  );
  const row = reader.getRows()[0];
  const [count, min, max, disorder, minNs, maxNs] = (row ?? []) as (bigint | null)[];
  const timesOk = !checkTimes || (minNs === plan.firstRecvNs && maxNs === plan.lastRecvNs);
  if (count !== BigInt(plan.rows) || min !== BigInt(plan.firstSeq) || max !== BigInt(plan.lastSeq) || disorder !== 0n || !timesOk) {
    throw new RecordingError(
      'CORRUPT',
      `verification of ${path} failed: expected ${plan.rows} rows seq ${plan.firstSeq}..${plan.lastSeq} in order, ` +
        `found ${String(count)} rows seq ${String(min)}..${String(max)} (${String(disorder)} out of order)${timesOk ? '' : `, receive times ${String(minNs)}..${String(maxNs)} instead of ${plan.firstRecvNs}..${plan.lastRecvNs}`}; the spool was kept`,
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
    counts: await countsOf(duck, path),
  };
}
