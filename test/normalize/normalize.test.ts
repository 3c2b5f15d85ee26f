import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { Normalizer, normalizeRecord } from '../../src/core/normalize/index.ts';
import { BookMessageSchema } from '../../src/core/normalize/polymarket/book.ts';
import { LastTradePriceSchema } from '../../src/core/normalize/polymarket/last-trade.ts';
import { formatPath } from '../../src/core/normalize/polymarket/mapper.ts';
import { PriceChangeCurrentSchema, PriceChangeFlatSchema, PriceChangeLegacySchema } from '../../src/core/normalize/polymarket/price-change.ts';
import { MARKET_MAPPERS } from '../../src/core/normalize/polymarket/ws.ts';
import type { BookDelta, BookSnapshot, MarketEvent, ReferencePrice } from '../../src/core/types/events.ts';
import { formatPx, formatQty } from '../../src/core/types/fixed.ts';
import { errors, frame, reasons, rec, response } from './helpers.ts';

const YES = '71321045679252212594626385532706912750332728571942532289631379312455583992563';
const NO = '52114319501245915516055106046884209969926127482827954674443846427813813222426';
const ID78 = '115474063863764126958837769719736461272619491980773624567012766320777398670353';
const CID = '0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917';

const one = <T extends MarketEvent['type']>(events: MarketEvent[], type: T): Extract<MarketEvent, { type: T }> => {
  expect(reasons(events)).toEqual([]);
  expect(events.map((e) => e.type)).toEqual([type]);
  return events[0] as Extract<MarketEvent, { type: T }>;
};

const book = (bids: [string, string][], asks: [string, string][], extra: Record<string, unknown> = {}) => ({
  event_type: 'book',
  market: CID,
  asset_id: YES,
  timestamp: '1766481546487',
  hash: 'a'.repeat(40),
  bids: bids.map(([price, size]) => ({ price, size })),
  asks: asks.map(([price, size]) => ({ price, size })),
  ...extra,
});

describe('book snapshots', () => {
  it('sorts both wire orders (real: bids ascending/asks descending; docs: the opposite) to best first', () => {
    const real = one(normalizeRecord(frame('market_ws', book([['0.01', '3769.8'], ['0.48', '10'], ['0.49', '60']], [['0.99', '3641.8'], ['0.51', '5'], ['0.5', '16']]))), 'book_snapshot');
    const docs = one(normalizeRecord(frame('market_ws', book([['0.49', '60'], ['0.48', '10'], ['0.01', '3769.8']], [['0.5', '16'], ['0.51', '5'], ['0.99', '3641.8']]))), 'book_snapshot');
    expect(real.bids).toEqual([{ px: 4900, qty: 60_000_000 }, { px: 4800, qty: 10_000_000 }, { px: 100, qty: 3_769_800_000 }]);
    expect(real.asks).toEqual([{ px: 5000, qty: 16_000_000 }, { px: 5100, qty: 5_000_000 }, { px: 9900, qty: 3_641_800_000 }]);
    expect(docs.bids).toEqual(real.bids);
    expect(docs.asks).toEqual(real.asks);
  });

  it('orders any permutation best first, keeps every non-zero level, drops size-0 levels (property)', () => {
    const level = fc.record({ px: fc.integer({ min: 1, max: 9999 }), qty: fc.integer({ min: 0, max: 10 ** 12 }) });
    fc.assert(
      fc.property(fc.uniqueArray(level, { selector: (l) => l.px, maxLength: 40 }), fc.uniqueArray(level, { selector: (l) => l.px, maxLength: 40 }), (bids, asks) => {
        const wire = (ls: { px: number; qty: number }[]): [string, string][] => ls.map((l) => [formatPx(l.px), formatQty(l.qty)]);
        const e = one(normalizeRecord(frame('market_ws', book(wire(bids), wire(asks)))), 'book_snapshot');
        for (let i = 1; i < e.bids.length; i++) expect(e.bids[i - 1]!.px).toBeGreaterThan(e.bids[i]!.px);
        for (let i = 1; i < e.asks.length; i++) expect(e.asks[i - 1]!.px).toBeLessThan(e.asks[i]!.px);
        const key = (ls: readonly { px: number; qty: number }[]) => ls.map((l) => `${l.px}:${l.qty}`).sort();
        expect(key(e.bids)).toEqual(key(bids.filter((l) => l.qty > 0)));
        expect(key(e.asks)).toEqual(key(asks.filter((l) => l.qty > 0)));
      }),
      { seed: 20_251_211, numRuns: 150 },
    );
  });

  it('accepts empty books and optional fields; keeps tick size, last trade and REST-only fields when sent', () => {
    const empty = one(normalizeRecord(frame('market_ws', book([], [], { hash: '0'.repeat(40) }))), 'book_snapshot');
    expect(empty).toMatchObject({ bids: [], asks: [], tickSize: null, lastTradePx: null, minOrderSize: null, negRisk: null, via: 'ws' });
    const full = one(
      normalizeRecord(response('clob_rest', 'https://clob.polymarket.com/book?token_id=1', book([['0.5', '1']], [], { tick_size: '0.001', last_trade_price: '0.500', min_order_size: '5', neg_risk: true }))),
      'book_snapshot',
    );
    expect(full).toMatchObject({ tickSize: 10, lastTradePx: 5000, minOrderSize: 5_000_000, negRisk: true, via: 'rest' });
  });

  it('refuses two levels at one price instead of merging them', () => {
    const events = normalizeRecord(frame('market_ws', book([['0.4', '1'], ['0.5', '2'], ['0.4', '3']], [])));
    expect(reasons(events)).toEqual(['inconsistent: bids has two levels at price 0.4']);
  });

  it('an off-grid price or inexact size is an error naming the field and the value', () => {
    expect(reasons(normalizeRecord(frame('market_ws', book([['0.12345', '1']], []))))).toEqual([
      'off_grid_price: bids[0].price "0.12345" is not a price on the 0.0001 grid within [0, 1]',
    ]);
    expect(reasons(normalizeRecord(frame('market_ws', book([], [['1.5', '1']]))))[0]).toMatch(/^off_grid_price: asks\[0\]\.price "1\.5"/);
    expect(reasons(normalizeRecord(frame('market_ws', book([], [['0.5', '1.0000001']]))))[0]).toMatch(/^inexact_size: asks\[0\]\.size "1\.0000001"/);
    expect(reasons(normalizeRecord(frame('market_ws', book([['0.5', '1e3']], []))))[0]).toMatch(/^inexact_size: bids\[0\]\.size "1e3"/);
  });
});

