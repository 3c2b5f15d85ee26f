/**
 * RecordingWriter: the crash-safe sink of `poly record`. Raw records go into an append-only spool
 * (spool.ts), which is flushed (write + fdatasync) at least every `flushMs`; on rotation a spool segment
 * is sealed and converted to a Parquet part BESIDE ingest (convert.ts: DuckDB reads the sealed segment
 * itself on its own thread, no JavaScript per row), then deleted once the part is durable, verified and
 * in manifest.json.
 *
 * Invariants
 * - Never loses a record that was flushed: a crash at any point leaves every flushed record either in a
 *   spool segment or in a verified Parquet part listed by the manifest; the next open (or
 *   `poly recordings repair`) converts what is left. At most the last `flushMs` of appends are at risk.
 * - Append contract (the caller stamps records): seq strictly increases (starting at or after `nextSeq`,
 *   gaps allowed) and recvNs never decreases within the recording (`lastRecvNs` tells where it stands);
 *   a violation throws RecordingError UPSTREAM — corrupt upstream, fail fast.
 * - Rotation is decided by the records' own recvNs (no wall clock): a segment is sealed when the next
 *   record falls in another `rotateMs` bucket (buckets aligned to the epoch, so hourly files start on the
 *   hour) or another UTC date, or after the segment reaches `rotateBytes` of spool bytes. Hence every part
 *   lies within one date partition.
 * - One I/O lane per kind: flushes run one after another; conversions run one after another (oldest
 *   segment first) and never block flushing of the current segment or the event loop.
 * - Backpressure, not buffering: when more than BACKPRESSURE_SEGMENTS sealed segments wait for
 *   conversion, or more than BACKPRESSURE_PENDING bytes wait for the disk, `onBackpressure(true)` asks
 *   the feed to stop reading (the owner pauses its sockets); `onBackpressure(false)` once both are back
 *   under half. Memory therefore stays flat whatever the session length; the lag is in stats().
 * - Bounded close: close() converts only what is not yet Parquet, which backpressure keeps to at most
 *   BACKPRESSURE_SEGMENTS + 1 segments (<= 3 x rotateBytes of spool, ~1-3 s at the default 64 MiB), not
 *   the session's backlog. abort() (a second signal) flushes and leaves the rest for repair.
 * - A spool write error (ENOSPC -> DISK_FULL, else IO) is fatal for the writer: the timer stops, the error
 *   is emitted, `append`, `flush` and `close` throw it (one line). What was flushed before stays on disk
 *   for repair; the lock is released by close().
 * - A conversion error is not fatal: the segment stays in the spool (an `error` event is emitted) and
 *   close() retries it; if it fails again close() throws and the next open/repair converts it.
 * - `onPart` is called once per Parquet part after it is durable, verified (rows, seq range and order,
 *   receive-time range, sha256 taken) and listed in manifest.json; the writer never touches a part after
 *   that. Uploaders (`poly record --upload`) attach here; a throwing or slow hook never stalls recording.
 *
 * - Memory: lines are encoded into 4 MiB slabs that are reused once their bytes are written (see Slab),
 *   so steady ingest allocates no ArrayBuffers; DuckDB converts with one thread and 8,192-row groups.
 *   The conversion's DuckDB instance is replaced by a fresh one every DUCK_RECYCLE_SEGMENTS (8) conversions
 *   (recycleDuck): one long-lived instance's native memory crept up with session length.
 *   Measured by `npm run bench -- recorder-ingest` (firehose, quiet 2-core machine, 2026-12-02): without
 *   recycling, RSS of a 10M-frame session rose from 233 MB at 1M frames to 341 MB at 10M (peak 341 MB);
 *   with it, 211-267 MB sampled every million frames with no trend, peaks 248 / 263 / 284 MB at 1M / 4M /
 *   10M frames. Most of the rest is native: DuckDB's conversion working set, kept per libuv worker thread
 *   by glibc's malloc arenas (MALLOC_ARENA_MAX=2: ~-35 MiB over 8 conversions in isolation).
 *
 * Known limits: unflushed bytes are kept in memory (bounded by backpressure; a flush is also triggered
 * at EAGER_FLUSH_BYTES). The wall clock is used only for session start/end stamps and `lastFlushNs`
 * (injectable `now`). The flush timer is ref'd: a writer that is never closed keeps the process alive
 * (never silently drops the unflushed tail). The manifest is rewritten after every part, so its cost
 * grows with the number of parts (~1 KB each).
 */
