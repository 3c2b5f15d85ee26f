/**
 * PMXT v2 archive files GENERATED from the repo's own data (never the archive itself: its licence is not
 * ours to bundle). A recording's market-WebSocket frames become PMXT rows exactly as the archive lays them
 * out (PROTOCOL.md §6.4): one row per event, one row per `price_change` entry, the 16 columns with their
 * names and types, rows sorted by (market, asset_id, timestamp_received), one file per UTC hour named
 * `polymarket_orderbook_YYYY-MM-DDTHH.parquet`, ZSTD, row groups of 1,048,576 rows unless a test asks for
 * fewer.
 *
 * What DuckDB can write vs the archive (PMB reads both the same way, through DuckDB `decode(market)`):
 * - `market` is fixed_size_binary[66] (Parquet FIXED_LEN_BYTE_ARRAY) in the archive; DuckDB has no fixed-size
 *   binary type, so it is written as BLOB (BYTE_ARRAY). Both read back as BLOB.
 * - `timestamp_received` is timestamp[ms, UTC] (INT64 MILLIS, adjusted to UTC); DuckDB writes UTC-adjusted
 *   timestamps only in MICROS (TIMESTAMPTZ), so that is used; `timestamp` (not UTC-adjusted) is written as
 *   TIMESTAMP_MS exactly. All read back through epoch_ms.
 * - decimals are DECIMAL(9,4) / DECIMAL(18,6) (INT32 / INT64 with the decimal logical type), fee_rate_bps
 *   USMALLINT (UINT_16), the rest VARCHAR.
 * Within equal (market, asset_id, timestamp_received) rows keep arrival order (a stable sort), as the
 * exporter's would.
 * What the archive does not have is not written: hash, the book's tick_size/last_trade_price, custom events
 * (best_bid_ask, new_market, market_resolved), REST responses, heartbeats, connection events.
 */
import { join } from 'node:path';
import { openDuck, sqlString } from '../../src/io/duckdb.ts';
import { readRecording } from '../../src/recorder/read.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { pmxtFileName } from '../../src/import/hours.ts';

export interface PmxtRow {
  timestamp_received: number;
  timestamp: number | null;
  market: string;
  event_type: string;
  asset_id: string;
  bids: string | null;
  asks: string | null;
  price: string | null;
  size: string | null;
  side: string | null;
  best_bid: string | null;
  best_ask: string | null;
  fee_rate_bps: number | null;
  transaction_hash: string | null;
  old_tick_size: string | null;
  new_tick_size: string | null;
}

const EMPTY: Omit<PmxtRow, 'timestamp_received' | 'timestamp' | 'market' | 'event_type' | 'asset_id'> = {
  bids: null, asks: null, price: null, size: null, side: null, best_bid: null, best_ask: null, fee_rate_bps: null, transaction_hash: null, old_tick_size: null, new_tick_size: null,
};

type Obj = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const pairs = (levels: unknown): string => JSON.stringify((levels as Obj[]).map((l) => [String(l['price']), String(l['size'])]));

/** The PMXT rows of one market-WS frame (object or array); elements of other event types give none. */
export function rowsOfFrame(recvMs: number, text: string): PmxtRow[] {
  if (!text.startsWith('{') && !text.startsWith('[')) return [];
  const v = JSON.parse(text) as unknown;
  const out: PmxtRow[] = [];
  for (const el of Array.isArray(v) ? v : [v]) {
    const m = el as Obj;
    const ts = str(m['timestamp']) === null ? null : Number(m['timestamp']);
    const base = { timestamp_received: recvMs, timestamp: ts, market: String(m['market']) };
    switch (m['event_type']) {
      case 'book':
        out.push({ ...EMPTY, ...base, event_type: 'book', asset_id: String(m['asset_id']), bids: pairs(m['bids']), asks: pairs(m['asks']) });
        break;
      case 'price_change':
        for (const c of m['price_changes'] as Obj[]) {
          out.push({ ...EMPTY, ...base, event_type: 'price_change', asset_id: String(c['asset_id']), price: String(c['price']), size: String(c['size']), side: String(c['side']), best_bid: str(c['best_bid']), best_ask: str(c['best_ask']) });
        }
        break;
      case 'last_trade_price':
        out.push({ ...EMPTY, ...base, event_type: 'last_trade_price', asset_id: String(m['asset_id']), price: String(m['price']), size: String(m['size']), side: String(m['side']), fee_rate_bps: str(m['fee_rate_bps']) === null ? null : Number(m['fee_rate_bps']), transaction_hash: str(m['transaction_hash']) });
        break;
      case 'tick_size_change':
        out.push({ ...EMPTY, ...base, event_type: 'tick_size_change', asset_id: String(m['asset_id']), old_tick_size: String(m['old_tick_size']), new_tick_size: String(m['new_tick_size']) });
        break;
      default:
        break;
    }
  }
  return out;
}