describe('price_change', () => {
  const current = {
    market: CID,
    price_changes: [{ asset_id: YES, price: '0.49', size: '55', side: 'BUY', hash: 'bad813f8', best_bid: '0.49', best_ask: '0.5' }],
    timestamp: '1766481546776',
    event_type: 'price_change',
  };
  const legacy = { asset_id: YES, changes: [{ price: '0.49', side: 'BUY', size: '55' }], event_type: 'price_change', market: CID, timestamp: '1766481546776', hash: 'bad813f8' };
  const flat = { asset_id: YES, event_type: 'price_change', hash: 'bad813f8', market: CID, price: '0.49', side: 'BUY', size: '55', timestamp: '1766481546776' };

  it('the three wire schemas give equivalent deltas (legacy/flat have no best bid/ask)', () => {
    const [c, l, f] = [current, legacy, flat].map((m) => one(normalizeRecord(frame('market_ws', m)), 'book_delta'));
    const change = { assetId: YES, side: 'bid', px: 4900, qty: 55_000_000, hash: 'bad813f8' };
    expect(c!.changes).toEqual([{ ...change, bestBid: 4900, bestAsk: 5000 }]);
    expect(l!.changes).toEqual([{ ...change, bestBid: null, bestAsk: null }]);
    expect(f!.changes).toEqual(l!.changes);
    for (const d of [c, l, f]) expect(d).toMatchObject({ market: CID, exchMs: 1_766_481_546_776 });
  });

  it('keeps both legs in wire order in one delta; SELL is the ask side; size is the new total', () => {
    const m = {
      ...current,
      price_changes: [
        { asset_id: YES, price: '0.49', size: '55', side: 'BUY', hash: 'h1', best_bid: '0.49', best_ask: '0.5' },
        { asset_id: NO, price: '0.51', size: '0', side: 'SELL', hash: 'h2', best_bid: '0', best_ask: '1' },
      ],
    };
    const d = one(normalizeRecord(frame('market_ws', m)), 'book_delta');
    expect(d.changes.map((c) => [c.assetId, c.side, c.px, c.qty, c.bestBid, c.bestAsk])).toEqual([
      [YES, 'bid', 4900, 55_000_000, 4900, 5000],
      [NO, 'ask', 5100, 0, null, null],
    ]);
  });

  it('hash and best bid/ask are optional; a change without size is refused', () => {
    const d = one(normalizeRecord(frame('market_ws', { ...current, price_changes: [{ asset_id: YES, price: '0.4', size: '1', side: 'SELL' }] })), 'book_delta');
    expect(d.changes[0]).toMatchObject({ hash: null, bestBid: null, bestAsk: null, side: 'ask' });
    expect(reasons(normalizeRecord(frame('market_ws', { ...current, price_changes: [{ asset_id: YES, price: '0.4', side: 'SELL' }] })))).toEqual([
      'invalid_field: price_changes[0].size: Invalid input: expected string, received undefined',
    ]);
  });
});

