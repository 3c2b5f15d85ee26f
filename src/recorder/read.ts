/**
 * Reading a recording: the streaming source replay is built on, plus manifest access and the digest.
 *
 * Ordering: records come out in recorded order (strictly increasing seq). Parts are read in firstSeq order
 * and each part stores its rows in seq order (layout.ts), so no global sort is needed; the reader checks
 * that seq strictly increases and fails fast (CORRUPT) if storage ever contradicts it.
 *
 * Memory: one in-memory DuckDB per iteration streams each part (`conn.stream`, 2048-row vectors); at most
 * `batchRows` converted records (rounded up to whole vectors) are held at a time. RSS does not grow with
 * the recording's length.
 *
 * Filters
 * - fromNs (inclusive) / toNs (exclusive) on recvNs; parts outside the window are not opened.
 * - assetIds / markets are a coarse pre-filter on raw text: a `frame` or `response` record of market_ws,
 *   user_ws, clob_rest or gamma_rest is kept only if its payload contains one of the ids as a JSON string
 *   ("<id>"); for `markets` (condition ids) the ids of the market's tokens from the manifest also match.
 *   Every other record (open/close/error/send/request lifecycle, rtds_ws reference prices) always passes,
 *   so gaps stay visible. Consumers filter normalized events exactly.
 *
 * Known limits: the substring pre-filter may keep a record that mentions an id without being about it
 * (harmless: the normalizer decides); it never drops a record that carries the id as a JSON string.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawMeta, RawRecord, RecordKind, Source } from '../core/types/raw.ts';
import { RECORD_KINDS, SOURCES, metaFromJson } from '../core/types/raw.ts';
import { openDuck, sqlString } from '../io/duckdb.ts';
import { isCode, isDirectory, pathExists } from '../io/paths.ts';
import { RecordingError } from './errors.ts';
import { MANIFEST_FILE, PARQUET_COLUMN_LIST, SPOOL_DIR } from './layout.ts';
import type { Manifest } from './manifest.ts';
import { parseManifest } from './manifest.ts';

export interface ReadOptions {
  fromNs?: bigint;
  toNs?: bigint;
  assetIds?: string[];
  markets?: string[];
  /** Only records with seq >= fromSeq / seq < toSeq (the tape's parallel build reads a recording in seq ranges). */
  fromSeq?: number;
  toSeq?: number;
  /** Records converted per batch (default 8192; rounded up to DuckDB's 2048-row vectors). */
  batchRows?: number;
  /** Instrumentation: called after each batch is fetched from DuckDB, before its records are yielded. */
  onBatch?: (b: { part: string; rows: number; batch: number }) => void;
}

/** Reads and validates DIR/manifest.json. Throws RecordingError MISSING / NOT_A_RECORDING / CORRUPT. */
export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if (!isCode(err, 'ENOENT', 'ENOTDIR')) throw err;
    if (!(await pathExists(dir))) throw new RecordingError('MISSING', `recording ${dir} does not exist`);
    if (!(await isDirectory(dir))) throw new RecordingError('NOT_A_RECORDING', `${dir} is not a directory, so not a poly recording`);
    if (await pathExists(join(dir, SPOOL_DIR))) {
      throw new RecordingError('NOT_A_RECORDING', `recording ${dir} has no ${MANIFEST_FILE} yet (crashed before its first part?); run 'poly recordings repair ${dir}'`);
    }
    throw new RecordingError('NOT_A_RECORDING', `${dir} is not a poly recording (no ${MANIFEST_FILE})`);
  }
  const parsed = parseManifest(text);
  if (!parsed.ok) {
    throw new RecordingError('CORRUPT', `recording ${dir}: ${MANIFEST_FILE} is ${parsed.reason}; run 'poly recordings repair ${dir}'`);
  }
  return parsed.manifest;
}

/** sha256 (hex) over the manifest's part hashes in seq order, one per line: identifies the recorded data. */
export async function recordingDigest(dir: string): Promise<string> {
  return digestOfManifest(await readManifest(dir));
}

export function digestOfManifest(m: Manifest): string {
  const h = createHash('sha256');
  for (const f of [...m.files].sort((a, b) => a.firstSeq - b.firstSeq)) h.update(`${f.sha256}\n`);
  return h.digest('hex');
}

const SOURCE_SET: ReadonlySet<string> = new Set(SOURCES);
const KIND_SET: ReadonlySet<string> = new Set(RECORD_KINDS);
const FILTERED_SOURCES = ['market_ws', 'user_ws', 'clob_rest', 'gamma_rest'];
/** DuckDB's vector size: the most rows one fetched chunk holds. */
const VECTOR_ROWS = 2048;

function whereClause(opts: ReadOptions, ids: readonly string[]): string {
  const conds: string[] = [];
  if (opts.fromNs !== undefined) conds.push(`recv_ns >= ${opts.fromNs.toString()}`);
  if (opts.toNs !== undefined) conds.push(`recv_ns < ${opts.toNs.toString()}`);
  if (opts.fromSeq !== undefined) conds.push(`seq >= ${BigInt(opts.fromSeq).toString()}`);
  if (opts.toSeq !== undefined) conds.push(`seq < ${BigInt(opts.toSeq).toString()}`);
  if (opts.assetIds !== undefined || opts.markets !== undefined) {
    const pass = `NOT (kind IN ('frame', 'response') AND source IN (${FILTERED_SOURCES.map(sqlString).join(', ')}))`;
    const hits = ids.map((id) => `contains(payload, ${sqlString(JSON.stringify(id))})`);
    conds.push(`(${[pass, ...hits].join(' OR ')})`);
  }
  return conds.length === 0 ? '' : ` WHERE ${conds.join(' AND ')}`;
}

