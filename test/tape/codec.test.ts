/**
 * The tape's typed column codec (src/tape/codec.ts) on its own: events -> BatchEncoder -> Arrow IPC bytes
 * -> decodeRow give JSON-identical events (key order included), with every null sentinel and flag of each
 * typed family exercised, sizes above 2^31 micro-shares kept exact, and the JSON fallback taken (and exact)
 * for what a typed family cannot hold: non-ASCII text, a reordered key set, an unexpected value type.
 */
import { RecordBatchFileWriter, RecordBatchReader, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import type { MarketEvent } from '../../src/core/types/events.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { BatchEncoder, EV_BBA, EV_BOOK, EV_DELTA, EV_JSON, EV_TICK, EV_TRADE, TextColumn, decodeRow, textBuffers } from '../../src/tape/codec.ts';
import { encodeRecord } from '../../src/tape/build.ts';
import { eventColumns, tapeSchema, toRecordBatch } from '../../src/tape/tape.ts';

const YES = '71321045679252212594626385532706912750332728571942532289631379312455583992563';
const NO = '52114319501245915516055106046884209969926127482827954674443846427813813222426';
const MKT = '0x' + 'a7'.repeat(32);
const big = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);

let seq = 0;
function frame(payload: unknown, source: RawRecord['source'] = 'market_ws', kind: RawRecord['kind'] = 'frame', meta: RawRecord['meta'] = {}): RawRecord {
  seq += 1;
  return { v: 1, seq, recvNs: 1_765_411_800_000_000_000n + BigInt(seq), source, conn: 'mws-1', kind, meta, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) };
}

async function roundTrip(rows: readonly { raw: RawRecord; events?: MarketEvent[] }[]): Promise<{ decoded: string[]; expected: string[]; types: number[] }> {
  const enc = new BatchEncoder(rows.length);
  const expected: string[] = [];
  for (const { raw, events } of rows) {
    if (events === undefined) {
      encodeRecord(enc, raw);
      expected.push(JSON.stringify(normalizeRecord(raw), big));
    } else {
      enc.row(raw, events, 0, 1, null, '');
      expected.push(JSON.stringify(events, big));
    }
  }
  const schema = tapeSchema('k');
  const bytes = await RecordBatchFileWriter.writeAll([toRecordBatch(schema, enc.finish())]).toUint8Array();
  const reader = await RecordBatchReader.from(bytes);
  const decoded: string[] = [];
  let types: number[] = [];
  for await (const b of reader as AsyncIterable<RecordBatch>) {
    const dict = JSON.parse(b.getChild('strings')!.get(0) as string) as string[];
    const cols = eventColumns(b, dict);
    types = [...cols.eType.subarray(cols.evOff[0], cols.evOff[rows.length])];
    rows.forEach(({ raw }, i) => decoded.push(JSON.stringify(decodeRow(cols, i, { ...raw, conn: dict[0]! }), big)));
  }
  return { decoded, expected, types };
}

