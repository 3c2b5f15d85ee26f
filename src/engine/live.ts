/**
 * Live paper trading (`poly live --paper`): the SAME TradingKernel as replay, fed by the live feed on
 * the wall clock. No real order is ever sent: orders go to the kernel's paper exchange only, and this
 * module holds no venue credentials or order endpoint.
 *
 * Where records come from: a LiveFeed (src/sources/feed.ts) resolves the markets and runs the market WS /
 * RTDS / series / REST clients exactly as `poly record` does, and hands every record, synchronously and in
 * seq order, to ONE sink. Without --record the sink is the kernel: nothing is written anywhere (no temp
 * spool; run.json's recording digest is 'live-unrecorded'). With --record a RecordingWriter is attached to
 * the same feed (RecordSession.attach) and the kernel sees each record right after the writer accepted it,
 * so the kernel sees exactly the records a replay of the recording reads, in the same order, with the same
 * seq and receive times (parity tested in test/e2e/live-parity.test.ts). The kernel is built after the
 * markets are resolved and before the feed starts, so no record ever waits for it.
 *
 * Clocks (ordering rules)
 * - ONE LiveClock stamps records (the RecordSession's Stamper reads it) and drives the timer driver, so a
 *   record's receive time is never behind the kernel clock.
 * - Each record: kernel.onRecord(r) (fires timers due <= r.recvNs first), then driver.arm().
 * - The timer driver advances the kernel from one pending timer's due time to the next (never to "now"),
 *   so the kernel clock only ever equals a record time or a timer due time, as in replay.
 * - Timers due after the last record fire in live (the driver runs on until the feed stops) and not in
 *   replay; the feed's close records at stop bound that window. Equity samples (a timer grid) and the
 *   final cancel below can therefore differ from a replay of the recording; fills and P&L do not.
 *
 * Stop (SIGINT/SIGTERM via `signal`, --duration, stop(), or a fatal feed/writer/kernel error)
 * 1. report timer and duration timer stopped; a report flush in flight is awaited;
 * 2. the feed stops (sockets closed, their close records reach the kernel; with --record the recording's
 *    manifest is written) and the timer driver is disposed;
 * 3. every open paper order is cancelled: kernel.cancelAllOrders() (a cancel_all through the paper
 *    exchange, never denied by risk), then the kernel clock is advanced to each pending exchange wake-up
 *    (cancel latency) until no order is open;
 * 4. kernel.finish() (onStop, final equity sample, positions marked at mid), reports + run.json.
 * Disconnects: a market_ws close/error record makes every token stale in the risk engine until its next
 * book snapshot (orders denied with stale_data; ctx.canTrade() false) and the paper exchange applies the
 * --feed-loss rule to resting orders (cancel, the default, or keep).
 * Reports are also flushed every --report-every with renderRun, which only reads the kernel.
 * Known limits: one strategy per process; --record must name a new directory (appending to an existing
 * recording would break replay parity); an unrecorded run keeps nothing of its data (record it to replay it).
 */
import { join } from 'node:path';
import { TradingKernel } from '../core/kernel/trading-kernel.ts';
import { formatCash, type D } from '../core/types/fixed.ts';
import type { MarketMeta } from '../core/types/market.ts';
import type { RawRecord } from '../core/types/raw.ts';
import { pathExists } from '../io/paths.ts';
import { MANIFEST_FILE } from '../recorder/layout.ts';
import { digestOfManifest } from '../recorder/read.ts';
import { RecordSession, type RecordSummary } from '../recorder/record-session.ts';
import { LiveFeed, type FeedOptions, type FeedStatus, type LogFn } from '../sources/feed.ts';
import { kernelConfig, type EngineSettings } from './config.ts';
import { LiveClock, LiveTimerDriver, type WakeTarget } from './live-clock.ts';
import { startMetricsServer, type MetricsServer, type MetricsSnapshot } from './metrics.ts';
import { renderRun, type RenderRunResult } from './report-run.ts';
import type { LoadedStrategy } from './strategy-loader.ts';

export const LIVE_UNRECORDED = 'live-unrecorded';
export const LIVE_IN_PROGRESS = 'live-in-progress';

/** Feed tuning passed through to the LiveFeed (tests shorten pings and backoff); flushMs is the writer's (--record). */
export type LiveFeedTuning = Pick<
  FeedOptions,
  'snapshotIntervalMs' | 'pingIntervalMs' | 'rtdsPingIntervalMs' | 'staleAfterMs' | 'backoff' | 'maxAssetsPerConnection' | 'httpTimeoutMs' | 'httpRetries' | 'firstConnectFailures' | 'seed' | 'seriesLeadMs' | 'seriesGraceMs'
> & { readonly flushMs?: number };

