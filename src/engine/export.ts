/**
 * `poly export`: a recording's normalized events as tables people can read (Parquet or CSV, via DuckDB).
 *
 * Input: `normalizedEvents(dir, filter)` (events.ts), in record order (seq, then sub). Every row carries
 * the `seq` of its raw record, so any row can be traced to its bytes (`poly inspect --sql`).
 *
 * Tables (one file per table: DIR/<table>.parquet | .csv; `--events` picks them by family name)
 *
 * | family  | table          | one row per                                              |
 * |---------|----------------|----------------------------------------------------------|
 * | book    | book           | level of a snapshot (kind 'snapshot', level 0 = best) or level set of a price_change (kind 'set', level NULL); an empty snapshot is one row with side/price/size NULL |
 * | trades  | trades         | last_trade_price print                                   |
 * | ticks   | tick_sizes     | tick_size_change                                         |
 * | resolutions | resolutions | market_resolved                                         |
 * | feed    | feed_state     | connection open / close / error                          |
 * | errors  | errors         | normalization error (raw seq, kind, reason, payload)     |
 * | bbo     | bbo            | token whose book changed, after each book event (core BookRegistry, exact) |
 * | depth   | depth          | (grid time, token, side, level) to --depth N every --interval on the virtual clock |
 *
 * Columns (every table starts with the origin columns; `sub` = the event's index in its record)
 * - origin: seq BIGINT, sub INTEGER, recv_ns BIGINT, recv_time TIMESTAMP_NS, exch_time TIMESTAMP (µs; the payload's ms; NULL
 *   when the payload has no timestamp), source VARCHAR
 * - book: market VARCHAR, asset_id VARCHAR, kind VARCHAR, side VARCHAR ('bid'|'ask'), level INTEGER,
 *   price DECIMAL(18,4), size DECIMAL(18,6) (a set's size is the new total; 0 removes the level), via VARCHAR
 * - trades: market, asset_id, taker_side VARCHAR ('BUY'|'SELL'), price DECIMAL(18,4), size DECIMAL(18,6),
 *   fee_rate_bps INTEGER, tx_hash VARCHAR
 * - tick_sizes: market, asset_id, old_tick DECIMAL(18,4), new_tick DECIMAL(18,4)
 * - resolutions: market, winning_asset_id VARCHAR, winning_outcome VARCHAR, asset_ids VARCHAR (comma-separated)
 * - feed_state: conn VARCHAR, state VARCHAR, detail VARCHAR, code INTEGER, attempt INTEGER
 * - errors: conn, raw_kind VARCHAR, reason VARCHAR, payload VARCHAR
 * - bbo: asset_id, valid BOOLEAN, bid_price DECIMAL(18,4), bid_size DECIMAL(18,6), ask_price, ask_size
 *   (NULL price / 0 size = empty side), the book after the event's whole record position (seq, sub)
 * - depth: time TIMESTAMP_NS, time_ns BIGINT, asset_id, side, level INTEGER (0 = best), price, size;
 *   grid times are epoch-aligned multiples of --interval from the first event's recv time to the last;
 *   the book at t is the state after every event with recv_ns < t (timers at t fire before data at t, as
 *   in the kernel); tokens whose book is not valid (no snapshot yet, after a tick change) have no rows.
 *
 * Invariants
 * - Exact: prices and sizes go from integer ticks / micro-shares to DECIMAL through DuckDB's appender
 *   (scaled integers, no float); CSV prints DuckDB's decimal text. Token and condition ids are VARCHAR
 *   (quoted in CSV).
 * - Bounded memory: rows are appended to a scratch DuckDB file database in DIR (flushed every 16k rows,
 *   memory_limit 256MB, spilling to disk); JS holds one event and the books.
 * - Deterministic: same recording + flags -> byte-identical files. DuckDB runs on one thread, each table
 *   is copied in insertion order (= event order; ORDER BY the row's sequence), nothing depends on time
 *   of day, locale or paths; the scratch database is deleted at the end.
 * - The books (bbo, depth) start empty: with --from they wait for the window's first snapshot, like a
 *   replay window; with --market they hold only that market's books.
 *
 * Known limits: heartbeats, reference prices, market metadata and user-channel events are not exported.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBDecimalValue, DuckDBTimestampNanosecondsValue, DuckDBTimestampValue } from '@duckdb/node-api';
import type { DuckDBAppender } from '@duckdb/node-api';
import { BookRegistry } from '../core/book/index.ts';
import type { BookReader } from '../core/book/index.ts';
import { PolyError } from '../core/errors.ts';
import type { BookSide, EventOrigin, MarketEvent } from '../core/types/events.ts';
import type { MarketMeta } from '../core/types/market.ts';
import { openDuck, sqlString, type Duck } from '../io/duckdb.ts';
import { normalizedEvents, type EventFilter } from './events.ts';

export const FAMILIES = ['book', 'trades', 'ticks', 'resolutions', 'feed', 'errors', 'bbo', 'depth'] as const;
export type Family = (typeof FAMILIES)[number];
/** Families exported when --events is not given (depth only with --depth / --interval). */
export const DEFAULT_FAMILIES: readonly Family[] = ['book', 'trades', 'ticks', 'resolutions', 'feed', 'errors', 'bbo'];
export type ExportFormat = 'parquet' | 'csv';