import type { FileHandle } from 'node:fs/promises';
import { open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { MarketMeta } from '../core/types/market.ts';
import type { RawRecord } from '../core/types/raw.ts';
import { metaToJson } from '../core/types/raw.ts';
import type { Duck } from '../io/duckdb.ts';
import { duckErrorLine, openDuck } from '../io/duckdb.ts';
import { ensureDir, errorCode, fsyncDir, isDirectory, writeFileAtomic } from '../io/paths.ts';
import { convertOwnSegment, convertSpool, rangesOf } from './convert.ts';
import { RecordingError } from './errors.ts';
import type { EventSink, WriterEvent } from './events.ts';
import { safeEmit } from './events.ts';
import { LOCK_FILE, MANIFEST_FILE, SPOOL_DIR, spoolName } from './layout.ts';
import type { LockHandle } from './lock.ts';
import { acquireLock } from './lock.ts';
import type { Manifest, ManifestFile, ManifestSession } from './manifest.ts';
import { emptyManifest, lastKnownSeq, manifestToJson, mergeMarkets, withFiles } from './manifest.ts';
import { listRecordingDir, looksLikeRecording, repairChangedSomething, repairLocked, spoolDamageMessage } from './repair.ts';
import { SpoolLineEncoder } from './spool.ts';

export { repairRecording } from './repair.ts';
export type { RepairReport } from './repair.ts';
export type { Manifest, ManifestFile, ManifestSession } from './manifest.ts';
export type { WriterEvent } from './events.ts';

/** The spool file operations, injectable so tests can simulate ENOSPC/EIO. */
export interface SpoolIo {
  write(handle: FileHandle, data: Buffer): Promise<void>;
  /** Optional gather write of several buffers in order (saves a copy); else they are joined for write(). */
  writev?(handle: FileHandle, data: readonly Buffer[]): Promise<void>;
  sync(handle: FileHandle): Promise<void>;
}

export const defaultSpoolIo: SpoolIo = {
  async write(handle, data) {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await handle.write(data, off, data.length - off);
      off += bytesWritten;
    }
  },
  async writev(handle, data) {
    let bufs = [...data];
    while (bufs.length > 0) {
      let { bytesWritten } = await handle.writev(bufs);
      while (bufs.length > 0 && bytesWritten >= (bufs[0] as Buffer).length) bytesWritten -= (bufs.shift() as Buffer).length;
      if (bytesWritten > 0 && bufs.length > 0) bufs = [(bufs[0] as Buffer).subarray(bytesWritten), ...bufs.slice(1)];
    }
  },
  async sync(handle) {
    await handle.datasync();
  },
};

export interface WriterOptions {
  dir: string;
  rotateMs?: number;
  rotateBytes?: number;
  flushMs?: number;
  markets?: MarketMeta[];
  meta?: Record<string, unknown>;
  onEvent?: (e: WriterEvent) => void;
  /** Manifest `createdBy` (default 'poly'). */
  createdBy?: string;
  /** Wall clock in ns for session stamps (default Date.now() * 1e6). */
  now?: () => bigint;
  /** Spool I/O (tests inject failures). */
  spoolIo?: SpoolIo;
  /** Backpressure: true when the feed should pause (the disk is behind), false when it may resume. */
  onBackpressure?: (on: boolean) => void;
  /** A Parquet part is sealed and verified (see the header); not awaited, errors ignored. */
  onPart?: (part: SealedPart) => void;
  /** Conversions per DuckDB instance before a fresh one is opened (default 8; see recycleDuck). */
  duckRecycleSegments?: number;
}

/** A finished Parquet part, as the `onPart` hook receives it. */
export interface SealedPart {
  /** The recording directory. */
  readonly dir: string;
  /** Absolute path of the part file. */
  readonly file: string;
  /** Path relative to the recording (the manifest key, '/' separated). */
  readonly path: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly rows: number;
  readonly bytes: number;
  /** sha256 of the file's exact bytes (hex), as in manifest.json. */
  readonly sha256: string;
}

export interface WriterStats {
  /** Records appended in this session. */
  records: number;
  /** Spool bytes appended in this session (record framing included). */
  bytes: number;
  /** Parquet parts in the recording (all sessions). */
  files: number;
  /** Bytes appended but not yet converted to Parquet (pending in memory + flushed in spool segments). */
  spoolBytes: number;
  /** Wall-clock ns of the last successful spool flush. */
  lastFlushNs: bigint | null;
  /** Conversion lag: records of this session not yet in Parquet. */
  lagRecords: number;
  /** Conversion lag in receive time: newest record appended minus newest record in Parquet (s). */
  lagSeconds: number;
  /** Bytes appended but not yet written to the spool file (in memory). */
  pendingBytes: number;
  /** Sealed segments waiting for (or in) conversion. */
  convertQueue: number;
  /** The writer is asking the feed to pause (disk behind). */
  backpressure: boolean;
}