describe('frames', () => {
  it('an array frame gives one event per element, sub = 0, 1, 2, ...', () => {
    const events = normalizeRecord(frame('market_ws', [book([['0.4', '1']], []), book([], [['0.6', '2']], { asset_id: NO }), { ...book([], []), event_type: 'last_trade_price', price: '0.5', size: '1', side: 'BUY' }], 7));
    expect(events.map((e) => [e.type, e.sub, e.seq])).toEqual([
      ['book_snapshot', 0, 7],
      ['book_snapshot', 1, 7],
      ['trade', 2, 7],
    ]);
  });

  it('a bad element costs only itself: its slot holds one error, its neighbours are kept', () => {
    const events = normalizeRecord(frame('market_ws', [book([['0.4', '1']], []), book([['0.41234', '1']], []), 42, book([], [['0.6', '2']])]));
    expect(events.map((e) => [e.type, e.sub])).toEqual([
      ['book_snapshot', 0],
      ['normalization_error', 1],
      ['normalization_error', 2],
      ['book_snapshot', 3],
    ]);
    expect(reasons(events)[1]).toBe('invalid_field: [2]: Invalid input: expected object, received number');
  });

  it('plain-text frames (PONG, NO NEW ASSETS, anything not starting with { or [) are heartbeats', () => {
    for (const text of ['PONG', 'NO NEW ASSETS', 'INVALID OPERATION', '']) {
      for (const source of ['market_ws', 'user_ws', 'rtds_ws'] as const) {
        expect(normalizeRecord(frame(source, text))).toMatchObject([{ type: 'heartbeat', text, direction: 'in', sub: 0 }]);
      }
    }
  });

  it('malformed JSON is one counted error that keeps the raw record', () => {
    const n = new Normalizer();
    const raw = frame('market_ws', '{"event_type":"book","bids":[', 3);
    const events = n.normalize(raw);
    expect(events).toHaveLength(1);
    const e = errors(events)[0]!;
    expect(e.reason).toMatch(/^malformed_json: frame is not valid JSON/);
    expect(e.raw).toBe(raw);
    expect(e).toMatchObject({ seq: 3, sub: 0, source: 'market_ws' });
    n.normalize(frame('market_ws', '[{"a":'));
    n.normalize(frame('market_ws', 'PONG'));
    const s = n.stats.snapshot();
    expect(s.errorsByCode).toEqual({ malformed_json: 2 });
    expect(s.errorSamples.malformed_json).toBe(e.reason);
    expect(s.heartbeats).toEqual({ 'in PONG': 1 });
    expect(s.records).toBe(3);
  });

  it('an unknown event_type is never guessed by shape', () => {
    expect(reasons(normalizeRecord(frame('market_ws', { ...book([], []), event_type: 'book_v2' })))).toEqual(['unknown_message: event_type "book_v2" is not a known message type']);
    expect(reasons(normalizeRecord(frame('market_ws', { foo: 1 })))[0]).toMatch(/^unknown_message: message without event_type matches no known shape/);
  });

  it('shape rules for messages without event_type are disjoint over the trimmed fixture shapes', () => {
    const shapes = [
      book([], []),
      { market: CID, price_changes: [] },
      { asset_id: YES, changes: [], hash: 'h' },
      { asset_id: YES, price: '0.5', side: 'BUY', size: '1', hash: 'h' },
      { asset_id: YES, price: '0.5', side: 'BUY', size: '1', fee_rate_bps: '0' },
      { asset_id: YES, old_tick_size: '0.01', new_tick_size: '0.001' },
      { asset_id: YES, best_bid: '0.4', best_ask: '0.6' },
      { market: CID, question: 'q', assets_ids: [YES], outcomes: ['Yes'] },
      { market: CID, assets_ids: [YES], winning_asset_id: YES },
    ].map((s) => {
      const { event_type: _ignored, ...rest } = s as Record<string, unknown>;
      return rest;
    });
    const families = shapes.map((s) => MARKET_MAPPERS.mappers.filter((m) => m.canHandle(s)).map((m) => m.eventType));
    expect(families).toEqual([['book'], ['price_change'], ['price_change'], ['price_change'], ['last_trade_price'], ['tick_size_change'], ['best_bid_ask'], ['new_market'], ['market_resolved']]);
    // with an event_type, only that family can handle the message, whatever its keys
    const tagged = { ...shapes[0], event_type: 'best_bid_ask' };
    expect(MARKET_MAPPERS.mappers.filter((m) => m.canHandle(tagged)).map((m) => m.eventType)).toEqual(['best_bid_ask']);
  });
});