const ORIGIN = 'seq BIGINT, sub INTEGER, recv_ns BIGINT, recv_time TIMESTAMP_NS, exch_time TIMESTAMP, source VARCHAR';
const PX = 'DECIMAL(18,4)';
const QTY = 'DECIMAL(18,6)';
const TABLES: Record<Family, { table: string; columns: string }> = {
  book: { table: 'book', columns: `${ORIGIN}, market VARCHAR, asset_id VARCHAR, kind VARCHAR, side VARCHAR, level INTEGER, price ${PX}, size ${QTY}, via VARCHAR` },
  trades: { table: 'trades', columns: `${ORIGIN}, market VARCHAR, asset_id VARCHAR, taker_side VARCHAR, price ${PX}, size ${QTY}, fee_rate_bps INTEGER, tx_hash VARCHAR` },
  ticks: { table: 'tick_sizes', columns: `${ORIGIN}, market VARCHAR, asset_id VARCHAR, old_tick ${PX}, new_tick ${PX}` },
  resolutions: { table: 'resolutions', columns: `${ORIGIN}, market VARCHAR, winning_asset_id VARCHAR, winning_outcome VARCHAR, asset_ids VARCHAR` },
  feed: { table: 'feed_state', columns: `${ORIGIN}, conn VARCHAR, state VARCHAR, detail VARCHAR, code INTEGER, attempt INTEGER` },
  errors: { table: 'errors', columns: `${ORIGIN}, conn VARCHAR, raw_kind VARCHAR, reason VARCHAR, payload VARCHAR` },
  bbo: { table: 'bbo', columns: `${ORIGIN}, asset_id VARCHAR, valid BOOLEAN, bid_price ${PX}, bid_size ${QTY}, ask_price ${PX}, ask_size ${QTY}` },
  depth: { table: 'depth', columns: 'time TIMESTAMP_NS, time_ns BIGINT, asset_id VARCHAR, side VARCHAR, level INTEGER, price DECIMAL(18,4), size DECIMAL(18,6)' },
};
/** Columns that hold ids: quoted in CSV. */
const QUOTED = ['market', 'asset_id', 'winning_asset_id', 'asset_ids'];

export interface ExportRequest {
  readonly recording: string;
  readonly out: string;
  readonly format: ExportFormat;
  readonly families: readonly Family[];
  readonly filter: EventFilter;
  readonly markets: readonly MarketMeta[];
  /** depth table: levels per side and grid interval (ns). */
  readonly depth: number;
  readonly intervalNs: bigint;
}

export interface ExportResult {
  readonly events: number;
  readonly tables: ReadonlyArray<{ table: string; file: string; rows: number }>;
}

/** Parses `--events a,b` into families; throws usage on an unknown name. */
export function parseFamilies(text: string): Family[] {
  const out: Family[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (!(FAMILIES as readonly string[]).includes(part)) {
      throw new PolyError('usage', `--events: unknown event family '${part}' (families: ${FAMILIES.join(', ')})`);
    }
    if (!out.includes(part as Family)) out.push(part as Family);
  }
  if (out.length === 0) throw new PolyError('usage', `--events is empty (families: ${FAMILIES.join(', ')})`);
  return out;
}

const FLUSH_ROWS = 16_384;

