/**
 * `poly exchange`: a local Polymarket-compatible exchange simulator on 127.0.0.1, used by every
 * networked test and by users to test bots offline. It behaves like Polymarket where a client can
 * tell (PROTOCOL.md §1-§4) and can misbehave on command (drops, stalls, garbage, HTTP errors).
 *
 * One HTTP server: CLOB REST at `/`, Gamma REST under `/gamma`, WebSocket upgrades at `/ws/market`,
 * `/ws/user`, `/rtds`, and a control plane under `/_sim/` (POST drop, stall?ms=, malformed?count=,
 * http?status=&count=&retryAfter=&path=, start, publish?assets=; GET stats).
 *
 * Market channel (PROTOCOL.md §1)
 * - The first JSON message must be the initial subscribe `{"assets_ids":[..],"type":"market",...}`;
 *   a dynamic `{"assets_ids":[..],"operation":"subscribe"|"unsubscribe"}` before it closes the
 *   connection with 1008. No ACK. Text `PING` -> text `PONG` (also before subscribing).
 * - On (initial or dynamic) subscribe: ONE frame, a JSON array of `book` messages (wire order: bids
 *   ascending, asks descending, best LAST; tick_size, last_trade_price, hash, timestamp as strings)
 *   for the newly subscribed assets that have a book. Nothing is sent when none has a book, when the
 *   message says `"initial_dump": false`, or when the connection holds more than 500 assets
 *   (Polymarket's silent limit, `maxAssetsForSnapshot`).
 * - Feed frames go only to connections subscribed to one of the frame's assets (a two-leg
 *   price_change reaches subscribers of either leg); `new_market`/`market_resolved` go to every
 *   connection with custom_feature_enabled (also when published with explicit ids; so does a
 *   scripted/recorded `NO NEW ASSETS` text frame); a frame with
 *   no asset id at all (and `publish(frame)` without ids) goes to every subscribed connection.
 * - `NO NEW ASSETS` text frames every `noNewAssetsEveryMs` of FEED time to subscribed
 *   custom-feature connections (default 30 s; 0 disables; off by default for recordings, which
 *   replay their own).
 * - A connection that has not subscribed within `subscribeTimeoutMs` is closed with 1008; one that
 *   sends no PING for `pingTimeoutMs` is terminated without a close frame (observed behaviour).
 *
 * Feed clock and ordering
 * - The timeline (timeline.ts) is played at `speed` x real time from start(); `'max'` sends as fast
 *   as the sockets drain. Frames are sent verbatim, in timeline order; for each frame every target
 *   connection gets it before the next frame is considered.
 * - Backpressure: after a frame, if a target's `ws.bufferedAmount` exceeds `highWaterBytes`, the
 *   feed waits for that socket to drain (bounded memory in firehose mode). A slow client therefore
 *   slows the feed for everyone; later frames are sent late, never dropped.
 * - Book state: the simulator applies every feed frame (and REST book responses of a recording) to
 *   its own per-asset books (books.ts), even frames nobody receives (lost in a stall, no subscriber):
 *   the exchange's state moves on; REST /book and subscribe snapshots show it.
 *
 * Faults
 * - dropConnections(): terminate() every market WS (no close frame) or close it with `code`.
 * - stall(ms): for ms of wall time nothing is sent on any WS (no data, no PONG, no snapshots).
 *   CHOICE: frames due meanwhile are LOST, as in a real stall - they are not queued and never
 *   appear in sent(); the book state still applies them, so a client must resync via snapshot/REST.
 *   A scenario `stall` fault is in FEED time instead: frames with atMs in [at, at+ms) are lost and
 *   nothing is sent while the feed clock is in that window (deterministic under speed 'max').
 * - injectMalformed(n): the next n market-channel feed/publish frames that reach at least one
 *   connection are replaced by malformed text (alternately truncated JSON and garbage).
 * - failHttp(): the next `count` REST responses (optionally only for paths starting with `path`)
 *   get `status` with `{"error":...}`; 429 carries `Retry-After: retryAfterS` (default 1).
 *
 * Introspection: sent() lists every frame handed to an OPEN market/RTDS socket whose write did not
 * fail, in send order, with a global seq; frames that never left (stall, no target, closed socket)
 * are not in it. received() lists client text messages (all channels).
 *
 * Known limits
 * - Binds 127.0.0.1 only. User channel: subscribe + PING/PONG only, it never sends order events.
 * - terminate() can still discard bytes sitting in the kernel send buffer of a slow client, so a
 *   frame listed in sent() right before a drop may not reach such a client.
 * - The sent()/received() logs grow with the run (off by default in firehose mode and in the CLI:
 *   `keepSentLog`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { RawRecord } from '../core/types/raw.ts';
import { SimBooks } from './books.ts';
import type { FirehoseOptions } from './firehose.ts';
import { eventTypes, frameRouting, malformedFrame, rtdsRouting, tryParseJson } from './frames.ts';
import { marketFromClob, marketFromGamma, marketFromNewMarket, resolveMarket, SimMarkets } from './markets.ts';
import { bookExtras, handleRest, type RestContext } from './rest.ts';
import { isParsedScenario, parseScenario, type ParsedScenario, type Scenario, type ScenarioFault } from './scenario.ts';
import { timeline, type FeedItem } from './timeline.ts';

export type { Scenario, ParsedScenario } from './scenario.ts';
export type { FirehoseOptions } from './firehose.ts';

export interface ExchangeOptions {
  /** Default and only allowed: '127.0.0.1'. */
  host?: string | undefined;
  /** Default 0 = ephemeral. */
  port?: number | undefined;
  scenario?: Scenario | ParsedScenario | undefined;
  /** Play a recording: market_ws/rtds_ws frames re-sent at their recorded relative times. */
  records?: AsyncIterable<RawRecord> | Iterable<RawRecord> | undefined;
  /** Synthetic deterministic price_change firehose (see firehose.ts). */
  firehose?: FirehoseOptions | undefined;
  /** Playback speed (default 1); 'max' = as fast as the sockets drain. */
  speed?: number | 'max' | undefined;
  /** Don't start the feed clock until start(). */
  startPaused?: boolean | undefined;
  /** Terminate a WS that sends no PING for this long (default 30000; 0 disables). */
  pingTimeoutMs?: number | undefined;
  /** Close a market/user WS that has not subscribed this long after opening (default 10000; 0 disables). */
  subscribeTimeoutMs?: number | undefined;
  /** Feed-time period of `NO NEW ASSETS` (default: scenario value, else 30000; 0 for recordings). 0 disables. */
  noNewAssetsEveryMs?: number | undefined;
  /** Epoch ms of feed time 0 for server timestamps (default: scenario, recording, else wall clock). */
  startEpochMs?: number | undefined;
  /** Keep the sent() and received() logs (default true, false with firehose; they grow with the run). */
  keepSentLog?: boolean | undefined;
  /** Above this many assets on one connection, no initial snapshots are sent (default 500). */
  maxAssetsForSnapshot?: number | undefined;
  /** CLOB /markets page size (default 100). */
  clobPageSize?: number | undefined;
  /** Backpressure threshold per socket (default 1 MiB). */
  highWaterBytes?: number | undefined;
  /** Send a post-trade `book` after each last_trade_price (default: scenario flag, else false). */
  bookAfterTrade?: boolean | undefined;
}

