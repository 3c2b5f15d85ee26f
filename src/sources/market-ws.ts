/**
 * MarketWsClient: the CLOB market channel, sharded, recorded verbatim, reconciled over REST.
 *
 * Invariants
 * - Everything is recorded as RawRecords (source market_ws) by ManagedWs (ws-conn.ts): open, send
 *   (subscribe JSON and every PING, verbatim), frame (every text frame verbatim, PONG and
 *   NO NEW ASSETS included), close, error. Nothing is parsed on the hot path.
 * - Sharding: at most maxAssetsPerConnection (default 400) assets per connection; above that the
 *   assets are spread over several connections (the server silently drops the initial books
 *   above ~500 per connection). Shards are filled in order; a dynamic subscribe goes to the first
 *   shard with room, else a new shard.
 * - Subscriptions never survive a reconnect: on every open the shard sends its full initial
 *   subscribe `{"assets_ids":[…],"type":"market","custom_feature_enabled":true}`.
 * - Dynamic changes use the same connection: `{"assets_ids":[…],"operation":"subscribe"|"unsubscribe",…}`.
 *   A shard left with no assets is closed.
 * - Reconciliation: after every open (and every snapshotIntervalMs while open, and for assets
 *   added dynamically) the shard's assets are fetched with REST `POST /books`; the ClobClient
 *   records request + response as clob_rest records with meta {wsConn, reason}. A failed
 *   reconciliation is logged and recorded (error record) and never stops the feed.
 *
 * Backpressure: see source.ts (sink, or unbounded queue with depth in stats()).
 * Known limits: one PING cadence for all shards; REST reconciliation is best effort.
 */
import type { Rng } from '../core/rng.ts';
import { seededRng } from '../core/rng.ts';
import type { RawRecord } from '../core/types/raw.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import type { ClobClient } from './clob.ts';
import { ConnIds, resolveEmitter, type LiveSource, type QueueStats, type RecordEmitter, type RecordSink } from './source.ts';
import type { Stamper } from './stamp.ts';
import { ManagedWs, type CloseInfo, type WsStatus } from './ws-conn.ts';

export const DEFAULT_MARKET_WS_URL = 'wss://ws-subscriptions-clob.polymarket.com/ws/market';

export type LogFn = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface MarketWsOptions {
  readonly url?: string;
  readonly assetIds: readonly string[];
  readonly customFeatures?: boolean;
  /** Adds "initial_dump": true to the initial subscribe (the official Rust SDK sends it). */
  readonly initialDump?: boolean;
  readonly pingIntervalMs?: number;
  readonly staleAfterMs?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** Jitter source; each shard gets a fork. Default: a fixed seed. */
  readonly rng?: Rng;
  readonly maxAssetsPerConnection?: number;
  /** REST client for `POST /books` reconciliation; null/absent disables it. */
  readonly rest?: ClobClient | null;
  /** Periodic reconciliation while open; 0 disables (the post-connect one always runs). */
  readonly snapshotIntervalMs?: number;
  /** Stamps records (with `sink`, or into this client's queue) ... */
  readonly stamper?: Stamper;
  readonly sink?: RecordSink;
  /** ... or a shared emitter (e.g. the one the REST client records through). One of the two is required. */
  readonly emitter?: RecordEmitter;
  readonly conns?: ConnIds;
  readonly onLog?: LogFn;
  /** After every close of any shard's socket; wasOpen = false when the dial itself failed. */
  readonly onConnectionClosed?: (info: CloseInfo) => void;
  readonly now?: () => number;
}

export interface ShardStatus extends WsStatus {
  readonly shard: number;
  readonly assets: number;
}

interface Shard {
  readonly index: number;
  readonly assets: Set<string>;
  readonly ws: ManagedWs;
  snapshotTimer: NodeJS.Timeout | null;
}

/** Splits ids into consecutive chunks of at most `max` (order kept, duplicates dropped). */
export function shardAssets(ids: readonly string[], max: number): string[][] {
  if (!(Number.isInteger(max) && max > 0)) throw new RangeError(`maxAssetsPerConnection must be a positive integer, got ${max}`);
  const uniq = [...new Set(ids)];
  const out: string[][] = [];
  for (let i = 0; i < uniq.length; i += max) out.push(uniq.slice(i, i + max));
  return out;
}

export class MarketWsClient implements LiveSource {
  readonly url: string;
  private readonly emitter: RecordEmitter;
  private readonly ownsEmitter: boolean;
  private readonly conns: ConnIds;
  private readonly shards: Shard[] = [];
  private readonly rng: Rng;
  private readonly max: number;
  private readonly custom: boolean;
  private readonly rest: ClobClient | null;
  private readonly snapshotMs: number;
  private readonly log: LogFn;
  private started = false;
  private stopped = false;
  private paused = false;
  private nextShard = 0;
  private readonly pending = new Set<Promise<unknown>>();
  private reconciliations = 0;
  private reconcileFailures = 0;

  constructor(private readonly o: MarketWsOptions) {
    this.url = o.url ?? DEFAULT_MARKET_WS_URL;
    this.emitter = resolveEmitter(o);
    this.ownsEmitter = o.emitter === undefined;
    this.conns = o.conns ?? new ConnIds();
    this.rng = o.rng ?? seededRng(0x3a7c);
    this.max = o.maxAssetsPerConnection ?? 400;
    this.custom = o.customFeatures ?? true;
    this.rest = o.rest ?? null;
    this.snapshotMs = o.snapshotIntervalMs ?? 0;
    this.log = o.onLog ?? (() => undefined);
    for (const chunk of shardAssets(o.assetIds, this.max)) this.addShard(chunk);
  }