describe('token ids, best bid/ask, trades, timestamps', () => {
  it('78-digit token ids stay exact strings; a numeric asset_id is refused', () => {
    const e = one(normalizeRecord(frame('market_ws', `{"event_type":"tick_size_change","asset_id":"${ID78}","market":"${CID}","old_tick_size":"0.01","new_tick_size":"0.001","timestamp":"1739068041853"}`)), 'tick_size_changed');
    expect(e.assetId).toBe(ID78);
    expect(typeof e.assetId).toBe('string');
    expect([e.oldTick, e.newTick]).toEqual([100, 10]);
    const numeric = `{"event_type":"book","asset_id":${ID78},"bids":[],"asks":[]}`;
    expect(reasons(normalizeRecord(frame('market_ws', numeric)))).toEqual(['invalid_field: asset_id: Invalid input: expected string, received number']);
    expect(reasons(normalizeRecord(frame('market_ws', book([], [], { asset_id: '0x12' }))))[0]).toMatch(/^invalid_field: asset_id: token id "0x12" is not a decimal digit string/);
  });

  it('best_bid_ask: "0" bid and "1" ask mean an empty side (null)', () => {
    const m = { event_type: 'best_bid_ask', market: CID, asset_id: YES, best_bid: '0.73', best_ask: '0.77', spread: '0.04', timestamp: '1766789469958' };
    expect(one(normalizeRecord(frame('market_ws', m)), 'best_bid_ask')).toMatchObject({ bestBid: 7300, bestAsk: 7700, exchMs: 1_766_789_469_958 });
    expect(one(normalizeRecord(frame('market_ws', { ...m, best_bid: '0', best_ask: '1' })), 'best_bid_ask')).toMatchObject({ bestBid: null, bestAsk: null });
    expect(one(normalizeRecord(frame('market_ws', { ...m, best_bid: '', best_ask: undefined })), 'best_bid_ask')).toMatchObject({ bestBid: null, bestAsk: null });
  });

  it('last_trade_price with and without transaction_hash / fee_rate_bps', () => {
    const m = { market: CID, asset_id: YES, price: '0.585', size: '2.46', side: 'SELL', timestamp: '1786728467101', event_type: 'last_trade_price' };
    expect(one(normalizeRecord(frame('market_ws', { ...m, fee_rate_bps: '0', transaction_hash: '0x6c83' })), 'trade')).toMatchObject({ px: 5850, qty: 2_460_000, takerSide: 'SELL', feeRateBps: 0, txHash: '0x6c83' });
    expect(one(normalizeRecord(frame('market_ws', m)), 'trade')).toMatchObject({ feeRateBps: null, txHash: null });
    expect(reasons(normalizeRecord(frame('market_ws', { ...m, side: 'sell' })))).toEqual(['invalid_field: side: Invalid option: expected one of "BUY"|"SELL"']);
  });

  it('origin fields come from the record; exchMs from the payload (seconds are scaled to ms)', () => {
    const raw = rec('user_ws', 'frame', JSON.stringify({ event_type: 'trade', id: 't', asset_id: YES, side: 'BUY', price: '0.49', size: '5', status: 'CONFIRMED', timestamp: '1762776436' }), {
      seq: 11,
      conn: 'u1',
      recvNs: 123n,
    });
    expect(one(normalizeRecord(raw), 'user_trade')).toMatchObject({ recvNs: 123n, source: 'user_ws', seq: 11, sub: 0, conn: 'u1', exchMs: 1_762_776_436_000, px: 4900, qty: 5_000_000 });
  });

  it('market_resolved: the winner must be one of the market tokens', () => {
    const m = { event_type: 'market_resolved', market: CID, assets_ids: [YES, NO], winning_asset_id: NO, winning_outcome: 'No', timestamp: '1766790415550' };
    expect(one(normalizeRecord(frame('market_ws', m)), 'market_resolved')).toMatchObject({ assetIds: [YES, NO], winningAssetId: NO, winningOutcome: 'No' });
    expect(reasons(normalizeRecord(frame('market_ws', { ...m, winning_asset_id: ID78 })))[0]).toMatch(/^inconsistent: winning_asset_id/);
  });
});