class Table {
  rows = 0;
  private pending = 0;
  constructor(
    readonly name: string,
    readonly app: DuckDBAppender,
  ) {}
  end(): void {
    this.app.endRow();
    this.rows++;
    if (++this.pending >= FLUSH_ROWS) {
      this.app.flushSync();
      this.pending = 0;
    }
  }
}

const px = (a: DuckDBAppender, v: number | null): void => (v === null ? a.appendNull() : a.appendDecimal(new DuckDBDecimalValue(BigInt(v), 18, 4)));
const qty = (a: DuckDBAppender, v: number | null): void => (v === null ? a.appendNull() : a.appendDecimal(new DuckDBDecimalValue(BigInt(v), 18, 6)));
const str = (a: DuckDBAppender, v: string | null | undefined): void => (v == null ? a.appendNull() : a.appendVarchar(v));
const int = (a: DuckDBAppender, v: number | null | undefined): void => (v == null ? a.appendNull() : a.appendInteger(v));

function origin(a: DuckDBAppender, e: EventOrigin): void {
  a.appendBigInt(BigInt(e.seq));
  a.appendInteger(e.sub);
  a.appendBigInt(e.recvNs);
  a.appendTimestampNanoseconds(new DuckDBTimestampNanosecondsValue(e.recvNs));
  if (e.exchMs === null) a.appendNull();
  else a.appendTimestamp(new DuckDBTimestampValue(BigInt(e.exchMs) * 1000n));
  a.appendVarchar(e.source);
}

function bboRow(t: Table, e: EventOrigin, id: string, b: BookReader): void {
  const a = t.app;
  origin(a, e);
  a.appendVarchar(id);
  a.appendBoolean(b.valid);
  px(a, b.bestBid());
  qty(a, b.bestBidQty());
  px(a, b.bestAsk());
  qty(a, b.bestAskQty());
  t.end();
}

/** Runs the export. The caller has validated flags and the output directory (it exists and is empty). */
export async function runExport(req: ExportRequest): Promise<ExportResult> {
  const scratch = join(req.out, '.export-scratch.duckdb');
  let duck: Duck | null = null;
  try {
    duck = await openDuck({ path: scratch, threads: 1, memoryLimit: '256MB', preserveInsertionOrder: true });
    const conn = duck.conn;
    const tables = new Map<Family, Table>();
    for (const f of req.families) {
      const { table, columns } = TABLES[f];
      await conn.run(`CREATE TABLE ${table} (${columns})`);
      tables.set(f, new Table(table, await conn.createAppender(table)));
    }
    const book = tables.get('book');
    const trades = tables.get('trades');
    const ticks = tables.get('ticks');
    const resolutions = tables.get('resolutions');
    const feed = tables.get('feed');
    const errors = tables.get('errors');
    const bbo = tables.get('bbo');
    const depth = tables.get('depth');
    const needBooks = bbo !== undefined || depth !== undefined;
    const books = new BookRegistry(req.markets);
    let nextGrid: bigint | null = null;
    let events = 0;

    const depthAt = (t: bigint): void => {
      if (depth === undefined) return;
      for (const id of [...books.assetIds()].sort()) {
        const b = books.book(id);
        if (b === undefined || !b.valid) continue;
        for (const side of ['bid', 'ask'] as const satisfies readonly BookSide[]) {
          let level = 0;
          for (const l of b.depth(side, req.depth)) {
            const a = depth.app;
            a.appendTimestampNanoseconds(new DuckDBTimestampNanosecondsValue(t));
            a.appendBigInt(t);
            a.appendVarchar(id);
            a.appendVarchar(side);
            a.appendInteger(level++);
            px(a, l.px);
            qty(a, l.qty);
            depth.end();
          }
        }
      }
    };

    for await (const ev of normalizedEvents(req.recording, req.filter)) {
      events++;
      if (depth !== undefined) {
        if (nextGrid === null) nextGrid = ((ev.recvNs + req.intervalNs - 1n) / req.intervalNs) * req.intervalNs;
        while (nextGrid <= ev.recvNs) {
          depthAt(nextGrid);
          nextGrid += req.intervalNs;
        }
      }
      writeEvent(ev, { book, trades, ticks, resolutions, feed, errors });
      if (needBooks) {
        const changed = books.apply(ev);
        if (bbo !== undefined) {
          for (const id of changed) {
            const b = books.book(id);
            if (b !== undefined) bboRow(bbo, ev, id, b);
          }
        }
      }
    }

    const written: Array<{ table: string; file: string; rows: number }> = [];
    for (const t of tables.values()) {
      t.app.closeSync();
      const file = join(req.out, `${t.name}.${req.format}`);
      const cols = TABLES[req.families.find((f) => TABLES[f].table === t.name)!].columns;
      const quoted = QUOTED.filter((c) => new RegExp(`(^|, )${c} `).test(cols));
      const options =
        req.format === 'parquet'
          ? "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880"
          : `FORMAT csv, HEADER true${quoted.length > 0 ? `, FORCE_QUOTE (${quoted.join(', ')})` : ''}`;
      await conn.run(`COPY ${t.name} TO ${sqlString(file)} (${options})`);
      written.push({ table: t.name, file, rows: t.rows });
    }
    return { events, tables: written };
  } finally {
    duck?.close();
    await rm(scratch, { force: true });
    await rm(`${scratch}.wal`, { force: true });
    await rm(`${scratch}.tmp`, { force: true, recursive: true });
  }
}

