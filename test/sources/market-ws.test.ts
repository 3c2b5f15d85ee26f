import { afterEach, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { ClobClient } from '../../src/sources/clob.ts';
import { MarketWsClient, shardAssets } from '../../src/sources/market-ws.ts';
import { ConnIds, RecordEmitter } from '../../src/sources/source.ts';
import { Stamper, wallClockNs } from '../../src/sources/stamp.ts';
import { collector, compactMarket, tokenId, waitFor } from './helpers.ts';

const FAST = { initialMs: 20, maxMs: 200, factor: 2, jitter: 0.5 };
let ex: Exchange | null = null;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await ex?.close();
  ex = null;
});

const marketSubscribes = (e: Exchange): { connId: number; msg: { assets_ids: string[]; type?: string; operation?: string } }[] =>
  e
    .received()
    .filter((m) => m.channel === 'market' && m.text.startsWith('{'))
    .map((m) => ({ connId: m.connId, msg: JSON.parse(m.text) as { assets_ids: string[]; type?: string; operation?: string } }));

describe('shardAssets', () => {
  it('splits in order into chunks of at most max, dropping duplicates', () => {
    const ids = Array.from({ length: 950 }, (_, i) => tokenId(i));
    const shards = shardAssets([...ids, ids[3] as string], 400);
    expect(shards.map((s) => s.length)).toEqual([400, 400, 150]);
    expect(shards.flat()).toEqual(ids);
    expect(shardAssets([], 400)).toEqual([]);
    expect(() => shardAssets(ids, 0)).toThrow(RangeError);
  });
});