describe('RTDS reference prices are exact decimal strings', () => {
  const update = (payload: string, topic = 'crypto_prices') => `{"topic":"${topic}","type":"update","timestamp":1780730269142,"payload":${payload}}`;
  const value = (text: string, topic?: string): string => one(normalizeRecord(frame('rtds_ws', update(text, topic))), 'reference_price').value;

  it('prefers full_accuracy_value (decimal form) and canonicalises it', () => {
    expect(value('{"symbol":"btcusdt","timestamp":1780730269000,"value":61035.86,"full_accuracy_value":"61035.86000000"}')).toBe('61035.86');
    expect(value('{"symbol":"aapl","value":198.45,"full_accuracy_value":"198.4523","timestamp":1711382400000}', 'equity_prices')).toBe('198.4523');
  });

  it('divides a 1e18-scaled Chainlink full_accuracy_value exactly', () => {
    expect(value('{"symbol":"btc/usd","timestamp":1780730269000,"value":65000.5,"full_accuracy_value":"65000500000000000000000"}', 'crypto_prices_chainlink')).toBe('65000.5');
    expect(value('{"symbol":"btc/usd","timestamp":1780730269000,"full_accuracy_value":"65026457815123456789012"}', 'crypto_prices_chainlink')).toBe('65026.457815123456789012');
    expect(reasons(normalizeRecord(frame('rtds_ws', update('{"symbol":"x","timestamp":1,"value":5,"full_accuracy_value":"5000"}'))))[0]).toMatch(/^inconsistent: payload\.full_accuracy_value "5000"/);
  });

  it('keeps the literal text of a JSON number, even digits float64 cannot hold', () => {
    expect(value('{"symbol":"btcusdt","timestamp":1780730269000,"value":61035.123456789012345678}')).toBe('61035.123456789012345678');
    expect(value('{"symbol":"btcusdt","timestamp":1780730269000,"value": 1.5e-7}')).toBe('0.00000015');
    expect(Number(value('{"symbol":"btcusdt","timestamp":1780730269000,"value":61035.123456789012345678}'))).toBe(61035.123456789012345678);
  });

  it('a subscribe frame gives one ReferencePrice per history point, in order, each with its own literal', () => {
    const text = '{"topic":"crypto_prices","type":"subscribe","timestamp":1780726213178,"payload":{"symbol":"btcusdt","data":[{"timestamp":1780726209000,"value":61164.120},{"timestamp":1780726210000,"value":61164.12},{"timestamp":1780726211000,"value":0.10000000000000000001}]}}';
    const events = normalizeRecord(frame('rtds_ws', text, 5)) as ReferencePrice[];
    expect(reasons(events)).toEqual([]);
    expect(events.map((e) => [e.sub, e.priceMs, e.value, e.symbol, e.exchMs])).toEqual([
      [0, 1780726209000, '61164.12', 'btcusdt', 1780726213178],
      [1, 1780726210000, '61164.12', 'btcusdt', 1780726213178],
      [2, 1780726211000, '0.10000000000000000001', 'btcusdt', 1780726213178],
    ]);
  });

  it('non-price topics are recorded but not normalized; a message without topic is an error', () => {
    expect(normalizeRecord(frame('rtds_ws', '{"topic":"comments","type":"comment_created","timestamp":1,"payload":{}}'))).toEqual([]);
    expect(reasons(normalizeRecord(frame('rtds_ws', '{"statusCode":400}')))[0]).toMatch(/^unknown_message: RTDS message without topic/);
  });
});