describe('tape codec', () => {
  it('round-trips every typed family exactly, nulls and flags included', async () => {
    const rows = [
      // WS book, wire order best last, hash, no tick/ltp
      frame({ event_type: 'book', market: MKT, asset_id: YES, timestamp: '1765411800123', hash: 'abc', bids: [{ price: '0.48', size: '10' }, { price: '0.49', size: '2147.483649' }], asks: [{ price: '0.52', size: '5000.123456' }, { price: '0.51', size: '0.000001' }] }),
      // REST book: min_order_size, neg_risk true, tick, last trade, no hash, empty asks
      frame({ market: MKT, asset_id: NO, timestamp: '1765411800000', bids: [{ price: '0.5', size: '1' }], asks: [], tick_size: '0.01', last_trade_price: '0.5', min_order_size: '5', neg_risk: true }, 'clob_rest', 'response', { url: `https://clob.polymarket.com/book?token_id=${NO}`, status: 200 }),
      frame({ market: MKT, asset_id: NO, bids: [], asks: [], neg_risk: false }, 'clob_rest', 'response', { url: `https://clob.polymarket.com/book?token_id=${NO}`, status: 200 }),
      // price_change current schema: two legs, best bid/ask set, "0"/"1" empty markers, a hash missing
      frame({ event_type: 'price_change', market: MKT, timestamp: '1765411800200', price_changes: [
        { asset_id: YES, price: '0.5', size: '0', side: 'BUY', hash: 'h1', best_bid: '0.49', best_ask: '0.51' },
        { asset_id: NO, price: '0.5', size: '9000000', side: 'SELL', best_bid: '0', best_ask: '1' },
      ] }),
      // legacy and flat schemas
      frame({ event_type: 'price_change', market: MKT, asset_id: YES, hash: 'hl', changes: [{ price: '0.4', side: 'SELL', size: '3' }] }),
      frame({ event_type: 'price_change', asset_id: YES, price: '0.41', side: 'BUY', size: '4', hash: 'hf' }),
      frame({ event_type: 'price_change', market: MKT, price_changes: [] }),
      // trades: SELL with fee and tx hash; BUY without either, no market
      frame({ event_type: 'last_trade_price', market: MKT, asset_id: YES, price: '0.5', size: '3000.5', side: 'SELL', fee_rate_bps: '150', transaction_hash: '0xdead', timestamp: '1765411800300' }),
      frame({ event_type: 'last_trade_price', asset_id: NO, price: '0.5', size: '1', side: 'BUY' }),
      frame({ event_type: 'tick_size_change', market: MKT, asset_id: YES, old_tick_size: '0.01', new_tick_size: '0.001' }),
      frame({ event_type: 'best_bid_ask', market: MKT, asset_id: YES, best_bid: '0.49', best_ask: '1' }),
      frame({ event_type: 'best_bid_ask', asset_id: NO, best_bid: '0', best_ask: '0.6', timestamp: '1765411800400' }),
      // an array frame mixing families; a bad element (normalization error) between good ones
      frame([{ event_type: 'last_trade_price', asset_id: YES, price: '0.5', size: '1', side: 'BUY' }, { event_type: 'price_change', price_changes: [{ price: 'x' }] }, { event_type: 'best_bid_ask', asset_id: YES, best_bid: '0.3' }]),
      frame('PONG'),
    ].map((raw) => ({ raw }));
    const r = await roundTrip(rows);
    expect(r.decoded).toEqual(r.expected);
    for (const t of [EV_BOOK, EV_DELTA, EV_TRADE, EV_TICK, EV_BBA, EV_JSON]) expect(r.types).toContain(t);
    // exactly the error and the heartbeat went to JSON
    expect(r.types.filter((t) => t === EV_JSON)).toHaveLength(2);
    expect(r.decoded[0]).toContain('"qty":5000123456');
  });

  it('falls back to exact JSON for what the typed columns cannot hold', async () => {
    const raw = frame('x');
    const o = { recvNs: raw.recvNs, source: raw.source, seq: raw.seq, conn: raw.conn };
    const book = { type: 'book_snapshot', ...o, sub: 0, exchMs: null, market: null, assetId: YES, bids: [{ px: 10, qty: 1 }], asks: [], tickSize: null, minOrderSize: null, negRisk: null, lastTradePx: null, hash: 'h\u00e9\u4e2d', via: 'ws' } as MarketEvent;
    const trade = { type: 'trade', ...o, sub: 1, exchMs: 5, market: null, assetId: YES, px: 10, qty: 1, takerSide: 'BUY', feeRateBps: 2 ** 40, txHash: null } as MarketEvent;
    const r1 = await roundTrip([{ raw, events: [book, trade] }]);
    expect(r1.decoded).toEqual(r1.expected);
    expect(r1.types).toEqual([EV_JSON, EV_JSON]);
    // a key order the decoder does not build: the family goes to JSON (checked once per build)
    const raw2 = frame('y');
    const o2 = { recvNs: raw2.recvNs, source: raw2.source, seq: raw2.seq, conn: raw2.conn };
    const bba = { type: 'best_bid_ask', ...o2, sub: 0, exchMs: null, market: null, assetId: YES, bestAsk: 20, bestBid: 10 } as MarketEvent;
    const r2 = await roundTrip([{ raw: raw2, events: [bba] }]);
    expect(r2.decoded).toEqual(r2.expected);
    expect(r2.types).toEqual([EV_JSON]);
  });

  it('reads a text column back in chunks: every value, across chunk boundaries, with padded offsets ignored', () => {
    // values of varied lengths (empty ones included), enough bytes for many ~64 KiB chunks
    const vals = Array.from({ length: 20_000 }, (_, k) => (k % 7 === 0 ? '' : `v${k}-`.repeat(1 + (k % 5))));
    const t = textBuffers(vals);
    // an IPC offsets buffer may run past n + 1 entries (padding, here zeros): only n values are read
    const off = new Int32Array(vals.length + 4);
    off.set(t.offsets);
    const col = new TextColumn(off, t.bytes, vals.length);
    expect(vals.map((_, j) => col.at(j))).toEqual(vals);
    expect((col as unknown as { chunks: string[] }).chunks.length).toBeGreaterThan(2);
  });
});
