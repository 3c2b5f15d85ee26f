/**
 * LiveFeed: the Polymarket live feed as ONE source. It owns market resolution, the market WS (sharded,
 * REST /books reconciliation), RTDS, rolling-series followers and the all-markets follower, and emits
 * every raw record, stamped once, to ONE sink. It knows nothing about where records go: the recorder
 * (src/recorder/record-session.ts) attaches a RecordingWriter as the sink, `poly live` the kernel (and,
 * with --record, the writer too).
 *
 * Two phases (and why)
 * 1. `LiveFeed.resolve(opts)`: validate the request and resolve every --market identifier over Gamma
 *    (CLOB fallback) BEFORE anything touches the disk, so a typo never creates a directory. The
 *    Gamma/CLOB requests and responses of this phase are kept as raw records in memory.
 * 2. `feed.start(sink, { nextSeq, floorNs, connPrefix })`: the resolution records go to the sink first,
 *    re-numbered from nextSeq with receive times clamped to floorNs (a resumed recording's last time),
 *    then ONE Stamper continues for every live record: seq is global receive order and recvNs never goes
 *    back. Every conn id gets `connPrefix` (a recorder appending to an existing recording passes
 *    `s<firstSeq>.` so ids stay unique per session; src/core/outages.ts reads sessions from it).
 * Delivery is synchronous in the socket callback (no queue): the sink is the hot path.
 *
 * Backpressure: `pause()` stops reading from every socket (ws pause: TCP flow control pushes back to the
 * server) and `resume()` starts again; the consumer (the recorder, when its disk falls behind) decides.
 * Pausing never drops a record; a server that does not buffer for slow clients may disconnect us, which
 * is then recorded like any other outage.
 *
 * Failure policy: bad input (unknown market or series, nothing to record) and unreachable endpoints
 * during resolution throw FeedError (kind 'input' / 'runtime', a one-line message). After start, a market
 * WebSocket that cannot be opened in its first `firstConnectFailures` dials is reported once through
 * `onFatal`; everything else (drops, REST failures, Gamma hiccups of the followers) is recorded and
 * retried, never fatal.
 */
import type { MarketMeta } from '../core/types/market.ts';
import type { RawRecord } from '../core/types/raw.ts';
import { seededRng, type Rng } from '../core/rng.ts';
import type { BackoffOptions } from './backoff.ts';
import { ClobClient, DEFAULT_CLOB_URL } from './clob.ts';
import { DEFAULT_GAMMA_URL, GammaClient, ResolveError, resolveMarket, resolveMarkets } from './gamma.ts';
import { HttpError, type HttpClientOptions } from './http.ts';
import { DEFAULT_MARKET_WS_URL, MarketWsClient, type ShardStatus } from './market-ws.ts';
import { DEFAULT_RTDS_URL, RtdsClient } from './rtds.ts';
import { parseSeries, SeriesFollower, type SeriesSpec } from './series.ts';
import { AllMarketsFollower, type ShardSpec } from './all-markets.ts';
import { ConnIds, RecordEmitter, type RecordSink } from './source.ts';
import { Stamper, wallClockNs } from './stamp.ts';
import type { CloseInfo, WsStatus } from './ws-conn.ts';

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface FeedOptions {
  /** Market identifiers: slug, condition id or token id. */
  readonly markets: readonly string[];
  /** Rolling series names, e.g. btc-updown-15m. */
  readonly series?: readonly string[];
  /** RTDS crypto_prices symbols, e.g. btcusdt. */
  readonly rtds?: readonly string[];
  /** Every active market listed on Gamma (this shard's share of them), followed as new ones are listed. */
  readonly all?: { readonly shard: ShardSpec; readonly pollMs?: number } | null;
  readonly wsUrl?: string;
  readonly clobUrl?: string;
  readonly gammaUrl?: string;
  readonly rtdsUrl?: string;
  /** REST /books reconciliation period while connected; 0 = only after each connect. Default 60 s. */
  readonly snapshotIntervalMs?: number;
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
  readonly log?: LogFn;
  /** Receive-time clock (default: wall clock with monotonic ns resolution). */
  readonly nowNs?: () => bigint;
}

/** What the feed tells its owners (the recorder, the live run); see LiveFeed.listen. */
export interface FeedListener {
  /** A market added after start (series round, newly listed market); markets are never removed. */
  readonly onMarket?: (meta: MarketMeta) => void;
  /** The feed cannot go on (market WS never opened); called once. The owner stops the feed. */
  readonly onFatal?: (err: FeedError) => void;
}