export type Channel = 'market' | 'user' | 'rtds';

export interface SentFrame {
  readonly connId: number;
  readonly seq: number;
  readonly text: string;
  readonly assetIds: readonly string[];
  readonly channel: 'market' | 'rtds';
}

export interface ReceivedMessage {
  readonly connId: number;
  readonly text: string;
  readonly channel: Channel;
}

export interface ExchangeStats {
  /** Open market-channel connections. */
  connections: number;
  connectionsByChannel: Record<Channel, number>;
  /** Connections accepted since start (all channels). */
  connectionsOpened: number;
  framesSent: number;
  bytesSent: number;
  /** Frames not sent because of a stall. */
  framesLost: number;
  malformedSent: number;
  httpRequests: number;
  httpFailuresInjected: number;
  clientMessages: number;
  badClientMessages: number;
  feedItems: number;
  /** Times the feed waited for a socket over the high-water mark to drain (backpressure). */
  drainWaits: number;
  feedDone: boolean;
  feedError: string | null;
}

export interface Exchange {
  readonly urls: { clob: string; gamma: string; marketWs: string; userWs: string; rtds: string; control: string };
  readonly port: number;
  /** Start (or resume) the feed clock. Idempotent. */
  start(): void;
  /** Resolves when the scripted/recorded feed has been fully sent; rejects if the feed source failed. */
  readonly done: Promise<void>;
  dropConnections(opts?: { code?: number | undefined; channels?: readonly Channel[] | undefined }): void;
  stall(ms: number): void;
  injectMalformed(count?: number): void;
  failHttp(f: { status: number; count: number; retryAfterS?: number | undefined; path?: string | undefined }): void;
  publish(frame: unknown, assetIds?: readonly string[]): void;
  publishRtds(frame: unknown): void;
  sent(): SentFrame[];
  received(): ReceivedMessage[];
  connectionCount(channel?: Channel): number;
  stats(): ExchangeStats;
  close(): Promise<void>;
}

export class ExchangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeError';
  }
}

interface RtdsSub {
  readonly topic: string;
  readonly type: string;
  readonly symbols: ReadonlySet<string> | null;
}

interface Conn {
  readonly id: number;
  readonly channel: Channel;
  readonly ws: WebSocket;
  /** The upgraded TCP socket under `ws`: corked during a burst of sends (one writev per burst). */
  readonly socket: Duplex;
  corked: boolean;
  subscribed: boolean;
  readonly assets: Set<string>;
  custom: boolean;
  rtdsSubs: RtdsSub[];
  pingTimer: NodeJS.Timeout | null;
  subTimer: NodeJS.Timeout | null;
  drainWaiters: (() => void)[];
}

interface SentEntry extends SentFrame {
  lost?: true;
}

interface HttpRule {
  readonly status: number;
  count: number;
  readonly retryAfterS: number;
  readonly path: string | null;
}

const DEFAULTS = {
  pingTimeoutMs: 30_000,
  subscribeTimeoutMs: 10_000,
  noNewAssetsEveryMs: 30_000,
  maxAssetsForSnapshot: 500,
  clobPageSize: 100,
  highWaterBytes: 1 << 20,
};
const RTDS_HISTORY = 60;
const NO_NEW_ASSETS = 'NO NEW ASSETS';
const YIELD_EVERY = 256;
const MAX_BODY = 10 << 20;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nowWall = (): number => performance.now();
const immediate = (): Promise<void> => new Promise((res) => setImmediate(res));

function stringList(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  const out: string[] = [];
  for (const x of v) if (typeof x === 'string') out.push(x);
  return out.length === v.length ? out : null;
}

/** RTDS `filters`: "btcusdt", "a,b", or JSON text `{"symbol":"btcusdt"}`; empty/absent = all. */
export function parseRtdsFilters(filters: unknown): Set<string> | null {
  if (typeof filters !== 'string' || filters.trim() === '') return null;
  const f = filters.trim();
  if (f.startsWith('{')) {
    const parsed = tryParseJson(f);
    if (isRecord(parsed)) {
      const sym = parsed.symbol;
      if (typeof sym === 'string') return new Set([sym.toLowerCase()]);
      const list = stringList(sym);
      if (list !== null) return new Set(list.map((s) => s.toLowerCase()));
    }
    return null;
  }
  return new Set(f.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''));
}