  /** Every asset currently subscribed, in shard order. */
  get assetIds(): string[] {
    return this.shards.flatMap((s) => [...s.assets]);
  }

  /** Number of shards (connections). */
  get connections(): number {
    return this.shards.length;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const s of this.shards) s.ws.start();
  }

  /** Adds assets; sent on the open connections at once, remembered for every redial. */
  subscribe(ids: readonly string[]): void {
    if (this.stopped) return;
    const known = new Set(this.assetIds);
    const fresh = [...new Set(ids)].filter((id) => !known.has(id));
    let i = 0;
    for (const s of this.shards) {
      if (i >= fresh.length) break;
      const room = this.max - s.assets.size;
      if (room <= 0) continue;
      const add = fresh.slice(i, i + room);
      i += add.length;
      for (const a of add) s.assets.add(a);
      if (s.ws.isOpen) {
        s.ws.send(JSON.stringify(this.custom ? { assets_ids: add, operation: 'subscribe', custom_feature_enabled: true } : { assets_ids: add, operation: 'subscribe' }));
        this.reconcile(s, add, 'subscribe');
      }
    }
    for (const chunk of shardAssets(fresh.slice(i), this.max)) {
      const s = this.addShard(chunk);
      if (this.started) s.ws.start();
    }
  }

  /** Removes assets; a shard left empty is closed. */
  unsubscribe(ids: readonly string[]): void {
    const drop = new Set(ids);
    for (const s of [...this.shards]) {
      const gone = [...s.assets].filter((a) => drop.has(a));
      if (gone.length === 0) continue;
      for (const a of gone) s.assets.delete(a);
      if (s.assets.size === 0) {
        this.removeShard(s);
        continue;
      }
      if (s.ws.isOpen) s.ws.send(JSON.stringify({ assets_ids: gone, operation: 'unsubscribe' }));
    }
  }

  /** Backpressure: stop / restart reading from every shard (see ManagedWs.pause); new shards follow. */
  pause(): void {
    this.paused = true;
    for (const s of this.shards) s.ws.pause();
  }

  resume(): void {
    this.paused = false;
    for (const s of this.shards) s.ws.resume();
  }

  status(): ShardStatus[] {
    return this.shards.map((s) => ({ ...s.ws.status(), shard: s.index, assets: s.assets.size }));
  }

  stats(): { queue: QueueStats; reconciliations: number; reconcileFailures: number } {
    return { queue: this.emitter.queue.stats(), reconciliations: this.reconciliations, reconcileFailures: this.reconcileFailures };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.shards) if (s.snapshotTimer !== null) clearInterval(s.snapshotTimer);
    await Promise.all(this.shards.map((s) => s.ws.stop()));
    await Promise.allSettled([...this.pending]);
    if (this.ownsEmitter) this.emitter.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<RawRecord> {
    return this.emitter[Symbol.asyncIterator]();
  }

  private addShard(assets: readonly string[]): Shard {
    const index = this.nextShard++;
    const ws: ManagedWs = new ManagedWs({
      url: this.url,
      source: 'market_ws',
      name: 'mws',
      emitter: this.emitter,
      conns: this.conns,
      backoff: new Backoff(this.o.backoff ?? {}, this.rng.fork()),
      pingIntervalMs: this.o.pingIntervalMs ?? 10_000,
      staleAfterMs: this.o.staleAfterMs ?? 30_000,
      onLog: this.log,
      ...(this.o.now !== undefined ? { now: this.o.now } : {}),
      ...(this.o.onConnectionClosed !== undefined ? { onClose: this.o.onConnectionClosed } : {}),
      onOpen: (ctx) => {
        const ids = [...shard.assets];
        const msg: Record<string, unknown> = { assets_ids: ids, type: 'market' };
        if (this.custom) msg['custom_feature_enabled'] = true;
        if (this.o.initialDump === true) msg['initial_dump'] = true;
        ctx.send(JSON.stringify(msg));
        this.reconcile(shard, ids, 'connect');
        if (this.snapshotMs > 0 && shard.snapshotTimer === null) {
          shard.snapshotTimer = setInterval(() => {
            if (shard.ws.isOpen && shard.assets.size > 0) this.reconcile(shard, [...shard.assets], 'interval');
          }, this.snapshotMs);
        }
      },
    });
    const shard: Shard = { index, assets: new Set(assets), ws, snapshotTimer: null };
    if (this.paused) ws.pause();
    this.shards.push(shard);
    return shard;
  }

  private removeShard(s: Shard): void {
    const i = this.shards.indexOf(s);
    if (i >= 0) this.shards.splice(i, 1);
    if (s.snapshotTimer !== null) clearInterval(s.snapshotTimer);
    const p = s.ws.stop();
    this.track(p);
  }

  private reconcile(s: Shard, ids: readonly string[], reason: 'connect' | 'interval' | 'subscribe'): void {
    if (this.rest === null || ids.length === 0 || this.stopped) return;
    const wsConn = s.ws.connId ?? '';
    this.reconciliations += 1;
    const p = this.rest.books(ids, { wsConn, reason }).catch((err: unknown) => {
      if (this.stopped) return;
      this.reconcileFailures += 1;
      this.log('warn', 'REST /books reconciliation failed', { wsConn, reason, error: err instanceof Error ? err.message : String(err) });
    });
    this.track(p);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