/** Every market_ws frame of a recording as PMXT rows (receive time truncated to the millisecond). */
export async function rowsOfRecording(dir: string): Promise<PmxtRow[]> {
  const rows: PmxtRow[] = [];
  for await (const r of readRecording(dir)) if (r.source === 'market_ws' && r.kind === 'frame') rows.push(...rowsOfFrame(Number(r.recvNs / 1_000_000n), r.payload));
  return rows;
}

export function rowsOfRecords(records: readonly RawRecord[]): PmxtRow[] {
  return records.filter((r) => r.source === 'market_ws' && r.kind === 'frame').flatMap((r) => rowsOfFrame(Number(r.recvNs / 1_000_000n), r.payload));
}

const COLS = ['timestamp_received', 'timestamp', 'market', 'event_type', 'asset_id', 'bids', 'asks', 'price', 'size', 'side', 'best_bid', 'best_ask', 'fee_rate_bps', 'transaction_hash', 'old_tick_size', 'new_tick_size'] as const;

/** Writes rows as one PMXT v2 file (see the header). */
export async function writePmxtFile(path: string, rows: readonly PmxtRow[], opts: { rowGroupSize?: number } = {}): Promise<void> {
  const duck = await openDuck({ threads: 1 });
  try {
    const c = duck.conn;
    await c.run(`CREATE TABLE stage (idx BIGINT, ${COLS.map((k) => `${k} VARCHAR`).join(', ')})`);
    const app = await c.createAppender('stage');
    rows.forEach((r, i) => {
      app.appendBigInt(BigInt(i));
      for (const k of COLS) {
        const v = r[k];
        if (v === null) app.appendNull();
        else app.appendVarchar(String(v));
      }
      app.endRow();
    });
    app.flushSync();
    app.closeSync();
    await c.run(`CREATE TABLE pmxt AS SELECT
      make_timestamptz(timestamp_received::BIGINT * 1000) AS timestamp_received,
      make_timestamp(timestamp::BIGINT * 1000)::TIMESTAMP_MS AS "timestamp",
      encode(market) AS market, event_type, asset_id, bids, asks,
      price::DECIMAL(9,4) AS price, size::DECIMAL(18,6) AS size, side,
      best_bid::DECIMAL(9,4) AS best_bid, best_ask::DECIMAL(9,4) AS best_ask,
      fee_rate_bps::USMALLINT AS fee_rate_bps, transaction_hash,
      old_tick_size::DECIMAL(9,4) AS old_tick_size, new_tick_size::DECIMAL(9,4) AS new_tick_size, idx
      FROM stage`);
    await c.run(
      `COPY (SELECT ${COLS.map((k) => `"${k}"`).join(', ')} FROM pmxt ORDER BY market, asset_id, timestamp_received, idx) TO ${sqlString(path)} ` +
        `(FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE ${opts.rowGroupSize ?? 1_048_576})`,
    );
  } finally {
    duck.close();
  }
}

/** Rows split by UTC hour of receipt into archive-named files under `dir`; returns the paths written. */
export async function writePmxtHours(dir: string, rows: readonly PmxtRow[], opts: { rowGroupSize?: number } = {}): Promise<string[]> {
  const byHour = new Map<number, PmxtRow[]>();
  for (const r of rows) {
    const h = Math.floor(r.timestamp_received / 3_600_000) * 3_600_000;
    const l = byHour.get(h) ?? [];
    l.push(r);
    byHour.set(h, l);
  }
  const out: string[] = [];
  for (const h of [...byHour.keys()].sort((a, b) => a - b)) {
    const p = join(dir, pmxtFileName(h));
    await writePmxtFile(p, byHour.get(h) ?? [], opts);
    out.push(p);
  }
  return out;
}
