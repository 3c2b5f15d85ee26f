/**
 * Recording playback (`records` option) and the RTDS endpoint: recorded market/RTDS frames are
 * re-sent verbatim in recorded order (PONGs skipped), markets come from recorded Gamma/CLOB
 * responses, book state from recorded frames and /books responses; RTDS subscribe filters, history
 * reply and PING/PONG.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rawRecord, type RawRecord } from '../../src/core/types/raw.ts';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { gammaFromCompact } from '../../src/sim/markets.ts';
import { getJson, subscribeMsg, TestClient } from './helpers.ts';

const T0 = 1_765_450_842_000_000_000n; // ns
const ms = (n: number): bigint => T0 + BigInt(n) * 1_000_000n;

const gammaMarket = gammaFromCompact(
  { conditionId: '0xc1', slug: 'rec-market', tokens: [{ tokenId: '11', outcome: 'Up' }, { tokenId: '12', outcome: 'Down' }] },
  0,
);
const snapshot = JSON.stringify([
  { market: '0xc1', asset_id: '11', timestamp: '1765450842000', hash: 'a'.repeat(40), bids: [{ price: '0.4', size: '10' }], asks: [{ price: '0.6', size: '10' }], tick_size: '0.01', last_trade_price: '0.5', event_type: 'book' },
]);
const priceChange = JSON.stringify({
  market: '0xc1',
  price_changes: [
    { asset_id: '11', price: '0.45', size: '5', side: 'BUY', hash: 'b', best_bid: '0.45', best_ask: '0.6' },
    { asset_id: '12', price: '0.55', size: '5', side: 'SELL', hash: 'c', best_bid: '0.4', best_ask: '0.55' },
  ],
  timestamp: '1765450842020',
  event_type: 'price_change',
});
const rtdsUpdate = JSON.stringify({ topic: 'crypto_prices', type: 'update', timestamp: 1765450842030, payload: { symbol: 'solusdt', timestamp: 1765450842000, value: 130.815, full_accuracy_value: '130.81500000' } });
const booksResponse = JSON.stringify([
  { market: '0xc1', asset_id: '12', timestamp: '1765450842040', hash: 'd'.repeat(40), bids: [{ price: '0.4', size: '7' }], asks: [{ price: '0.55', size: '5' }], min_order_size: '5', tick_size: '0.01', neg_risk: false, last_trade_price: '0.5' },
]);

function recording(): RawRecord[] {
  let seq = 0;
  const r = (at: number, source: RawRecord['source'], kind: RawRecord['kind'], payload: string, meta: RawRecord['meta'] = {}): RawRecord =>
    rawRecord({ seq: ++seq, recvNs: ms(at), source, conn: source === 'gamma_rest' || source === 'clob_rest' ? 'http-1' : 'ws-1', kind, payload, meta });
  return [
    r(0, 'gamma_rest', 'request', '', { url: 'https://gamma-api.polymarket.com/markets?slug=rec-market', method: 'GET' }),
    r(1, 'gamma_rest', 'response', JSON.stringify([gammaMarket]), { status: 200 }),
    r(2, 'market_ws', 'open', '', { url: 'wss://x/ws/market' }),
    r(3, 'market_ws', 'send', JSON.stringify(subscribeMsg(['11', '12']))),
    r(10, 'market_ws', 'frame', snapshot),
    r(11, 'market_ws', 'frame', 'PONG'),
    r(20, 'market_ws', 'frame', priceChange),
    r(30, 'rtds_ws', 'frame', rtdsUpdate),
    r(40, 'clob_rest', 'response', booksResponse, { status: 200 }),
    r(41, 'clob_rest', 'response', '{"error":"rate limited"}', { status: 429 }),
    r(50, 'market_ws', 'frame', 'NO NEW ASSETS'),
  ];
}

async function* asAsync(records: RawRecord[]): AsyncGenerator<RawRecord> {
  for (const r of records) {
    await Promise.resolve();
    yield r;
  }
}

const open: Exchange[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const e of open.splice(0)) await e.close();
});

describe('recording playback', () => {
  it('re-sends recorded frames verbatim and in order, skipping PONG; serves the recorded markets', async () => {
    const ex = await startExchange({ records: asAsync(recording()), speed: 'max', startPaused: true });
    open.push(ex);
    // markets from the Gamma response at the head of the recording are known before start()
    const g = await getJson(`${ex.urls.gamma}/markets?slug=rec-market`);
    expect(g.body).toEqual([gammaMarket]);
    const c = await TestClient.open(ex.urls.marketWs);
    const r = await TestClient.open(ex.urls.rtds);
    clients.push(c, r);
    c.send(subscribeMsg(['11', '12']));
    r.send({ action: 'subscribe', subscriptions: [{ topic: 'crypto_prices', type: 'update', filters: '{"symbol":"solusdt"}' }] });
    await c.sync();
    await r.sync();
    ex.start();
    await ex.done;
    await c.sync();
    await r.sync();
    expect(c.data()).toEqual([snapshot, priceChange, 'NO NEW ASSETS']);
    expect(r.data()).toEqual([rtdsUpdate]);
    // book state: recorded frames, then the recorded /books response (the 429 response is ignored)
    const b11 = (await getJson(`${ex.urls.clob}/book?token_id=11`)).body as { bids: unknown };
    expect(b11.bids).toEqual([
      { price: '0.4', size: '10' },
      { price: '0.45', size: '5' },
    ]);
    const b12 = (await getJson(`${ex.urls.clob}/book?token_id=12`)).body as { bids: unknown; timestamp: string };
    expect(b12.bids).toEqual([{ price: '0.4', size: '7' }]);
    expect(b12.timestamp).toBe('1765450842040');
    // the server clock is the recording's
    const t = Number(await (await fetch(`${ex.urls.clob}/time`)).text());
    expect(t).toBeGreaterThanOrEqual(1_765_450_842);
    expect(t).toBeLessThan(1_765_450_842 + 3600);
  });

  it('accepts a plain iterable and infers routing from the recorded frames', async () => {
    const ex = await startExchange({ records: recording(), speed: 'max', startPaused: true });
    open.push(ex);
    const only12 = await TestClient.open(ex.urls.marketWs);
    clients.push(only12);
    only12.send(subscribeMsg(['12'], false));
    await only12.sync();
    ex.start();
    await ex.done;
    await only12.sync();
    // the snapshot concerns 11 only; the two-leg price_change reaches a subscriber of the 12 leg
    expect(only12.data()).toEqual([priceChange]);
  });
});

describe('RTDS', () => {
  it('routes by topic and symbol (plain, comma list and JSON filters), answers PING, sends history on subscribe', async () => {
    const ex = await startExchange({});
    open.push(ex);
    const btc = await TestClient.open(ex.urls.rtds);
    const multi = await TestClient.open(ex.urls.rtds);
    const eth = await TestClient.open(ex.urls.rtds);
    clients.push(btc, multi, eth);
    btc.send({ action: 'subscribe', subscriptions: [{ topic: 'crypto_prices', type: 'update', filters: '{"symbol":"btcusdt"}' }] });
    multi.send({ action: 'subscribe', subscriptions: [{ topic: 'crypto_prices', type: 'update', filters: 'solusdt,btcusdt' }] });
    eth.send({ action: 'subscribe', subscriptions: [{ topic: 'crypto_prices', type: 'update', filters: 'ethusdt' }] });
    for (const c of [btc, multi, eth]) await c.sync();
    const up = (v: number): Record<string, unknown> => ({ topic: 'crypto_prices', type: 'update', timestamp: 1780730269142 + v, payload: { symbol: 'btcusdt', timestamp: 1780730269000 + v, value: 61035 + v, full_accuracy_value: `${61035 + v}.00000000` } });
    ex.publishRtds(up(1));
    ex.publishRtds(up(2));
    for (const c of [btc, multi, eth]) await c.sync();
    expect(btc.data()).toEqual([JSON.stringify(up(1)), JSON.stringify(up(2))]);
    expect(multi.data()).toEqual(btc.data());
    expect(eth.data()).toEqual([]);
    // a late subscriber with a filter first gets type "subscribe" with the recent history
    const late = await TestClient.open(ex.urls.rtds);
    clients.push(late);
    late.send({ action: 'subscribe', subscriptions: [{ topic: 'crypto_prices', type: 'update', filters: 'btcusdt' }] });
    await late.waitForCount(1);
    const hist = JSON.parse(late.messages[0] as string) as { topic: string; type: string; payload: { symbol: string; data: { timestamp: number; value: number }[] } };
    expect(hist.topic).toBe('crypto_prices');
    expect(hist.type).toBe('subscribe');
    expect(hist.payload.symbol).toBe('btcusdt');
    expect(hist.payload.data).toEqual([
      { timestamp: 1780730269001, value: 61036 },
      { timestamp: 1780730269002, value: 61037 },
    ]);
    // unsubscribe stops delivery
    btc.send({ action: 'unsubscribe', subscriptions: [{ topic: 'crypto_prices', type: 'update', filters: '{"symbol":"btcusdt"}' }] });
    await btc.sync();
    ex.publishRtds(up(3));
    await btc.sync();
    await multi.sync();
    expect(btc.data()).toHaveLength(2);
    expect(multi.data()).toHaveLength(3);
    expect(ex.sent().filter((s) => s.channel === 'rtds' && s.text !== 'PONG').map((s) => s.assetIds)).toContainEqual(['btcusdt']);
  });
});
