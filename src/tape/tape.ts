/**
 * The tape: a recording normalized once, replayed many times (issue 11). Raw records stay the source of
 * truth; a tape is a cache of `normalizeRecord` over them, keyed so that it is never trusted when stale.
 *
 * Format: one Arrow IPC *file* (apache-arrow, already a dependency), one row per raw record, batches of
 * BATCH_ROWS rows. Arrow IPC rather than Parquet: the reader hands typed arrays (Float64Array,
 * BigInt64Array, Uint8Array) straight to JS with no per-value conversion, and the file format's footer is
 * written last, so a half-written file cannot be opened as a complete one.
 * Columns
 * - seq Float64, recv_ns Int64, source Uint8 (index in SOURCES), kind Uint8 (index in RECORD_KINDS)
 * - conn Int32: index into the tape's string table; `strings` (Utf8, '' when none) is a JSON array of
 *   strings the table gains at this row (dictionary encoding across batches, streamed).
 * - meta Utf8: the record's meta as JSON, '' when empty.
 * - payload Utf8: the payload, except a JSON data frame (first non-blank char `{`/`[`) stores null and
 *   reads back as '{}': after normalization only the outage rule reads a payload, and for a frame only
 *   whether it is data (src/core/outages.ts). Lifecycle records, REST bodies and text frames keep it.
 * - events Utf8: the record's normalized events as a JSON array, '' when none; recvNs/source/seq/conn
 *   (always the record's) as 0 placeholders overwritten on read, bigints (inside a normalization_error's
 *   raw record) as {"$n":"<digits>"}. strings, meta and events are ASCII (non-ASCII escaped as \uXXXX),
 *   so a batch's column decodes as latin1 in one call.
 * Key: schema metadata `poly.tape.key` = `<recording digest>:<normalizer version>` (src/tape/version.ts);
 * a tape whose key differs, that is not a complete IPC file, or that fails to read is rebuilt (warning).
 * Writes go to a unique temp file in the same directory, then rename: concurrent builders (sweep workers)
 * each write their own temp file and the last rename wins with an equally valid tape.
 * Location: `<recording>/.tape/` by default; when that is not writable, the user cache dir
 * ($POLY_CACHE_DIR, else $XDG_CACHE_HOME/poly, else ~/.cache/poly)/tapes/<digest[0:16]>/; `tapeDir` overrides both. File name tape-<digest[0:16]>.arrow.
 * Filters: --from/--to on recv_ns per row (the raw reader's SQL predicate); --market keeps the seqs the raw
 * reader's own SQL selects (recorder/read.ts readSeqs, merged in seq order), so the tape path sees exactly
 * the raw path's records.
 * Memory: build holds one batch of rows and its JSON; read holds one decoded batch. Flat with length.
 * Known limits: events are a JSON column, not typed per-family columns: on the bench (loaded 2-core
 * machine) JSON.parse in decodeEvents plus GC are ~40% of a no-op replay from the tape, which runs ~1.7-2.6x
 * the raw path; typed columns (levels as Int32/Float64 arrays, token ids as dictionary indices) would remove
 * most of it. The build is single-threaded (normalize + JSON.stringify per record).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Field, Float64, Int32, Int64, makeData, RecordBatch, RecordBatchFileWriter, RecordBatchReader, Schema, Struct, Uint8, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { normalizeRecord } from '../core/normalize/index.ts';
import { isData } from '../core/outages.ts';
import type { MarketEvent } from '../core/types/events.ts';
import { RAW_FORMAT_VERSION, RECORD_KINDS, SOURCES, type RawMeta, type RawRecord } from '../core/types/raw.ts';
import { isCode, pathExists } from '../io/paths.ts';
import { digestOfManifest, readManifest, readRecording, readSeqs, type ReadOptions } from '../recorder/read.ts';
import { normalizerVersion } from './version.ts';

const BATCH_ROWS = 8192;
const KEY = 'poly.tape.key';
const DATA_PAYLOAD = '{}';

const FIELDS = [
  new Field('seq', new Float64()),
  new Field('recv_ns', new Int64()),
  new Field('source', new Uint8()),
  new Field('kind', new Uint8()),
  new Field('conn', new Int32()),
  new Field('strings', new Utf8(), true),
  new Field('meta', new Utf8(), true),
  new Field('payload', new Utf8(), true),
  new Field('events', new Utf8(), true),
];

export interface TapeOptions {
  /** Directory for the tape (default `<recording>/.tape/`, else the user cache dir). */
  readonly tapeDir?: string;
  /** Rebuild even when a valid tape exists. */
  readonly force?: boolean;
  /** Progress while building: records done of total. */
  readonly onProgress?: (done: number, total: number) => void;
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
      if (st.ok) return { path: p, key, built: false, records: -1, events: -1, buildMs: 0 };
      opts.onWarning?.(`tape ${p} is ${st.reason}: ignored, rebuilding`);
    }
  }
  let lastErr: unknown = null;
  for (const d of dirs) {
    try {
      await mkdir(d, { recursive: true });
      const p = join(d, name);
      const t0 = performance.now();
      const n = await buildTape(dir, p, key, manifest.files.reduce((a, f) => a + f.rows, 0), opts.onProgress);
      return { path: p, key, built: true, records: n.records, events: n.events, buildMs: performance.now() - t0 };
    } catch (e) {
      if (!isCode(e, 'EACCES', 'EROFS', 'EPERM') || opts.tapeDir !== undefined) throw e;
      lastErr = e;
    }
  }
  throw lastErr as Error;
}

function bigReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? { $n: v.toString() } : v;
}
function bigReviver(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && '$n' in v && typeof (v as { $n: unknown }).$n === 'string' && Object.keys(v).length === 1) return BigInt((v as { $n: string }).$n);
  return v;
}


const NON_ASCII = /[\u0080-\uffff]/g;
const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * The JSON of a record's events, ASCII only (non-ASCII escaped, so the reader may slice a batch's bytes
 * as latin1), '' when none. recvNs/source/seq/conn are the record's (Sink invariant, checked): each is kept
 * as a 0 placeholder, in place, so the reader restores them without reshaping the object (key order kept).
 * MUTATES `events` (their origin fields are blanked): pass normalizeRecord's fresh output and drop it.
 */
export function encodeEvents(raw: RawRecord, events: readonly MarketEvent[]): string {
  if (events.length === 0) return '';
  let big = false;
  for (const ev of events) {
    if (ev.recvNs !== raw.recvNs || ev.source !== raw.source || ev.seq !== raw.seq || ev.conn !== raw.conn) {
      throw new Error(`tape: an event of record seq ${raw.seq} does not carry the record's origin (normalizer Sink invariant broken)`);
    }
    if (ev.type === 'normalization_error') big = true;
  }
  // the events are normalizeRecord's fresh output, owned by the caller and dropped after: their origin is
  // blanked in place (no copy); do not use them afterwards
  for (const ev of events) Object.assign(ev, ORIGIN_PLACEHOLDER);
  const text = big ? JSON.stringify(events, bigReplacer) : JSON.stringify(events);
  return text.replace(NON_ASCII, escapeChar);
}

const ORIGIN_PLACEHOLDER = Object.freeze({ recvNs: 0, source: 0, seq: 0, conn: 0 });

export function decodeEvents(raw: RawRecord, text: string): MarketEvent[] {
  if (text === '') return [];
  const list = (text.includes('"$n"') ? JSON.parse(text, bigReviver) : JSON.parse(text)) as { recvNs: bigint; source: string; seq: number; conn: string }[];
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    e.recvNs = raw.recvNs;
    e.source = raw.source;
    e.seq = raw.seq;
    e.conn = raw.conn;
  }
  return list as unknown as MarketEvent[];
}

/** A Utf8 column of one batch as ASCII/latin1 text: one decode per batch, then slices. */
function asciiColumn(vec: { data: readonly Data[] }): (i: number) => string {
  const d = vec.data[0]! as Data<Utf8>;
  const off = d.valueOffsets;
  const v = d.values;
  const text = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
  return (i) => text.slice(off[i]!, off[i + 1]!);
}

