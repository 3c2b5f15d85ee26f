/**
 * ManagedWs: one logical WebSocket feed that redials forever until stopped, recording everything.
 *
 * Records (source = market_ws | rtds_ws; conn = a fresh id per dial attempt, e.g. `mws-3`):
 * - 'open'  when the socket opens         meta {url, attempt}            payload ''
 * - 'send'  every text frame we send      meta {}                         payload = the exact text (subscribe JSON, PING)
 * - 'frame' every frame received          meta {} ({binary:true} if binary) payload = the frame text, verbatim
 * - 'error' socket error / stale timeout  meta {url, attempt}            payload = message
 * - 'close' the socket closed             meta {code, reason}            payload ''
 * Every stamp happens synchronously in the socket callback, so seq order = receive order.
 *
 * Liveness: an application-level text PING every pingIntervalMs while open. If nothing at all
 * (data or PONG) arrives for staleAfterMs, the connection is declared stale, an 'error' is
 * recorded and the socket is terminated; the close handler then redials.
 * Redial: after every close (unless stopping) wait Backoff.next() (exponential, seeded jitter);
 * the backoff resets once a connection delivers its first frame. onOpen runs on every open, so
 * the owner re-subscribes everything (subscriptions never survive a reconnect).
 *
 * Known limits: frames are decoded as UTF-8 (Polymarket sends text); a binary frame is recorded
 * as its UTF-8 decoding with meta.binary = true; a text frame with invalid UTF-8 is kept with U+FFFD
 * in place of the bad bytes (ws's own validation, which would drop the connection, is off).
 */
import WebSocket from 'ws';
import type { Backoff } from './backoff.ts';
import type { ConnIds, RecordEmitter } from './source.ts';

export type WsSource = 'market_ws' | 'rtds_ws';

/** The meta of every text frame (shared, frozen: consumers never mutate record meta). */
const FRAME_META = Object.freeze({});
export type WsState = 'idle' | 'connecting' | 'open' | 'backoff' | 'stopped';

export interface WsStatus {
  readonly conn: string | null;
  readonly url: string;
  readonly state: WsState;
  /** Successful opens so far. */
  readonly opens: number;
  /** Dial attempts after the first one. */
  readonly reconnects: number;
  readonly messages: number;
  readonly bytes: number;
  /** ms since the last received frame (or since open when none yet); null when never opened. */
  readonly lastMessageAgeMs: number | null;
}

export interface CloseInfo {
  readonly conn: string;
  readonly url: string;
  readonly wasOpen: boolean;
  readonly code: number;
  /** The last socket error of this connection, if any. */
  readonly error: string | null;
}

export interface OpenContext {
  readonly conn: string;
  readonly attempt: number;
  send(text: string): boolean;
}

export interface ManagedWsOptions {
  readonly url: string;
  readonly source: WsSource;
  /** Conn-id stem, e.g. 'mws' or 'rtds'. */
  readonly name: string;
  readonly emitter: RecordEmitter;
  readonly conns: ConnIds;
  readonly backoff: Backoff;
  readonly pingIntervalMs: number;
  readonly pingText?: string;
  readonly staleAfterMs: number;
  readonly onOpen: (ctx: OpenContext) => void;
  /** Called after every close; wasOpen = the socket had opened (false = the dial failed). */
  readonly onClose?: (info: CloseInfo) => void;
  readonly onLog?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  readonly now?: () => number;
  readonly maxPayload?: number;
  readonly handshakeTimeoutMs?: number;
}

