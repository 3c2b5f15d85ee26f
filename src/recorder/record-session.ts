/**
 * A `poly record` session: resolve markets, open the recording, run the live clients into it, stop
 * cleanly. The CLI (src/cli/record.ts) only parses flags, renders status and wires signals.
 *
 * Order of work (and why)
 * 1. Resolve every --market identifier over Gamma (CLOB fallback) BEFORE touching the disk, so a
 *    typo never creates a directory. The Gamma/CLOB requests and responses of this phase are
 *    captured as raw records in memory (stamped by a provisional Stamper).
 * 2. Open the RecordingWriter (repairs a crashed spool in the same directory first). The buffered
 *    records are appended first, re-numbered from writer.nextSeq with receive times clamped to the
 *    recording's last one; then ONE Stamper continues from there for every live record, so seq is
 *    global receive order and recvNs never goes back (the writer's append contract).
 * 3. Start the market WS client (sharded; REST /books reconciliation after every connect and every
 *    snapshot interval), the RTDS client and the series followers, all delivering straight into
 *    writer.append (the hot path: no queue).
 * 4. Stop on request (signal), on --duration, or on a fatal error: followers, HTTP clients
 *    (aborting in-flight calls), sockets (close records are written), then writer.close() flushes,
 *    converts the spool to Parquet and writes the manifest.
 *
 * Conn ids: `mws-N`, `rtds-N`, `clob-N`, `gamma-N`; a session appending to an existing recording
 * prefixes them with `s<firstSeq>.` so they stay unique across sessions of one recording.
 *
 * Failure policy: bad input (unknown market, bad identifier) and unreachable endpoints during
 * resolution, an unwritable/locked directory, a corrupt manifest or spool (refused before opening, see
 * preflight(): the writer would otherwise repair them away), or a market WebSocket that cannot be opened
 * in its first `firstConnectFailures` dials end the session with ONE clear line (an Error whose
 * message is that line). A fatal writer error (disk full, I/O) stops everything; what was flushed
 * stays on disk for `poly recordings repair`. Nothing here deletes data.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MarketMeta } from '../core/types/market.ts';
import type { RawRecord } from '../core/types/raw.ts';
import type { BackoffOptions } from '../sources/backoff.ts';
import { ClobClient, DEFAULT_CLOB_URL } from '../sources/clob.ts';
import { DEFAULT_GAMMA_URL, GammaClient, ResolveError, resolveMarket, resolveMarkets } from '../sources/gamma.ts';
import { HttpError, type HttpClientOptions } from '../sources/http.ts';
import { DEFAULT_MARKET_WS_URL, MarketWsClient, type ShardStatus } from '../sources/market-ws.ts';
import { DEFAULT_RTDS_URL, RtdsClient } from '../sources/rtds.ts';
import { parseSeries, SeriesFollower, type SeriesSpec } from '../sources/series.ts';
import { ConnIds, RecordEmitter } from '../sources/source.ts';
import { Stamper, wallClockNs } from '../sources/stamp.ts';
import type { CloseInfo, WsStatus } from '../sources/ws-conn.ts';
import { seededRng, type Rng } from '../core/rng.ts';
import { pathExists } from '../io/paths.ts';
import type { WriterEvent } from './events.ts';
import type { Manifest } from './manifest.ts';
import { RecordingWriter, type SpoolIo } from './writer.ts';
import { readManifest } from './read.ts';
import { emptySpoolStats, readSpool } from './spool.ts';
import { MANIFEST_FILE, SPOOL_DIR, SPOOL_EXT } from './layout.ts';

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface RecordSessionOptions {
  /** Market identifiers: slug, condition id or token id. */
  readonly markets: readonly string[];
  /** Rolling series names, e.g. btc-updown-15m. */
  readonly series?: readonly string[];
  /** RTDS crypto_prices symbols, e.g. btcusdt. */
  readonly rtds?: readonly string[];
  readonly out: string;
  readonly wsUrl?: string;
  readonly clobUrl?: string;
  readonly gammaUrl?: string;
  readonly rtdsUrl?: string;
  /** REST /books reconciliation period while connected; 0 = only after each connect. Default 60 s. */
  readonly snapshotIntervalMs?: number;
  readonly flushMs?: number;
  readonly rotateMs?: number;
  readonly rotateBytes?: number;
  /** Stop by itself after this long; null/undefined = until stopped. */
  readonly durationMs?: number | null;
  readonly pingIntervalMs?: number;
  readonly rtdsPingIntervalMs?: number;
  readonly staleAfterMs?: number;
  readonly backoff?: Partial<BackoffOptions>;
  readonly maxAssetsPerConnection?: number;
  readonly httpTimeoutMs?: number;
  readonly httpRetries?: number;
  readonly httpBackoff?: Partial<BackoffOptions>;
  readonly seriesLeadMs?: number;
  readonly seriesGraceMs?: number;
  /** Fail when the market WS has failed this many dials without ever opening (0 = never). Default 3. */
  readonly firstConnectFailures?: number;
  /** Jitter seed (reconnect and retry backoff). */
  readonly seed?: number;
  /** Requests a clean stop (the CLI aborts it on SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  readonly log?: LogFn;
  /** Called every statusIntervalMs while running (the CLI renders the status line). */
  readonly onStatus?: (s: SessionStatus) => void;
  readonly statusIntervalMs?: number;
  /** Stored in the manifest's session meta (e.g. argv, version). */
  readonly meta?: Record<string, unknown>;
  /** Receive-time clock (default: wall clock with monotonic ns resolution). */
  readonly nowNs?: () => bigint;
  /** Spool file operations of the writer (tests inject ENOSPC/EIO). */
  readonly spoolIo?: SpoolIo;
  /**
   * Called synchronously with every record right after writer.append accepted it (the resolution
   * records first, as re-numbered on disk, then every live record in receive order): exactly the
   * records a replay of this recording reads. Used by `poly live --paper`. Must not throw.
   */
  readonly onRecord?: (r: RawRecord) => void;
}