describe('MarketWsClient against the simulator', () => {
  it('shards more than 400 assets over several connections, each subscribing its own slice', async () => {
    ex = await startExchange({ scenario: { markets: [] } });
    const ids = Array.from({ length: 950 }, (_, i) => tokenId(i));
    const col = collector();
    const c = new MarketWsClient({ url: ex.urls.marketWs, assetIds: ids, stamper: new Stamper(wallClockNs, 1), sink: col.sink, backoff: FAST });
    cleanups.push(() => c.stop());
    expect(c.connections).toBe(3);
    c.start();
    const e = ex;
    await waitFor(() => marketSubscribes(e).length === 3, 'three subscribes');
    const subs = marketSubscribes(e);
    expect(new Set(subs.map((s) => s.connId)).size).toBe(3);
    expect(subs.map((s) => s.msg.assets_ids.length).sort()).toEqual([150, 400, 400]);
    expect(subs.flatMap((s) => s.msg.assets_ids).sort()).toEqual([...ids].sort());
    expect(subs.every((s) => s.msg.type === 'market')).toBe(true);
    expect(c.status().map((s) => s.assets)).toEqual([400, 400, 150]);
    // every record names one of three distinct connections
    await waitFor(() => col.records.filter((r) => r.kind === 'open').length === 3, 'three opens');
    expect(new Set(col.records.map((r) => r.conn))).toEqual(new Set(['mws-1', 'mws-2', 'mws-3']));
  });

  it('is an AsyncIterable recording every send and frame verbatim (PING/PONG included)', async () => {
    const m = compactMarket({ n: 1 });
    const [yes, no] = [tokenId(2), tokenId(3)];
    ex = await startExchange({ scenario: { markets: [m] }, startPaused: true });
    const c = new MarketWsClient({ url: ex.urls.marketWs, assetIds: [yes, no], stamper: new Stamper(wallClockNs, 100), pingIntervalMs: 25, backoff: FAST });
    const got: RawRecord[] = [];
    const reading = (async () => {
      for await (const r of c) got.push(r);
    })();
    c.start();
    const e = ex;
    await waitFor(() => got.filter((r) => r.payload === 'PONG').length >= 2, 'two PONGs');
    e.publish({ event_type: 'last_trade_price', asset_id: yes, price: '0.51', size: '3', side: 'BUY', timestamp: '1' });
    e.publish('NO NEW ASSETS');
    await waitFor(() => got.some((r) => r.payload === 'NO NEW ASSETS'), 'the text frame');
    await c.stop();
    await reading; // the iterator ends after stop()
    expect(got.map((r) => r.seq)).toEqual(got.map((_, i) => 100 + i));
    expect(got[0]?.kind).toBe('open');
    expect(got[0]?.meta).toEqual({ url: e.urls.marketWs, attempt: 1 });
    expect(got[1]?.kind).toBe('send');
    expect(got[1]?.payload).toBe(`{"assets_ids":["${yes}","${no}"],"type":"market","custom_feature_enabled":true}`);
    expect(e.received().filter((x) => x.channel === 'market').map((x) => x.text)).toEqual(got.filter((r) => r.kind === 'send').map((r) => r.payload));
    expect(got.filter((r) => r.kind === 'frame').map((r) => r.payload)).toEqual(e.sent().map((s) => s.text));
    expect(got.at(-1)?.kind).toBe('close');
    expect(got.at(-1)?.meta).toEqual({ code: 1000, reason: 'client stop' });
    for (let i = 1; i < got.length; i++) expect((got[i] as RawRecord).recvNs >= (got[i - 1] as RawRecord).recvNs).toBe(true);
  });

  it('reconnects after a drop, resubscribes everything and reconciles over REST after each connect', async () => {
    ex = await startExchange({ scenario: { markets: [compactMarket({ n: 1 }), compactMarket({ n: 2 })] } });
    const ids = [tokenId(2), tokenId(3), tokenId(4), tokenId(5)];
    const col = collector();
    let t = 0n;
    const emitter = new RecordEmitter({ stamper: new Stamper(() => (t += 1n), 1), sink: col.sink });
    const conns = new ConnIds();
    const rest = ClobClient.create({ baseUrl: ex.urls.clob, record: { emitter, source: 'clob_rest', conns } });
    const c = new MarketWsClient({ url: ex.urls.marketWs, assetIds: ids, emitter, conns, rest, backoff: FAST, maxAssetsPerConnection: 2 });
    cleanups.push(() => rest.close(), () => c.stop());
    c.start();
    const e = ex;
    const opens = (): RawRecord[] => col.records.filter((r) => r.kind === 'open');
    // drop only once the server has read every subscribe (else the drop races the subscribe)
    await waitFor(() => opens().length === 2 && marketSubscribes(e).length === 2, 'two shards open and subscribed');
    e.dropConnections();
    await waitFor(() => opens().length === 4 && marketSubscribes(e).length === 4, 'both shards reopened');
    e.dropConnections();
    await waitFor(() => opens().length === 6 && marketSubscribes(e).length === 6, 'reopened again');
    await waitFor(() => col.records.filter((r) => r.source === 'clob_rest' && r.kind === 'response').length === 6, 'six reconciliations');
    await c.stop();
    const byConn = new Map<string, RawRecord[]>();
    for (const r of col.records) if (r.source === 'market_ws') byConn.set(r.conn, [...(byConn.get(r.conn) ?? []), r]);
    expect([...byConn.keys()]).toHaveLength(6);
    for (const [conn, rs] of byConn) {
      expect(rs[0]?.kind, conn).toBe('open');
      expect(rs.at(-1)?.kind, conn).toBe('close');
      const sub = rs.find((r) => r.kind === 'send');
      expect((JSON.parse(sub?.payload ?? '{}') as { assets_ids: string[] }).assets_ids).toHaveLength(2);
      const books = col.records.filter((r) => r.source === 'clob_rest' && r.kind === 'request' && r.meta['wsConn'] === conn);
      expect(books, conn).toHaveLength(1);
      expect(books[0]?.meta['reason']).toBe('connect');
      expect(books[0]?.meta.url).toBe(`${e.urls.clob}/books`);
      expect((JSON.parse(books[0]?.payload ?? '[]') as { token_id: string }[]).map((b) => b.token_id)).toEqual(
        (JSON.parse(sub?.payload ?? '{}') as { assets_ids: string[] }).assets_ids,
      );
    }
    // each pair of shards covers all four assets on every generation
    const subs = marketSubscribes(e);
    expect(subs).toHaveLength(6);
    for (let g = 0; g < 3; g++) expect(subs.slice(2 * g, 2 * g + 2).flatMap((s) => s.msg.assets_ids).sort()).toEqual([...ids].sort());
    expect(c.status().every((s) => s.reconnects === 2)).toBe(true);
  });

  it('declares a silent connection stale and redials', async () => {
    ex = await startExchange({ scenario: { markets: [compactMarket({ n: 1 })] } });
    const col = collector();
    const c = new MarketWsClient({
      url: ex.urls.marketWs, assetIds: [tokenId(2)], stamper: new Stamper(wallClockNs, 1), sink: col.sink,
      pingIntervalMs: 30, staleAfterMs: 150, backoff: FAST,
    });
    cleanups.push(() => c.stop());
    c.start();
    await waitFor(() => col.records.some((r) => r.payload === 'PONG'), 'a PONG');
    ex.stall(400);
    await waitFor(() => col.records.some((r) => r.kind === 'error' && r.payload.startsWith('stale:')), 'a stale error');
    await waitFor(() => col.records.filter((r) => r.kind === 'open').length >= 2, 'a redial');
    const stale = col.records.find((r) => r.kind === 'error' && r.payload.startsWith('stale:')) as RawRecord;
    expect(stale.conn).toBe('mws-1');
    const closeOfFirst = col.records.find((r) => r.kind === 'close' && r.conn === 'mws-1') as RawRecord;
    expect(closeOfFirst.seq).toBeGreaterThan(stale.seq);
    expect(col.records.find((r) => r.kind === 'open' && r.conn === 'mws-2')?.meta.attempt).toBe(2);
  });

  it('subscribes and unsubscribes dynamically on the same connection; an emptied shard is closed', async () => {
    ex = await startExchange({ scenario: { markets: [compactMarket({ n: 1 }), compactMarket({ n: 2 })] } });
    const col = collector();
    const c = new MarketWsClient({ url: ex.urls.marketWs, assetIds: [tokenId(2), tokenId(3)], stamper: new Stamper(wallClockNs, 1), sink: col.sink, maxAssetsPerConnection: 3, backoff: FAST });
    cleanups.push(() => c.stop());
    c.start();
    const e = ex;
    await waitFor(() => e.connectionCount('market') === 1 && marketSubscribes(e).length === 1, 'first connection');
    c.subscribe([tokenId(4), tokenId(5), tokenId(2)]);
    expect(c.connections).toBe(2);
    await waitFor(() => e.connectionCount('market') === 2 && marketSubscribes(e).length === 3, 'second connection');
    const subs = marketSubscribes(e);
    const first = subs[0]?.connId;
    expect(subs[1]).toEqual({ connId: first, msg: { assets_ids: [tokenId(4)], operation: 'subscribe', custom_feature_enabled: true } });
    expect(subs[2]?.msg).toEqual({ assets_ids: [tokenId(5)], type: 'market', custom_feature_enabled: true });
    c.unsubscribe([tokenId(5), tokenId(3)]);
    await waitFor(() => e.connectionCount('market') === 1, 'the emptied shard closed');
    await waitFor(() => marketSubscribes(e).length === 4, 'the unsubscribe');
    expect(marketSubscribes(e)[3]).toEqual({ connId: first, msg: { assets_ids: [tokenId(3)], operation: 'unsubscribe' } });
    expect(c.assetIds).toEqual([tokenId(2), tokenId(4)]);
  });

  it('reconciles periodically at snapshotIntervalMs while connected', async () => {
    ex = await startExchange({ scenario: { markets: [compactMarket({ n: 1 })] } });
    const col = collector();
    const emitter = new RecordEmitter({ stamper: new Stamper(wallClockNs, 1), sink: col.sink });
    const rest = ClobClient.create({ baseUrl: ex.urls.clob, record: { emitter, source: 'clob_rest' } });
    const c = new MarketWsClient({ url: ex.urls.marketWs, assetIds: [tokenId(2)], emitter, rest, snapshotIntervalMs: 40, backoff: FAST });
    cleanups.push(() => rest.close(), () => c.stop());
    c.start();
    await waitFor(() => col.records.filter((r) => r.kind === 'response' && r.meta['reason'] === 'interval').length >= 3, 'three periodic reconciliations');
    const reasons = col.records.filter((r) => r.kind === 'request').map((r) => r.meta['reason']);
    expect(reasons[0]).toBe('connect');
    expect(reasons.slice(1).every((x) => x === 'interval')).toBe(true);
  });
});