/** Conversions per DuckDB instance before the writer opens a fresh one (see recycleDuck). */
const DUCK_RECYCLE_SEGMENTS = 8;
const DEFAULT_ROTATE_MS = 3_600_000;
// 64 MiB of spool per part (~9 MB of Parquet for firehose frames): conversion streams (memory does
// not depend on it), but close() converts up to three segments, so this also sets the stop time.
const DEFAULT_ROTATE_BYTES = 64 * 1024 * 1024;
const DEFAULT_FLUSH_MS = 200;
const EAGER_FLUSH_BYTES = 4 * 1024 * 1024;
/** Sealed segments waiting for conversion above which the feed is paused. */
export const BACKPRESSURE_SEGMENTS = 2;
/** Unflushed bytes above which the feed is paused (the spool disk is slower than the feed). */
export const BACKPRESSURE_PENDING = 32 * 1024 * 1024;
const SLAB_BYTES = 4 * 1024 * 1024;
const NS_PER_MS = 1_000_000n;
const NS_PER_DAY = 86_400_000_000_000n;

interface Segment {
  readonly firstSeq: number;
  readonly name: string; // relative: spool/seg-....spool
  /** Records at or after this receive time go to the next segment (rotate bucket or UTC day end). */
  readonly endNs: bigint;
  handle: FileHandle | null;
  /** Encoded lines not yet written (views into slabs), and the slab of each. */
  chunks: Buffer[];
  chunkSlabs: Slab[];
  pendingBytes: number;
  pendingRows: number;
  bytes: number; // all bytes appended to this segment
  flushedBytes: number;
  sealed: boolean;
  rows: number;
  lastSeq: number;
  readonly firstNs: bigint;
  lastNs: bigint;
  maxLine: number;
  /** OR of the lines' e bits (spool.ts E_*): which fields the converter must unescape. */
  escapes: number;
}

/**
 * A slab of encoded lines. Slabs are recycled once every line in them is written (at most
 * FREE_SLABS kept): a fresh 4 MiB ArrayBuffer per slab made V8 run a full mark-compact every few
 * hundred ms on external-memory pressure alone (measured: ~20% of the ingest thread at 100k frames/s).
 */
interface Slab {
  readonly buf: Buffer;
  /** Chunks cut from this slab whose write has not completed. */
  pending: number;
  /** No more lines go into it (the writer moved to another slab). */
  retired: boolean;
}

const FREE_SLABS = 2;

function positiveInt(name: string, v: number | undefined, dflt: number, max?: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v <= 0 || (max !== undefined && v > max)) {
    throw new RangeError(`WriterOptions.${name} must be a positive integer${max !== undefined ? ` <= ${max}` : ''}, got ${String(v)}`);
  }
  return v;
}

function ioError(err: unknown, what: string): RecordingError {
  const code = errorCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new RecordingError('DISK_FULL', `disk full while ${what}; records flushed before were kept — free space, then run 'poly recordings repair'`, { cause: err });
  }
  return new RecordingError('IO', `I/O error while ${what} (${code ?? (err instanceof Error ? err.message : String(err))})`, { cause: err });
}

export class RecordingWriter {
  readonly dir: string;
  readonly nextSeq: number;
  private readonly rotateNs: bigint;
  private readonly rotateBytes: number;
  private readonly flushMs: number;
  private readonly emitTo: EventSink | undefined;
  private readonly now: () => bigint;
  private readonly io: SpoolIo;
  private manifest: Manifest;
  private readonly session: { -readonly [K in keyof ManifestSession]: ManifestSession[K] };
  private markets: MarketMeta[];

  private lastSeq: number;
  private lastNs: bigint | null;
  private current: Segment | null = null;
  private readonly unflushedSealed: Segment[] = [];
  private records = 0;
  private bytes = 0;
  private spoolBytes = 0;
  private lastFlushNs: bigint | null = null;
  private pendingBytesTotal = 0;
  private slabRec: Slab = { buf: Buffer.allocUnsafe(SLAB_BYTES), pending: 0, retired: false };
  private slab: Buffer = this.slabRec.buf;
  private readonly freeSlabs: Slab[] = [];
  private slabStart = 0;
  private slabOff = 0;
  private readonly enc = new SpoolLineEncoder();
  private convertedRows = 0;
  private convertedNs: bigint | null = null;
  private firstNs: bigint | null = null;
  private queued = 0;
  private pressure = false;
  private readonly onBackpressure: ((on: boolean) => void) | undefined;
  private readonly onPart: ((p: SealedPart) => void) | undefined;