export interface ConnectionStatus extends WsStatus {
  readonly source: 'market_ws' | 'rtds_ws';
  readonly assets: number | null;
}

export interface SessionStatus {
  readonly elapsedMs: number;
  readonly records: number;
  readonly bytes: number;
  readonly spoolBytes: number;
  readonly messages: number;
  readonly wsBytes: number;
  readonly reconnects: number;
  readonly connections: readonly ConnectionStatus[];
  readonly markets: number;
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

/** A session failure with a one-line message for people (the CLI prints it and exits non-zero). */
export class RecordSessionError extends Error {
  constructor(
    message: string,
    readonly kind: 'input' | 'runtime',
  ) {
    super(message);
    this.name = 'RecordSessionError';
  }
}

const oneLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

/** Maps the errors of resolution to a session error (input vs runtime). */
function resolutionError(err: unknown): RecordSessionError {
  if (err instanceof ResolveError) return new RecordSessionError(err.message, 'input');
  if (err instanceof HttpError) return new RecordSessionError(err.message, 'runtime');
  return new RecordSessionError(`market resolution failed: ${oneLine(err)}`, 'runtime');
}

export class RecordSession {
  private writer!: RecordingWriter;
  private ws!: MarketWsClient;
  private rtds: RtdsClient | null = null;
  private readonly followers: SeriesFollower[] = [];
  private gamma!: GammaClient;
  private clob!: ClobClient;
  private readonly markets: MarketMeta[] = [];
  private readonly log: LogFn;
  private readonly startedMs = Date.now();
  private records = 0;
  private fatal: Error | null = null;
  private stopReason: StopReason | null = null;
  private stopping: Promise<RecordSummary> | null = null;
  private durationTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private everOpened = false;
  private failedDials = 0;
  private resolveDone!: (s: RecordSummary) => void;
  private rejectDone!: (e: unknown) => void;
  /** Settles when the session has stopped: the summary, or the fatal error. */
  readonly done: Promise<RecordSummary>;

