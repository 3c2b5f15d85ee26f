/**
 * Helpers for the import tests: a synthetic two-market session as raw records (the shapes the simulator
 * sends), its Gamma metadata as a --meta file, and a small static file server on 127.0.0.1 (ephemeral
 * port) that speaks HTTP Range and can drop a connection mid-body or answer 404, for the URL path.
 */
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { rawRecord, type RawRecord } from '../../src/core/types/raw.ts';
import { gammaFromCompact } from '../../src/sim/markets.ts';
import { conditionId, tokenId } from '../sources/helpers.ts';

export const HOUR = 3_600_000;
/** 2026-05-01T10:00Z: inside the v2 archive's span. */
export const H0 = Date.UTC(2026, 4, 1, 10);

export interface TestMarket {
  readonly n: number;
  readonly cid: string;
  readonly yes: string;
  readonly no: string;
  readonly slug: string;
}

export const market = (n: number): TestMarket => ({ n, cid: conditionId(n), yes: tokenId(2 * n), no: tokenId(2 * n + 1), slug: `market-${n}` });

export function gammaObject(m: TestMarket, i = 0): Record<string, unknown> {
  return gammaFromCompact({ conditionId: m.cid, slug: m.slug, question: `Question ${m.n}?`, tokens: [{ tokenId: m.yes, outcome: 'Yes' }, { tokenId: m.no, outcome: 'No' }], tickSize: '0.01', minOrderSize: '5' }, i);
}

export async function writeMetaFile(dir: string, markets: readonly TestMarket[]): Promise<string> {
  const p = join(dir, 'meta.json');
  await writeFile(p, JSON.stringify(markets.map((m, i) => gammaObject(m, i))));
  return p;
}

const px = (c: number): string => (c / 100).toFixed(2).replace(/0$/, '').replace(/\.$/, '');

/** A wire book (best last, as Polymarket sends) for YES around `mid` cents, and its NO mirror. */
export function bookPair(m: TestMarket, mid: number, ts: number, tick = '0.01'): [Record<string, unknown>, Record<string, unknown>] {
  const bidsYes = [mid - 3, mid - 2, mid - 1].map((c, i) => ({ price: px(c), size: String(100 - 10 * i) }));
  const asksYes = [mid + 3, mid + 2, mid + 1].map((c, i) => ({ price: px(c), size: String(80 + 10 * i) }));
  const yes = { market: m.cid, asset_id: m.yes, timestamp: String(ts), hash: 'a'.repeat(40), bids: bidsYes, asks: asksYes, tick_size: tick, last_trade_price: px(mid), event_type: 'book' };
  const no = {
    market: m.cid, asset_id: m.no, timestamp: String(ts), hash: 'b'.repeat(40),
    bids: asksYes.map((l) => ({ price: px(100 - Math.round(Number(l.price) * 100)), size: l.size })),
    asks: bidsYes.map((l) => ({ price: px(100 - Math.round(Number(l.price) * 100)), size: l.size })),
    tick_size: tick, last_trade_price: px(100 - mid), event_type: 'book',
  };
  return [yes, no];
}

/** A two-leg price_change: YES bid level at `c` cents set to `size`, and the NO ask mirror. */
export function twoLeg(m: TestMarket, c: number, size: string, ts: number, bestBid: number, bestAsk: number): Record<string, unknown> {
  return {
    market: m.cid,
    price_changes: [
      { asset_id: m.yes, price: px(c), size, side: 'BUY', hash: 'c'.repeat(40), best_bid: px(bestBid), best_ask: px(bestAsk) },
      { asset_id: m.no, price: px(100 - c), size, side: 'SELL', hash: 'd'.repeat(40), best_bid: px(100 - bestAsk), best_ask: px(100 - bestBid) },
    ],
    timestamp: String(ts),
    event_type: 'price_change',
  };
}

export const tradeMsg = (m: TestMarket, asset: string, c: number, size: string, side: 'BUY' | 'SELL', ts: number): Record<string, unknown> => ({
  market: m.cid, asset_id: asset, price: px(c), size, fee_rate_bps: '0', side, timestamp: String(ts), event_type: 'last_trade_price', transaction_hash: `0x${'e'.repeat(64)}`,
});