describe('record kinds and REST routing', () => {
  it('open/close/error -> FeedState; send PING -> outgoing heartbeat; subscribe sends and requests -> nothing', () => {
    expect(normalizeRecord(rec('market_ws', 'open', '', { meta: { url: 'wss://x/ws/market', attempt: 2 } }))).toMatchObject([{ type: 'feed_state', state: 'open', detail: 'wss://x/ws/market attempt 2' }]);
    expect(normalizeRecord(rec('market_ws', 'close', '', { meta: { code: 1006, reason: 'abnormal' } }))).toMatchObject([{ type: 'feed_state', state: 'close', detail: 'code 1006 abnormal' }]);
    expect(normalizeRecord(rec('clob_rest', 'error', 'ECONNRESET'))).toMatchObject([{ type: 'feed_state', state: 'error', detail: 'ECONNRESET', exchMs: null }]);
    expect(normalizeRecord(rec('market_ws', 'send', 'PING'))).toMatchObject([{ type: 'heartbeat', text: 'PING', direction: 'out' }]);
    expect(normalizeRecord(rec('market_ws', 'send', '{"assets_ids":["1"],"type":"market","custom_feature_enabled":true}'))).toEqual([]);
    expect(normalizeRecord(rec('clob_rest', 'request', '', { meta: { url: '/book?token_id=1' } }))).toEqual([]);
  });

  it('a kind that the source never produces is unsupported', () => {
    expect(reasons(normalizeRecord(rec('market_ws', 'response', '{}')))).toEqual(['unsupported: a market_ws record of kind response']);
    expect(reasons(normalizeRecord(rec('gamma_rest', 'frame', '{}')))).toEqual(['unsupported: a gamma_rest record of kind frame']);
  });

  it('non-2xx responses become a FeedState error; unmapped endpoints give nothing; a non-JSON mapped body is an error', () => {
    expect(normalizeRecord(response('clob_rest', 'https://clob.polymarket.com/book?token_id=1', '{"error":"No orderbook exists"}', 404))).toMatchObject([
      { type: 'feed_state', state: 'error', detail: 'HTTP 404 GET https://clob.polymarket.com/book?token_id=1: {"error":"No orderbook exists"}' },
    ]);
    expect(normalizeRecord(response('clob_rest', '/midpoint?token_id=1', '{"mid":"0.5"}'))).toEqual([]);
    expect(normalizeRecord(response('gamma_rest', '/tags', 'not json'))).toEqual([]);
    expect(reasons(normalizeRecord(response('clob_rest', '/books', '<html>')))[0]).toMatch(/^malformed_json: response body of \/books/);
  });

  it('/books gives one snapshot per book, a bad book costs one error', () => {
    const events = normalizeRecord(response('clob_rest', '/books', [book([['0.4', '1']], []), { asset_id: YES }, book([], [], { asset_id: NO })]));
    expect(events.map((e) => e.type)).toEqual(['book_snapshot', 'normalization_error', 'book_snapshot']);
    expect((events[2] as BookSnapshot).assetId).toBe(NO);
    expect((events[0] as BookSnapshot).via).toBe('rest');
  });
});

describe('REST metadata routes', () => {
  const gm = (cid: string, extra: Record<string, unknown> = {}) => ({ conditionId: cid, slug: `s-${cid.slice(2, 6)}`, outcomes: '["Yes", "No"]', clobTokenIds: `["${YES}", "${NO}"]`, ...extra });
  const C1 = `0x${'1'.repeat(64)}`;
  const C2 = `0x${'2'.repeat(64)}`;
  const metas = (events: MarketEvent[]) => {
    expect(reasons(events)).toEqual([]);
    return events.map((e) => (e.type === 'market_meta' ? [e.via, e.meta.conditionId, e.meta.eventSlug, e.meta.tags, e.sub] : e.type));
  };

  it('Gamma /markets (array and keyset page) and /markets/{id} (one object)', () => {
    expect(metas(normalizeRecord(response('gamma_rest', 'https://gamma-api.polymarket.com/markets?limit=2', [gm(C1), gm(C2)])))).toEqual([
      ['gamma', C1, null, [], 0],
      ['gamma', C2, null, [], 1],
    ]);
    expect(metas(normalizeRecord(response('gamma_rest', '/markets/keyset?limit=2', { markets: [gm(C2)], next_cursor: 'abc' })))).toEqual([['gamma', C2, null, [], 0]]);
    expect(metas(normalizeRecord(response('gamma_rest', '/markets/slug/s-1111', gm(C1))))).toEqual([['gamma', C1, null, [], 0]]);
  });

  it('Gamma /events, /events/keyset and /public-search list every embedded market with the event slug and tag labels', () => {
    const ev = { slug: 'ev-1', tags: [{ label: 'Crypto', slug: 'crypto' }], markets: [gm(C1), gm(C2)] };
    const want = [
      ['gamma', C1, 'ev-1', ['Crypto'], 0],
      ['gamma', C2, 'ev-1', ['Crypto'], 1],
    ];
    expect(metas(normalizeRecord(response('gamma_rest', '/events?limit=1', [ev])))).toEqual(want);
    expect(metas(normalizeRecord(response('gamma_rest', '/events/keyset', { events: [ev], next_cursor: 'x' })))).toEqual(want);
    expect(metas(normalizeRecord(response('gamma_rest', '/public-search?q=btc', { events: [ev], pagination: {} })))).toEqual(want);
    expect(metas(normalizeRecord(response('gamma_rest', '/events/slug/ev-1', ev)))).toEqual(want);
  });

  it('CLOB /markets pages and /sampling-markets list each market; a bad market costs one error', () => {
    const cm = (cid: string) => ({ condition_id: cid, tokens: [{ token_id: YES, outcome: 'Yes' }, { token_id: NO, outcome: 'No' }], minimum_tick_size: 0.01, minimum_order_size: 5 });
    const page = { data: [cm(C1), { condition_id: 'nope' }, cm(C2)], next_cursor: 'LTE=', limit: 3, count: 3 };
    const events = normalizeRecord(response('clob_rest', '/markets?next_cursor=MA==', page));
    expect(events.map((e) => e.type)).toEqual(['market_meta', 'normalization_error', 'market_meta']);
    expect(reasons(events)).toEqual(['invalid_field: data[1].condition_id: "nope" is not a condition id (0x + 64 hex)']);
    expect(metas(normalizeRecord(response('clob_rest', '/sampling-markets', { data: [cm(C2)] })))).toEqual([['clob', C2, null, [], 0]]);
  });
});