export class ManagedWs {
  private ws: WebSocket | null = null;
  private conn: string | null = null;
  private state: WsState = 'idle';
  private attempt = 0;
  private opens = 0;
  private messages = 0;
  private bytes = 0;
  private lastRxMs: number | null = null;
  private gotFrame = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private staleTimer: NodeJS.Timeout | null = null;
  private redialTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private paused = false;
  private closedWaiters: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly o: ManagedWsOptions) {
    this.now = o.now ?? Date.now;
  }

  get url(): string {
    return this.o.url;
  }

  get isOpen(): boolean {
    return this.state === 'open' && this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  get connId(): string | null {
    return this.conn;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.dial();
  }

  /** Sends a text frame (recorded as 'send'); false when not open. */
  send(text: string): boolean {
    const ws = this.ws;
    if (ws === null || this.conn === null || ws.readyState !== WebSocket.OPEN) return false;
    this.o.emitter.emit(this.o.source, this.conn, 'send', {}, text);
    ws.send(text);
    return true;
  }

  status(): WsStatus {
    return {
      conn: this.conn,
      url: this.o.url,
      state: this.state,
      opens: this.opens,
      reconnects: Math.max(0, this.attempt - 1),
      messages: this.messages,
      bytes: this.bytes,
      lastMessageAgeMs: this.lastRxMs === null ? null : Math.max(0, this.now() - this.lastRxMs),
    };
  }

  /**
   * Backpressure: stop reading from the socket (TCP flow control pushes back to the server) until
   * resume(); applies to every later redial too. While paused, the stale detector does not fire (we are
   * not reading, so silence is ours) and frames already read are still delivered.
   */
  pause(): void {
    this.paused = true;
    const ws = this.ws;
    if (ws !== null && ws.readyState === WebSocket.OPEN) ws.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.lastRxMs = this.now();
    const ws = this.ws;
    if (ws !== null && ws.readyState === WebSocket.OPEN) ws.resume();
  }

  /** Forces a reconnect (e.g. after a detected gap). */
  reconnect(reason: string): void {
    const ws = this.ws;
    if (ws === null || this.conn === null) return;
    this.o.emitter.emit(this.o.source, this.conn, 'error', { url: this.o.url, attempt: this.attempt }, reason);
    ws.terminate();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.redialTimer !== null) {
      clearTimeout(this.redialTimer);
      this.redialTimer = null;
    }
    this.clearTimers();
    const ws = this.ws;
    if (ws === null) {
      this.state = 'stopped';
      return;
    }
    const closed = new Promise<void>((resolve) => this.closedWaiters.push(resolve));
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'client stop');
    const kill = setTimeout(() => ws.terminate(), 2000);
    await closed;
    clearTimeout(kill);
    this.state = 'stopped';
  }

  private dial(): void {
    if (this.stopping) return;
    this.attempt += 1;
    const conn = this.o.conns.next(this.o.name);
    this.conn = conn;
    this.state = 'connecting';
    this.gotFrame = false;
    const attempt = this.attempt;
    const ws = new WebSocket(this.o.url, {
      maxPayload: this.o.maxPayload ?? 64 * 1024 * 1024,
      handshakeTimeout: this.o.handshakeTimeoutMs ?? 15_000,
      perMessageDeflate: false,
      // invalid UTF-8 is recorded (decoded with U+FFFD) rather than dropping the connection with 1007
      skipUTF8Validation: true,
    });
    this.ws = ws;
    const src = this.o.source;
    const em = this.o.emitter;

    ws.on('open', () => {
      wasOpen = true;
      this.state = 'open';
      this.opens += 1;
      this.lastRxMs = this.now();
      em.emit(src, conn, 'open', { url: this.o.url, attempt }, '');
      this.o.onLog?.('info', 'ws open', { conn, url: this.o.url, attempt });
      this.startTimers(ws, conn);
      if (this.paused) ws.pause();
      this.o.onOpen({ conn, attempt, send: (t) => (this.ws === ws ? this.send(t) : false) });
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.messages += 1;
      this.bytes += buf.length;
      this.lastRxMs = this.now();
      em.emit(src, conn, 'frame', isBinary ? { binary: true } : FRAME_META, buf.toString('utf8'), buf);
      if (!this.gotFrame) {
        this.gotFrame = true;
        this.o.backoff.reset();
      }
    });
    ws.on('error', (err: Error) => {
      lastError = err.message;
      em.emit(src, conn, 'error', { url: this.o.url, attempt }, err.message);
      this.o.onLog?.('warn', 'ws error', { conn, url: this.o.url, error: err.message });
    });
    let wasOpen = false;
    let lastError: string | null = null;
    ws.on('close', (code: number, reason: Buffer) => {
      const why = reason.toString('utf8');
      em.emit(src, conn, 'close', why === '' ? { code } : { code, reason: why }, '');
      this.clearTimers();
      if (this.ws === ws) this.ws = null;
      this.o.onClose?.({ conn, url: this.o.url, wasOpen, code, error: lastError });
      const waiters = this.closedWaiters;
      this.closedWaiters = [];
      for (const w of waiters) w();
      if (this.stopping) {
        this.state = 'stopped';
        return;
      }
      const delay = this.o.backoff.next();
      this.state = 'backoff';
      this.o.onLog?.('warn', 'ws closed; redialing', { conn, code, reason: why, delayMs: delay });
      this.redialTimer = setTimeout(() => {
        this.redialTimer = null;
        this.dial();
      }, delay);
    });
  }

  private startTimers(ws: WebSocket, conn: string): void {
    this.clearTimers();
    const pingText = this.o.pingText ?? 'PING';
    if (this.o.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => {
        if (this.ws === ws) this.send(pingText);
      }, this.o.pingIntervalMs);
    }
    if (this.o.staleAfterMs > 0) {
      const every = Math.max(10, Math.min(1000, Math.floor(this.o.staleAfterMs / 4)));
      this.staleTimer = setInterval(() => {
        if (this.ws !== ws || this.lastRxMs === null) return;
        if (this.paused) {
          this.lastRxMs = this.now();
          return;
        }
        const age = this.now() - this.lastRxMs;
        if (age > this.o.staleAfterMs) {
          this.o.emitter.emit(this.o.source, conn, 'error', { url: this.o.url, attempt: this.attempt }, `stale: nothing received for ${age} ms (limit ${this.o.staleAfterMs} ms)`);
          this.o.onLog?.('warn', 'ws stale; reconnecting', { conn, ageMs: age });
          this.clearTimers();
          ws.terminate();
        }
      }, every);
    }
  }

  private clearTimers(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.staleTimer !== null) clearInterval(this.staleTimer);
    this.pingTimer = null;
    this.staleTimer = null;
  }
}
