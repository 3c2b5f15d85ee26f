/**
 * A recording session: a RecordingWriter attached to a LiveFeed (src/sources/feed.ts). `poly record` is
 * this with nothing else attached; `poly live --record` attaches the same writer to the feed the kernel
 * reads. The CLI (src/cli/record.ts) only parses flags, renders status and wires signals.
 *
 * Order of work (and why)
 * 1. `LiveFeed.resolve` resolves the markets BEFORE touching the disk (a typo never creates a directory).
 * 2. preflight() refuses damage that opening would silently repair away; then the writer opens (repairs a
 *    crashed spool in the same directory first) and tells where the recording stands: next seq and last
 *    receive time.
 * 3. The feed starts with the writer as its sink (hot path: writer.append, synchronous, no queue),
 *    continuing the recording's seq and receive time; a session appending to an existing recording
 *    prefixes its conn ids with `s<firstSeq>.` so they stay unique (and so replay can tell sessions
 *    apart: src/core/outages.ts). `onRecord` sees every record right after the writer accepted it.
 * 4. Backpressure: when the writer reports that the disk is behind (unflushed or unconverted spool over
 *    its limits), the feed is paused until it catches up; the status shows it.
 * 5. Stop on request (signal), on --duration, or on a fatal error: the feed stops (followers, HTTP,
 *    sockets: their close records are written), then writer.close() flushes, converts what is left of
 *    the spool and writes the manifest.
 *
 * Failure policy: bad input and unreachable endpoints during resolution, an unwritable/locked directory,
 * a corrupt manifest or spool, or a market WebSocket that never opens end the session with ONE clear line
 * (FeedError / RecordingError). A fatal writer error (disk full, I/O) stops everything; what was flushed
 * stays on disk for `poly recordings repair`. Nothing here deletes data.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MarketMeta } from '../core/types/market.ts';
import type { RawRecord } from '../core/types/raw.ts';
import { FeedError, LiveFeed, type FeedOptions, type FeedStatus, type LogFn } from '../sources/feed.ts';
import { pathExists } from '../io/paths.ts';
import type { WriterEvent } from './events.ts';
import type { Manifest } from './manifest.ts';
import { RecordingWriter, type SealedPart, type SpoolIo, type WriterStats } from './writer.ts';
import { readManifest } from './read.ts';
import { emptySpoolStats, readSpool } from './spool.ts';
import { MANIFEST_FILE, SPOOL_DIR, SPOOL_EXT } from './layout.ts';

export type { LogFn, LogLevel } from '../sources/feed.ts';
export type { ConnectionStatus } from '../sources/feed.ts';
/** The session's one-line failure (kept under its old name for callers). */
export { FeedError as RecordSessionError } from '../sources/feed.ts';

/** Where and how to write (the part of the options that is the recorder's, not the feed's). */
export interface RecorderOptions {
  readonly out: string;
  readonly flushMs?: number;
  readonly rotateMs?: number;
  readonly rotateBytes?: number;
  /** Stop by itself after this long; null/undefined = until stopped. */
  readonly durationMs?: number | null;
  /** Requests a clean stop (the CLI aborts it on SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  readonly log?: LogFn;
  /** Called every statusIntervalMs while running (the CLI renders the status line). */
  readonly onStatus?: (s: SessionStatus) => void;
  readonly statusIntervalMs?: number;
  /** Stored in the manifest's session meta (e.g. argv, version). */
  readonly meta?: Record<string, unknown>;
  /** Spool file operations of the writer (tests inject ENOSPC/EIO). */
  readonly spoolIo?: SpoolIo;
  /**
   * Called synchronously with every record right after writer.append accepted it, in seq order: exactly
   * the records a replay of this recording reads. Used by `poly live --paper --record`. Must not throw.
   */
  readonly onRecord?: (r: RawRecord) => void;
  /** A Parquet part is sealed, verified and in the manifest (see RecordingWriter's onPart): `--upload` attaches here. */
  readonly onPart?: (part: SealedPart) => void;
}

export type RecordSessionOptions = FeedOptions & RecorderOptions;

export interface SessionStatus extends FeedStatus {
  readonly elapsedMs: number;
  readonly records: number;
  readonly bytes: number;
  readonly spoolBytes: number;
  readonly writer: WriterStats;
}

export type StopReason = 'signal' | 'duration' | 'stopped' | 'fatal';