export interface LiveInput {
  readonly strategy: LoadedStrategy;
  /** The strategy file as the user named it (run.json). */
  readonly strategyFile: string;
  readonly params: unknown;
  /** The parameters as the user gave them (run.json / summary show both). */
  readonly paramsGiven: Record<string, unknown>;
  readonly settings: EngineSettings;
  /** Market identifiers: slug, condition id or token id. */
  readonly markets: readonly string[];
  /** Rolling series to follow, as `poly record --series` (e.g. btc-updown-15m). */
  readonly series?: readonly string[];
  readonly rtds?: readonly string[];
  /** Recording directory (must not hold a recording yet); undefined = unrecorded. */
  readonly record?: string | undefined;
  /** Report directory. */
  readonly outDir: string;
  /** Keep the full order-event log in memory (default true); the CLI turns it off for flat memory. */
  readonly keepEventLog?: boolean;
  readonly durationMs?: number | null;
  /** Periodic report flush (0 = only at the end). Default 30 s. */
  readonly reportEveryMs?: number;
  /** Metrics server port (0 = ephemeral); null/undefined = no server. */
  readonly metricsPort?: number | null;
  readonly wsUrl?: string;
  readonly clobUrl?: string;
  readonly gammaUrl?: string;
  readonly rtdsUrl?: string;
  readonly feed?: LiveFeedTuning;
  readonly signal?: AbortSignal;
  readonly log?: LogFn;
  /** Stored in the recording's session meta. */
  readonly meta?: Record<string, unknown>;
  readonly logSink?: (line: { tsNs: bigint; level: 'info' | 'warn'; msg: string; fields?: Record<string, unknown> }) => void;
}

export type LiveStopReason = 'signal' | 'duration' | 'stopped' | 'fatal';

export interface LiveResult {
  readonly kernel: TradingKernel;
  readonly reason: LiveStopReason;
  readonly reports: RenderRunResult;
  /** The recording directory (null when unrecorded). */
  readonly recording: string | null;
  readonly recordingDigest: string;
  readonly records: number;
  readonly markets: readonly MarketMeta[];
  /** Orders still open when the run stopped, cancelled by the shutdown. */
  readonly canceledAtStop: number;
  /** A fatal error that ended the run (reports were still written), else null. */
  readonly error: Error | null;
}

const RATE_WINDOW_S = 10;

export class LiveRun {
  readonly clock = new LiveClock();
  private feed!: LiveFeed;
  private session: RecordSession | null = null;
  private kernelRef: TradingKernel | null = null;
  private driver: LiveTimerDriver | null = null;
  private metricsServer: MetricsServer | null = null;
  private reportTimer: NodeJS.Timeout | null = null;
  private durationTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<unknown> | null = null;
  private stopping: Promise<LiveResult> | null = null;
  private fatal: Error | null = null;
  private records = 0;
  private messages = 0;
  private lastMessageNs: bigint | null = null;
  /** Messages per whole second of receive time, the last RATE_WINDOW_S seconds. */
  private readonly buckets = new Map<number, number>();
  private resolveDone!: (r: LiveResult) => void;
  private rejectDone!: (e: unknown) => void;
  /** Settles when the run has stopped and its reports are written. */
  readonly done: Promise<LiveResult>;