export interface FeedStart {
  /** Seq of the first record delivered (a resumed recording's next seq). */
  readonly nextSeq: number;
  /** Receive times never go below this (a resumed recording's last receive time). */
  readonly floorNs: bigint;
  /** Prefix of every conn id (see the header). */
  readonly connPrefix: string;
}

export interface ConnectionStatus extends WsStatus {
  readonly source: 'market_ws' | 'rtds_ws';
  readonly assets: number | null;
}

export interface FeedStatus {
  /** Data frames received on the WebSockets (all connections). */
  readonly messages: number;
  readonly wsBytes: number;
  readonly reconnects: number;
  readonly connections: readonly ConnectionStatus[];
  readonly markets: number;
  readonly paused: boolean;
}

/** A feed failure with a one-line message for people (the CLI prints it and exits non-zero). */
export class FeedError extends Error {
  constructor(
    message: string,
    readonly kind: 'input' | 'runtime',
  ) {
    super(message);
    this.name = 'FeedError';
  }
}

const oneLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

function resolutionError(err: unknown): FeedError {
  if (err instanceof ResolveError) return new FeedError(err.message, 'input');
  if (err instanceof HttpError) return new FeedError(err.message, 'runtime');
  return new FeedError(`market resolution failed: ${oneLine(err)}`, 'runtime');
}

type HttpFor = (baseUrl: string, emitter: RecordEmitter, source: 'clob_rest' | 'gamma_rest') => HttpClientOptions;

export class LiveFeed {
  private readonly markets: MarketMeta[] = [];
  private readonly log: LogFn;
  private readonly rng: Rng;
  private readonly conns = new ConnIds();
  private buffered: RawRecord[] = [];
  private gamma: GammaClient | null = null;
  private clob: ClobClient | null = null;
  private ws: MarketWsClient | null = null;
  private rtds: RtdsClient | null = null;
  private readonly followers: SeriesFollower[] = [];
  private allFollower: AllMarketsFollower | null = null;
  private started = false;
  private stopping: Promise<void> | null = null;
  private everOpened = false;
  private failedDials = 0;
  private fatalSent = false;
  private paused = false;
  private readonly listeners: FeedListener[] = [];

  private constructor(
    private readonly o: FeedOptions,
    private readonly series: readonly SeriesSpec[],
  ) {
    this.log = o.log ?? (() => undefined);
    this.rng = seededRng(o.seed ?? 1);
  }

  /** Validates the request and resolves the markets (no disk, no sockets); throws FeedError. */
  static async resolve(o: FeedOptions): Promise<LiveFeed> {
    const series: SeriesSpec[] = [];
    for (const name of o.series ?? []) {
      const spec = parseSeries(name);
      if (spec === null) throw new FeedError(`unknown series '${name}': use {btc|eth|sol|xrp}-updown-{5m|15m}, e.g. btc-updown-15m`, 'input');
      series.push(spec);
    }
    if (o.markets.length === 0 && series.length === 0 && (o.rtds ?? []).length === 0 && (o.all ?? null) === null) {
      throw new FeedError('nothing to record: pass --market <slug|condition|token>, --series NAME, --rtds SYMBOLS or --all', 'input');
    }
    const feed = new LiveFeed(o, series);
    await feed.resolveMarkets();
    return feed;
  }

  /** Adds an owner's callbacks (any number; called in the order added). */
  listen(l: FeedListener): void {
    this.listeners.push(l);
  }

  /** The markets resolved so far (grows as series rounds and newly listed markets are followed). */
  get marketList(): readonly MarketMeta[] {
    return this.markets;
  }

  get gammaUrl(): string {
    return this.o.gammaUrl ?? DEFAULT_GAMMA_URL;
  }

  get clobUrl(): string {
    return this.o.clobUrl ?? DEFAULT_CLOB_URL;
  }

  get wsUrl(): string {
    return this.o.wsUrl ?? DEFAULT_MARKET_WS_URL;
  }

  /** The request as the recorder's session metadata stores it. */
  describe(): Record<string, unknown> {
    const all = this.o.all ?? null;
    return {
      markets: [...this.o.markets],
      series: this.series.map((s) => s.name),
      rtds: [...(this.o.rtds ?? [])],
      ...(all !== null ? { all: { shard: `${all.shard.index}/${all.shard.count}` } } : {}),
      wsUrl: this.wsUrl,
      clobUrl: this.clobUrl,
      gammaUrl: this.gammaUrl,
    };
  }