  private flushChain: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private convertChain: Promise<void> = Promise.resolve();
  private readonly failedConversions: string[] = [];
  private failure: RecordingError | null = null;
  private conversions = 0;
  private duckOpened = 1;
  private readonly recycleEvery: number;
  private closing = false;
  private aborted = false;
  private manifestLane: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private duck: Duck,
    private readonly lock: LockHandle,
    opts: WriterOptions,
    manifest: Manifest,
    nextSeq: number,
    lastNs: bigint | null,
  ) {
    this.dir = opts.dir;
    this.rotateNs = BigInt(positiveInt('rotateMs', opts.rotateMs, DEFAULT_ROTATE_MS)) * NS_PER_MS;
    this.rotateBytes = positiveInt('rotateBytes', opts.rotateBytes, DEFAULT_ROTATE_BYTES);
    this.flushMs = positiveInt('flushMs', opts.flushMs, DEFAULT_FLUSH_MS, 1000);
    this.recycleEvery = positiveInt('duckRecycleSegments', opts.duckRecycleSegments, DUCK_RECYCLE_SEGMENTS);
    this.emitTo = opts.onEvent;
    this.now = opts.now ?? (() => BigInt(Date.now()) * NS_PER_MS);
    this.io = opts.spoolIo ?? defaultSpoolIo;
    this.onBackpressure = opts.onBackpressure;
    this.onPart = opts.onPart;
    this.nextSeq = nextSeq;
    this.lastSeq = nextSeq - 1;
    this.lastNs = lastNs;
    this.markets = mergeMarkets(manifest.markets, opts.markets ?? []);
    this.session = {
      startedNs: this.now().toString(),
      endedNs: null,
      firstSeq: null,
      lastSeq: null,
      clean: false,
      ...(opts.meta !== undefined ? { meta: opts.meta } : {}),
    };
    this.manifest = { ...manifest, markets: this.markets, sessions: [...manifest.sessions, this.session] };
  }

  /**
   * Opens (creating if needed) a recording directory for writing: takes DIR/.lock, repairs any spool left
   * by a crashed run, and starts a new session whose first record must have seq >= nextSeq.
   */
  static async open(opts: WriterOptions): Promise<RecordingWriter> {
    // validate options before touching the disk
    positiveInt('rotateMs', opts.rotateMs, DEFAULT_ROTATE_MS);
    positiveInt('rotateBytes', opts.rotateBytes, DEFAULT_ROTATE_BYTES);
    positiveInt('flushMs', opts.flushMs, DEFAULT_FLUSH_MS, 1000);
    const dir = opts.dir;
    try {
      await ensureDir(dir);
    } catch (err) {
      throw new RecordingError('UNWRITABLE', `cannot create recording directory ${dir} (${errorCode(err) ?? String(err)}); choose a writable path`, { cause: err });
    }
    if (!(await isDirectory(dir))) throw new RecordingError('UNWRITABLE', `${dir} exists and is not a directory`);
    const listing = await listRecordingDir(dir);
    const foreign = (await readdir(dir)).filter((n) => n !== LOCK_FILE && !n.startsWith(`${LOCK_FILE}.`));
    if (!looksLikeRecording(listing) && foreign.length > 0) {
      throw new RecordingError('NOT_A_RECORDING', `${dir} is not empty and is not a poly recording; record into a new or empty directory`);
    }
    const lock = await acquireLock(dir);
    const emit = (e: WriterEvent): void => safeEmit(opts.onEvent, e);
    if (lock.tookOverFrom !== null) {
      emit({ type: 'lock_taken_over', message: `recording ${dir}: took over a stale lock of dead process ${lock.tookOverFrom}`, stalePid: lock.tookOverFrom });
    }
    let duck: Duck | null = null;
    try {
      duck = await openDuck({ threads: 1 }); // conversion on one DuckDB thread: the other core is ingest's
      let manifest: Manifest;
      if (looksLikeRecording(listing)) {
        const repaired = await repairLocked(dir, duck, { emit, createdBy: opts.createdBy ?? 'poly' });
        manifest = repaired.manifest;
        if (repairChangedSomething(repaired.report)) {
          const r = repaired.report;
          emit({
            type: 'repaired',
            message: `recording ${dir}: repaired before recording (${r.recovered} record(s) recovered from ${r.spoolSegments} spool segment(s), ${r.tornTailLines} torn line(s) dropped, ${r.corruptLines} corrupt line(s) skipped)`,
            report: r,
          });
        }
      } else {
        manifest = emptyManifest(opts.createdBy ?? 'poly');
      }
      const last = lastKnownSeq(manifest);
      const lastFile = manifest.files[manifest.files.length - 1];
      const lastNs = lastFile === undefined ? null : BigInt(lastFile.lastRecvNs);
      if ((await ensureDir(join(dir, SPOOL_DIR))) !== undefined) await fsyncDir(dir);
      const w = new RecordingWriter(duck, lock, opts, manifest, last === null ? 1 : last + 1, lastNs);
      await w.writeManifest();
      w.timer = setInterval(() => w.scheduleFlush(), w.flushMs);
      emit({ type: 'session_started', message: `recording ${dir}: session started, next seq ${w.nextSeq}`, nextSeq: w.nextSeq });
      return w;
    } catch (err) {
      duck?.close();
      await lock.release();
      if (err instanceof RecordingError) throw err;
      throw ioError(err, `opening recording ${dir}`);
    }
  }

  /** The receive time of the last record stored or appended (callers clamp their clock to it). */
  get lastRecvNs(): bigint | null {
    return this.lastNs;
  }

  /**
   * Appends one record to the spool buffer (synchronous, no I/O). Throws on a broken contract or after a
   * fatal error. `payloadBytes`, when the source has them, are the UTF-8 bytes r.payload was decoded from
   * (a WebSocket frame as received): the spool line is then built from them (faster, same bytes).
   */
  append(r: RawRecord, payloadBytes?: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing) throw new RecordingError('CLOSED', `recording ${this.dir}: append after close()`);
    if (!Number.isSafeInteger(r.seq) || r.seq <= this.lastSeq) {
      throw new RecordingError('UPSTREAM', `recording ${this.dir}: seq ${r.seq} does not follow ${this.lastSeq} (seq must strictly increase)`);
    }
    const ns = r.recvNs;
    if (this.lastNs !== null && ns < this.lastNs) {
      throw new RecordingError('UPSTREAM', `recording ${this.dir}: recvNs ${ns} of seq ${r.seq} is before the previous ${this.lastNs} (receive time must not go back)`);
    }
    let seg = this.current;
    if (seg !== null && ns >= seg.endNs) {
      this.seal(seg);
      seg = null;
    }
    // encode straight into the slab (spool.ts SpoolLineEncoder: the frame's bytes copied, CRC in place)
    let metaJson = '{}';
    for (const _k in r.meta) {
      metaJson = metaToJson(r.meta);
      break;
    }
    const need = this.enc.bound(r, metaJson, payloadBytes);
    if (this.slab.length - this.slabOff < need) {
      if (seg !== null) this.cut(seg);
      this.nextSlab(need);
      this.slabStart = 0;
      this.slabOff = 0;
    }
    const lineBytes = this.enc.write(this.slab, this.slabOff, r, metaJson, payloadBytes);
    this.slabOff += lineBytes;
    if (seg === null) {
      const bucketEnd = (ns / this.rotateNs + 1n) * this.rotateNs;
      const dayEnd = (ns / NS_PER_DAY + 1n) * NS_PER_DAY;
      seg = {
        firstSeq: r.seq,
        name: `${SPOOL_DIR}/${spoolName(r.seq)}`,
        endNs: bucketEnd < dayEnd ? bucketEnd : dayEnd,
        handle: null,
        chunks: [],
        chunkSlabs: [],
        pendingBytes: 0,
        pendingRows: 0,
        bytes: 0,
        flushedBytes: 0,
        sealed: false,
        rows: 0,
        lastSeq: r.seq,
        firstNs: ns,
        lastNs: ns,
        maxLine: 0,
        escapes: 0,
      };
      this.current = seg;
    }
    seg.pendingBytes += lineBytes;
    seg.pendingRows++;
    seg.bytes += lineBytes;
    seg.rows++;
    seg.lastSeq = r.seq;
    seg.lastNs = ns;
    if (lineBytes > seg.maxLine) seg.maxLine = lineBytes;
    seg.escapes |= this.enc.lastE;
    this.lastSeq = r.seq;
    this.lastNs = ns;
    this.firstNs ??= ns;
    this.records++;
    this.bytes += lineBytes;
    this.spoolBytes += lineBytes;
    this.pendingBytesTotal += lineBytes;
    if (this.session.firstSeq === null) this.session.firstSeq = r.seq;
    if (seg.bytes >= this.rotateBytes) this.seal(seg);
    if (this.pendingBytesTotal >= EAGER_FLUSH_BYTES) this.scheduleFlush();
    if (!this.pressure && this.pendingBytesTotal >= BACKPRESSURE_PENDING) this.updatePressure();
  }

  /**
   * Adds or updates (by conditionId, latest wins) the markets stored in the manifest from the next manifest
   * write on. Markets are never removed: their data stays in the recording.
   */
  setMarkets(m: MarketMeta[]): void {
    this.markets = mergeMarkets(this.markets, m);
    this.manifest = { ...this.manifest, markets: this.markets };
  }

  stats(): WriterStats {
    const from = this.convertedNs ?? this.firstNs;
    const lagNs = this.lastNs !== null && from !== null && this.records > this.convertedRows ? this.lastNs - from : 0n;
    return {
      records: this.records,
      bytes: this.bytes,
      files: this.manifest.files.length,
      spoolBytes: this.spoolBytes,
      lastFlushNs: this.lastFlushNs,
      lagRecords: this.records - this.convertedRows,
      lagSeconds: Number(lagNs / 1_000_000n) / 1000,
      pendingBytes: this.pendingBytesTotal,
      convertQueue: this.queued,
      backpressure: this.pressure,
    };
  }

  /** Writes and fdatasyncs everything appended so far. Rejects with the writer's fatal error, if any. */
  async flush(): Promise<void> {
    this.flushChain = this.flushChain.then(() => this.doFlush());
    await this.flushChain;
  }

  /**
   * Emergency stop (a second signal): flushes the spool, lets a conversion already running finish (one
   * segment at most) and starts no other, writes the manifest as it stands (this session stays open:
   * `clean` false, repair closes it) and releases the lock. Everything appended before is on disk for
   * `poly recordings repair` / the next open. A close() under way then throws instead of marking the
   * session clean.
   */
  async abort(): Promise<void> {
    if (this.aborted) return;
    this.aborted = true;
    if (!this.closing) {
      this.closing = true;
      if (this.timer !== null) clearInterval(this.timer);
      this.timer = null;
      if (this.current !== null) this.seal(this.current);
    }
    await this.flush().catch(() => undefined);
    // a conversion already running finishes (at most one segment); the queued ones do not start
    await this.convertChain;
    await this.writeManifest().catch(() => undefined);
    await this.closeHandles();
    this.duck.close();
    await this.lock.release().catch(() => undefined);
  }

  /**
   * Flushes, converts the remaining spool to Parquet, writes manifest.json (session marked clean) and
   * releases the lock. After a fatal spool error it releases everything and throws that error.
   */
  async close(): Promise<Manifest> {
    if (this.closing) throw new RecordingError('CLOSED', `recording ${this.dir}: close() called twice`);
    this.closing = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    try {
      if (this.current !== null) this.seal(this.current);
      try {
        await this.flush();
      } catch {
        // the failure is recorded in this.failure and rethrown below
      }
      await this.convertChain;
      if (this.aborted) throw new RecordingError('CLOSED', `recording ${this.dir}: stopped without converting (second signal); run 'poly recordings repair ${this.dir}'`);
      if (this.failure !== null) {
        await this.closeHandles();
        throw this.failure;
      }
      // retry conversions that failed while recording (the segments are still in the spool)
      if (this.failedConversions.length > 0) {
        const { manifest } = await repairLocked(this.dir, this.duck, { emit: (e) => this.emit(e) });
        this.manifest = { ...manifest, markets: this.manifest.markets, sessions: this.manifest.sessions };
        this.failedConversions.length = 0;
        this.spoolBytes = 0;
      }
      this.session.endedNs = this.now().toString();
      this.session.lastSeq = this.records > 0 ? this.lastSeq : null;
      this.session.clean = true;
      await this.writeManifest();
      this.emit({ type: 'closed', message: `recording ${this.dir}: closed, ${this.records} record(s) this session, ${this.manifest.rows} stored in ${this.manifest.files.length} part(s)`, rows: this.manifest.rows, files: this.manifest.files.length });
      return this.manifest;
    } catch (err) {
      if (err instanceof RecordingError) throw err;
      throw new RecordingError('IO', `recording ${this.dir}: close failed (${duckErrorLine(err)}); run 'poly recordings repair ${this.dir}'`, { cause: err });
    } finally {
      this.duck.close();
      await this.lock.release();
    }
  }

  // ---- internals -------------------------------------------------------------------------------------

  private emit(e: WriterEvent): void {
    safeEmit(this.emitTo, e);
  }

  /** Moves the slab bytes appended since the last cut into seg's chunks (they all belong to it). */
  private cut(seg: Segment): void {
    if (this.slabOff > this.slabStart) {
      seg.chunks.push(this.slab.subarray(this.slabStart, this.slabOff));
      seg.chunkSlabs.push(this.slabRec);
      this.slabRec.pending++;
      this.slabStart = this.slabOff;
    }
  }

  /** Retires the current slab and takes a free one (or a new one) of at least `need` bytes. */
  private nextSlab(need: number): void {
    const old = this.slabRec;
    old.retired = true;
    if (old.pending === 0) this.recycle(old);
    const free = need <= SLAB_BYTES ? this.freeSlabs.pop() : undefined;
    this.slabRec = free ?? { buf: Buffer.allocUnsafe(Math.max(SLAB_BYTES, need)), pending: 0, retired: false };
    this.slabRec.retired = false;
    this.slab = this.slabRec.buf;
  }

  private recycle(s: Slab): void {
    if (s.buf.length === SLAB_BYTES && this.freeSlabs.length < FREE_SLABS) this.freeSlabs.push(s);
  }

  /** The chunks cut from these slabs are written: slabs with nothing left to write are reused. */
  private written(slabs: readonly Slab[]): void {
    for (const s of slabs) {
      s.pending--;
      if (s.retired && s.pending === 0) this.recycle(s);
    }
  }

  private seal(seg: Segment): void {
    if (seg.sealed) return;
    if (this.current === seg) {
      this.cut(seg);
      this.current = null;
    }
    seg.sealed = true;
    this.unflushedSealed.push(seg);
    this.queued++;
    this.updatePressure();
    this.scheduleFlush();
  }

  private updatePressure(): void {
    const on = this.pressure
      ? this.queued > BACKPRESSURE_SEGMENTS / 2 || this.pendingBytesTotal > BACKPRESSURE_PENDING / 2
      : this.queued > BACKPRESSURE_SEGMENTS || this.pendingBytesTotal >= BACKPRESSURE_PENDING;
    if (on === this.pressure || (on && this.closing)) return;
    this.pressure = on;
    try {
      this.onBackpressure?.(on);
    } catch {
      // a hook must never break recording
    }
  }

  private scheduleFlush(): void {
    if (this.flushQueued || this.failure !== null) return;
    this.flushQueued = true;
    this.flushChain = this.flushChain
      .then(() => {
        this.flushQueued = false;
        return this.doFlush();
      })
      .catch(() => undefined); // recorded in this.failure
  }

  private fail(err: RecordingError): void {
    if (this.failure !== null) return;
    this.failure = err;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.emit({ type: 'error', message: err.message, code: err.code });
  }

  private async doFlush(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (this.current !== null) this.cut(this.current);
    const segs = [...this.unflushedSealed];
    if (this.current !== null) segs.push(this.current);
    let wrote = false;
    for (const seg of segs) {
      // the current segment may have grown while an earlier write was awaited: take all of it
      if (seg === this.current) this.cut(seg);
      if (seg.pendingBytes > 0) {
        const chunks = seg.chunks;
        const slabs = seg.chunkSlabs;
        const n = seg.pendingBytes;
        const nRows = seg.pendingRows;
        seg.pendingRows = 0;
        seg.chunks = [];
        seg.chunkSlabs = [];
        seg.pendingBytes = 0;
        try {
          if (seg.handle === null) {
            seg.handle = await open(join(this.dir, seg.name), 'a');
            await fsyncDir(join(this.dir, SPOOL_DIR));
          }
          if (chunks.length === 1) await this.io.write(seg.handle, chunks[0] as Buffer);
          else if (this.io.writev !== undefined) await this.io.writev(seg.handle, chunks);
          else await this.io.write(seg.handle, Buffer.concat(chunks, n));
          // the kernel has the bytes: their slabs take new lines while the sync runs
          this.written(slabs);
          await this.io.sync(seg.handle);
        } catch (err) {
          const lost = segs.reduce((acc, x) => acc + x.pendingRows, nRows);
          const e = ioError(err, `writing spool ${join(this.dir, seg.name)} (${lost} unflushed record(s) lost)`);
          this.fail(e);
          throw e;
        }
        this.pendingBytesTotal -= n;
        seg.flushedBytes += n;
        wrote = true;
      }
      if (seg.sealed && seg.pendingBytes === 0) {
        const h = seg.handle;
        seg.handle = null;
        if (h !== null) await h.close();
        this.unflushedSealed.splice(this.unflushedSealed.indexOf(seg), 1);
        this.convertChain = this.convertChain.then(() => this.convertSegment(seg));
      }
    }
    if (wrote) this.lastFlushNs = this.now();
    this.updatePressure();
  }

  private async convertSegment(seg: Segment): Promise<void> {
    if (this.failure !== null || this.aborted) {
      this.queued--; // failing disk / emergency stop: the spool stays for repair
      return;
    }
    const path = join(this.dir, seg.name);
    try {
      let parts: ManifestFile[];
      let damage: string | null = null;
      let via = 'duckdb';
      const onPart = async (part: ManifestFile): Promise<void> => {
        this.manifest = withFiles(this.manifest, [...this.manifest.files, part]);
        this.session.lastSeq = part.lastSeq;
        await this.writeManifest();
        this.partDone(part);
      };
      let fast: ManifestFile | null = null;
      if (seg.rows > 0) {
        try {
          fast = await convertOwnSegment(this.duck, this.dir, path, { rows: seg.rows, firstSeq: seg.firstSeq, lastSeq: seg.lastSeq, firstRecvNs: seg.firstNs, lastRecvNs: seg.lastNs, maxLineBytes: seg.maxLine, escapes: seg.escapes });
        } catch {
          fast = null; // e.g. a lone surrogate DuckDB's JSON reader refuses: the JS path reads it
        }
      }
      if (fast !== null) {
        await onPart(fast);
        parts = [fast];
      } else {
        via = 'js';
        const res = await convertSpool(this.duck, this.dir, path, rangesOf(this.manifest.files), onPart);
        parts = res.parts;
        damage = spoolDamageMessage(seg.name, res.stats);
        if (damage !== null) {
          // our own flushed spool should never be damaged: say so loudly, keep what was readable
          this.emit({ type: 'spool_damage', message: `recording ${this.dir}: ${damage}`, spool: seg.name, tornLines: res.stats.tornLines, tornBytes: res.stats.tornBytes, corruptLines: res.stats.corruptLines });
        }
      }
      await unlink(path);
      await fsyncDir(join(this.dir, SPOOL_DIR));
      this.spoolBytes -= seg.bytes;
      this.convertedRows += seg.rows;
      this.convertedNs = seg.lastNs;
      const rows = parts.reduce((a, p) => a + p.rows, 0);
      this.emit({
        type: 'rotated',
        message: `recording ${this.dir}: ${seg.name} -> ${parts.map((p) => p.path).join(', ') || '(no new rows)'} (${rows} rows, ${via})`,
        spool: seg.name,
        parts,
        rows,
      });
    } catch (err) {
      this.failedConversions.push(seg.name);
      const msg = err instanceof RecordingError ? err.message : duckErrorLine(err);
      this.emit({ type: 'error', message: `recording ${this.dir}: converting ${seg.name} to Parquet failed (${msg}); the spool segment is kept and will be retried`, code: err instanceof RecordingError ? err.code : 'IO' });
    } finally {
      this.queued--;
      this.updatePressure();
    }
    await this.recycleDuck();
  }

  /**
   * A fresh DuckDB instance every DUCK_RECYCLE_SEGMENTS conversions (conversions are serialized on
   * convertChain, so none is using it): over a long session one instance's native memory crept up by ~10 MB
   * per million rows (bench recorder-ingest, 10M frames), which closing it returns.
   */
  private async recycleDuck(): Promise<void> {
    if (++this.conversions % this.recycleEvery !== 0 || this.closing || this.aborted) return;
    const fresh = await openDuck({ threads: 1 });
    const old = this.duck;
    this.duck = fresh;
    this.duckOpened += 1;
    old.close();
  }

  /** DuckDB instances this writer has opened for conversion (1 + recycles). */
  get duckInstances(): number {
    return this.duckOpened;
  }

  private partDone(part: ManifestFile): void {
    if (this.onPart === undefined) return;
    try {
      this.onPart({ dir: this.dir, file: join(this.dir, part.path), path: part.path, firstSeq: part.firstSeq, lastSeq: part.lastSeq, rows: part.rows, bytes: part.bytes, sha256: part.sha256 });
    } catch {
      // an uploader's failure is its own; recording goes on
    }
  }

  /** Writes manifest.json (atomically); writes are serialized, each one snapshots the state when it runs. */
  private writeManifest(): Promise<void> {
    const p = this.manifestLane.then(async () => {
      this.manifest = { ...this.manifest, sessions: this.manifest.sessions.map((x, i, all) => (i === all.length - 1 ? { ...this.session } : x)) };
      await writeFileAtomic(join(this.dir, MANIFEST_FILE), manifestToJson(this.manifest));
    });
    this.manifestLane = p.catch(() => undefined);
    return p;
  }

  private async closeHandles(): Promise<void> {
    const segs = [...this.unflushedSealed];
    if (this.current !== null) segs.push(this.current);
    for (const s of segs) {
      const h = s.handle;
      s.handle = null;
      if (h !== null) await h.close().catch(() => undefined);
    }
  }
}
