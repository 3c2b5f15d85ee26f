/**
 * The tape: a recording normalized once, replayed many times (issue 11). Raw records stay the source of
 * truth; a tape is a cache of `normalizeRecord` over them, keyed so that it is never trusted when stale.
 *
 * Format (TAPE_FORMAT 3, src/tape/version.ts): one Arrow IPC *file* (apache-arrow, already a dependency),
 * one row per raw record, record batches of up to BATCH_ROWS rows. Arrow IPC rather than Parquet: the
 * reader gets typed arrays straight from the file's buffers with no per-value conversion, and the footer is
 * written last, so a half-written file cannot be opened as a complete one.
 * Row columns
 * - seq Float64, recv_ns Int64, source Uint8 (index in SOURCES), kind Uint8 (index in RECORD_KINDS)
 * - conn Int32: index into the batch's string dictionary; `strings` (Utf8) holds that dictionary as a JSON
 *   array in the batch's row 0 ('' elsewhere). Every batch is self-contained (a build worker writes it
 *   alone); the reader maps each entry through one tape-wide Map, so a token id, condition id or conn is
 *   one JS string for the whole replay, decoded once per batch (a handful per batch), not per event.
 * - meta Utf8: the record's meta as JSON, '' when empty.
 * - payload Utf8: the payload, except a JSON data frame (first non-blank char `{`/`[`) stores null and
 *   reads back as '{}': after normalization only the outage rule reads a payload, and for a frame only
 *   whether it is data (src/core/outages.ts). Lifecycle records, REST bodies and text frames keep it.
 * Event columns: List<...> per row (e_type, e_exch, e_market, e_asset, e_i0..e_i2, e_f0, e_flags, e_nl,
 * e_text) and level columns (l_px, l_qty, l_asset, l_flags, l_bb, l_ba, l_hash): book snapshots, level
 * changes, trades, tick changes and best_bid_ask as integers (px ticks Int32, qty micro-shares as exact
 * Float64, ids as dictionary indices, null as -1 / NaN / a flag bit); every other family (and any value a
 * typed column cannot hold exactly) as per-event JSON. The per-family layout is src/tape/codec.ts's header.
 * Build: src/tape/build.ts (seq-range chunks on worker threads, written in order; byte-identical to the
 * serial build).
 * Key: schema metadata `poly.tape.key` = `<recording digest>:<normalizer version>` (src/tape/version.ts);
 * a tape whose key differs, that is not a complete IPC file, or that fails to read is rebuilt (warning).
 * Writes go to a unique temp file in the same directory, then rename: concurrent builders (sweep workers)
 * each write their own temp file and the last rename wins with an equally valid tape.
 * Location: `<recording>/.tape/` by default; when that is not writable, the user cache dir
 * ($POLY_CACHE_DIR, else $XDG_CACHE_HOME/poly, else ~/.cache/poly)/tapes/<digest[0:16]>/; `tapeDir` overrides both. File name tape-<digest[0:16]>.arrow.
 * Filters: --from/--to on recv_ns per row (the raw reader's SQL predicate); --market keeps the seqs the raw
 * reader's own SQL selects (recorder/read.ts readSeqs, merged in seq order), so the tape path sees exactly
 * the raw path's records.
 * Read (readTape): the footer's block index gives each batch's place; one positioned read per batch (its
 *   message header and body together) into one of two reused buffers, the next batch's read in flight while
 *   the current one replays, decoded with Arrow's own Message and VectorLoader (TapeFile). apache-arrow's
 *   RecordBatchReader over a FileHandle made 3+ chained reads per batch, only the first overlapping the
 *   replay, into a fresh zeroed ~2 MB buffer per 8,192 rows, whose external memory forced full GCs. Text
 *   columns are decoded once per batch in ~64 KiB chunks (codec.ts TextColumn). Records and events are built
 *   per row when the replay asks (TapeBatch.recordAt / eventsOf), so they die young instead of a decoded batch
 *   being promoted; recordAt re-fills one RawRecord per reader (the kernel keeps no reference to a record
 *   after onNormalized), record(k) makes a fresh one. A batch throws once the next is read (buffer reused).
 * Memory: flat with length (build: at most `threads` chunks in flight; read: two batch buffers).
 * Measured with `npm run bench -- replay` on the 10M-row generated recording, quiet 2-core machine,
 * 2026-12-02 18:36 UTC, this read path + token handles + the market maker's per-market state (JSON.parse
 * floor 121,007 payloads/s in that run):
 * - no-op replay from the tape 751,758 events/s (6.21x the floor) = 7.68x `--raw` (97,889); market maker
 *   410,790 ev/s = 4.71x `--raw` (87,230). Before this work (548efc1, same machine): 454,596 and 230,521.
 * - the tape read alone (records and events built and kept alive, no kernel) 3,773,704 events/s (31.2x).
 * - build 78,813 records/s on 1 thread (RSS 502 MB), 87,274 on 2 worker threads (RSS 749 MB; 1.11x for
 *   43% more CPU); 2 worker threads are the bench's choice, the default is serial below 4 cores.
 * - peak RSS: no-op replay 183 MB at 1M rows, 256 MB at 10M; build 743 / 749 MB; all under 1 GiB.
 * Known limits: replay from the tape is bounded by the kernel (the tape side, decodeEvent + the replay loop,
 * is ~8% of a no-op replay profile). The build is bounded by JSON.parse + the JS normalizer (~55% of its
 * profile) and DuckDB -> JS string conversion: on 2 cores, worker threads can at best double it, far from
 * 500k records/s. A DuckDB-side extraction of price_change / last_trade_price (exact: a row qualified
 * only when its payload equals the canonical text rebuilt in SQL) was built and tested byte-identical, and
 * measured 0.77x the JS build at 1.5x its CPU: per row, DuckDB's split/concat/cast work cost 5-9 us, as
 * much as JSON.parse + the normalizer (branch duckbuild, not merged). What would reach 500k: the same
 * canonical-shape check as a byte-level scan over the payload bytes (no JS strings), or compiled into
 * DuckDB as an extension.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Field, Float64, Int32, Int64, List, makeData, Message, MessageHeader, RecordBatch, RecordBatchFileWriter, RecordBatchReader, Schema, Struct, Uint8, Utf8, type Data, type DataType } from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import type { RecordBatch as BatchHeader } from 'apache-arrow/ipc/metadata/message';
import { VectorLoader } from 'apache-arrow/visitor/vectorloader';
import type { MarketEvent } from '../core/types/events.ts';
import { RAW_FORMAT_VERSION, RECORD_KINDS, SOURCES, type RawMeta, type RawRecord } from '../core/types/raw.ts';
import { isCode, pathExists } from '../io/paths.ts';
import { RecordingError } from '../recorder/errors.ts';
import { digestOfManifest, readManifest, readSeqs, type ReadOptions } from '../recorder/read.ts';
import { decodeRow, TextColumn, type EncodedBatch, type EventColumns, type TextBuffers } from './codec.ts';
import { encodeChunk, planChunks, type Chunk, type FromWorker, type ToWorker } from './build.ts';
import { normalizerVersion } from './version.ts';

export { BATCH_ROWS } from './codec.ts';
const KEY = 'poly.tape.key';
const DATA_PAYLOAD = '{}';

const list = (t: DataType): List => new List(new Field('item', t, false));
const FIELDS = [
  new Field('seq', new Float64()),
  new Field('recv_ns', new Int64()),
  new Field('source', new Uint8()),
  new Field('kind', new Uint8()),
  new Field('conn', new Int32()),
  new Field('strings', new Utf8(), true),
  new Field('meta', new Utf8(), true),
  new Field('payload', new Utf8(), true),
  new Field('e_type', list(new Uint8())),
  new Field('e_exch', list(new Float64())),
  new Field('e_market', list(new Int32())),
  new Field('e_asset', list(new Int32())),
  new Field('e_i0', list(new Int32())),
  new Field('e_i1', list(new Int32())),
  new Field('e_i2', list(new Int32())),
  new Field('e_f0', list(new Float64())),
  new Field('e_flags', list(new Uint8())),
  new Field('e_nl', list(new Int32())),
  new Field('e_text', list(new Utf8())),
  new Field('l_px', list(new Int32())),
  new Field('l_qty', list(new Float64())),
  new Field('l_asset', list(new Int32())),
  new Field('l_flags', list(new Uint8())),
  new Field('l_bb', list(new Int32())),
  new Field('l_ba', list(new Int32())),
  new Field('l_hash', list(new Utf8())),
];
/** The tape's Arrow schema, keyed. */
export const tapeSchema = (key: string): Schema => new Schema(FIELDS, new Map([[KEY, key]]));
const COL = Object.fromEntries(FIELDS.map((f, i) => [f.name, i])) as Record<string, number>;

