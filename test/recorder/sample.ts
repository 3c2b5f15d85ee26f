/**
 * A small realistic recording for summary and CLI tests: real captured WS messages (vendored fixtures),
 * a reconnect with a 2.5 s gap, an RTDS feed, a heartbeat and one malformed frame.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MarketMeta } from '../../src/core/types/market.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';
import { NAUTILUS_TEST_DATA as FIX } from '../helpers/fixtures.ts';
const fixture = (name: string): string => readFileSync(join(FIX, name), 'utf8');

export const CONDITION = '0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917';
export const YES = '71321045679252212594626385532706912750332728571942532289631379312455583992563';
export const NO = '52114319501245915516055106046884209969926127482827954674443846427813813222426';
export const T0 = 1_765_450_800_000_000_000n; // 2025-12-11T11:00:00Z
const MS = 1_000_000n;

export const SAMPLE_MARKET: MarketMeta = {
  conditionId: CONDITION,
  id: '253591',
  slug: 'will-trump-win',
  question: 'Will Trump win?',
  tokens: [
    { tokenId: YES, outcome: 'Yes' },
    { tokenId: NO, outcome: 'No' },
  ],
  tickSize: 100,
  minOrderSize: 5_000_000,
  negRisk: false,
  feesEnabled: false,
  feeSchedule: null,
  endDate: '2024-11-05T12:00:00Z',
  active: true,
  closed: false,
  acceptingOrders: true,
  eventSlug: null,
  tags: [],
};

export function sampleRecords(): RawRecord[] {
  const url = 'wss://ws-subscriptions-clob.polymarket.com/ws/market';
  const rows: Omit<RawRecord, 'v' | 'seq'>[] = [
    { recvNs: T0, source: 'market_ws', conn: 'm1', kind: 'open', meta: { url, attempt: 0, assets: [YES, NO] }, payload: '' },
    { recvNs: T0 + 1n * MS, source: 'market_ws', conn: 'm1', kind: 'send', meta: {}, payload: JSON.stringify({ assets_ids: [YES, NO], type: 'market' }) },
    { recvNs: T0 + 100n * MS, source: 'market_ws', conn: 'm1', kind: 'frame', meta: {}, payload: fixture('ws_market_book_msg.json') },
    { recvNs: T0 + 200n * MS, source: 'market_ws', conn: 'm1', kind: 'frame', meta: {}, payload: fixture('ws_market_price_change_msg.json') },
    { recvNs: T0 + 300n * MS, source: 'market_ws', conn: 'm1', kind: 'frame', meta: {}, payload: fixture('ws_market_last_trade_msg.json') },
    { recvNs: T0 + 400n * MS, source: 'market_ws', conn: 'm1', kind: 'frame', meta: {}, payload: 'PONG' },
    { recvNs: T0 + 500n * MS, source: 'market_ws', conn: 'm1', kind: 'frame', meta: {}, payload: `{"event_type":"book","asset_id":"${YES}","market":"${CONDITION}"}` },
    { recvNs: T0 + 600n * MS, source: 'market_ws', conn: 'm1', kind: 'close', meta: { code: 1006, reason: 'abnormal closure' }, payload: '' },
    { recvNs: T0 + 3100n * MS, source: 'market_ws', conn: 'm2', kind: 'open', meta: { url, attempt: 1, assets: [YES, NO] }, payload: '' },
    { recvNs: T0 + 3200n * MS, source: 'market_ws', conn: 'm2', kind: 'frame', meta: {}, payload: fixture('ws_market_last_trade_msg.json') },
    { recvNs: T0 + 3300n * MS, source: 'rtds_ws', conn: 'r1', kind: 'open', meta: { url: 'wss://ws-live-data.polymarket.com' }, payload: '' },
    { recvNs: T0 + 3400n * MS, source: 'rtds_ws', conn: 'r1', kind: 'frame', meta: {}, payload: fixture('rtds_crypto_prices_update.json') },
  ];
  return rows.map((r, i) => ({ v: 1, seq: i + 1, ...r }));
}

export async function writeSample(dir: string): Promise<RawRecord[]> {
  const recs = sampleRecords();
  const w = await RecordingWriter.open({ dir, markets: [SAMPLE_MARKET], meta: { argv: ['record', '--test'] } });
  for (const r of recs) w.append(r);
  await w.close();
  return recs;
}