function filterIds(m: Manifest, opts: ReadOptions): string[] {
  const ids = new Set<string>(opts.assetIds ?? []);
  for (const cid of opts.markets ?? []) {
    ids.add(cid);
    if (cid.toLowerCase() !== cid) ids.add(cid.toLowerCase());
    const market = m.markets.find((x) => x.conditionId.toLowerCase() === cid.toLowerCase());
    for (const t of market?.tokens ?? []) ids.add(t.tokenId);
  }
  return [...ids];
}

/**
 * The seqs of the records readRecording(dir, opts) yields, in order, in batches, without moving payloads
 * into JS (the tape's --from/--to/--market filter: the same SQL, so the same records by construction).
 */
export async function* readSeqs(dir: string, opts: ReadOptions = {}): AsyncGenerator<number[]> {
  const m = await readManifest(dir);
  const where = whereClause(opts, filterIds(m, opts));
  const parts = [...m.files].sort((a, b) => a.firstSeq - b.firstSeq);
  const duck = await openDuck({ threads: 1 });
  try {
    for (const f of parts) {
      const result = await duck.conn.stream(`SELECT seq FROM read_parquet(${sqlString(join(dir, f.path))}, hive_partitioning = false)${where}`);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        yield (chunk.getColumnValues(0) as bigint[]).map(Number);
      }
    }
  } finally {
    duck.close();
  }
}

/**
 * Streams the records of a recording in seq order, with bounded memory. Throws (on first iteration)
 * RecordingError MISSING / NOT_A_RECORDING / CORRUPT.
 */
export function readRecording(dir: string, opts: ReadOptions = {}): AsyncIterable<RawRecord> {
  return { [Symbol.asyncIterator]: () => iterate(dir, opts) };
}

async function* iterate(dir: string, opts: ReadOptions): AsyncGenerator<RawRecord> {
  const m = await readManifest(dir);
  // a batch holds whole vectors (<= 2048 rows each, fewer at row-group ends): fetch another only while it
  // cannot take the batch past batchRows rounded up to a whole number of vectors
  const cap = Math.ceil(Math.max(1, opts.batchRows ?? 8192) / VECTOR_ROWS) * VECTOR_ROWS;
  const ids = filterIds(m, opts);
  const where = whereClause(opts, ids);
  const parts = [...m.files]
    .sort((a, b) => a.firstSeq - b.firstSeq)
    .filter((f) => (opts.fromNs === undefined || BigInt(f.lastRecvNs) >= opts.fromNs) && (opts.toNs === undefined || BigInt(f.firstRecvNs) < opts.toNs));
  if (parts.length === 0) return;
  for (const f of parts) {
    if (!(await pathExists(join(dir, f.path)))) {
      throw new RecordingError('CORRUPT', `recording ${dir}: part ${f.path} listed in ${MANIFEST_FILE} is missing; run 'poly recordings repair ${dir}'`);
    }
  }
  const duck = await openDuck({ threads: 1 });
  const metaCache = new Map<string, RawMeta>();
  const meta = (text: string): RawMeta => {
    let v = metaCache.get(text);
    if (v === undefined) {
      v = Object.freeze(metaFromJson(text));
      if (metaCache.size >= 4096) metaCache.clear();
      metaCache.set(text, v);
    }
    return v;
  };
  let lastSeq = -1;
  let batch = 0;
  try {
    for (const f of parts) {
      const path = join(dir, f.path);
      const result = await duck.conn.stream(
        `SELECT ${PARQUET_COLUMN_LIST} FROM read_parquet(${sqlString(path)}, hive_partitioning = false)${where}`,
      );
      for (;;) {
        const out: RawRecord[] = [];
        let rows = 0;
        while (rows + VECTOR_ROWS <= cap) {
          const chunk = await result.fetchChunk();
          if (chunk === null || chunk.rowCount === 0) break;
          const n = chunk.rowCount;
          const cols = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => chunk.getColumnValues(i));
          const [vs, seqs, nss, sources, conns, kinds, metas, payloads] = cols as [number[], bigint[], bigint[], string[], string[], string[], string[], string[]];
          for (let i = 0; i < n; i++) {
            const seq = Number(seqs[i]);
            const source = sources[i] as string;
            const kind = kinds[i] as string;
            if (!(seq > lastSeq) || !SOURCE_SET.has(source) || !KIND_SET.has(kind)) {
              throw new RecordingError(
                'CORRUPT',
                `recording ${dir}: part ${f.path} has an invalid row at seq ${seq} (after seq ${lastSeq}, source '${source}', kind '${kind}')`,
              );
            }
            lastSeq = seq;
            out.push({
              v: vs[i] as number,
              seq,
              recvNs: nss[i] as bigint,
              source: source as Source,
              conn: conns[i] as string,
              kind: kind as RecordKind,
              meta: meta(metas[i] as string),
              payload: payloads[i] as string,
            });
          }
          rows += n;
        }
        if (rows === 0) break;
        batch++;
        opts.onBatch?.({ part: f.path, rows, batch });
        yield* out;
      }
    }
  } finally {
    duck.close();
  }
}