describe('new_market', () => {
  const msg = {
    event_type: 'new_market',
    id: '1031769',
    market: `0x${'3'.repeat(64)}`,
    slug: 'nvda',
    question: 'q?',
    assets_ids: [YES, NO],
    outcomes: ['Yes', 'No'],
    event_message: { slug: 'nvda-event' },
    tags: ['stocks'],
    active: true,
    order_price_min_tick_size: '0.001',
    timestamp: '1766790415550',
  };

  it('maps tokens, tick size, event slug; a fee_schedule in string or number form becomes exact strings', () => {
    const fs = { exponent: '1', rate: '0.07', taker_only: true, rebate_rate: '0.2' };
    for (const fee_schedule of [fs, { exponent: 1, rate: 0.07, taker_only: true, rebate_rate: 0.2 }]) {
      const e = one(normalizeRecord(frame('market_ws', { ...msg, fees_enabled: true, fee_schedule })), 'market_meta');
      expect(e.via).toBe('new_market');
      expect(e.exchMs).toBe(1_766_790_415_550);
      expect(e.meta).toMatchObject({ id: '1031769', tickSize: 10, eventSlug: 'nvda-event', tags: ['stocks'], feesEnabled: true, feeSchedule: { rate: '0.07', exponent: '1', takerOnly: true, rebateRate: '0.2' } });
      expect(e.meta.tokens).toEqual([{ tokenId: YES, outcome: 'Yes' }, { tokenId: NO, outcome: 'No' }]);
    }
    expect(one(normalizeRecord(frame('market_ws', msg)), 'market_meta').meta).toMatchObject({ feesEnabled: false, feeSchedule: null, minOrderSize: null });
  });

  it('refuses mismatched outcomes', () => {
    expect(reasons(normalizeRecord(frame('market_ws', { ...msg, outcomes: ['Yes'] })))).toEqual(['inconsistent: assets_ids has 2 token(s) but outcomes has 1 outcome(s)']);
  });
});

describe('never throws', () => {
  const sources = ['market_ws', 'user_ws', 'rtds_ws', 'clob_rest', 'gamma_rest'] as const;
  const kinds = ['open', 'frame', 'send', 'close', 'error', 'request', 'response'] as const;
  const urls = ['/book', '/books', '/markets', '/markets/x', '/events', '/public-search', '/x'];

  it('maps arbitrary text and arbitrary JSON values to events with sub = index (property)', () => {
    const payload = fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.constant('{"event_type":"book","bids":[{"price":{}}]}'));
    fc.assert(
      fc.property(fc.constantFrom(...sources), fc.constantFrom(...kinds), fc.constantFrom(...urls), payload, (source, kind, url, text) => {
        const raw = rec(source, kind, text, { meta: { url } });
        const events = normalizeRecord(raw);
        events.forEach((e, i) => {
          expect(e.sub).toBe(i);
          expect(e.source).toBe(source);
          if (e.type === 'normalization_error') {
            expect(e.raw).toBe(raw);
            expect(e.reason).toMatch(/^(malformed_json|invalid_field|off_grid_price|inexact_size|unknown_message|inconsistent|unsupported): /);
          }
        });
      }),
      { seed: 424_242, numRuns: 400 },
    );
  });

  it('wire-like messages with random field values never throw (property)', () => {
    const anyVal = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null), fc.constant(undefined), fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }), fc.constant('0.5'));
    const msg = fc.record(
      {
        event_type: fc.constantFrom('book', 'price_change', 'tick_size_change', 'last_trade_price', 'best_bid_ask', 'new_market', 'market_resolved', undefined),
        asset_id: anyVal,
        market: anyVal,
        price: anyVal,
        size: anyVal,
        side: fc.constantFrom('BUY', 'SELL', 'x', undefined),
        bids: fc.oneof(anyVal, fc.array(fc.record({ price: anyVal, size: anyVal }), { maxLength: 3 })),
        asks: fc.oneof(anyVal, fc.array(fc.record({ price: anyVal, size: anyVal }), { maxLength: 3 })),
        price_changes: fc.oneof(anyVal, fc.array(fc.record({ asset_id: anyVal, price: anyVal, size: anyVal, side: anyVal }), { maxLength: 3 })),
        timestamp: anyVal,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(msg, (m) => {
        const events = normalizeRecord(frame('market_ws', JSON.stringify(m)));
        expect(events.length).toBeGreaterThanOrEqual(0);
        for (const e of errors(events)) expect(e.reason).not.toMatch(/^internal:/);
      }),
      { seed: 77, numRuns: 400 },
    );
  });
});