/** Raw market_ws frame records at the given epoch-ms times (sub-ms offsets kept: recorder-like). */
export function frameRecords(list: readonly [number, unknown][], conn = 'mws-1'): RawRecord[] {
  let lastMs = -1;
  let sub = 0;
  return list.map(([ms, frame], i) => {
    sub = ms === lastMs ? sub + 1_000 : 123_456;
    lastMs = ms;
    return rawRecord({ seq: i + 1, recvNs: BigInt(ms) * 1_000_000n + BigInt(sub), source: 'market_ws', conn, kind: 'frame', payload: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  });
}

/**
 * A session over `hours` consecutive hours from H0 on two markets: a book pair at the start of each hour,
 * two-leg price changes and trades every few seconds, one array frame, one tick-size change followed by a
 * fresh book.
 */
export function sessionFrames(markets: readonly TestMarket[], hours: readonly number[], steps = 40): [number, unknown][] {
  const out: [number, unknown][] = [];
  for (const h of hours) {
    const base = H0 + h * HOUR;
    markets.forEach((m, k) => {
      const t0 = base + 1000 + k * 3;
      const [y, n] = bookPair(m, 50 + k, t0 - 2);
      out.push([t0, [y, n]]);
      for (let i = 1; i <= steps; i++) {
        const t = t0 + i * Math.floor(160_000 / steps);
        out.push([t, twoLeg(m, 47 + k + (i % 3), String(10 + i), t - 1, 49 + k, 51 + k)]);
        if (i % 5 === 0) out.push([t + 1, tradeMsg(m, m.yes, 51 + k, String(i), 'BUY', t)]);
        if (i === 20) out.push([t + 2, [twoLeg(m, 46 + k, '5', t + 1, 49 + k, 51 + k), tradeMsg(m, m.no, 51 - k, '2', 'SELL', t + 1)]]);
      }
      const tt = t0 + 170_000;
      out.push([tt, { event_type: 'tick_size_change', asset_id: m.yes, market: m.cid, old_tick_size: '0.01', new_tick_size: '0.001', timestamp: String(tt - 1) }]);
      const [y2, n2] = bookPair(m, 52 + k, tt + 5, '0.001');
      out.push([tt + 10, y2], [tt + 11, n2]);
      out.push([tt + 20, { event_type: 'best_bid_ask', market: m.cid, asset_id: m.yes, best_bid: '0.51', best_ask: '0.53', spread: '0.02', timestamp: String(tt + 19) }]);
    });
  }
  return out.sort((a, b) => a[0] - b[0]);
}

// ---- a static file server with Range ---------------------------------------------------------------

export interface FileServer {
  readonly url: string;
  readonly requests: { method: string; path: string; range: string | null; ifRange: string | null }[];
  /** Drop the connection after this many body bytes on the next GET of `path` (once). */
  dropOnce(path: string, afterBytes: number): void;
  close(): Promise<void>;
}

export async function startFileServer(root: string, opts: { etag?: (path: string) => string } = {}): Promise<FileServer> {
  const requests: FileServer['requests'] = [];
  const drops = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    requests.push({ method: req.method ?? '', path, range: (req.headers['range'] as string | undefined) ?? null, ifRange: (req.headers['if-range'] as string | undefined) ?? null });
    void (async () => {
      const file = join(root, path);
      let size: number;
      try {
        const st = await stat(file);
        if (!st.isFile()) throw new Error('not a file');
        size = st.size;
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
        return;
      }
      const etag = `"${opts.etag?.(path) ?? `v1-${size}`}"`;
      const m = /^bytes=(\d+)-$/.exec((req.headers['range'] as string | undefined) ?? '');
      const ifRange = req.headers['if-range'] as string | undefined;
      const start = m !== null && (ifRange === undefined || ifRange === etag) ? Number(m[1]) : 0;
      if (start >= size && start > 0) {
        res.writeHead(416, { 'content-range': `bytes */${size}` });
        res.end();
        return;
      }
      const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', etag, 'accept-ranges': 'bytes', 'content-length': size - start };
      if (start > 0) headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
      res.writeHead(start > 0 ? 206 : 200, headers);
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      const drop = drops.get(path);
      if (drop !== undefined) {
        drops.delete(path);
        const s = createReadStream(file, { start, end: start + drop - 1 });
        s.on('data', (c) => res.write(c));
        // let the bytes reach the client, then cut the connection mid-body (the client keeps what it got)
        s.on('end', () => setTimeout(() => res.socket?.destroy(), 50));
        return;
      }
      createReadStream(file, { start }).pipe(res);
    })();
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    dropOnce: (path, afterBytes) => drops.set(path, afterBytes),
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