  private http: HttpFor = (baseUrl, emitter, source) => ({
    name: source === 'clob_rest' ? 'CLOB' : 'Gamma',
    hint: source === 'clob_rest' ? 'check --clob-url and the network' : 'check --gamma-url and the network',
    baseUrl,
    ...(this.o.httpTimeoutMs !== undefined ? { timeoutMs: this.o.httpTimeoutMs } : {}),
    ...(this.o.httpRetries !== undefined ? { retries: this.o.httpRetries } : {}),
    ...(this.o.httpBackoff !== undefined ? { backoff: this.o.httpBackoff } : {}),
    rng: this.rng.fork(),
    record: { emitter, source, conns: this.conns },
  });

  private async resolveMarkets(): Promise<void> {
    const o = this.o;
    const pre = new RecordEmitter({ stamper: new Stamper(o.nowNs ?? wallClockNs, 0), sink: (r) => this.buffered.push(r) });
    let gamma: GammaClient | null = null;
    let clob: ClobClient | null = null;
    try {
      gamma = GammaClient.create(this.http(this.gammaUrl, pre, 'gamma_rest'));
      clob = ClobClient.create(this.http(this.clobUrl, pre, 'clob_rest'));
      if (o.markets.length > 0) {
        this.log('info', 'resolving markets', { identifiers: [...o.markets], gamma: this.gammaUrl, clob: this.clobUrl });
        for (const r of await resolveMarkets(o.markets, { gamma, clob })) {
          if (r.meta.tokens.length === 0) {
            throw new FeedError(`market '${r.identifier}' (${r.meta.conditionId}) has no CLOB token ids yet (not tradable); pick another market`, 'input');
          }
          this.markets.push(r.meta);
          this.log('info', 'market resolved', { identifier: r.identifier, via: r.via, conditionId: r.meta.conditionId, slug: r.meta.slug, tokens: r.meta.tokens.map((t) => t.tokenId) });
        }
      }
      if ((o.all ?? null) !== null) {
        // the first listing happens here too: an unreachable Gamma fails before the disk is touched
        this.allFollower = this.makeAllFollower(gamma);
        await this.allFollower.firstListing();
      }
    } catch (err) {
      throw err instanceof FeedError ? err : resolutionError(err);
    } finally {
      await Promise.all([gamma?.close(), clob?.close()]);
    }
  }

  /** Delivers the resolution records, then starts every client; all records go to `sink`, in seq order. */
  start(sink: RecordSink, at: FeedStart): void {
    if (this.started) throw new Error('LiveFeed.start called twice');
    this.started = true;
    const o = this.o;
    this.conns.prefix = at.connPrefix;
    let floor = at.floorNs;
    const buffered = this.buffered;
    this.buffered = [];
    for (let i = 0; i < buffered.length; i++) {
      const r = buffered[i] as RawRecord;
      if (r.recvNs > floor) floor = r.recvNs;
      sink({ ...r, seq: at.nextSeq + i, recvNs: floor, conn: `${at.connPrefix}${r.conn}` });
    }
    const stamper = new Stamper(o.nowNs ?? wallClockNs, at.nextSeq + buffered.length, floor);
    const emitter = new RecordEmitter({ stamper, sink });

    this.gamma = GammaClient.create(this.http(this.gammaUrl, emitter, 'gamma_rest'));
    this.clob = ClobClient.create(this.http(this.clobUrl, emitter, 'clob_rest'));
    const wsLog: LogFn = (level, msg, fields) => this.log(level, msg, fields);
    const ws = new MarketWsClient({
      url: this.wsUrl,
      assetIds: this.markets.flatMap((m) => m.tokens.map((t) => t.tokenId)),
      emitter,
      conns: this.conns,
      rest: this.clob,
      snapshotIntervalMs: o.snapshotIntervalMs ?? 60_000,
      rng: this.rng.fork(),
      onLog: wsLog,
      onConnectionClosed: (info) => this.onMarketWsClosed(info),
      ...(o.pingIntervalMs !== undefined ? { pingIntervalMs: o.pingIntervalMs } : {}),
      ...(o.staleAfterMs !== undefined ? { staleAfterMs: o.staleAfterMs } : {}),
      ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
      ...(o.maxAssetsPerConnection !== undefined ? { maxAssetsPerConnection: o.maxAssetsPerConnection } : {}),
    });
    this.ws = ws;
    const symbols = o.rtds ?? [];
    if (symbols.length > 0) {
      this.rtds = new RtdsClient({
        url: o.rtdsUrl ?? DEFAULT_RTDS_URL,
        symbols,
        emitter,
        conns: this.conns,
        rng: this.rng.fork(),
        onLog: wsLog,
        ...(o.rtdsPingIntervalMs !== undefined ? { pingIntervalMs: o.rtdsPingIntervalMs } : {}),
        ...(o.staleAfterMs !== undefined ? { staleAfterMs: o.staleAfterMs } : {}),
        ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
      });
    }
    const gammaNow = this.gamma;
    for (const spec of this.series) {
      this.followers.push(
        new SeriesFollower({
          series: spec,
          now: Date.now,
          ...(o.seriesLeadMs !== undefined ? { leadMs: o.seriesLeadMs } : {}),
          ...(o.seriesGraceMs !== undefined ? { graceMs: o.seriesGraceMs } : {}),
          resolve: async (slug) => {
            try {
              return (await resolveMarket(slug, { gamma: gammaNow, clob: null })).meta;
            } catch (err) {
              if (err instanceof ResolveError && err.kind === 'not_found') return null;
              throw err;
            }
          },
          subscribe: (ids) => ws.subscribe(ids),
          unsubscribe: (ids) => ws.unsubscribe(ids),
          onMarket: (meta) => this.addMarket(meta),
          onLog: wsLog,
        }),
      );
    }
    this.allFollower?.attach(gammaNow);
    ws.start();
    this.rtds?.start();
    for (const f of this.followers) void f.start();
    this.allFollower?.start();
    if (this.paused) this.applyPause();
    this.log('info', 'feed started', {
      firstSeq: at.nextSeq,
      markets: this.markets.length,
      assets: ws.assetIds.length,
      connections: ws.connections,
      series: this.series.map((s) => s.name),
      rtds: [...symbols],
    });
  }