export interface TapeOptions {
  /** Directory for the tape (default `<recording>/.tape/`, else the user cache dir). */
  readonly tapeDir?: string;
  /** Rebuild even when a valid tape exists. */
  readonly force?: boolean;
  /** Progress while building: records done of total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Worker threads for a build (default defaultBuildThreads(); 1 = build in this thread). */
  readonly threads?: number;
  /** Seqs per build chunk (default CHUNK_SEQS, src/tape/build.ts); smaller only to test the parallel build. */
  readonly chunkSeqs?: number;
  /** One line when a tape was ignored (stale, corrupt, unreadable). */
  readonly onWarning?: (message: string) => void;
}

export interface TapeInfo {
  readonly path: string;
  readonly key: string;
  readonly built: boolean;
  readonly records: number;
  readonly events: number;
  readonly buildMs: number;
  /** Threads the build used (1 = this thread; 0 when no build ran). */
  readonly threads: number;
}

export async function tapeKey(dir: string): Promise<string> {
  return `${digestOfManifest(await readManifest(dir))}:${await normalizerVersion()}`;
}

/** <cache>/tapes, with <cache> as the S3 and import caches: $POLY_CACHE_DIR, else $XDG_CACHE_HOME/poly, else ~/.cache/poly. */
function cacheRoot(): string {
  const own = process.env['POLY_CACHE_DIR'];
  if (own !== undefined && own !== '') return join(own, 'tapes');
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'poly', 'tapes');
}

