/**
 * Market-channel payloads built from the real fixtures in test/fixtures/polymarket (vendored), in wire form:
 * - the Caiooooo SOL 15-minute capture (248 UP + 248 DOWN `book` snapshots and the trade prints of both
 *   tokens), re-wrapped into `book` / `last_trade_price` messages (the collector dropped asset_id and
 *   market; we put back two fixed token ids of one binary market) and merged in timestamp order;
 * - every single market-channel WS message fixture of the Nautilus adapter (book, price_change in all
 *   three schemas, last_trade_price, tick_size_change, best_bid_ask, new_market, market_resolved).
 * Used by the benchmarks; the payload texts are what a recorder would have stored.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MarketMeta } from '../src/core/types/market.ts';
import { parsePx, parseQty } from '../src/core/types/fixed.ts';
import { FIXTURES } from '../test/helpers/fixtures.ts';

export { FIXTURES };
export const SOL_UP = '71321045679252212594626385532706912750332728571942532289631379312455583992563';
export const SOL_DOWN = '52114319501245915516055106046884209969926127482827954674443846427813813222426';
export const SOL_MARKET = '0x' + '5f'.repeat(32);

export const solMarket: MarketMeta = {
  conditionId: SOL_MARKET, id: null, slug: 'sol-updown-15m-1765450800', question: 'Solana Up or Down - 15m', tokens: [{ tokenId: SOL_UP, outcome: 'Up' }, { tokenId: SOL_DOWN, outcome: 'Down' }],
  tickSize: parsePx('0.01'), minOrderSize: parseQty('5'), negRisk: false, feesEnabled: false, feeSchedule: null, endDate: '2025-12-11T11:15:00Z',
  active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
};

interface Level { price: string; size: string }
interface CaioBook { bids: Level[]; asks: Level[]; timestamp: string; tick_size?: string; last_trade_price?: string }
interface CaioTrade { price: string; size: string; side: string; timestamp: string }

function readJson<T>(rel: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, rel), 'utf8')) as T;
}

/** Wire payloads of the SOL 15m window, in exchange-timestamp order (books before trades on ties). */
export function solPayloads(): string[] {
  const out: { ts: number; k: number; text: string }[] = [];
  for (const [token, file] of [[SOL_UP, 'up'], [SOL_DOWN, 'down']] as const) {
    for (const b of readJson<CaioBook[]>(`Caiooooo__polymarket-l2-collector/data/15m/sol/orderbooks/1765450800${file}.json`)) {
      const msg = { market: SOL_MARKET, asset_id: token, timestamp: b.timestamp, hash: '0'.repeat(40), bids: b.bids, asks: b.asks, tick_size: b.tick_size ?? '0.01', event_type: 'book' };
      out.push({ ts: Number(b.timestamp), k: 0, text: JSON.stringify(msg) });
    }
    for (const t of readJson<CaioTrade[]>(`Caiooooo__polymarket-l2-collector/data/15m/sol/trades/1765450800${file}.json`)) {
      const msg = { market: SOL_MARKET, asset_id: token, price: t.price, size: t.size, fee_rate_bps: '0', side: t.side.toUpperCase(), timestamp: t.timestamp, event_type: 'last_trade_price' };
      out.push({ ts: Number(t.timestamp), k: 1, text: JSON.stringify(msg) });
    }
  }
  out.sort((a, b) => a.ts - b.ts || a.k - b.k);
  return out.map((o) => o.text);
}

/** Single-message market-channel fixtures (text exactly as stored in the fixture files). */
export function nautilusMarketPayloads(): string[] {
  const dirs = ['nautechsystems__nautilus_trader/tests/integration_tests/adapters/polymarket/resources/ws_messages', 'nautechsystems__nautilus_trader/crates/adapters/polymarket/test_data'];
  const keep = /^(book|price_change|price_change_v2|last_trade_price|tick_size_change|ws_market_.*|ws_quotes|ws_book_snapshot|ws_last_trade|ws_tick_size_change)\.json$/;
  const out: string[] = [];
  for (const d of dirs) for (const f of readdirSync(join(FIXTURES, d)).sort()) if (keep.test(f)) out.push(readFileSync(join(FIXTURES, d, f), 'utf8'));
  return out;
}
