/**
 * One PMXT archive file, read through DuckDB: schema probe, a counting pre-pass, and the ordered stream of
 * market-WebSocket frames rebuilt from its rows.
 *
 * PMXT v2 layout (PROTOCOL.md §6.4; PMB `_PMXT_REMOTE_COLUMNS`): one row per event, each entry of a
 * `price_change` message its own row; 16 columns `timestamp_received` timestamp[ms, UTC], `timestamp`
 * timestamp[ms], `market` fixed_size_binary[66] (the condition id as ASCII), `event_type`, `asset_id`,
 * `bids`/`asks` (string JSON `[["price","size"],...]`, book only), `price` decimal(9,4), `size` decimal(18,6),
 * `side`, `best_bid`/`best_ask` decimal(9,4), `fee_rate_bps` uint16, `transaction_hash`, `old_tick_size`/
 * `new_tick_size` decimal(9,4). Rows are sorted by (market, asset_id, timestamp_received), in row groups of
 * 1,048,576. Types are read through DuckDB's logical types, so `market` may be BLOB (FIXED_LEN_BYTE_ARRAY or
 * BYTE_ARRAY) or VARCHAR, times any TIMESTAMP flavour (or integer epoch ms), numbers DECIMAL, floating point
 * or text. Only `timestamp_received`, `market`, `event_type` and `asset_id` are required; another absent
 * column reads as NULL and is listed in `FileProbe.absentColumns`.
 *
 * Frames (the shape the normalizer reads, src/core/normalize/polymarket/*; keys in wire order):
 * - book: `{"market","asset_id","timestamp","bids":[{"price","size"}...],"asks":[...],"event_type":"book"}`:
 *   PMXT's level pairs become the wire's objects, in the archive's order; a level list that is not pairs of
 *   strings is passed on as a JSON string so the normalizer reports it (counted, never dropped).
 * - price_change: `{"market","price_changes":[{"asset_id","price","size","side","best_bid","best_ask"}...],
 *   "timestamp","event_type":"price_change"}`. MESSAGE REGROUPING: the archive has no message id, so rows
 *   with equal (timestamp_received, market, event_type price_change, timestamp) are one message; its entries
 *   are ordered by (asset_id, file row). Two messages of one market within the same millisecond with the same
 *   exchange timestamp therefore merge into one (applied in that order: the book is the same unless both
 *   touched one level).
 * - last_trade_price: `{"market","asset_id","price","size","fee_rate_bps","side","timestamp",
 *   "event_type":"last_trade_price","transaction_hash"}`.
 * - tick_size_change: `{"event_type","asset_id","market","old_tick_size","new_tick_size","timestamp"}`.
 * Numbers are written without trailing zeros ("0.4100" -> "0.41", "10.000000" -> "10"): the wire's text
 * before PMXT typed it is not known. A NULL where the wire always has a value is written as JSON null, so the
 * normalizer reports that row instead of it vanishing. Absent optional values (best_bid, fee_rate_bps,
 * transaction_hash, timestamp) are left out. Not in the archive, so never in a frame: `hash`, the book's
 * `tick_size`/`min_order_size`/`neg_risk`/`last_trade_price`.
 *
 * ORDER (deterministic; the archive is sorted by market, not time): messages by receipt millisecond
 * (`timestamp_received`), then market, then exchange timestamp (NULL first), then event type
 * (price_change < last_trade_price < tick_size_change < book: a trade's level updates, then its print, then a
 * tick change it caused, then the post-trade book Polymarket sends after every trade), then asset_id, then
 * file row number (the archive's own order among rows that tie on everything else).
 *
 * Memory: the ordering is DuckDB's ORDER BY over the filtered rows of ONE file (the raw columns only: the
 * frame text is built by the projection above the sort, as rows stream out), under the DuckDB instance's
 * memory_limit with spilling to its temp_directory (see pmxt.ts); results are fetched as 2048-row chunks and
 * turned into frames one chunk at a time. (That DuckDB keeps the subquery's order through the projection is
 * relied on, and checked by the frame-order and equivalence tests.) A market/asset filter is pushed into the Parquet scan, which skips
 * every row group whose `market` min/max statistics cannot match (the archive's sort makes that almost all of
 * them), so a few markets out of an hour never bring the hour into memory.
 *
 * Rows without a receipt time cannot be placed and are counted (`FileCounts.noReceiveTime`), as are rows of
 * an event type outside the four (`FileCounts.otherTypes`); neither becomes a frame.
 */