class SimExchange implements Exchange {
  readonly urls: Exchange['urls'];
  readonly port: number;
  readonly done: Promise<void>;

  private readonly markets = new SimMarkets();
  private readonly books = new SimBooks();
  private readonly conns = new Map<number, Conn>();
  private readonly corked: Conn[] = [];
  private readonly sentLog: SentEntry[] = [];
  private readonly receivedLog: ReceivedMessage[] = [];
  private readonly httpRules: HttpRule[] = [];
  private readonly rtdsHistory = new Map<string, { timestamp: unknown; value: unknown }[]>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly st: ExchangeStats = {
    connections: 0,
    connectionsByChannel: { market: 0, user: 0, rtds: 0 },
    connectionsOpened: 0,
    framesSent: 0,
    bytesSent: 0,
    framesLost: 0,
    malformedSent: 0,
    httpRequests: 0,
    httpFailuresInjected: 0,
    clientMessages: 0,
    badClientMessages: 0,
    feedItems: 0,
    drainWaits: 0,
    feedDone: false,
    feedError: null,
  };

  private server!: Server;
  private nextConnId = 1;
  private seq = 0;
  private closed = false;
  private running = false;
  private wallStart = 0;
  /** speed 'max': feed time of the item being processed. */
  private maxPos = 0;
  private feedEndedAtWall: number | null = null;
  private feedEndPos = 0;
  private stallWallUntil = 0;
  private stallFeedFrom = 0;
  private stallFeedUntil = 0;
  private malformedPending = 0;
  private malformedIndex = 0;
  private nextNoNewAt: number;
  private noNewTimer: NodeJS.Timeout | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private sleepWake: (() => void) | null = null;
  private resolveStarted!: () => void;
  private readonly started: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (e: unknown) => void;
  private epochMs: number | null;
  private headItem: FeedItem | null = null;
  private readonly feed: AsyncGenerator<FeedItem>;

  private readonly speed: number | 'max';
  private readonly pingTimeoutMs: number;
  private readonly subscribeTimeoutMs: number;
  private readonly noNewAssetsEveryMs: number;
  private readonly keepSentLog: boolean;
  private readonly maxAssetsForSnapshot: number;
  private readonly highWaterBytes: number;
  private readonly bookAfterTrade: boolean;
  private readonly restCtx: RestContext;