export interface RecordSummary {
  readonly dir: string;
  readonly reason: StopReason;
  readonly records: number;
  readonly markets: readonly MarketMeta[];
  readonly manifest: Manifest;
  readonly reconnects: number;
}

const oneLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

export class RecordSession {
  private writer!: RecordingWriter;
  private readonly log: LogFn;
  private readonly startedMs = Date.now();
  private records = 0;
  private aborted = false;
  private fatal: Error | null = null;
  private stopReason: StopReason | null = null;
  private stopping: Promise<RecordSummary> | null = null;
  private durationTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private resolveDone!: (s: RecordSummary) => void;
  private rejectDone!: (e: unknown) => void;
  /** Settles when the session has stopped: the summary, or the fatal error. */
  readonly done: Promise<RecordSummary>;

  private constructor(
    readonly feed: LiveFeed,
    private readonly o: RecorderOptions,
  ) {
    this.log = o.log ?? (() => undefined);
    this.done = new Promise<RecordSummary>((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    // a caller that only awaits start() must not see an unhandled rejection
    this.done.catch(() => undefined);
  }

  /** Resolves the feed, opens the recording and starts; throws FeedError / RecordingError on bad input. */
  static async start(o: RecordSessionOptions): Promise<RecordSession> {
    const feed = await LiveFeed.resolve(o);
    return RecordSession.attach(feed, o);
  }

  /** Attaches a writer to a resolved (not yet started) feed and starts the feed into it. */
  static async attach(feed: LiveFeed, o: RecorderOptions): Promise<RecordSession> {
    const s = new RecordSession(feed, o);
    await s.init();
    return s;
  }

  get dir(): string {
    return this.o.out;
  }

  get marketList(): readonly MarketMeta[] {
    return this.feed.marketList;
  }

  private async init(): Promise<void> {
    const o = this.o;
    await preflight(o.out);
    this.writer = await RecordingWriter.open({
      dir: o.out,
      ...(o.flushMs !== undefined ? { flushMs: o.flushMs } : {}),
      ...(o.rotateMs !== undefined ? { rotateMs: o.rotateMs } : {}),
      ...(o.rotateBytes !== undefined ? { rotateBytes: o.rotateBytes } : {}),
      markets: [...this.feed.marketList],
      meta: { ...(o.meta ?? {}), ...this.feed.describe() },
      onEvent: (e) => this.onWriterEvent(e),
      onBackpressure: (on) => (on ? this.feed.pause() : this.feed.resume()),
      ...(o.onPart !== undefined ? { onPart: o.onPart } : {}),
      ...(o.spoolIo !== undefined ? { spoolIo: o.spoolIo } : {}),
    });
    const w = this.writer;
    this.feed.listen({
      onMarket: () => w.setMarkets([...this.feed.marketList]),
      onFatal: (err) => this.fail(err),
    });
    const first = w.nextSeq;
    try {
      this.feed.start((r, bytes) => this.append(r, bytes), { nextSeq: first, floorNs: w.lastRecvNs ?? 0n, connPrefix: first > 1 ? `s${first}.` : '' });
    } catch (err) {
      // best effort: undo whatever started, keep what was appended
      await this.feed.stop().catch(() => undefined);
      await w.close().catch(() => undefined);
      throw err;
    }
    this.log('info', 'recording started', { dir: o.out, firstSeq: first, markets: this.feed.marketList.length });

    if (o.durationMs !== undefined && o.durationMs !== null) {
      this.durationTimer = setTimeout(() => void this.stop('duration'), o.durationMs);
    }
    if (o.onStatus !== undefined) {
      const cb = o.onStatus;
      this.statusTimer = setInterval(() => cb(this.status()), o.statusIntervalMs ?? 1000);
    }
    if (o.signal !== undefined) {
      if (o.signal.aborted) void this.stop('signal');
      else o.signal.addEventListener('abort', () => void this.stop('signal'), { once: true });
    }
  }

  status(): SessionStatus {
    const ws = this.writer.stats();
    return {
      ...this.feed.status(),
      elapsedMs: Date.now() - this.startedMs,
      records: this.records,
      bytes: ws.bytes,
      spoolBytes: ws.spoolBytes,
      writer: ws,
    };
  }

  /** Requests a clean stop; resolves with the summary (or rejects with the fatal error). */
  stop(reason: StopReason = 'stopped'): Promise<RecordSummary> {
    if (this.stopping !== null) return this.stopping;
    this.stopReason = reason;
    this.stopping = this.shutdown();
    this.stopping.then(this.resolveDone, this.rejectDone);
    return this.stopping;
  }

  /**
   * Emergency stop (a second signal): stop the feed, flush the spool, write the manifest as it stands and
   * release the lock, without converting what is left (`poly recordings repair` or the next record does).
   */
  async abort(): Promise<void> {
    this.aborted = true; // later records are not taken: the recording ends at what was appended
    if (this.durationTimer !== null) clearTimeout(this.durationTimer);
    if (this.statusTimer !== null) clearInterval(this.statusTimer);
    await this.writer.abort();
  }

  private append(r: RawRecord, bytes?: Uint8Array): void {
    if (this.fatal !== null || this.aborted) return;
    try {
      this.writer.append(r, bytes);
      this.records += 1;
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.o.onRecord?.(r);
  }

  private fail(err: Error): void {
    if (this.fatal !== null) return;
    this.fatal = err;
    this.log('error', 'fatal: stopping', { error: err.message });
    void this.stop('fatal');
  }

  private onWriterEvent(e: WriterEvent): void {
    const { message, type, ...rest } = e;
    const fields: Record<string, unknown> = { event: type };
    for (const [k, v] of Object.entries(rest)) if (typeof v !== 'object' || v === null) fields[k] = v;
    this.log(type === 'error' ? 'error' : type === 'spool_damage' || type === 'lock_taken_over' ? 'warn' : 'info', message, fields);
    if (type === 'error' && this.writer !== undefined && this.stopping === null) {
      // a fatal spool error makes flush() reject; a failed conversion does not (it is retried on close)
      this.writer.flush().catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))));
    }
  }

  private async shutdown(): Promise<RecordSummary> {
    if (this.durationTimer !== null) clearTimeout(this.durationTimer);
    if (this.statusTimer !== null) clearInterval(this.statusTimer);
    this.log('info', 'stopping', { reason: this.stopReason });
    await this.feed.stop();
    const reconnects = this.feed.status().reconnects;
    let manifest: Manifest;
    try {
      manifest = await this.writer.close();
    } catch (err) {
      throw this.fatal ?? err;
    }
    if (this.fatal !== null) throw this.fatal;
    this.log('info', 'recording closed', { dir: this.o.out, records: this.records, rows: manifest.rows, files: manifest.files.length });
    return { dir: this.o.out, reason: this.stopReason ?? 'stopped', records: this.records, markets: [...this.feed.marketList], manifest, reconnects };
  }
}