import type { Duck } from '../io/duckdb.ts';
import { duckErrorLine, sqlString } from '../io/duckdb.ts';
import { ImportError } from './errors.ts';

export const PMXT_V2_COLUMNS = [
  'timestamp_received', 'timestamp', 'market', 'event_type', 'asset_id', 'bids', 'asks', 'price', 'size', 'side',
  'best_bid', 'best_ask', 'fee_rate_bps', 'transaction_hash', 'old_tick_size', 'new_tick_size',
] as const;
export type PmxtColumn = (typeof PMXT_V2_COLUMNS)[number];
const REQUIRED: readonly PmxtColumn[] = ['timestamp_received', 'market', 'event_type', 'asset_id'];
export const PMXT_V1_COLUMNS = ['market_id', 'update_type', 'data'] as const;
export const FRAME_EVENT_TYPES = ['price_change', 'last_trade_price', 'tick_size_change', 'book'] as const;

/** Why PMXT v1 files are refused (one line; see README and the module header of pmxt.ts). */
export const V1_REFUSAL =
  'is a PMXT v1 file (columns market_id, update_type, data); v1 cannot be imported honestly: it has no trades (resting paper orders fill only on trade prints), no receipt time (one float timestamp of unknown origin) and about half the markets are missing — use the v2 archive (https://r2v2.pmxt.dev, from 2026-04-13T19)';

export interface FileProbe {
  readonly path: string;
  /** Rows in the file (Parquet metadata). */
  readonly rows: number;
  readonly rowGroups: number;
  /** DuckDB logical type of each v2 column present. */
  readonly types: Readonly<Partial<Record<PmxtColumn, string>>>;
  readonly absentColumns: readonly PmxtColumn[];
}

export interface RowFilter {
  /** Condition ids to keep (as the archive writes them); null = every market. */
  readonly markets: readonly string[] | null;
  /** Receipt-time window, epoch ms: [fromMs, toMs). */
  readonly fromMs: number | null;
  readonly toMs: number | null;
}

export interface MarketCount {
  readonly rows: number;
  readonly byType: Record<string, number>;
}

export interface FileCounts {
  /** Rows that pass the filter and become part of a frame. */
  readonly rows: number;
  readonly byType: Record<string, number>;
  readonly byMarket: ReadonlyMap<string, MarketCount>;
  /** Receipt-time extremes of those rows (epoch ms), null when none. */
  readonly minMs: number | null;
  readonly maxMs: number | null;
  /** Rows of the selected markets/window whose event_type is none of the four. */
  readonly otherTypes: Record<string, number>;
  /** Rows of the selected markets with a NULL timestamp_received. */
  readonly noReceiveTime: number;
  /** Row groups whose `market` statistics can match the filter (all of them without a market filter). */
  readonly rowGroupsMatching: number;
}

/** One frame: receipt time (epoch ms) and text, with how many archive rows it was built from. */
export interface PmxtFrame {
  readonly ms: number;
  readonly text: string;
  readonly rows: number;
}

function unreadable(path: string, name: string, err: unknown): ImportError {
  return new ImportError(`${name} is not a readable Parquet file (${duckErrorLine(err)}); download it again or remove it from the inputs`, 'runtime', { cause: err, path });
}