  constructor(
    opts: ExchangeOptions,
    scenario: ParsedScenario | null,
    port: number,
  ) {
    this.port = port;
    const base = `127.0.0.1:${port}`;
    this.urls = {
      clob: `http://${base}`,
      gamma: `http://${base}/gamma`,
      marketWs: `ws://${base}/ws/market`,
      userWs: `ws://${base}/ws/user`,
      rtds: `ws://${base}/rtds`,
      control: `http://${base}/_sim`,
    };
    this.speed = opts.speed ?? 1;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? DEFAULTS.pingTimeoutMs;
    this.subscribeTimeoutMs = opts.subscribeTimeoutMs ?? DEFAULTS.subscribeTimeoutMs;
    this.noNewAssetsEveryMs =
      opts.noNewAssetsEveryMs ?? scenario?.noNewAssetsEveryMs ?? (opts.records !== undefined ? 0 : DEFAULTS.noNewAssetsEveryMs);
    this.nextNoNewAt = this.noNewAssetsEveryMs;
    this.keepSentLog = opts.keepSentLog ?? opts.firehose === undefined;
    this.maxAssetsForSnapshot = opts.maxAssetsForSnapshot ?? DEFAULTS.maxAssetsForSnapshot;
    this.highWaterBytes = opts.highWaterBytes ?? DEFAULTS.highWaterBytes;
    this.bookAfterTrade = opts.bookAfterTrade ?? scenario?.bookAfterTrade ?? false;
    this.epochMs = opts.startEpochMs ?? scenario?.startEpochMs ?? null;
    this.restCtx = {
      markets: this.markets,
      books: this.books,
      nowMs: () => this.serverNowMs(),
      clobPageSize: opts.clobPageSize ?? DEFAULTS.clobPageSize,
    };
    this.started = new Promise((res) => (this.resolveStarted = res));
    this.done = new Promise((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    this.done.catch(() => undefined); // a failed feed is reported through done and stats, never unhandled
    if (scenario !== null) scenario.markets.forEach((g) => this.addGamma(structuredClone(g)));
    const epochForFirehose = this.epochMs ?? Date.now();
    this.feed = timeline({
      scenario,
      firehose: opts.firehose ?? null,
      records: opts.records ?? null,
      epochMs: epochForFirehose,
      onFirstRecord: (r) => {
        if (this.epochMs === null) this.epochMs = Number(r.recvNs / 1_000_000n);
      },
    });
  }

  // ---------------------------------------------------------------------------------------------
  // lifecycle

  /** Applies the REST responses at the head of the timeline (markets known before anyone asks). */
  async prefetch(): Promise<void> {
    for (;;) {
      const r = await this.feed.next();
      if (r.done === true) return;
      if (r.value.kind === 'rest') {
        this.applyRestPayload(r.value.payload);
        this.st.feedItems++;
        continue;
      }
      this.headItem = r.value;
      return;
    }
  }

  attach(server: Server): void {
    this.server = server;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `simulator error: ${(err as Error).message}` }));
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    void this.run();
  }

  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.wallStart = nowWall();
    this.resolveStarted();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.resolveStarted();
    if (this.sleepTimer !== null) clearTimeout(this.sleepTimer);
    this.sleepWake?.();
    if (this.noNewTimer !== null) clearInterval(this.noNewTimer);
    this.uncorkAll();
    for (const c of this.conns.values()) {
      this.clearConnTimers(c);
      c.ws.terminate();
      for (const w of c.drainWaiters.splice(0)) w();
    }
    this.feed.return(undefined).catch(() => undefined);
    await new Promise<void>((res) => this.wss.close(() => res()));
    await new Promise<void>((res) => {
      this.server.close(() => res());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // clocks

  /** Feed time in ms since the start of the feed. */
  private feedNow(): number {
    if (!this.running) return 0;
    const now = nowWall();
    if (this.feedEndedAtWall !== null && this.speed === 'max') return this.feedEndPos + (now - this.feedEndedAtWall);
    if (this.speed === 'max') return this.maxPos;
    return (now - this.wallStart) * this.speed;
  }

  private serverNowMs(): number {
    return this.epochMs === null ? Date.now() : Math.floor(this.epochMs + this.feedNow());
  }

  private stalled(): boolean {
    if (nowWall() < this.stallWallUntil) return true;
    const f = this.feedNow();
    return f >= this.stallFeedFrom && f < this.stallFeedUntil;
  }

  private frameStalled(atMs: number): boolean {
    return nowWall() < this.stallWallUntil || (atMs >= this.stallFeedFrom && atMs < this.stallFeedUntil);
  }

  private sleepUntilWall(t: number): Promise<void> {
    const ms = t - nowWall();
    if (ms <= 0) return Promise.resolve();
    return new Promise((res) => {
      this.sleepWake = res;
      this.sleepTimer = setTimeout(() => {
        this.sleepTimer = null;
        this.sleepWake = null;
        res();
      }, Math.ceil(ms));
    });
  }

  // ---------------------------------------------------------------------------------------------
  // feed loop

  private async run(): Promise<void> {
    await this.started;
    try {
      let n = 0;
      for (;;) {
        if (this.closed) return;
        let item: FeedItem;
        if (this.headItem !== null) {
          item = this.headItem;
          this.headItem = null;
        } else {
          const r = await this.feed.next();
          if (r.done === true) break;
          item = r.value;
        }
        if (this.speed !== 'max' || (this.noNewAssetsEveryMs > 0 && this.nextNoNewAt <= item.atMs)) await this.waitDue(item.atMs);
        if (this.closed) return;
        if (this.speed === 'max') this.maxPos = item.atMs;
        this.st.feedItems++;
        const waits = this.process(item);
        if (waits !== null) await waits;
        if (++n % YIELD_EVERY === 0) await immediate();
      }
    } catch (err) {
      this.st.feedError = (err as Error).message;
      this.rejectDone(err);
      return;
    }
    if (this.closed) return;
    this.st.feedDone = true;
    this.feedEndPos = this.speed === 'max' ? this.maxPos : this.feedNow();
    this.feedEndedAtWall = nowWall();
    this.startPostFeedNoNewAssets();
    this.resolveDone();
  }

  /** Waits (numeric speed) until the item is due, emitting NO NEW ASSETS frames due before it. */
  private async waitDue(atMs: number): Promise<void> {
    const every = this.noNewAssetsEveryMs;
    for (;;) {
      if (this.closed) return;
      const noNewDue = every > 0 && this.nextNoNewAt <= atMs;
      const target = noNewDue ? this.nextNoNewAt : atMs;
      if (this.speed !== 'max') await this.sleepUntilWall(this.wallStart + target / this.speed);
      if (this.closed) return;
      if (!noNewDue) return;
      if (this.speed === 'max') this.maxPos = this.nextNoNewAt;
      this.broadcastNoNewAssets();
      this.nextNoNewAt += every;
    }
  }

  private startPostFeedNoNewAssets(): void {
    const every = this.noNewAssetsEveryMs;
    if (every <= 0 || this.closed) return;
    const speed = this.speed === 'max' ? 1 : this.speed;
    this.noNewTimer = setInterval(() => this.broadcastNoNewAssets(), Math.max(1, every / speed));
  }

  /** Processes one timeline item; returns a promise when the feed must wait for sockets to drain. */
  private process(item: FeedItem): Promise<void> | null {
    switch (item.kind) {
      case 'fault':
        this.applyFault(item.fault, item.atMs);
        return null;
      case 'rest':
        this.applyRestPayload(item.payload);
        return null;
      case 'frame':
        return item.channel === 'market' ? this.feedMarketFrame(item) : this.feedRtdsFrame(item.text, item.atMs);
    }
  }

  private feedMarketFrame(item: Extract<FeedItem, { kind: 'frame' }>): Promise<void> | null {
    const parsed = item.parsed !== undefined ? item.parsed : tryParseJson(item.text);
    const routing = item.local === true && item.assets !== null ? { assets: item.assets, global: false } : frameRouting(parsed);
    if (parsed !== undefined) this.applyMarketState(parsed);
    const assets = item.assets ?? routing.assets;
    // a recorded/scripted NO NEW ASSETS goes where the simulator's own would: custom-feature connections
    const global = routing.global || item.text === NO_NEW_ASSETS;
    const slow = this.broadcastMarket(item.text, assets, global, item.atMs, true);
    if (this.bookAfterTrade && parsed !== undefined && eventTypes(parsed).includes('last_trade_price')) {
      for (const id of routing.assets) {
        const b = this.books.wireBook(id, bookExtras(this.restCtx, id), String(this.serverNowMs()), false);
        if (b !== null) slow.push(...this.broadcastMarket(JSON.stringify(b), [id], false, item.atMs, false));
      }
    }
    return slow.length === 0 ? null : this.drainAll(slow);
  }

  private feedRtdsFrame(text: string, atMs: number | null): Promise<void> | null {
    const parsed = tryParseJson(text);
    const r = rtdsRouting(parsed);
    if (r !== null && r.symbol !== null && r.type === 'update' && isRecord(parsed) && isRecord(parsed.payload)) {
      const key = `${r.topic}|${r.symbol}`;
      let h = this.rtdsHistory.get(key);
      if (h === undefined) this.rtdsHistory.set(key, (h = []));
      h.push({ timestamp: parsed.payload.timestamp, value: parsed.payload.value });
      if (h.length > RTDS_HISTORY) h.shift();
    }
    const targets = [...this.conns.values()].filter(
      (c) =>
        c.channel === 'rtds' &&
        c.ws.readyState === WebSocket.OPEN &&
        (r === null ? c.rtdsSubs.length > 0 : c.rtdsSubs.some((s) => rtdsMatches(s, r.topic, r.type, r.symbol))),
    );
    if (targets.length === 0) return null;
    if (atMs === null ? this.stalled() : this.frameStalled(atMs)) {
      this.st.framesLost++;
      return null;
    }
    const slow: Conn[] = [];
    const assets = r?.symbol != null ? [r.symbol] : [];
    for (const c of targets) if (this.sendRaw(c, text, assets)) slow.push(c);
    return slow.length === 0 ? null : this.drainAll(slow);
  }

  /**
   * Sends a market-channel frame to its targets. Returns the target connections that are now over
   * the high-water mark (the caller may wait for them).
   */
  private broadcastMarket(text: string, assets: readonly string[], global: boolean, atMs: number | null, malformable: boolean): Conn[] {
    const targets: Conn[] = [];
    for (const c of this.conns.values()) {
      if (c.channel !== 'market' || !c.subscribed || c.ws.readyState !== WebSocket.OPEN) continue;
      if (global) {
        if (c.custom) targets.push(c);
      } else if (assets.length === 0 || assets.some((a) => c.assets.has(a))) {
        targets.push(c);
      }
    }
    if (targets.length === 0) return [];
    if (atMs === null ? this.stalled() : this.frameStalled(atMs)) {
      this.st.framesLost++;
      return [];
    }
    let out = text;
    if (malformable && this.malformedPending > 0) {
      this.malformedPending--;
      out = malformedFrame(text, this.malformedIndex++);
      this.st.malformedSent++;
    }
    const slow: Conn[] = [];
    for (const c of targets) if (this.sendRaw(c, out, assets)) slow.push(c);
    return slow;
  }

  private broadcastNoNewAssets(): void {
    if (this.stalled()) return;
    for (const c of this.conns.values()) {
      if (c.channel === 'market' && c.subscribed && c.custom && c.ws.readyState === WebSocket.OPEN) this.sendRaw(c, NO_NEW_ASSETS, []);
    }
  }

  /** Sends one text frame; returns true when the socket is now over the high-water mark. */
  private sendRaw(c: Conn, text: string, assets: readonly string[]): boolean {
    if (c.ws.readyState !== WebSocket.OPEN) return false;
    const seq = ++this.seq;
    let entry: SentEntry | null = null;
    if (this.keepSentLog && c.channel !== 'user') {
      entry = { connId: c.id, seq, text, assetIds: assets, channel: c.channel === 'rtds' ? 'rtds' : 'market' };
      this.sentLog.push(entry);
    }
    this.st.framesSent++;
    this.st.bytesSent += text.length;
    if (!c.corked) {
      // coalesce the frames of this synchronous burst into one write: uncorked on the next tick
      c.corked = true;
      c.socket.cork();
      this.corked.push(c);
      if (this.corked.length === 1) process.nextTick(this.uncorkAll);
    }
    c.ws.send(text, (err) => {
      if (err != null && entry !== null) entry.lost = true;
      if (c.drainWaiters.length > 0 && (err != null || c.ws.bufferedAmount <= this.highWaterBytes / 4)) {
        for (const w of c.drainWaiters.splice(0)) w();
      }
    });
    return c.ws.bufferedAmount > this.highWaterBytes;
  }

  private readonly uncorkAll = (): void => {
    for (const c of this.corked.splice(0)) {
      c.corked = false;
      c.socket.uncork();
    }
  };

  private async drainAll(conns: Conn[]): Promise<void> {
    for (const c of conns) {
      if (c.ws.readyState !== WebSocket.OPEN || c.ws.bufferedAmount <= this.highWaterBytes / 4) continue;
      this.st.drainWaits++;
      await new Promise<void>((res) => c.drainWaiters.push(res));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // state

  private addGamma(g: Record<string, unknown>): void {
    const m = marketFromGamma(g);
    if (m !== null) this.markets.add(m);
  }

  private applyMarketState(parsed: unknown): void {
    this.books.applyFrame(parsed);
    const msgs = Array.isArray(parsed) ? parsed : [parsed];
    for (const m of msgs) {
      if (!isRecord(m)) continue;
      if (m.event_type === 'new_market') {
        const cid = typeof m.condition_id === 'string' ? m.condition_id : typeof m.market === 'string' ? m.market : null;
        if (cid !== null && this.markets.byConditionId(cid) === undefined) {
          const sm = marketFromNewMarket(m, this.markets.size);
          if (sm !== null) this.markets.add(sm);
        }
      } else if (m.event_type === 'market_resolved') {
        const cid = typeof m.market === 'string' ? m.market : null;
        const sm = cid === null ? undefined : this.markets.byConditionId(cid);
        if (sm !== undefined && typeof m.winning_asset_id === 'string') resolveMarket(sm, m.winning_asset_id);
      }
    }
  }

  /** A recorded REST response: Gamma markets/events, CLOB markets, or book summaries. */
  private applyRestPayload(payload: string): void {
    const parsed = tryParseJson(payload);
    const one = (o: unknown): void => {
      if (!isRecord(o)) return;
      if (typeof o.conditionId === 'string' && o.clobTokenIds !== undefined) {
        this.addGamma(o);
      } else if (Array.isArray(o.markets)) {
        for (const m of o.markets) one(m); // keyset page or event
      } else if (Array.isArray(o.data)) {
        for (const m of o.data) one(m); // CLOB /markets page
      } else if (typeof o.condition_id === 'string' && Array.isArray(o.tokens)) {
        const known = this.markets.byConditionId(o.condition_id);
        if (known !== undefined) known.clob = o;
        else {
          const m = marketFromClob(o, this.markets.size);
          if (m !== null) this.markets.add(m);
        }
      } else if (typeof o.asset_id === 'string' && (Array.isArray(o.bids) || Array.isArray(o.asks))) {
        this.books.applyRestBook(o);
      }
    };
    if (Array.isArray(parsed)) for (const o of parsed) one(o);
    else one(parsed);
  }

  // ---------------------------------------------------------------------------------------------
  // faults and API

  private applyFault(f: ScenarioFault, atMs: number): void {
    switch (f.type) {
      case 'drop':
        this.dropConnections({ code: f.code });
        break;
      case 'stall':
        this.stallFeedFrom = atMs;
        this.stallFeedUntil = atMs + f.ms;
        break;
      case 'malformed':
        this.injectMalformed(f.count ?? 1);
        break;
      case 'http':
        this.failHttp(f);
        break;
    }
  }

  dropConnections(opts: { code?: number | undefined; channels?: readonly Channel[] | undefined } = {}): void {
    const channels = opts.channels ?? ['market'];
    this.uncorkAll(); // frames already sent in this burst leave before the drop
    for (const c of [...this.conns.values()]) {
      if (!channels.includes(c.channel)) continue;
      if (opts.code === undefined) c.ws.terminate();
      else c.ws.close(opts.code, 'simulated drop');
    }
  }

  stall(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new ExchangeError(`stall(ms) needs a non-negative number of ms, got ${ms}`);
    this.stallWallUntil = Math.max(this.stallWallUntil, nowWall() + ms);
  }

  injectMalformed(count = 1): void {
    if (!(Number.isInteger(count) && count >= 0)) throw new ExchangeError(`injectMalformed(count) needs a non-negative integer, got ${count}`);
    this.malformedPending += count;
  }

  failHttp(f: { status: number; count: number; retryAfterS?: number | undefined; path?: string | undefined }): void {
    if (!(Number.isInteger(f.status) && f.status >= 100 && f.status <= 599)) throw new ExchangeError(`failHttp: bad status ${f.status}`);
    if (!(Number.isInteger(f.count) && f.count >= 0)) throw new ExchangeError(`failHttp: bad count ${f.count}`);
    if (f.count === 0) return;
    this.httpRules.push({ status: f.status, count: f.count, retryAfterS: f.retryAfterS ?? 1, path: f.path ?? null });
  }

  publish(frame: unknown, assetIds?: readonly string[]): void {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    const parsed = tryParseJson(text);
    if (parsed !== undefined) this.applyMarketState(parsed);
    const global = text === NO_NEW_ASSETS || (parsed !== undefined && frameRouting(parsed).global);
    this.broadcastMarket(text, assetIds ?? [], global, null, true);
  }

  publishRtds(frame: unknown): void {
    this.feedRtdsFrame(typeof frame === 'string' ? frame : JSON.stringify(frame), null);
  }

  sent(): SentFrame[] {
    const out: SentFrame[] = [];
    for (const e of this.sentLog) {
      if (e.lost !== true) out.push({ connId: e.connId, seq: e.seq, text: e.text, assetIds: e.assetIds, channel: e.channel });
    }
    return out;
  }

  received(): ReceivedMessage[] {
    return [...this.receivedLog];
  }

  connectionCount(channel: Channel = 'market'): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.channel === channel && c.ws.readyState === WebSocket.OPEN) n++;
    return n;
  }

  stats(): ExchangeStats {
    const by: Record<Channel, number> = { market: 0, user: 0, rtds: 0 };
    for (const c of this.conns.values()) if (c.ws.readyState === WebSocket.OPEN) by[c.channel]++;
    return { ...this.st, connections: by.market, connectionsByChannel: by };
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/_sim/') || url.pathname === '/_sim') {
      const body = await readBody(req);
      const r = this.control(method, url, body ?? '');
      send(res, r.status, r.body);
      return;
    }
    this.st.httpRequests++;
    const rule = this.httpRules.find((r) => r.count > 0 && (r.path === null || url.pathname.startsWith(r.path)));
    if (rule !== undefined) {
      rule.count--;
      if (rule.count === 0) this.httpRules.splice(this.httpRules.indexOf(rule), 1);
      this.st.httpFailuresInjected++;
      req.resume();
      const headers: Record<string, string> = rule.status === 429 ? { 'retry-after': String(rule.retryAfterS) } : {};
      send(res, rule.status, JSON.stringify({ error: `simulated HTTP ${rule.status}` }), headers);
      return;
    }
    const body = await readBody(req);
    if (body === null) {
      send(res, 413, JSON.stringify({ error: 'request body too large' }));
      return;
    }
    const r = handleRest(this.restCtx, method, url, body);
    send(res, r.status, r.body, r.headers);
  }

  private control(method: string, url: URL, body: string): { status: number; body: string } {
    const q = url.searchParams;
    const ok = (extra: Record<string, unknown> = {}): { status: number; body: string } => ({ status: 200, body: JSON.stringify({ ok: true, ...extra }) });
    const bad = (msg: string, status = 400): { status: number; body: string } => ({ status, body: JSON.stringify({ error: msg }) });
    const int = (name: string, dflt: number | null): number | null => {
      const v = q.get(name);
      if (v === null || v === '') return dflt;
      return /^\d+$/.test(v) ? Number.parseInt(v, 10) : null;
    };
    const action = url.pathname.replace(/^\/_sim\/?/, '').replace(/\/+$/, '');
    if (action === 'stats') return method === 'GET' ? { status: 200, body: JSON.stringify(this.stats()) } : bad('use GET', 405);
    if (method !== 'POST') return bad(`use POST /_sim/${action}`, 405);
    switch (action) {
      case 'start':
        this.start();
        return ok();
      case 'drop': {
        const code = int('code', -1);
        if (code === null || (code !== -1 && (code < 1000 || code > 4999))) return bad('code must be an integer in 1000..4999');
        this.dropConnections(code === -1 ? {} : { code });
        return ok();
      }
      case 'stall': {
        const ms = int('ms', null);
        if (ms === null) return bad('stall needs ?ms=<non-negative integer>');
        this.stall(ms);
        return ok({ ms });
      }
      case 'malformed': {
        const count = int('count', 1);
        if (count === null) return bad('count must be a non-negative integer');
        this.injectMalformed(count);
        return ok({ count });
      }
      case 'http': {
        const status = int('status', null);
        const count = int('count', 1);
        const retryAfter = int('retryAfter', 1);
        const path = q.get('path');
        if (status === null || status < 100 || status > 599) return bad('http needs ?status=<100..599>');
        if (count === null || retryAfter === null) return bad('count and retryAfter must be non-negative integers');
        if (path !== null && !path.startsWith('/')) return bad('path must start with /');
        this.failHttp({ status, count, retryAfterS: retryAfter, path: path ?? undefined });
        return ok();
      }
      case 'publish': {
        if (body === '') return bad('publish needs the frame text as the request body');
        const assets = q.get('assets');
        this.publish(body, assets === null ? undefined : assets.split(',').filter((s) => s !== ''));
        return ok();
      }
      default:
        return bad(`unknown control action: ${action}`, 404);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // WebSockets

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '');
    const channel: Channel | null = path === '/ws/market' ? 'market' : path === '/ws/user' ? 'user' : path === '/rtds' ? 'rtds' : null;
    if (channel === null || this.closed) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, channel, socket));
  }

  private onConnection(ws: WebSocket, channel: Channel, socket: Duplex): void {
    const c: Conn = {
      id: this.nextConnId++,
      channel,
      ws,
      socket,
      corked: false,
      subscribed: false,
      assets: new Set(),
      custom: false,
      rtdsSubs: [],
      pingTimer: null,
      subTimer: null,
      drainWaiters: [],
    };
    this.conns.set(c.id, c);
    this.st.connectionsOpened++;
    if (this.pingTimeoutMs > 0) {
      c.pingTimer = setTimeout(() => {
        this.uncorkAll();
        ws.terminate();
      }, this.pingTimeoutMs);
    }
    if (this.subscribeTimeoutMs > 0 && channel !== 'rtds') {
      c.subTimer = setTimeout(() => {
        if (!c.subscribed) ws.close(1008, 'no subscription received');
      }, this.subscribeTimeoutMs);
    }
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(c, data, isBinary));
    ws.on('close', () => {
      this.clearConnTimers(c);
      this.conns.delete(c.id);
      for (const w of c.drainWaiters.splice(0)) w();
    });
    ws.on('error', () => undefined); // abrupt client disconnects are normal here
  }

  private clearConnTimers(c: Conn): void {
    if (c.pingTimer !== null) clearTimeout(c.pingTimer);
    if (c.subTimer !== null) clearTimeout(c.subTimer);
    c.pingTimer = null;
    c.subTimer = null;
  }

  private onMessage(c: Conn, data: RawData, isBinary: boolean): void {
    const text = isBinary
      ? ''
      : Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8');
    if (this.keepSentLog) this.receivedLog.push({ connId: c.id, text, channel: c.channel });
    this.st.clientMessages++;
    if (text === 'PING' || text === 'ping') {
      c.pingTimer?.refresh();
      const reply = text === 'PING' ? 'PONG' : 'pong';
      if (this.stalled()) this.st.framesLost++;
      else this.sendRaw(c, reply, []);
      return;
    }
    const msg = tryParseJson(text);
    if (!isRecord(msg)) {
      this.st.badClientMessages++;
      return;
    }
    if (c.channel === 'market') this.onMarketMessage(c, msg);
    else if (c.channel === 'rtds') this.onRtdsMessage(c, msg);
    else this.onUserMessage(c, msg);
  }

  private onMarketMessage(c: Conn, msg: Record<string, unknown>): void {
    const ids = stringList(msg.assets_ids);
    const op = msg.operation;
    if (ids === null) {
      this.st.badClientMessages++;
      return;
    }
    if (op === 'subscribe' || op === 'unsubscribe') {
      if (!c.subscribed) {
        c.ws.close(1008, 'initial subscribe must come first');
        return;
      }
      if (op === 'unsubscribe') {
        for (const id of ids) c.assets.delete(id);
        return;
      }
      if (msg.custom_feature_enabled === true) c.custom = true;
      this.subscribe(c, ids, msg.initial_dump !== false);
      return;
    }
    if (typeof msg.type === 'string' && msg.type.toLowerCase() === 'market') {
      c.subscribed = true;
      if (c.subTimer !== null) clearTimeout(c.subTimer);
      c.subTimer = null;
      if (typeof msg.custom_feature_enabled === 'boolean') c.custom = msg.custom_feature_enabled;
      this.subscribe(c, ids, msg.initial_dump !== false);
      return;
    }
    this.st.badClientMessages++;
  }

  private subscribe(c: Conn, ids: readonly string[], dump: boolean): void {
    const added: string[] = [];
    for (const id of ids) {
      if (!c.assets.has(id)) added.push(id);
      c.assets.add(id);
    }
    if (!dump || c.assets.size > this.maxAssetsForSnapshot) return;
    const now = String(this.serverNowMs());
    const books: Record<string, unknown>[] = [];
    const withBook: string[] = [];
    for (const id of added) {
      const b = this.books.wireBook(id, bookExtras(this.restCtx, id), now, true);
      if (b !== null) {
        books.push(b);
        withBook.push(id);
      }
    }
    if (books.length === 0) return;
    if (this.stalled()) {
      this.st.framesLost++;
      return;
    }
    this.sendRaw(c, JSON.stringify(books), withBook);
  }

  private onRtdsMessage(c: Conn, msg: Record<string, unknown>): void {
    const action = msg.action;
    if ((action !== 'subscribe' && action !== 'unsubscribe') || !Array.isArray(msg.subscriptions)) {
      this.st.badClientMessages++;
      return;
    }
    for (const s of msg.subscriptions) {
      if (!isRecord(s) || typeof s.topic !== 'string') continue;
      const sub: RtdsSub = { topic: s.topic, type: typeof s.type === 'string' ? s.type : '*', symbols: parseRtdsFilters(s.filters) };
      if (action === 'unsubscribe') {
        c.rtdsSubs = c.rtdsSubs.filter((x) => x.topic !== sub.topic || (sub.symbols !== null && !overlaps(x.symbols, sub.symbols)));
        continue;
      }
      c.rtdsSubs.push(sub);
      c.subscribed = true;
      if (sub.symbols === null) continue;
      for (const sym of sub.symbols) {
        const h = this.rtdsHistory.get(`${sub.topic}|${sym}`);
        if (h === undefined || h.length === 0) continue;
        const frame = JSON.stringify({ topic: sub.topic, type: 'subscribe', timestamp: this.serverNowMs(), payload: { symbol: sym, data: h } });
        if (this.stalled()) this.st.framesLost++;
        else this.sendRaw(c, frame, [sym]);
      }
    }
  }

  private onUserMessage(c: Conn, msg: Record<string, unknown>): void {
    if (msg.type === 'user' || msg.type === 'USER' || msg.operation === 'subscribe' || msg.operation === 'unsubscribe') {
      c.subscribed = true;
      if (c.subTimer !== null) clearTimeout(c.subTimer);
      c.subTimer = null;
      return;
    }
    this.st.badClientMessages++;
  }
}