/**
 * Refuses to record into a directory whose manifest.json does not parse, or whose spool has corrupt
 * lines in the middle (not just the torn tail a crash leaves): opening the writer would repair them
 * by rebuilding/dropping, so the user is sent to `poly recordings repair` instead and nothing on disk
 * is touched. A missing directory, or one without those files, passes.
 */
export async function preflight(dir: string): Promise<void> {
  if (await pathExists(join(dir, MANIFEST_FILE))) {
    try {
      await readManifest(dir);
    } catch (err) {
      throw new FeedError(oneLine(err), 'runtime');
    }
  }
  const spool = join(dir, SPOOL_DIR);
  const names = (await readdir(spool).catch(() => [] as string[])).filter((n) => n.endsWith(SPOOL_EXT)).sort();
  for (const n of names) {
    const stats = emptySpoolStats();
    try {
      for await (const _r of readSpool(join(spool, n), stats)) {
        // only the stats matter
      }
    } catch (err) {
      throw new FeedError(`recording ${dir}: cannot read ${SPOOL_DIR}/${n} (${oneLine(err)})`, 'runtime');
    }
    if (stats.corruptLines > 0) {
      throw new FeedError(
        `recording ${dir}: ${SPOOL_DIR}/${n} has ${stats.corruptLines} corrupt line(s) from byte ${stats.firstCorruptOffset ?? '?'}; nothing was changed — run 'poly recordings repair ${dir}' to keep every readable record, then record again`,
        'runtime',
      );
    }
  }
}

/** Runs a session to its end (signal, duration or fatal error). */
export async function runRecordSession(o: RecordSessionOptions): Promise<RecordSummary> {
  const s = await RecordSession.start(o);
  return s.done;
}