/** Reads the file's schema and Parquet metadata; refuses v1 and non-PMXT files with one line. */
export async function probePmxtFile(duck: Duck, path: string, name: string): Promise<FileProbe> {
  let cols: [string, string][];
  let rows = 0;
  let rowGroups = 0;
  try {
    cols = (await duck.conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`)).getRows().map((r) => [String(r[0]), String(r[1])]);
    const meta = (await duck.conn.runAndReadAll(`SELECT num_rows::BIGINT, num_row_groups::BIGINT FROM parquet_file_metadata(${sqlString(path)})`)).getRows()[0];
    rows = Number(meta?.[0] ?? 0);
    rowGroups = Number(meta?.[1] ?? 0);
  } catch (err) {
    throw unreadable(path, name, err);
  }
  const names = new Set(cols.map(([n]) => n));
  if (PMXT_V1_COLUMNS.every((c) => names.has(c))) throw new ImportError(`${name} ${V1_REFUSAL}`, 'input', { path });
  const missing = REQUIRED.filter((c) => !names.has(c));
  if (missing.length > 0) {
    throw new ImportError(`${name} is not a PMXT v2 file: it has no column ${missing.join(', ')} (columns: ${[...names].slice(0, 12).join(', ')})`, 'input', { path });
  }
  const types: Partial<Record<PmxtColumn, string>> = {};
  for (const [n, t] of cols) if ((PMXT_V2_COLUMNS as readonly string[]).includes(n)) types[n as PmxtColumn] = t;
  const market = types.market ?? '';
  if (market !== 'BLOB' && market !== 'VARCHAR') throw new ImportError(`${name}: column market has type ${market}, expected binary (the condition id as ASCII) or text`, 'input', { path });
  return { path, rows, rowGroups, types, absentColumns: PMXT_V2_COLUMNS.filter((c) => !names.has(c)) };
}

// ---- SQL building ---------------------------------------------------------------------------------------

const q = (c: string): string => `"${c}"`;

/** Epoch-ms expression of a time column (any TIMESTAMP flavour, or integer epoch ms). */
function msExpr(p: FileProbe, c: 'timestamp_received' | 'timestamp'): string {
  const t = p.types[c];
  if (t === undefined) return 'NULL::BIGINT';
  if (/^TIMESTAMP/.test(t)) return `epoch_ms(${q(c)})`;
  if (/INT/.test(t)) return `${q(c)}::BIGINT`;
  throw new ImportError(`column ${c} has type ${t}, expected a timestamp`, 'input');
}

/** Text of a number column without trailing zeros; NULL stays NULL. */
function numText(p: FileProbe, c: PmxtColumn): string {
  const t = p.types[c];
  if (t === undefined) return 'NULL::VARCHAR';
  if (t === 'VARCHAR') return q(c);
  if (/^DECIMAL/.test(t) || t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL') {
    return `CASE WHEN contains(${q(c)}::VARCHAR, '.') THEN regexp_replace(${q(c)}::VARCHAR, '\\.?0+$', '') ELSE ${q(c)}::VARCHAR END`;
  }
  return `${q(c)}::VARCHAR`;
}

const strCol = (p: FileProbe, c: PmxtColumn): string => (p.types[c] === undefined ? 'NULL::VARCHAR' : p.types[c] === 'VARCHAR' ? q(c) : `${q(c)}::VARCHAR`);
const marketText = (p: FileProbe): string => (p.types.market === 'BLOB' ? 'decode(market)' : 'market');
/** JSON string literal of a text expression, or JSON null. */
const js = (e: string): string => `coalesce(to_json(${e})::VARCHAR, 'null')`;
/** JSON string of a number text expression (no escaping needed: digits and '.'), or JSON null. */
const jn = (e: string): string => `coalesce('"' || (${e}) || '"', 'null')`;
/** `,"key":"value"` when value is not NULL, else ''. */
const optKey = (key: string, e: string, asString = true): string => `coalesce(',"${key}":' || ${asString ? js(e) : `'"' || (${e}) || '"'`}, '')`;

function whereClause(p: FileProbe, f: RowFilter, withTime = true): string {
  const conds: string[] = [];
  if (f.markets !== null) {
    const lits = f.markets.map((m) => (p.types.market === 'BLOB' ? `encode(${sqlString(m)})` : sqlString(m)));
    conds.push(lits.length === 0 ? 'false' : `market IN (${lits.join(', ')})`);
  }
  const t = msExpr(p, 'timestamp_received');
  if (withTime && f.fromMs !== null) conds.push(`${t} >= ${f.fromMs}`);
  if (withTime && f.toMs !== null) conds.push(`${t} < ${f.toMs}`);
  return conds.length === 0 ? '' : ` WHERE ${conds.join(' AND ')}`;
}

const source = (p: FileProbe, rowNumbers: boolean): string => `read_parquet(${sqlString(p.path)}${rowNumbers ? ', file_row_number = true' : ''})`;

/** The streaming query: one row per archive row, in frame order (see the header). */
export function streamSql(p: FileProbe, f: RowFilter): string {
  const m = marketText(p);
  const x = msExpr(p, 'timestamp');
  const ts = `coalesce(',"timestamp":"' || (${x})::VARCHAR || '"', '')`;
  const a = strCol(p, 'asset_id');
  const side = strCol(p, 'side');
  const price = numText(p, 'price');
  const size = numText(p, 'size');
  const body = `CASE et
    WHEN 'price_change' THEN '{"asset_id":' || ${js(a)} || ',"price":' || ${jn(price)} || ',"size":' || ${jn(size)} || ',"side":' || ${js(side)}
      || ${optKey('best_bid', numText(p, 'best_bid'), false)} || ${optKey('best_ask', numText(p, 'best_ask'), false)} || '}'
    WHEN 'book' THEN '{"market":' || ${js(m)} || ',"asset_id":' || ${js(a)} || ${ts}
    WHEN 'last_trade_price' THEN '{"market":' || ${js(m)} || ',"asset_id":' || ${js(a)} || ',"price":' || ${jn(price)} || ',"size":' || ${jn(size)}
      || ${optKey('fee_rate_bps', strCol(p, 'fee_rate_bps'), false)} || ',"side":' || ${js(side)} || ${ts} || ',"event_type":"last_trade_price"'
      || ${optKey('transaction_hash', strCol(p, 'transaction_hash'))} || '}'
    ELSE '{"event_type":"tick_size_change","asset_id":' || ${js(a)} || ',"market":' || ${js(m)} || ',"old_tick_size":' || ${jn(numText(p, 'old_tick_size'))}
      || ',"new_tick_size":' || ${jn(numText(p, 'new_tick_size'))} || ${ts} || '}'
  END`;
  const group = `CASE WHEN et = 'price_change' THEN '{"market":' || ${js(m)} || ',"price_changes":[' || chr(9) || ']' || ${ts} || ',"event_type":"price_change"}' END`;
  const rank = `CASE et WHEN 'price_change' THEN 0 WHEN 'last_trade_price' THEN 1 WHEN 'tick_size_change' THEN 2 ELSE 3 END`;
  const where = whereClause(p, f);
  const known = `event_type IN (${FRAME_EVENT_TYPES.map(sqlString).join(', ')})`;
  return (
    `SELECT t::DOUBLE AS t, ${group} AS g, ${body} AS body, CASE WHEN et = 'book' THEN ${strCol(p, 'bids')} END AS bids, CASE WHEN et = 'book' THEN ${strCol(p, 'asks')} END AS asks ` +
    `FROM (SELECT * FROM (SELECT *, ${msExpr(p, 'timestamp_received')} AS t, event_type AS et FROM ${source(p, true)}${where}${where === '' ? ' WHERE' : ' AND'} ${known} AND timestamp_received IS NOT NULL) ` +
    `ORDER BY t, market, ${x} NULLS FIRST, ${rank}, asset_id, file_row_number)`
  );
}

// ---- counting pre-pass ----------------------------------------------------------------------------------

/** Counts what the filter keeps, per market and event type, plus row-group pruning (cheap: no payload columns). */
export async function countPmxtFile(duck: Duck, p: FileProbe, f: RowFilter, name: string): Promise<FileCounts> {
  const t = msExpr(p, 'timestamp_received');
  const sql =
    `SELECT ${marketText(p)} AS m, event_type, timestamp_received IS NULL AS no_t, count(*)::BIGINT, min(${t})::DOUBLE, max(${t})::DOUBLE ` +
    `FROM ${source(p, false)}${whereClause(p, f)} GROUP BY ALL`;
  let rows: unknown[][];
  try {
    rows = (await duck.conn.runAndReadAll(sql)).getRows() as unknown[][];
  } catch (err) {
    throw unreadable(p.path, name, err);
  }
  const byMarket = new Map<string, { rows: number; byType: Record<string, number> }>();
  const byType: Record<string, number> = {};
  const otherTypes: Record<string, number> = {};
  let total = 0;
  let noT = 0;
  let minMs: number | null = null;
  let maxMs: number | null = null;
  const known = new Set<string>(FRAME_EVENT_TYPES);
  for (const [m, et, nullT, n, lo, hi] of rows as [string | null, string | null, boolean, bigint, number | null, number | null][]) {
    const count = Number(n);
    const type = et ?? '(null)';
    if (nullT) {
      noT += count;
      continue;
    }
    if (!known.has(type)) {
      otherTypes[type] = (otherTypes[type] ?? 0) + count;
      continue;
    }
    total += count;
    byType[type] = (byType[type] ?? 0) + count;
    const key = m ?? '(null)';
    const e = byMarket.get(key) ?? { rows: 0, byType: {} };
    e.rows += count;
    e.byType[type] = (e.byType[type] ?? 0) + count;
    byMarket.set(key, e);
    if (lo !== null && (minMs === null || lo < minMs)) minMs = lo;
    if (hi !== null && (maxMs === null || hi > maxMs)) maxMs = hi;
  }
  return { rows: total, byType: sorted(byType), byMarket, minMs, maxMs, otherTypes: sorted(otherTypes), noReceiveTime: noT, rowGroupsMatching: await matchingRowGroups(duck, p, f) };
}

function sorted(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k] ?? 0;
  return out;
}

/** Row groups whose market min/max statistics admit one of the filter's markets (what DuckDB's scan reads). */
async function matchingRowGroups(duck: Duck, p: FileProbe, f: RowFilter): Promise<number> {
  if (f.markets === null) return p.rowGroups;
  const stats = (await duck.conn.runAndReadAll(
    `SELECT row_group_id::BIGINT, stats_min_value, stats_max_value FROM parquet_metadata(${sqlString(p.path)}) WHERE path_in_schema = 'market'`,
  )).getRows() as [bigint, string | null, string | null][];
  let n = 0;
  for (const [, lo, hi] of stats) {
    if (lo === null || hi === null || f.markets.some((m) => lo <= m && m <= hi)) n++;
  }
  return n;
}

/** Rows the filter keeps whose receipt time is before `ms` (used for skew between adjacent files). */
export async function countBefore(duck: Duck, p: FileProbe, f: RowFilter, ms: number, name: string): Promise<number> {
  const where = whereClause(p, f);
  const t = msExpr(p, 'timestamp_received');
  try {
    const row = (await duck.conn.runAndReadAll(
      `SELECT count(*)::BIGINT FROM ${source(p, false)}${where}${where === '' ? ' WHERE' : ' AND'} ${t} < ${ms} AND event_type IN (${FRAME_EVENT_TYPES.map(sqlString).join(', ')})`,
    )).getRows()[0];
    return Number(row?.[0] ?? 0);
  } catch (err) {
    throw unreadable(p.path, name, err);
  }
}

// ---- the frame stream -----------------------------------------------------------------------------------

/** PMXT `[["price","size"],...]` -> the wire's `[{"price","size"},...]`; anything else as a JSON string. */
export function levelsJson(text: string | null): string {
  if (text === null) return 'null';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return JSON.stringify(text);
  }
  if (!Array.isArray(v)) return JSON.stringify(text);
  let out = '[';
  for (let i = 0; i < v.length; i++) {
    const pair: unknown = v[i];
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return JSON.stringify(text);
    out += `${i === 0 ? '' : ','}{"price":${JSON.stringify(pair[0])},"size":${JSON.stringify(pair[1])}}`;
  }
  return `${out}]`;
}

/**
 * Streams the file's frames in order, one array per fetched chunk (a price_change message that spans a chunk
 * boundary is completed in the next array). Throws ImportError when DuckDB cannot read the file.
 */
export async function* pmxtFrames(duck: Duck, p: FileProbe, f: RowFilter, name: string): AsyncGenerator<PmxtFrame[]> {
  let result;
  try {
    result = await duck.conn.stream(streamSql(p, f));
  } catch (err) {
    throw unreadable(p.path, name, err);
  }
  let pending: string[] = [];
  let pendingKey = '';
  let pendingMs = -1;
  const close = (out: PmxtFrame[]): void => {
    if (pending.length === 0) return;
    const cut = pendingKey.indexOf('\t');
    out.push({ ms: pendingMs, text: `${pendingKey.slice(0, cut)}${pending.join(',')}${pendingKey.slice(cut + 1)}`, rows: pending.length });
    pending = [];
  };
  for (;;) {
    let chunk;
    try {
      chunk = await result.fetchChunk();
    } catch (err) {
      throw unreadable(p.path, name, err);
    }
    if (chunk === null || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    const T = chunk.getColumnValues(0) as number[];
    const G = chunk.getColumnValues(1) as (string | null)[];
    const B = chunk.getColumnValues(2) as string[];
    const BIDS = chunk.getColumnValues(3) as (string | null)[];
    const ASKS = chunk.getColumnValues(4) as (string | null)[];
    const out: PmxtFrame[] = [];
    for (let i = 0; i < n; i++) {
      const ms = T[i] as number;
      const g = G[i] ?? null;
      if (g !== null) {
        if (pending.length > 0 && (ms !== pendingMs || g !== pendingKey)) close(out);
        pendingMs = ms;
        pendingKey = g;
        pending.push(B[i] as string);
        continue;
      }
      close(out);
      const body = B[i] as string;
      const bids = BIDS[i] ?? null;
      const asks = ASKS[i] ?? null;
      // a book row (the only kind with a body that is not a closed object)
      const text = body.endsWith('}') ? body : `${body},"bids":${levelsJson(bids)},"asks":${levelsJson(asks)},"event_type":"book"}`;
      out.push({ ms, text, rows: 1 });
    }
    if (out.length > 0) yield out;
  }
  const last: PmxtFrame[] = [];
  close(last);
  if (last.length > 0) yield last;
}