  private constructor(private readonly o: RecordSessionOptions) {
    this.log = o.log ?? (() => undefined);
    this.done = new Promise<RecordSummary>((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    // a caller that only awaits start() must not see an unhandled rejection
    this.done.catch(() => undefined);
  }

  /** Resolves, opens and starts; throws RecordSessionError / RecordingError on bad input. */
  static async start(o: RecordSessionOptions): Promise<RecordSession> {
    const s = new RecordSession(o);
    await s.init();
    return s;
  }

  get dir(): string {
    return this.o.out;
  }

  get marketList(): readonly MarketMeta[] {
    return this.markets;
  }

  private async init(): Promise<void> {
    const o = this.o;
    const series: SeriesSpec[] = [];
    for (const name of o.series ?? []) {
      const spec = parseSeries(name);
      if (spec === null) throw new RecordSessionError(`unknown series '${name}': use {btc|eth|sol|xrp}-updown-{5m|15m}, e.g. btc-updown-15m`, 'input');
      series.push(spec);
    }
    if (o.markets.length === 0 && series.length === 0 && (o.rtds ?? []).length === 0) {
      throw new RecordSessionError('nothing to record: pass --market <slug|condition|token>, --series NAME or --rtds SYMBOLS', 'input');
    }
    const nowNs = o.nowNs ?? wallClockNs;
    const rng = seededRng(o.seed ?? 1);
    const conns = new ConnIds();
    const http = (baseUrl: string, emitter: RecordEmitter, source: 'clob_rest' | 'gamma_rest'): HttpClientOptions => ({
      name: source === 'clob_rest' ? 'CLOB' : 'Gamma',
      hint: source === 'clob_rest' ? 'check --clob-url and the network' : 'check --gamma-url and the network',
      baseUrl,
      ...(o.httpTimeoutMs !== undefined ? { timeoutMs: o.httpTimeoutMs } : {}),
      ...(o.httpRetries !== undefined ? { retries: o.httpRetries } : {}),
      ...(o.httpBackoff !== undefined ? { backoff: o.httpBackoff } : {}),
      rng: rng.fork(),
      record: { emitter, source, conns },
    });
    const gammaUrl = o.gammaUrl ?? DEFAULT_GAMMA_URL;
    const clobUrl = o.clobUrl ?? DEFAULT_CLOB_URL;

    // 1. resolve, recording into memory
    const buffered: RawRecord[] = [];
    const pre = new RecordEmitter({ stamper: new Stamper(nowNs, 0), sink: (r) => buffered.push(r) });
    let preGamma: GammaClient | null = null;
    let preClob: ClobClient | null = null;
    try {
      preGamma = GammaClient.create(http(gammaUrl, pre, 'gamma_rest'));
      preClob = ClobClient.create(http(clobUrl, pre, 'clob_rest'));
      if (o.markets.length > 0) {
        this.log('info', 'resolving markets', { identifiers: [...o.markets], gamma: gammaUrl, clob: clobUrl });
        const resolved = await resolveMarkets(o.markets, { gamma: preGamma, clob: preClob });
        for (const r of resolved) {
          if (r.meta.tokens.length === 0) {
            throw new RecordSessionError(`market '${r.identifier}' (${r.meta.conditionId}) has no CLOB token ids yet (not tradable); pick another market`, 'input');
          }
          this.markets.push(r.meta);
          this.log('info', 'market resolved', { identifier: r.identifier, via: r.via, conditionId: r.meta.conditionId, slug: r.meta.slug, tokens: r.meta.tokens.map((t) => t.tokenId) });
        }
      }
    } catch (err) {
      throw err instanceof RecordSessionError ? err : resolutionError(err);
    } finally {
      await Promise.all([preGamma?.close(), preClob?.close()]);
    }

    // 2. open the recording (after refusing damage that opening would silently repair away)
    await preflight(o.out);
    this.writer = await RecordingWriter.open({
      dir: o.out,
      ...(o.flushMs !== undefined ? { flushMs: o.flushMs } : {}),
      ...(o.rotateMs !== undefined ? { rotateMs: o.rotateMs } : {}),
      ...(o.rotateBytes !== undefined ? { rotateBytes: o.rotateBytes } : {}),
      markets: [...this.markets],
      meta: { ...(o.meta ?? {}), markets: [...o.markets], series: (o.series ?? []).slice(), rtds: (o.rtds ?? []).slice(), wsUrl: o.wsUrl ?? DEFAULT_MARKET_WS_URL, clobUrl, gammaUrl },
      onEvent: (e) => this.onWriterEvent(e),
      ...(o.spoolIo !== undefined ? { spoolIo: o.spoolIo } : {}),
    });
    try {
      this.startClients(buffered, conns, series, http, rng, nowNs);
    } catch (err) {
      // best effort: undo whatever started, keep what was appended
      await Promise.allSettled([this.gamma?.close(), this.clob?.close(), this.ws?.stop(), this.rtds?.stop()].filter((p) => p !== undefined));
      await this.writer.close().catch(() => undefined);
      throw err;
    }
  }

  private startClients(
    buffered: readonly RawRecord[],
    conns: ConnIds,
    series: readonly SeriesSpec[],
    http: (baseUrl: string, emitter: RecordEmitter, source: 'clob_rest' | 'gamma_rest') => HttpClientOptions,
    rng: Rng,
    nowNs: () => bigint,
  ): void {
    const o = this.o;
    const gammaUrl = o.gammaUrl ?? DEFAULT_GAMMA_URL;
    const clobUrl = o.clobUrl ?? DEFAULT_CLOB_URL;
    const w = this.writer;
    const first = w.nextSeq;
    if (first > 1) conns.prefix = `s${first}.`;
    let floor = w.lastRecvNs ?? 0n;
    for (let i = 0; i < buffered.length; i++) {
      const r = buffered[i] as RawRecord;
      if (r.recvNs > floor) floor = r.recvNs;
      const rec: RawRecord = { ...r, seq: first + i, recvNs: floor, conn: `${conns.prefix}${r.conn}` };
      w.append(rec);
      this.records += 1;
      o.onRecord?.(rec);
    }
    const stamper = new Stamper(nowNs, first + buffered.length, floor);
    const emitter = new RecordEmitter({ stamper, sink: (r) => this.append(r) });

    // 3. start the clients
    this.gamma = GammaClient.create(http(gammaUrl, emitter, 'gamma_rest'));
    this.clob = ClobClient.create(http(clobUrl, emitter, 'clob_rest'));
    const wsLog = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => this.log(level, msg, fields);
    this.ws = new MarketWsClient({
      url: o.wsUrl ?? DEFAULT_MARKET_WS_URL,
      assetIds: this.markets.flatMap((m) => m.tokens.map((t) => t.tokenId)),
      emitter,
      conns,
      rest: this.clob,
      snapshotIntervalMs: o.snapshotIntervalMs ?? 60_000,
      rng: rng.fork(),
      onLog: wsLog,
      onConnectionClosed: (info) => this.onMarketWsClosed(info),
      ...(o.pingIntervalMs !== undefined ? { pingIntervalMs: o.pingIntervalMs } : {}),
      ...(o.staleAfterMs !== undefined ? { staleAfterMs: o.staleAfterMs } : {}),
      ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
      ...(o.maxAssetsPerConnection !== undefined ? { maxAssetsPerConnection: o.maxAssetsPerConnection } : {}),
    });
    const symbols = o.rtds ?? [];
    if (symbols.length > 0) {
      this.rtds = new RtdsClient({
        url: o.rtdsUrl ?? DEFAULT_RTDS_URL,
        symbols,
        emitter,
        conns,
        rng: rng.fork(),
        onLog: wsLog,
        ...(o.rtdsPingIntervalMs !== undefined ? { pingIntervalMs: o.rtdsPingIntervalMs } : {}),
        ...(o.staleAfterMs !== undefined ? { staleAfterMs: o.staleAfterMs } : {}),
        ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
      });
    }
    for (const spec of series) {
      this.followers.push(
        new SeriesFollower({
          series: spec,
          now: Date.now,
          ...(o.seriesLeadMs !== undefined ? { leadMs: o.seriesLeadMs } : {}),
          ...(o.seriesGraceMs !== undefined ? { graceMs: o.seriesGraceMs } : {}),
          resolve: async (slug) => {
            try {
              return (await resolveMarket(slug, { gamma: this.gamma, clob: null })).meta;
            } catch (err) {
              if (err instanceof ResolveError && err.kind === 'not_found') return null;
              throw err;
            }
          },
          subscribe: (ids) => this.ws.subscribe(ids),
          unsubscribe: (ids) => this.ws.unsubscribe(ids),
          onMarket: (meta) => {
            if (!this.markets.some((m) => m.conditionId === meta.conditionId)) {
              this.markets.push(meta);
              this.writer.setMarkets([...this.markets]);
            }
          },
          onLog: wsLog,
        }),
      );
    }
    this.ws.start();
    this.rtds?.start();
    for (const f of this.followers) void f.start();
    this.log('info', 'recording started', {
      dir: o.out,
      firstSeq: first,
      markets: this.markets.length,
      assets: this.ws.assetIds.length,
      connections: this.ws.connections,
      series: series.map((s) => s.name),
      rtds: [...symbols],
    });

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
    const conns: ConnectionStatus[] = this.ws.status().map((s: ShardStatus) => ({ ...s, source: 'market_ws' as const, assets: s.assets }));
    if (this.rtds !== null) conns.push({ ...this.rtds.status(), source: 'rtds_ws', assets: null });
    const ws = this.writer.stats();
    return {
      elapsedMs: Date.now() - this.startedMs,
      records: this.records,
      bytes: ws.bytes,
      spoolBytes: ws.spoolBytes,
      messages: conns.reduce((a, c) => a + c.messages, 0),
      wsBytes: conns.reduce((a, c) => a + c.bytes, 0),
      reconnects: conns.reduce((a, c) => a + c.reconnects, 0),
      connections: conns,
      markets: this.markets.length,
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

  private append(r: RawRecord): void {
    if (this.fatal !== null) return;
    try {
      this.writer.append(r);
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

  private onMarketWsClosed(info: CloseInfo): void {
    if (info.wasOpen) {
      this.everOpened = true;
      return;
    }
    if (this.everOpened || this.stopping !== null) return;
    this.failedDials += 1;
    const limit = this.o.firstConnectFailures ?? 3;
    if (limit > 0 && this.failedDials >= limit) {
      this.fail(new RecordSessionError(`cannot connect to the market WebSocket at ${info.url} (${info.error ?? `close code ${info.code}`}) after ${this.failedDials} attempts; check --ws-url and the network`, 'runtime'));
    }
  }

  private async shutdown(): Promise<RecordSummary> {
    if (this.durationTimer !== null) clearTimeout(this.durationTimer);
    if (this.statusTimer !== null) clearInterval(this.statusTimer);
    this.log('info', 'stopping', { reason: this.stopReason });
    await Promise.allSettled(this.followers.map((f) => f.stop()));
    await Promise.allSettled([this.gamma.close(), this.clob.close()]);
    await Promise.allSettled([this.ws.stop(), this.rtds?.stop() ?? Promise.resolve()]);
    const reconnects = this.status().reconnects;
    let manifest: Manifest;
    try {
      manifest = await this.writer.close();
    } catch (err) {
      throw this.fatal ?? err;
    }
    if (this.fatal !== null) throw this.fatal;
    this.log('info', 'recording closed', { dir: this.o.out, records: this.records, rows: manifest.rows, files: manifest.files.length });
    return { dir: this.o.out, reason: this.stopReason ?? 'stopped', records: this.records, markets: [...this.markets], manifest, reconnects };
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
      throw new RecordSessionError(oneLine(err), 'runtime');
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
      throw new RecordSessionError(`recording ${dir}: cannot read ${SPOOL_DIR}/${n} (${oneLine(err)})`, 'runtime');
    }
    if (stats.corruptLines > 0) {
      throw new RecordSessionError(
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
