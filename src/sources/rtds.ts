/**
 * RtdsClient: Polymarket's real-time data service (crypto reference prices), recorded verbatim.
 *
 * - One connection (ManagedWs, source rtds_ws, conn ids `rtds-N`): same record and reconnect rules
 *   as the market channel (open/send/frame/close/error, PING text every 5 s, stale => redial,
 *   exponential backoff with seeded jitter, full re-subscribe on every open).
 * - Subscribe message (one subscription per symbol, filters is a JSON-encoded string):
 *   `{"action":"subscribe","subscriptions":[{"topic":"crypto_prices","type":"update","filters":"{\"symbol\":\"btcusdt\"}"}]}`
 *   Dynamic subscribe/unsubscribe use the same shape with action subscribe/unsubscribe.
 * - Topic crypto_prices (Binance symbols: btcusdt, ethusdt, solusdt, xrpusdt) by default;
 *   crypto_prices_chainlink (symbols like btc/usd, type "*") is selectable.
 *
 * Known limits: one connection (RTDS has no documented per-connection limit).
 */
import type { Rng } from '../core/rng.ts';
import { seededRng } from '../core/rng.ts';
import type { RawRecord } from '../core/types/raw.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import type { LogFn } from './market-ws.ts';
import { ConnIds, resolveEmitter, type LiveSource, type QueueStats, type RecordEmitter, type RecordSink } from './source.ts';
import type { Stamper } from './stamp.ts';
import { ManagedWs, type CloseInfo, type WsStatus } from './ws-conn.ts';

export const DEFAULT_RTDS_URL = 'wss://ws-live-data.polymarket.com';

export interface RtdsOptions {
  readonly url?: string;
  readonly symbols: readonly string[];
  readonly topic?: 'crypto_prices' | 'crypto_prices_chainlink';
  readonly pingIntervalMs?: number;
  readonly staleAfterMs?: number;
  readonly backoff?: Partial<BackoffOptions>;
  readonly rng?: Rng;
  readonly stamper?: Stamper;
  readonly sink?: RecordSink;
  readonly emitter?: RecordEmitter;
  readonly conns?: ConnIds;
  readonly onLog?: LogFn;
  readonly onConnectionClosed?: (info: CloseInfo) => void;
  readonly now?: () => number;
}

/** The subscribe/unsubscribe message for the given symbols. */
export function rtdsSubscription(action: 'subscribe' | 'unsubscribe', topic: string, symbols: readonly string[]): string {
  const type = topic === 'crypto_prices_chainlink' ? '*' : 'update';
  return JSON.stringify({
    action,
    subscriptions: symbols.map((symbol) => ({ topic, type, filters: JSON.stringify({ symbol }) })),
  });
}

export class RtdsClient implements LiveSource {
  readonly url: string;
  readonly topic: string;
  private readonly emitter: RecordEmitter;
  private readonly ownsEmitter: boolean;
  private readonly symbols: Set<string>;
  private readonly ws: ManagedWs;
  private stopped = false;

  constructor(o: RtdsOptions) {
    this.url = o.url ?? DEFAULT_RTDS_URL;
    this.topic = o.topic ?? 'crypto_prices';
    this.emitter = resolveEmitter(o);
    this.ownsEmitter = o.emitter === undefined;
    this.symbols = new Set(o.symbols.map((s) => s.trim().toLowerCase()).filter((s) => s !== ''));
    this.ws = new ManagedWs({
      url: this.url,
      source: 'rtds_ws',
      name: 'rtds',
      emitter: this.emitter,
      conns: o.conns ?? new ConnIds(),
      backoff: new Backoff(o.backoff ?? {}, (o.rng ?? seededRng(0x47d5)).fork()),
      pingIntervalMs: o.pingIntervalMs ?? 5_000,
      staleAfterMs: o.staleAfterMs ?? 30_000,
      ...(o.onLog !== undefined ? { onLog: o.onLog } : {}),
      ...(o.now !== undefined ? { now: o.now } : {}),
      ...(o.onConnectionClosed !== undefined ? { onClose: o.onConnectionClosed } : {}),
      onOpen: (ctx) => {
        if (this.symbols.size > 0) ctx.send(rtdsSubscription('subscribe', this.topic, [...this.symbols]));
      },
    });
  }

  get subscribed(): string[] {
    return [...this.symbols];
  }

  start(): void {
    this.ws.start();
  }

  subscribe(symbols: readonly string[]): void {
    const fresh = symbols.map((s) => s.toLowerCase()).filter((s) => !this.symbols.has(s));
    for (const s of fresh) this.symbols.add(s);
    if (fresh.length > 0 && this.ws.isOpen) this.ws.send(rtdsSubscription('subscribe', this.topic, fresh));
  }

  unsubscribe(symbols: readonly string[]): void {
    const gone = symbols.map((s) => s.toLowerCase()).filter((s) => this.symbols.has(s));
    for (const s of gone) this.symbols.delete(s);
    if (gone.length > 0 && this.ws.isOpen) this.ws.send(rtdsSubscription('unsubscribe', this.topic, gone));
  }

  /** Backpressure: stop / restart reading from the socket (see ManagedWs.pause). */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  status(): WsStatus {
    return this.ws.status();
  }

  stats(): { queue: QueueStats } {
    return { queue: this.emitter.queue.stats() };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.ws.stop();
    if (this.ownsEmitter) this.emitter.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<RawRecord> {
    return this.emitter[Symbol.asyncIterator]();
  }
}