describe('hot-path guards report what the zod schemas report', () => {
  // One defect at a time: the guard's reason must equal `invalid_field: <path>: <zod message>`.
  const zodReason = (schema: z.ZodType, value: unknown): string => {
    const r = schema.safeParse(value);
    if (r.success) throw new Error('schema accepted a broken message');
    const issue = r.error.issues[0]!;
    return `invalid_field: ${formatPath(issue.path)}: ${issue.message}`;
  };
  const cases: [string, z.ZodType, Record<string, unknown>][] = [
    ['book: numeric asset_id', BookMessageSchema, book([], [], { asset_id: 5 })],
    ['book: bids not an array', BookMessageSchema, book([], [], { bids: null })],
    ['book: numeric level price', BookMessageSchema, { ...book([], []), bids: [{ price: 0.5, size: '1' }] }],
    ['book: missing level size', BookMessageSchema, { ...book([], []), asks: [{ price: '0.5' }] }],
    ['price_change: numeric size', PriceChangeCurrentSchema, { market: CID, event_type: 'price_change', price_changes: [{ asset_id: YES, price: '0.5', size: 3, side: 'BUY' }] }],
    ['price_change: bad side', PriceChangeCurrentSchema, { market: CID, event_type: 'price_change', price_changes: [{ asset_id: YES, price: '0.5', size: '3', side: 'buy' }] }],
    ['price_change legacy: missing price', PriceChangeLegacySchema, { asset_id: YES, event_type: 'price_change', changes: [{ side: 'BUY', size: '1' }] }],
    ['price_change flat: numeric price', PriceChangeFlatSchema, { asset_id: YES, event_type: 'price_change', hash: 'h', price: 0.5, side: 'BUY', size: '1' }],
    ['last_trade_price: missing size', LastTradePriceSchema, { event_type: 'last_trade_price', asset_id: YES, price: '0.5', side: 'BUY' }],
  ];
  for (const [name, schema, msg] of cases) {
    it(name, () => {
      expect(reasons(normalizeRecord(frame('market_ws', msg)))).toEqual([zodReason(schema, msg)]);
    });
  }

  it('and both accept the valid messages', () => {
    const ok = [book([['0.5', '1']], []), { market: CID, event_type: 'price_change', price_changes: [{ asset_id: YES, price: '0.5', size: '3', side: 'BUY' }] }];
    expect(BookMessageSchema.safeParse(ok[0]).success).toBe(true);
    expect(PriceChangeCurrentSchema.safeParse(ok[1]).success).toBe(true);
    expect(ok.flatMap((m) => reasons(normalizeRecord(frame('market_ws', m))))).toEqual([]);
  });
});

describe('NormalizerStats', () => {
  it('counts records, events by type, errors by code and heartbeats by text', () => {
    const n = new Normalizer();
    n.normalize(frame('market_ws', [book([], []), book([['0.00001', '1']], [])]));
    n.normalize(frame('market_ws', 'NO NEW ASSETS'));
    n.normalize(rec('market_ws', 'send', 'PING'));
    n.normalize(rec('market_ws', 'send', '{"assets_ids":[]}'));
    n.normalize(frame('market_ws', { event_type: 'price_change', market: CID, price_changes: [] }));
    const s = n.stats.snapshot();
    expect(s).toMatchObject({
      records: 5,
      recordsWithoutEvents: 1,
      events: 5,
      byType: { book_delta: 1, book_snapshot: 1, heartbeat: 2, normalization_error: 1 },
      errors: 1,
      errorsByCode: { off_grid_price: 1 },
      heartbeats: { 'in NO NEW ASSETS': 1, 'out PING': 1 },
    });
    expect(n.stats.count('book_snapshot')).toBe(1);
    expect(n.stats.errorCount('off_grid_price')).toBe(1);
    expect(n.stats.errorCount()).toBe(1);
    const d = n.normalize(frame('market_ws', { event_type: 'price_change', market: CID, price_changes: [] }))[0] as BookDelta;
    expect(d.changes).toEqual([]);
  });
});