interface EventTables {
  book: Table | undefined;
  trades: Table | undefined;
  ticks: Table | undefined;
  resolutions: Table | undefined;
  feed: Table | undefined;
  errors: Table | undefined;
}

function writeEvent(ev: MarketEvent, t: EventTables): void {
  switch (ev.type) {
    case 'book_snapshot': {
      const tb = t.book;
      if (tb === undefined) return;
      const row = (side: BookSide | null, level: number | null, p: number | null, q: number | null): void => {
        const a = tb.app;
        origin(a, ev);
        str(a, ev.market);
        a.appendVarchar(ev.assetId);
        a.appendVarchar('snapshot');
        str(a, side);
        int(a, level);
        px(a, p);
        qty(a, q);
        a.appendVarchar(ev.via);
        tb.end();
      };
      ev.bids.forEach((l, i) => row('bid', i, l.px, l.qty));
      ev.asks.forEach((l, i) => row('ask', i, l.px, l.qty));
      if (ev.bids.length === 0 && ev.asks.length === 0) row(null, null, null, null);
      return;
    }
    case 'book_delta': {
      const tb = t.book;
      if (tb === undefined) return;
      for (const c of ev.changes) {
        const a = tb.app;
        origin(a, ev);
        str(a, ev.market);
        a.appendVarchar(c.assetId);
        a.appendVarchar('set');
        a.appendVarchar(c.side);
        a.appendNull();
        px(a, c.px);
        qty(a, c.qty);
        a.appendVarchar('ws');
        tb.end();
      }
      return;
    }
    case 'trade': {
      const tb = t.trades;
      if (tb === undefined) return;
      const a = tb.app;
      origin(a, ev);
      str(a, ev.market);
      a.appendVarchar(ev.assetId);
      a.appendVarchar(ev.takerSide);
      px(a, ev.px);
      qty(a, ev.qty);
      int(a, ev.feeRateBps);
      str(a, ev.txHash);
      tb.end();
      return;
    }
    case 'tick_size_changed': {
      const tb = t.ticks;
      if (tb === undefined) return;
      const a = tb.app;
      origin(a, ev);
      str(a, ev.market);
      a.appendVarchar(ev.assetId);
      px(a, ev.oldTick);
      px(a, ev.newTick);
      tb.end();
      return;
    }
    case 'market_resolved': {
      const tb = t.resolutions;
      if (tb === undefined) return;
      const a = tb.app;
      origin(a, ev);
      a.appendVarchar(ev.market);
      a.appendVarchar(ev.winningAssetId);
      str(a, ev.winningOutcome);
      a.appendVarchar(ev.assetIds.join(','));
      tb.end();
      return;
    }
    case 'feed_state': {
      const tb = t.feed;
      if (tb === undefined) return;
      const a = tb.app;
      origin(a, ev);
      a.appendVarchar(ev.conn);
      a.appendVarchar(ev.state);
      a.appendVarchar(ev.detail);
      int(a, ev.code);
      int(a, ev.attempt);
      tb.end();
      return;
    }
    case 'normalization_error': {
      const tb = t.errors;
      if (tb === undefined) return;
      const a = tb.app;
      origin(a, ev);
      a.appendVarchar(ev.conn);
      a.appendVarchar(ev.raw.kind);
      a.appendVarchar(ev.reason);
      a.appendVarchar(ev.raw.payload);
      tb.end();
      return;
    }
    default:
      return;
  }
}