  private makeAllFollower(listing: GammaClient): AllMarketsFollower {
    const all = this.o.all!;
    return new AllMarketsFollower({
      shard: all.shard,
      gamma: listing,
      ...(all.pollMs !== undefined ? { pollMs: all.pollMs } : {}),
      onMarkets: (metas) => {
        const fresh = metas.filter((m) => !this.markets.some((x) => x.conditionId === m.conditionId) && m.tokens.length > 0);
        if (fresh.length === 0) return;
        if (this.ws === null) {
          this.markets.push(...fresh); // before start: subscribed by the first connect
          return;
        }
        for (const m of fresh) this.addMarket(m);
        this.ws.subscribe(fresh.flatMap((m) => m.tokens.map((t) => t.tokenId)));
      },
      onLog: (level, msg, fields) => this.log(level, msg, fields),
    });
  }

  private addMarket(meta: MarketMeta): void {
    if (this.markets.some((m) => m.conditionId === meta.conditionId)) return;
    this.markets.push(meta);
    for (const l of this.listeners) l.onMarket?.(meta);
  }

  /** Stops reading from every socket (backpressure); records already received are delivered. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.applyPause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.ws?.resume();
    this.rtds?.resume();
  }

  private applyPause(): void {
    this.ws?.pause();
    this.rtds?.pause();
  }

  status(): FeedStatus {
    const conns: ConnectionStatus[] = (this.ws?.status() ?? []).map((s: ShardStatus) => ({ ...s, source: 'market_ws' as const, assets: s.assets }));
    if (this.rtds !== null) conns.push({ ...this.rtds.status(), source: 'rtds_ws', assets: null });
    return {
      messages: conns.reduce((a, c) => a + c.messages, 0),
      wsBytes: conns.reduce((a, c) => a + c.bytes, 0),
      reconnects: conns.reduce((a, c) => a + c.reconnects, 0),
      connections: conns,
      markets: this.markets.length,
      paused: this.paused,
    };
  }

  /**
   * Stops everything (idempotent): followers, HTTP clients (in-flight calls aborted and recorded), then
   * the sockets (their close records are delivered). Resolves when no more records will be delivered.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.paused = false;
      this.ws?.resume();
      this.rtds?.resume();
      await Promise.allSettled([...this.followers.map((f) => f.stop()), this.allFollower?.stop() ?? Promise.resolve()]);
      await Promise.allSettled([this.gamma?.close(), this.clob?.close()]);
      await Promise.allSettled([this.ws?.stop(), this.rtds?.stop()]);
    })();
    return this.stopping;
  }

  private onMarketWsClosed(info: CloseInfo): void {
    if (info.wasOpen) {
      this.everOpened = true;
      return;
    }
    if (this.everOpened || this.stopping !== null || this.fatalSent) return;
    this.failedDials += 1;
    const limit = this.o.firstConnectFailures ?? 3;
    if (limit > 0 && this.failedDials >= limit) {
      this.fatalSent = true;
      const err = new FeedError(`cannot connect to the market WebSocket at ${info.url} (${info.error ?? `close code ${info.code}`}) after ${this.failedDials} attempts; check --ws-url and the network`, 'runtime');
      for (const l of this.listeners) l.onFatal?.(err);
    }
  }
}
