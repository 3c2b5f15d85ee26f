/**
 * Test helpers for the exchange simulator: a recording `ws` client with awaitable conditions.
 * Every wait is bounded by a deadline that only fails the test (no timing assertions).
 */
import WebSocket from 'ws';
import { afterEach } from 'vitest';
import { startExchange, type Exchange, type ExchangeOptions } from '../../src/sim/exchange.ts';

export class TestClient {
  readonly messages: string[] = [];
  closeInfo: { code: number; reason: string } | null = null;
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: WebSocket.RawData) => {
      this.messages.push(String(d));
      this.wake();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  static async open(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    return new TestClient(ws);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Resolves once pred() holds (checked after every message/close); rejects after timeoutMs. */
  async waitFor(pred: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.messages.length} messages: ${this.messages.slice(-3).join(' | ').slice(0, 400)}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  async waitForCount(n: number, timeoutMs = 5000): Promise<void> {
    await this.waitFor(() => this.messages.length >= n, `${n} messages`, timeoutMs);
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await this.waitFor(() => this.closeInfo !== null, 'close', timeoutMs);
    return this.closeInfo as { code: number; reason: string };
  }

  /**
   * Sends PING and waits for its PONG: every frame the server sent to this connection before it
   * answered is then in `messages` (frames on one connection keep their order).
   */
  async sync(): Promise<void> {
    const pongs = this.messages.filter((m) => m === 'PONG').length;
    this.send('PING');
    await this.waitFor(() => this.messages.filter((m) => m === 'PONG').length > pongs, 'PONG');
  }

  /** Messages other than PONG. */
  data(): string[] {
    return this.messages.filter((m) => m !== 'PONG');
  }

  close(): void {
    this.ws.terminate();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const subscribeMsg = (ids: readonly string[], custom = true): Record<string, unknown> => ({
  assets_ids: ids,
  type: 'market',
  custom_feature_enabled: custom,
});

/** A compact two-token market for scenarios. */
export function market(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    conditionId: `0x${String(n).padStart(64, '0')}`,
    slug: `test-market-${n}`,
    question: `Test market ${n}?`,
    tokens: [
      { tokenId: `${n}01`, outcome: 'Yes' },
      { tokenId: `${n}02`, outcome: 'No' },
    ],
    ...extra,
  };
}

export function bookFrame(assetId: string, bids: [string, string][], asks: [string, string][], marketId = '0xm'): Record<string, unknown> {
  return {
    market: marketId,
    asset_id: assetId,
    timestamp: '1700000000000',
    hash: '0'.repeat(40),
    bids: bids.map(([price, size]) => ({ price, size })),
    asks: asks.map(([price, size]) => ({ price, size })),
    tick_size: '0.01',
    last_trade_price: '0.5',
    event_type: 'book',
  };
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown; headers: Headers }> {
  const r = await fetch(url, init);
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // not JSON: keep text
  }
  return { status: r.status, body, headers: r.headers };
}

/**
 * Per-file lifecycle of simulators and clients: everything opened through the returned functions is
 * closed after each test. `client` opens a client (market channel unless `url` says otherwise); `subscribed` also sends the initial
 * subscribe and waits until the server has processed it.
 */
export function simHarness(): {
  exchange: (opts: ExchangeOptions) => Promise<Exchange>;
  client: (ex: Exchange, url?: string) => Promise<TestClient>;
  subscribed: (ex: Exchange, ids: string[], custom?: boolean) => Promise<TestClient>;
} {
  const open: Exchange[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const e of open.splice(0)) await e.close();
  });
  const exchange = async (opts: ExchangeOptions): Promise<Exchange> => {
    const ex = await startExchange(opts);
    open.push(ex);
    return ex;
  };
  const client = async (ex: Exchange, url = ex.urls.marketWs): Promise<TestClient> => {
    const c = await TestClient.open(url);
    clients.push(c);
    return c;
  };
  const subscribed = async (ex: Exchange, ids: string[], custom = true): Promise<TestClient> => {
    const c = await client(ex);
    c.send(subscribeMsg(ids, custom));
    await c.sync();
    return c;
  };
  return { exchange, client, subscribed };
}