  private constructor(private readonly input: LiveInput) {
    this.done = new Promise<LiveResult>((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    this.done.catch(() => undefined);
  }

  /** Resolves the markets, starts the feed, the kernel, the timers and the metrics server. */
  static async start(input: LiveInput): Promise<LiveRun> {
    const run = new LiveRun(input);
    await run.init();
    return run;
  }

  get kernel(): TradingKernel {
    if (this.kernelRef === null) throw new Error('LiveRun: kernel not started');
    return this.kernelRef;
  }

  get metricsUrl(): string | null {
    return this.metricsServer?.url ?? null;
  }

  /** The recording directory, or null when the run is not recorded. */
  get recordingDir(): string | null {
    return this.session?.dir ?? null;
  }

  private async init(): Promise<void> {
    const i = this.input;
    if (i.record !== undefined && (await pathExists(join(i.record, MANIFEST_FILE)))) {
      throw new LiveError(`--record ${i.record} already holds a recording; pass a new directory (a live run must be replayable from its own recording alone)`);
    }
    const { flushMs, ...tuning } = i.feed ?? {};
    this.feed = await LiveFeed.resolve({
      ...tuning,
      markets: i.markets,
      ...(i.series !== undefined ? { series: i.series } : {}),
      ...(i.rtds !== undefined ? { rtds: i.rtds } : {}),
      ...(i.wsUrl !== undefined ? { wsUrl: i.wsUrl } : {}),
      ...(i.clobUrl !== undefined ? { clobUrl: i.clobUrl } : {}),
      ...(i.gammaUrl !== undefined ? { gammaUrl: i.gammaUrl } : {}),
      ...(i.rtdsUrl !== undefined ? { rtdsUrl: i.rtdsUrl } : {}),
      ...(i.log !== undefined ? { log: i.log } : {}),
      nowNs: () => this.clock.now(),
    });
    this.kernelRef = new TradingKernel(
      kernelConfig(i.settings, {
        strategy: i.strategy.definition,
        params: i.params,
        markets: [...this.feed.marketList],
        ...(i.logSink !== undefined ? { logSink: i.logSink } : {}),
        ...(i.keepEventLog !== undefined ? { keepEventLog: i.keepEventLog } : {}),
      }),
    );
    const kernel = this.kernelRef;
    // advance from due time to due time: the kernel clock never runs ahead of data still to be stamped
    const target: WakeTarget = {
      nextDueNs: () => kernel.nextDueNs(),
      advanceTo: (t) => {
        for (let due = kernel.nextDueNs(); due !== null && due <= t; due = kernel.nextDueNs()) kernel.advanceTo(due < kernel.now() ? kernel.now() : due);
      },
    };
    this.driver = new LiveTimerDriver(target, this.clock, { onError: (e) => this.fail(e) });
    // series rounds / listed markets reach the kernel before their tokens are subscribed (a replay knows
    // them from the manifest from the start)
    this.feed.listen({ onMarket: (m) => kernel.learnMarket(m) });
    if (i.record !== undefined) {
      this.session = await RecordSession.attach(this.feed, {
        out: i.record,
        ...(flushMs !== undefined ? { flushMs } : {}),
        ...(i.log !== undefined ? { log: i.log } : {}),
        meta: { ...(i.meta ?? {}), mode: 'live --paper' },
        onRecord: (r) => this.onRecord(r),
      });
      // the session stopping by itself (fatal writer error, market WS never opened) stops the run
      this.session.done.then(
        () => undefined,
        (err: unknown) => this.fail(err),
      );
    } else {
      this.feed.listen({ onFatal: (err) => this.fail(err) });
      this.feed.start((r) => this.onRecord(r), { nextSeq: 1, floorNs: 0n, connPrefix: '' });
    }
    if (i.metricsPort !== undefined && i.metricsPort !== null) {
      try {
        this.metricsServer = await startMetricsServer(i.metricsPort, () => this.metrics());
      } catch (err) {
        void this.stop('fatal');
        await this.done.catch(() => undefined);
        throw new LiveError(`--metrics-port ${i.metricsPort}: cannot listen on 127.0.0.1 (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    const every = i.reportEveryMs ?? 30_000;
    if (every > 0) this.reportTimer = setInterval(() => void this.flushReports(), every);
    if (i.durationMs !== undefined && i.durationMs !== null) this.durationTimer = setTimeout(() => void this.stop('duration'), i.durationMs);
    if (i.signal !== undefined) {
      if (i.signal.aborted) void this.stop('signal');
      else i.signal.addEventListener('abort', () => void this.stop('signal'), { once: true });
    }
  }

  private onRecord(r: RawRecord): void {
    if (this.fatal !== null || this.stoppedFeeding) return;
    this.toKernel(r);
  }

  private stoppedFeeding = false;

  private toKernel(r: RawRecord): void {
    try {
      this.kernelRef!.onRecord(r);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.records += 1;
    if (r.kind === 'frame' && (r.source === 'market_ws' || r.source === 'rtds_ws')) {
      this.messages += 1;
      this.lastMessageNs = r.recvNs;
      const sec = Number(r.recvNs / 1_000_000_000n);
      this.buckets.set(sec, (this.buckets.get(sec) ?? 0) + 1);
      if (this.buckets.size > RATE_WINDOW_S + 2) for (const k of this.buckets.keys()) if (k <= sec - RATE_WINDOW_S) this.buckets.delete(k);
    }
    this.driver!.arm();
  }

  private fail(err: unknown): void {
    if (this.fatal !== null) return;
    this.fatal = err instanceof Error ? err : new Error(String(err));
    this.input.log?.('error', 'fatal: stopping', { error: this.fatal.message });
    void this.stop('fatal');
  }

  /** Current metrics (cheap; reads counters and the kernel without changing it). */
  metrics(): MetricsSnapshot {
    const k = this.kernelRef;
    const nowNs = this.clock.now();
    const nowSec = Number(nowNs / 1_000_000_000n);
    let recent = 0;
    for (const [sec, n] of this.buckets) if (sec > nowSec - RATE_WINDOW_S && sec <= nowSec) recent += n;
    const status: FeedStatus | null = this.stopping === null ? this.feed.status() : null;
    const marks = (assetId: string): D | null => k?.markOf(assetId) ?? null;
    const pnl = k === null ? 0n : k.portfolio.equity(marks) - this.input.settings.initialCash;
    return {
      messagesTotal: this.messages,
      messagesPerSecond: recent / RATE_WINDOW_S,
      lastMessageAgeSeconds: this.lastMessageNs === null ? null : Number(nowNs - this.lastMessageNs) / 1e9,
      reconnectsTotal: k?.quality.reconnects ?? 0,
      ordersTotal: k?.journal.orders.size ?? 0,
      fillsTotal: k?.journal.fills.length ?? 0,
      pnlDollars: formatCash(pnl),
      riskHalted: k?.risk.halted ?? false,
      normalizationErrorsTotal: k?.quality.normalizationErrors ?? 0,
      connected: status !== null && status.connections.length > 0 && status.connections.every((c) => c.state === 'open'),
    };
  }

  /** Writes the current state's reports (interim: recording digest 'live-in-progress'). Never overlaps itself. */
  async flushReports(): Promise<RenderRunResult | null> {
    if (this.flushing !== null || this.kernelRef === null || this.kernelRef.quality.records === 0) return null;
    const p = this.render(this.input.record !== undefined ? LIVE_IN_PROGRESS : LIVE_UNRECORDED);
    this.flushing = p;
    try {
      return await p;
    } catch (err) {
      this.input.log?.('warn', 'report flush failed', { error: err instanceof Error ? err.message : String(err) });
      return null;
    } finally {
      this.flushing = null;
    }
  }

  private render(digest: string): Promise<RenderRunResult> {
    const i = this.input;
    return renderRun({
      kernel: this.kernel,
      recording: i.record ?? 'live',
      recordingDigest: digest,
      strategy: i.strategy,
      strategyFile: i.strategyFile,
      params: i.params,
      paramsGiven: i.paramsGiven,
      settings: i.settings,
      outDir: i.outDir,
      window: { markets: i.markets },
      fallbackNs: this.clock.now(),
    });
  }

  /** Stops the run (idempotent): feed, cancel-all, finish, final reports. */
  stop(reason: LiveStopReason = 'stopped'): Promise<LiveResult> {
    if (this.stopping !== null) return this.stopping;
    this.stopping = this.shutdown(reason);
    this.stopping.then(this.resolveDone, this.rejectDone);
    return this.stopping;
  }

  private async shutdown(reason: LiveStopReason): Promise<LiveResult> {
    if (this.reportTimer !== null) clearInterval(this.reportTimer);
    if (this.durationTimer !== null) clearTimeout(this.durationTimer);
    if (this.flushing !== null) await this.flushing.catch(() => undefined);
    this.input.log?.('info', 'stopping', { reason });
    let summary: RecordSummary | null = null;
    try {
      if (this.session !== null) summary = await this.session.stop(reason === 'fatal' ? 'fatal' : reason);
      else await this.feed.stop();
    } catch (err) {
      if (this.fatal === null) this.fatal = err instanceof Error ? err : new Error(String(err));
    }
    this.stoppedFeeding = true;
    this.driver?.dispose();
    const kernel = this.kernel;
    let canceledAtStop = 0;
    try {
      canceledAtStop = kernel.exchange.openOrders().length;
      if (canceledAtStop > 0) {
        kernel.cancelAllOrders();
        for (let n = 0; n < 10_000 && kernel.exchange.openOrders().length > 0; n++) {
          const wake = kernel.exchange.nextWakeNs();
          if (wake === null) break;
          kernel.advanceTo(wake > kernel.now() ? wake : kernel.now());
        }
      }
      kernel.finish();
    } catch (err) {
      if (this.fatal === null) this.fatal = err instanceof Error ? err : new Error(String(err));
    }
    const recorded = this.input.record !== undefined && summary !== null;
    const digest = recorded ? digestOfManifest(summary!.manifest) : LIVE_UNRECORDED;
    try {
      const reports = await this.render(digest);
      return {
        kernel,
        reason: this.fatal !== null ? 'fatal' : reason,
        reports,
        recording: this.input.record ?? null,
        recordingDigest: digest,
        records: this.records,
        markets: [...this.feed.marketList],
        canceledAtStop,
        error: this.fatal,
      };
    } finally {
      await this.metricsServer?.close();
    }
  }
}

/** A live-run failure with a one-line message for people. */
export class LiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveError';
  }
}

/** Starts a run and waits for it to stop (signal, duration or fatal error). */
export async function runLive(input: LiveInput): Promise<LiveResult> {
  const run = await LiveRun.start(input);
  return run.done;
}