/** Returns the key stored in a tape, or a reason it cannot be used. */
async function probe(path: string, key: string): Promise<{ ok: true } | { ok: false; reason: string } | null> {
  if (!(await pathExists(path))) return null;
  const fh = await open(path);
  try {
    const r = await RecordBatchReader.from(fh);
    await r.open();
    if (!r.isFile()) return { ok: false, reason: 'not a complete Arrow IPC file (half-written?)' };
    const k = r.schema.metadata.get(KEY);
    if (k !== key) return { ok: false, reason: `stale (key ${k?.slice(0, 12) ?? 'none'}..., want ${key.slice(0, 12)}...)` };
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `unreadable (${(e as Error).message})` };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Finds a valid tape for the recording, building one when missing, stale or corrupt. */
export async function ensureTape(dir: string, opts: TapeOptions = {}): Promise<TapeInfo> {
  const manifest = await readManifest(dir);
  const digest = digestOfManifest(manifest);
  const key = `${digest}:${await normalizerVersion()}`;
  const name = `tape-${digest.slice(0, 16)}.arrow`;
  const dirs = opts.tapeDir !== undefined ? [opts.tapeDir] : [join(dir, '.tape'), join(cacheRoot(), digest.slice(0, 16))];
  if (opts.force !== true) {
    for (const d of dirs) {
      const p = join(d, name);
      const st = await probe(p, key);
      if (st === null) continue;
      if (st.ok) return { path: p, key, built: false, records: -1, events: -1, buildMs: 0, threads: 0 };
      opts.onWarning?.(`tape ${p} is ${st.reason}: ignored, rebuilding`);
    }
  }
  let lastErr: unknown = null;
  for (const d of dirs) {
    try {
      await mkdir(d, { recursive: true });
      const p = join(d, name);
      const t0 = performance.now();
      const chunks = planChunks(manifest.files, opts.chunkSeqs);
      const threads = Math.min(opts.threads ?? defaultBuildThreads(), chunks.length);
      const n = await buildTape({ dir, path: p, key, total: manifest.files.reduce((a, f) => a + f.rows, 0), chunks, threads, onProgress: opts.onProgress });
      return { path: p, key, built: true, records: n.records, events: n.events, buildMs: performance.now() - t0, threads };
    } catch (e) {
      if (!isCode(e, 'EACCES', 'EROFS', 'EPERM') || opts.tapeDir !== undefined) throw e;
      lastErr = e;
    }
  }
  throw lastErr as Error;
}

const prim = <T extends DataType>(type: T, length: number, data: T['TArray']): Data => makeData({ type, length, nullCount: 0, data } as never) as Data;
const utf8 = (t: TextBuffers): Data<Utf8> => makeData({ type: new Utf8(), length: t.offsets.length - 1, nullCount: 0, valueOffsets: t.offsets, data: t.bytes });
const listData = (child: Data, offsets: Int32Array): Data => makeData({ type: list(child.type), length: offsets.length - 1, nullCount: 0, valueOffsets: offsets, child });

/** An encoded batch as the tape's Arrow record batch. */
export function toRecordBatch(schema: Schema, b: EncodedBatch): RecordBatch {
  const n = b.rows;
  const m = b.events;
  const k = b.lPx.length;
  const ev = (d: Data): Data => listData(d, b.evOff);
  const lv = (d: Data): Data => listData(d, b.lvOff);
  const children: Data[] = [
    prim(new Float64(), n, b.seq),
    prim(new Int64(), n, b.recvNs),
    prim(new Uint8(), n, b.source),
    prim(new Uint8(), n, b.kind),
    prim(new Int32(), n, b.conn),
    utf8(b.strings),
    utf8(b.meta),
    makeData({ type: new Utf8(), length: n, nullCount: b.payload.nulls, nullBitmap: b.payload.valid, valueOffsets: b.payload.offsets, data: b.payload.bytes }),
    ev(prim(new Uint8(), m, b.eType)),
    ev(prim(new Float64(), m, b.eExch)),
    ev(prim(new Int32(), m, b.eMarket)),
    ev(prim(new Int32(), m, b.eAsset)),
    ev(prim(new Int32(), m, b.eI0)),
    ev(prim(new Int32(), m, b.eI1)),
    ev(prim(new Int32(), m, b.eI2)),
    ev(prim(new Float64(), m, b.eF0)),
    ev(prim(new Uint8(), m, b.eFlags)),
    ev(prim(new Int32(), m, b.eNl)),
    ev(utf8(b.eText)),
    lv(prim(new Int32(), k, b.lPx)),
    lv(prim(new Float64(), k, b.lQty)),
    lv(prim(new Int32(), k, b.lAsset)),
    lv(prim(new Uint8(), k, b.lFlags)),
    lv(prim(new Int32(), k, b.lBb)),
    lv(prim(new Int32(), k, b.lBa)),
    lv(utf8(b.lHash)),
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
}

/**
 * Worker threads a build uses by default: 1 (this thread) below 4 cores, else cores - 1, at most 4 (never
 * more than the chunks). On the 2-core bench machine the threaded build cost ~50% more CPU in all (a module
 * graph, JIT warm-up and heap per worker, batches crossing threads) and ran slower than the serial one.
 */
export function defaultBuildThreads(): number {
  const cores = availableParallelism();
  return cores < 4 ? 1 : Math.min(cores - 1, 4);
}

interface BuildSpec {
  readonly dir: string;
  readonly path: string;
  readonly key: string;
  readonly total: number;
  readonly chunks: readonly Chunk[];
  readonly threads: number;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

async function buildTape(spec: BuildSpec): Promise<{ records: number; events: number }> {
  const { path, total, onProgress } = spec;
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const schema = tapeSchema(spec.key);
  const writer = new RecordBatchFileWriter();
  const sink = pipeline(writer.toNodeStream(), createWriteStream(tmp));
  let records = 0;
  let events = 0;
  const write = (b: EncodedBatch): void => {
    writer.write(toRecordBatch(schema, b));
    records += b.rows;
    events += b.events;
    onProgress?.(records, total);
  };
  try {
    if (spec.threads <= 1) {
      const shapes = new Map<string, boolean>();
      for (const chunk of spec.chunks) {
        for await (const b of encodeChunk(spec.dir, chunk, shapes)) {
          write(b);
          // let the writer's stream drain: memory stays one batch deep
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    } else await parallelChunks(spec, write);
    writer.finish();
    await sink;
    await rename(tmp, path);
  } catch (e) {
    // close the stream normally (abort() leaves an unhandled rejection inside apache-arrow), then drop the file
    try {
      writer.finish();
    } catch {
      // already finished
    }
    await sink.catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  return { records, events };
}

/** Runs the chunks on worker threads, handing their batches to `write` in chunk order (see build.ts). */
async function parallelChunks(spec: BuildSpec, write: (b: EncodedBatch) => void): Promise<void> {
  const { chunks, threads } = spec;
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./build-worker.mjs', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 256 } }));
  const pending = new Map<number, { batches: EncodedBatch[]; done: boolean }>();
  const idle = [...workers];
  let dispatched = 0;
  let written = 0;
  let failure: Error | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        if (failure !== null) {
          // stop only when no chunk is in flight: a worker is never killed mid-query
          if (idle.length === workers.length) reject(failure);
          return;
        }
        for (;;) {
          const c = pending.get(written);
          if (c === undefined) break;
          for (const b of c.batches) write(b);
          c.batches.length = 0;
          if (!c.done) break;
          pending.delete(written);
          written += 1;
        }
        if (written === chunks.length) return resolve();
        while (idle.length > 0 && dispatched < chunks.length && dispatched - written < threads) {
          const w = idle.pop()!;
          pending.set(dispatched, { batches: [], done: false });
          w.postMessage({ dir: spec.dir, chunk: chunks[dispatched]! } satisfies ToWorker);
          dispatched += 1;
        }
      };
      for (const w of workers) {
        w.on('message', (m: FromWorker) => {
          if (m.type === 'batch') pending.get(m.id)?.batches.push(m.batch);
          else {
            idle.push(w);
            if (m.type === 'done') pending.get(m.id)!.done = true;
            // the reader's own error type crosses the thread boundary (the CLI words it as it would here)
            else failure ??= m.recordingCode !== null ? new RecordingError(m.recordingCode, m.message) : new Error(`tape build worker: ${m.message}`);
          }
          settle();
        });
        w.on('error', (e) => {
          failure ??= e;
          idle.push(w);
          settle();
        });
      }
      settle();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const EMPTY_META: RawMeta = Object.freeze({});
const FRAME = RECORD_KINDS.indexOf('frame');

type AnyData = Data & { valueOffsets: Int32Array; values: never; children: Data[]; nullBitmap: Uint8Array | undefined };
/** The typed values of a List<primitive> column of a batch, and its offsets. */
function listCol<T>(cols: readonly Data[], name: string): { off: Int32Array; values: T; child: Data } {
  const d = cols[COL[name]!]! as unknown as AnyData;
  const child = d.children[0]!;
  return { off: d.valueOffsets, values: child.values as T, child };
}
/** A Utf8 column (ASCII text): decoded per batch in chunks, sliced per value (TextColumn). */
function textOf(d: Data): TextColumn {
  const u = d as unknown as AnyData;
  return new TextColumn(u.valueOffsets, u.values as unknown as Uint8Array, u.length);
}
const listText = (cols: readonly Data[], name: string): TextColumn => textOf(listCol<Uint8Array>(cols, name).child);

/** One batch's event columns, with its dictionary resolved to the tape-wide canonical strings. */
export function eventColumns(b: RecordBatch, dict: readonly string[]): EventColumns {
  return columnsOf(b.data.children, dict);
}

function columnsOf(cols: readonly Data[], dict: readonly string[]): EventColumns {
  const eType = listCol<Uint8Array>(cols, 'e_type');
  const lPx = listCol<Int32Array>(cols, 'l_px');
  const eText = listText(cols, 'e_text');
  const lHash = listText(cols, 'l_hash');
  return {
    evOff: eType.off,
    lvOff: lPx.off,
    eType: eType.values,
    eExch: listCol<Float64Array>(cols, 'e_exch').values,
    eMarket: listCol<Int32Array>(cols, 'e_market').values,
    eAsset: listCol<Int32Array>(cols, 'e_asset').values,
    eI0: listCol<Int32Array>(cols, 'e_i0').values,
    eI1: listCol<Int32Array>(cols, 'e_i1').values,
    eI2: listCol<Int32Array>(cols, 'e_i2').values,
    eF0: listCol<Float64Array>(cols, 'e_f0').values,
    eFlags: listCol<Uint8Array>(cols, 'e_flags').values,
    eNl: listCol<Int32Array>(cols, 'e_nl').values,
    eText,
    lPx: lPx.values,
    lQty: listCol<Float64Array>(cols, 'l_qty').values,
    lAsset: listCol<Int32Array>(cols, 'l_asset').values,
    lFlags: listCol<Uint8Array>(cols, 'l_flags').values,
    lBb: listCol<Int32Array>(cols, 'l_bb').values,
    lBa: listCol<Int32Array>(cols, 'l_ba').values,
    lHash,
    dict,
  };
}

/** A RawRecord whose fields TapeBatch.recordAt overwrites (one per readTape call). */
type SharedRecord = { -readonly [K in keyof RawRecord]: RawRecord[K] };
/** A record for TapeBatch.fill to write into (one shape for record and recordAt). */
const blankRecord = (): SharedRecord => ({ v: RAW_FORMAT_VERSION, seq: 0, recvNs: 0n, source: SOURCES[0]!, conn: '', kind: RECORD_KINDS[0]!, meta: EMPTY_META, payload: '' });

/** The row columns of one batch (typed arrays over the batch's buffer; text decoded once per batch). */
interface RowColumns {
  readonly seq: Float64Array;
  readonly ns: BigInt64Array;
  readonly src: Uint8Array;
  readonly kind: Uint8Array;
  readonly conn: Int32Array;
  readonly meta: TextColumn;
  readonly payOff: Int32Array;
  /** The payload column's UTF-8 bytes (a view; sliced per non-data row). */
  readonly payBytes: Buffer;
  /** Validity bitmap, null when the batch has no null payload (bit clear = a JSON data frame). */
  readonly payValid: Uint8Array | null;
  readonly metaCache: Map<string, RawMeta>;
}

/**
 * One batch of a tape, decoded lazily: `record(k)` / `recordAt(k)` / `eventsOf(k, raw)` build the k-th kept
 * row's objects when asked (the replay loop: each record's events die young, in the scavenger, instead of
 * a whole batch of them being promoted), `records` / `events` materialize the whole batch (tests, tools).
 * A batch's typed arrays are views of a buffer readTape reuses: once the next batch is asked for, every
 * method throws (materialized `records` / `events` arrays stay valid: they hold no views).
 */
export class TapeBatch {
  private recs: RawRecord[] | null = null;
  private evs: (readonly MarketEvent[])[] | null = null;
  /** Set by readTape when the next batch is read over this one's buffer. */
  private dead = false;

  constructor(
    /** Kept row indices in the Arrow batch, in order. */
    private readonly rows: Int32Array,
    readonly length: number,
    private readonly r: RowColumns,
    private readonly cols: EventColumns,
    private readonly shared: SharedRecord,
  ) {}

  /** The k-th kept row's RawRecord (a new object each call). */
  record(k: number): RawRecord {
    return this.fill(blankRecord(), k);
  }

  /**
   * The k-th kept row in the reader's one shared RawRecord, overwritten by the next recordAt of any batch
   * of the same readTape: for a consumer that keeps no reference to the record once it has handled it (the
   * replay loop: TradingKernel.onNormalized reads the header fields and lets the record go, as its reused
   * bus item already requires). Same fields as record(k); one allocation less per row (hot path).
   */
  recordAt(k: number): RawRecord {
    return this.fill(this.shared, k);
  }

  /** Writes the k-th kept row's fields into `s` (record and recordAt). */
  private fill(s: SharedRecord, k: number): RawRecord {
    this.alive();
    const i = this.rows[k]!;
    const r = this.r;
    s.seq = r.seq[i]!;
    s.recvNs = r.ns[i]!;
    s.source = SOURCES[r.src[i]!]!;
    s.conn = this.cols.dict[r.conn[i]!]!;
    s.kind = RECORD_KINDS[r.kind[i]!]!;
    s.meta = this.metaOf(i);
    s.payload = this.payloadOf(i);
    return s;
  }

  /** The k-th kept row's events, exactly normalizeRecord(raw)'s; `raw` must be record(k) or recordAt(k). */
  eventsOf(k: number, raw: RawRecord): readonly MarketEvent[] {
    this.alive();
    return decodeRow(this.cols, this.rows[k]!, raw);
  }

  get records(): RawRecord[] {
    this.materialize();
    return this.recs!;
  }

  get events(): (readonly MarketEvent[])[] {
    this.materialize();
    return this.evs!;
  }

  /** @internal readTape: the buffer is about to be reused. */
  retire(): void {
    this.dead = true;
  }

  private alive(): void {
    if (this.dead) throw new Error('TapeBatch used after the next batch was read (its buffer is reused): use each batch before asking for the next');
  }

  private metaOf(i: number): RawMeta {
    const r = this.r;
    if (r.meta.empty(i)) return EMPTY_META;
    const mt = r.meta.at(i);
    let meta = r.metaCache.get(mt);
    if (meta === undefined) {
      meta = Object.freeze(JSON.parse(mt) as RawMeta);
      if (r.metaCache.size < 4096) r.metaCache.set(mt, meta);
    }
    return meta;
  }

  /** null (validity bit clear) = a JSON data frame (written for frames only), read back as '{}'. */
  private payloadOf(i: number): string {
    const r = this.r;
    const bm = r.payValid;
    if (bm !== null && r.kind[i] === FRAME && (bm[i >> 3]! & (1 << (i & 7))) === 0) return DATA_PAYLOAD;
    const o0 = r.payOff[i]!;
    const o1 = r.payOff[i + 1]!;
    return o0 === o1 ? '' : r.payBytes.toString('utf8', o0, o1);
  }

  private materialize(): void {
    if (this.recs !== null) return;
    const recs: RawRecord[] = [];
    const evs: (readonly MarketEvent[])[] = [];
    for (let k = 0; k < this.length; k++) {
      const r = this.record(k);
      recs.push(r);
      evs.push(this.eventsOf(k, r));
    }
    this.recs = recs;
    this.evs = evs;
  }
}

/** One record batch as loaded from the file: its row count and one Data per schema field (views of `bytes`). */
interface LoadedBatch {
  readonly length: number;
  readonly children: readonly Data[];
}

/**
 * The tape's IPC file read batch by batch from the footer's block index: one positioned read per batch
 * (message header and body together) into one of two reused buffers, decoded with Arrow's own message and
 * vector loaders. apache-arrow's RecordBatchReader over a FileHandle instead made 3+ chained reads per batch
 * (length, metadata, body: only the first overlapped the replay) into a fresh zeroed buffer each (~2 MB
 * per 8,192 rows, whose external memory forced full GCs).
 */
class TapeFile {
  private readonly bufs: (Buffer | null)[] = [null, null];

  private constructor(
    private readonly fh: FileHandle,
    private readonly footer: Footer,
  ) {}

  static async open(fh: FileHandle): Promise<TapeFile> {
    const { size } = await fh.stat();
    const tail = Buffer.alloc(10);
    if (size < 10 + 8 || (await fh.read(tail, 0, 10, size - 10)).bytesRead !== 10 || tail.toString('latin1', 4) !== 'ARROW1') throw new Error('tape: not a complete Arrow IPC file');
    const len = tail.readInt32LE(0);
    if (len <= 0 || len > size - 18) throw new Error('tape: bad footer length');
    const fb = Buffer.alloc(len);
    if ((await fh.read(fb, 0, len, size - 10 - len)).bytesRead !== len) throw new Error('tape: short footer read');
    const footer = Footer.decode(fb);
    const names = footer.schema.fields.map((f) => f.name).join(',');
    if (names !== FIELDS.map((f) => f.name).join(',')) throw new Error(`tape: unexpected columns (${names.slice(0, 80)})`);
    return new TapeFile(fh, footer);
  }

  get batches(): number {
    return this.footer.numRecordBatches;
  }

  /** Reads and decodes batch `i` into buffer i % 2: the caller must be done with batch i - 2. */
  async read(i: number): Promise<LoadedBatch> {
    const b = this.footer.getRecordBatch(i)!;
    const len = b.metaDataLength + b.bodyLength;
    let buf = this.bufs[i & 1]!;
    if (buf === null || buf.byteLength < len) {
      buf = Buffer.allocUnsafeSlow(len + (len >> 3)); // own ArrayBuffer at offset 0: 8-byte aligned views
      this.bufs[i & 1] = buf;
    }
    for (let got = 0; got < len; ) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, b.offset + got);
      if (bytesRead === 0) throw new Error(`tape: short read in batch ${i}`);
      got += bytesRead;
    }
    return this.decode(buf, b.metaDataLength, len);
  }

  private decode(buf: Buffer, metaLen: number, len: number): LoadedBatch {
    // message = [0xFFFFFFFF] int32 flatbuffer length, flatbuffer (padded to metaLen), body
    let p = 4;
    let flat = buf.readInt32LE(0);
    if (flat === -1) {
      flat = buf.readInt32LE(4);
      p = 8;
    }
    const msg = Message.decode(buf.subarray(p, p + flat));
    if (msg.headerType !== MessageHeader.RecordBatch) throw new Error('tape: a footer block is not a record batch');
    const h = msg.header() as BatchHeader;
    if (h.compression !== null) throw new Error('tape: compressed record batch (poly never writes one)');
    if (metaLen + msg.bodyLength > len) throw new Error('tape: record batch body past its block');
    const body = buf.subarray(metaLen, metaLen + msg.bodyLength);
    const schema = this.footer.schema;
    const children = new VectorLoader(body, h.nodes, h.buffers, new Map(), schema.metadataVersion, h.variadicBufferCounts).visitMany(schema.fields);
    return { length: h.length, children };
  }
}

/**
 * Streams a tape's records and their events in batches (use each batch before asking for the next: its
 * buffer is then reused). Filters as readRecording's (see header). `dir` is the recording (for the
 * --market seq filter). The next batch is read from disk while the current one is used.
 */
export async function* readTape(path: string, dir: string, opts: Pick<ReadOptions, 'fromNs' | 'toNs' | 'assetIds' | 'markets'> = {}): AsyncGenerator<TapeBatch> {
  const byMarket = opts.assetIds !== undefined || opts.markets !== undefined;
  const seqIt = byMarket ? readSeqs(dir, opts) : null;
  let keep: number[] = [];
  let ki = 0;
  let seqDone = false;
  const kept = async (s: number): Promise<boolean> => {
    for (;;) {
      while (ki < keep.length && keep[ki]! < s) ki++;
      if (ki < keep.length) return keep[ki] === s;
      if (seqDone) return false;
      const nx = await seqIt!.next();
      if (nx.done === true) seqDone = true;
      else {
        keep = nx.value;
        ki = 0;
      }
    }
  };
  const fh = await open(path);
  // every dictionary string (token ids, condition ids, conns) is one JS string for the whole tape
  const canon = new Map<string, string>();
  const metaCache = new Map<string, RawMeta>();
  const shared = blankRecord();
  let pending: Promise<LoadedBatch> | null = null;
  try {
    const file = await TapeFile.open(fh);
    const nb = file.batches;
    if (nb > 0) pending = file.read(0);
    for (let bi = 0; bi < nb; bi++) {
      const lb = await pending!;
      // the next batch's read runs while this one is replayed (a single read: nothing left for the await)
      pending = bi + 1 < nb ? file.read(bi + 1) : null;
      const n = lb.length;
      if (n === 0) continue;
      const c = lb.children;
      const col = <T>(name: string): T => c[COL[name]!]!.values as T;
      const seq = col<Float64Array>('seq');
      const ns = col<BigInt64Array>('recv_ns');
      // the batch's dictionary: row 0 of `strings` (the other rows are '')
      const dict = (JSON.parse(textOf(c[COL['strings']!]!).at(0)) as string[]).map((s) => {
        const k = canon.get(s);
        if (k !== undefined) return k;
        canon.set(s, s);
        return s;
      });
      const pd = c[COL['payload']!]! as unknown as AnyData;
      const pv = pd.values as unknown as Uint8Array;
      const r: RowColumns = {
        seq,
        ns,
        src: col<Uint8Array>('source'),
        kind: col<Uint8Array>('kind'),
        conn: col<Int32Array>('conn'),
        meta: textOf(c[COL['meta']!]!),
        payOff: pd.valueOffsets,
        payBytes: Buffer.from(pv.buffer, pv.byteOffset, pv.byteLength),
        payValid: pd.nullCount > 0 && pd.nullBitmap !== undefined && pd.nullBitmap.length > 0 ? pd.nullBitmap : null,
        metaCache,
      };
      const rows = new Int32Array(n);
      let m = 0;
      const from = opts.fromNs;
      const to = opts.toNs;
      if (from === undefined && to === undefined && seqIt === null) for (; m < n; m++) rows[m] = m;
      else {
        for (let i = 0; i < n; i++) {
          if (from !== undefined || to !== undefined) {
            const t = ns[i]!;
            if ((from !== undefined && t < from) || (to !== undefined && t >= to)) continue;
          }
          if (seqIt !== null && !(await kept(seq[i]!))) continue;
          rows[m++] = i;
        }
      }
      if (m === 0) continue;
      const batch = new TapeBatch(rows, m, r, columnsOf(c, dict), shared);
      yield batch;
      batch.retire();
    }
  } finally {
    // an early exit (break, a throw in the consumer) leaves the read-ahead in flight: let it land before the close
    if (pending !== null) await pending.catch(() => undefined);
    await seqIt?.return(undefined);
    await fh.close().catch(() => undefined);
  }
}