function overlaps(a: ReadonlySet<string> | null, b: ReadonlySet<string>): boolean {
  if (a === null) return true;
  for (const x of b) if (a.has(x)) return true;
  return false;
}

function rtdsMatches(s: RtdsSub, topic: string, type: string, symbol: string | null): boolean {
  if (s.topic !== topic) return false;
  if (s.type !== '*' && s.type !== '' && s.type !== type) return false;
  return s.symbols === null || (symbol !== null && s.symbols.has(symbol));
}

function send(res: ServerResponse, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  const isJson = body.startsWith('{') || body.startsWith('[') || body.startsWith('"');
  res.writeHead(status, { 'content-type': isJson ? 'application/json' : 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooBig ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function validate(opts: ExchangeOptions): void {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new ExchangeError(`the exchange simulator binds only 127.0.0.1 (got host '${host}')`);
  const port = opts.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new ExchangeError(`port must be an integer in 0..65535 (got ${port})`);
  const speed = opts.speed ?? 1;
  if (speed !== 'max' && !(typeof speed === 'number' && Number.isFinite(speed) && speed > 0)) {
    throw new ExchangeError(`speed must be a positive number or 'max' (got ${String(speed)})`);
  }
  for (const k of ['pingTimeoutMs', 'subscribeTimeoutMs', 'noNewAssetsEveryMs', 'highWaterBytes', 'maxAssetsForSnapshot'] as const) {
    const v = opts[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new ExchangeError(`${k} must be a non-negative number (got ${v})`);
  }
  const page = opts.clobPageSize;
  if (page !== undefined && !(Number.isInteger(page) && page > 0)) throw new ExchangeError(`clobPageSize must be a positive integer (got ${page})`);
  const fh = opts.firehose;
  if (fh !== undefined && (!(Number.isInteger(fh.frames) && fh.frames >= 0) || fh.assets.length === 0)) {
    throw new ExchangeError('firehose needs frames >= 0 and at least one asset');
  }
}

/**
 * Starts the simulator on 127.0.0.1 (port 0 = ephemeral). Throws ExchangeError for bad options,
 * a busy port, or ScenarioError for an invalid scenario.
 */
export async function startExchange(opts: ExchangeOptions = {}): Promise<Exchange> {
  validate(opts);
  const scenario = opts.scenario === undefined ? null : isParsedScenario(opts.scenario) ? opts.scenario : parseScenario(opts.scenario);
  const server = createServer({ keepAlive: true });
  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new ExchangeError(
          err.code === 'EADDRINUSE' ? `port ${opts.port ?? 0} on 127.0.0.1 is already in use` : `cannot listen on 127.0.0.1:${opts.port ?? 0}: ${err.message}`,
        ),
      );
    };
    server.once('error', onError);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr !== null ? addr.port : 0);
    });
  });
  const ex = new SimExchange(opts, scenario, port);
  try {
    await ex.prefetch();
  } catch (err) {
    server.close();
    throw err;
  }
  ex.attach(server);
  if (opts.startPaused !== true) ex.start();
  return ex;
}