async function buildTape(dir: string, path: string, key: string, total: number, onProgress?: (done: number, total: number) => void): Promise<{ records: number; events: number }> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const schema = new Schema(FIELDS, new Map([[KEY, key]]));
  const writer = new RecordBatchFileWriter();
  const sink = pipeline(writer.toNodeStream(), createWriteStream(tmp));
  const strings = new Map<string, number>();
  const sourceIx = new Map<string, number>(SOURCES.map((s, i) => [s, i]));
  const kindIx = new Map<string, number>(RECORD_KINDS.map((s, i) => [s, i]));
  let records = 0;
  let events = 0;
  let seq = new Float64Array(BATCH_ROWS);
  let ns = new BigInt64Array(BATCH_ROWS);
  let src = new Uint8Array(BATCH_ROWS);
  let kind = new Uint8Array(BATCH_ROWS);
  let conn = new Int32Array(BATCH_ROWS);
  let newStrings: string[] = [];
  let metas: string[] = [];
  let payloads: (string | null)[] = [];
  let evs: string[] = [];
  let n = 0;
  const flush = (): void => {
    if (n === 0) return;
    const children: Data[] = [
      makeData({ type: new Float64(), length: n, data: seq.subarray(0, n) }),
      makeData({ type: new Int64(), length: n, data: ns.subarray(0, n) }),
      makeData({ type: new Uint8(), length: n, data: src.subarray(0, n) }),
      makeData({ type: new Uint8(), length: n, data: kind.subarray(0, n) }),
      makeData({ type: new Int32(), length: n, data: conn.subarray(0, n) }),
      ...[newStrings, metas, payloads, evs].map((a) => vectorFromArray(a, new Utf8()).data[0]!),
    ];
    writer.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children })));
    seq = new Float64Array(BATCH_ROWS);
    ns = new BigInt64Array(BATCH_ROWS);
    src = new Uint8Array(BATCH_ROWS);
    kind = new Uint8Array(BATCH_ROWS);
    conn = new Int32Array(BATCH_ROWS);
    newStrings = [];
    metas = [];
    payloads = [];
    evs = [];
    n = 0;
  };
  try {
    for await (const raw of readRecording(dir)) {
      let c = strings.get(raw.conn);
      let added = '';
      if (c === undefined) {
        c = strings.size;
        strings.set(raw.conn, c);
        added = JSON.stringify([raw.conn]).replace(NON_ASCII, escapeChar);
      }
      const list = normalizeRecord(raw);
      seq[n] = raw.seq;
      ns[n] = raw.recvNs;
      src[n] = sourceIx.get(raw.source)!;
      kind[n] = kindIx.get(raw.kind)!;
      conn[n] = c;
      newStrings.push(added);
      metas.push(Object.keys(raw.meta).length === 0 ? '' : JSON.stringify(raw.meta).replace(NON_ASCII, escapeChar));
      payloads.push(raw.kind === 'frame' && isData(raw.payload) ? null : raw.payload);
      evs.push(encodeEvents(raw, list));
      events += list.length;
      records += 1;
      if (++n === BATCH_ROWS) {
        flush();
        onProgress?.(records, total);
        // let the writer's stream drain: memory stays one batch deep
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    flush();
    writer.finish();
    await sink;
    await rename(tmp, path);
  } catch (e) {
    writer.abort();
    await sink.catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  return { records, events };
}

export interface TapeBatch {
  readonly records: RawRecord[];
  readonly events: MarketEvent[][];
}

const EMPTY_META: RawMeta = Object.freeze({});
const FRAME = RECORD_KINDS.indexOf('frame');

/**
 * Streams a tape's records and their events in batches (iterate each batch synchronously). Filters as
 * readRecording's (see header). `dir` is the recording (for the --market seq filter).
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
  const table: string[] = [];
  const metaCache = new Map<string, RawMeta>();
  try {
    const reader = await RecordBatchReader.from(fh);
    for await (const b of reader) {
      const seq = b.getChildAt(0)!.data[0]!.values as Float64Array;
      const ns = b.getChildAt(1)!.data[0]!.values as BigInt64Array;
      const src = b.getChildAt(2)!.data[0]!.values as Uint8Array;
      const kind = b.getChildAt(3)!.data[0]!.values as Uint8Array;
      const conn = b.getChildAt(4)!.data[0]!.values as Int32Array;
      const strs = asciiColumn(b.getChildAt(5)!);
      const metas = asciiColumn(b.getChildAt(6)!);
      const payloads = b.getChildAt(7)!;
      const evs = asciiColumn(b.getChildAt(8)!);
      const records: RawRecord[] = [];
      const events: MarketEvent[][] = [];
      for (let i = 0; i < b.numRows; i++) {
        const added = strs(i);
        if (added !== '') for (const s of JSON.parse(added) as string[]) table.push(s);
        const t = ns[i]!;
        if ((opts.fromNs !== undefined && t < opts.fromNs) || (opts.toNs !== undefined && t >= opts.toNs)) continue;
        if (seqIt !== null && !(await kept(seq[i]!))) continue;
        const mt = metas(i);
        let meta = EMPTY_META;
        if (mt !== '') {
          meta = metaCache.get(mt) ?? Object.freeze(JSON.parse(mt) as RawMeta);
          if (metaCache.size < 4096) metaCache.set(mt, meta);
        }
        const payload = kind[i] === FRAME && payloads.isValid(i) === false ? null : (payloads.get(i) as string);
        const raw: RawRecord = {
          v: RAW_FORMAT_VERSION,
          seq: seq[i]!,
          recvNs: t,
          source: SOURCES[src[i]!]!,
          conn: table[conn[i]!]!,
          kind: RECORD_KINDS[kind[i]!]!,
          meta,
          payload: payload ?? DATA_PAYLOAD,
        };
        records.push(raw);
        events.push(decodeEvents(raw, evs(i)));
      }
      if (records.length > 0) yield { records, events };
    }
  } finally {
    await seqIt?.return(undefined);
    await fh.close().catch(() => undefined);
  }
}
