/**
 * Synthetic PMXT v2 hour for the `import` bench: >= 5,000,000 rows (POLY_BENCH_IMPORT_ROWS) over many binary
 * markets (POLY_BENCH_IMPORT_MARKETS, default 2000), written by DuckDB in the archive's layout (the 16
 * columns and types of PROTOCOL.md §6.4 as test/import/pmxt-fixture.ts writes them: market as BLOB,
 * timestamp_received TIMESTAMPTZ, decimals, USMALLINT fee), sorted by (market, asset_id, timestamp_received),
 * ZSTD, row groups of 1,048,576 rows, named polymarket_orderbook_2026-05-01T10.parquet; plus meta.json with
 * a Gamma market object per market (for --meta).
 *
 * Content per market, spread over the hour: a book pair (10 levels a side, YES and its NO mirror) every 50
 * messages, a last_trade_price every 10th message, otherwise a two-leg price_change (YES bid leg + NO ask
 * mirror at 1 - p, best bid/ask). Generated in SQL (seconds), once, into bench/out/pmxt-<version>-<rows>-<m>/;
 * `done.json` is written last, so a directory without it is a broken run and is rebuilt.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDuck, sqlString } from '../src/io/duckdb.ts';
import { writeFileAtomic } from '../src/io/paths.ts';
import { gammaFromCompact } from '../src/sim/markets.ts';

export const GEN_VERSION = 'v1';
export const HOUR_MS = Date.UTC(2026, 4, 1, 10);
export const FILE_NAME = 'polymarket_orderbook_2026-05-01T10.parquet';

export function importBenchSize(): { rows: number; markets: number } {
  const rows = Number(process.env['POLY_BENCH_IMPORT_ROWS'] ?? 5_000_000);
  const markets = Number(process.env['POLY_BENCH_IMPORT_MARKETS'] ?? 2000);
  if (!Number.isSafeInteger(rows) || rows < 10_000) throw new Error('POLY_BENCH_IMPORT_ROWS must be an integer >= 10000');
  if (!Number.isSafeInteger(markets) || markets < 2 || markets > rows / 100) throw new Error('POLY_BENCH_IMPORT_MARKETS must be an integer in 2 .. rows/100');
  return { rows, markets };
}

/** Ids of market i (0-based): condition id, YES and NO token ids (77 digits), slug. */
export const cidOf = (i: number): string => `0x${(i + 1).toString(16).padStart(64, 'b')}`;
const tokenOf = (i: number, leg: 0 | 1): string => `${String(i * 2 + leg + 1).padStart(20, '0')}${String(leg + 1).repeat(57)}`;
export const slugOf = (i: number): string => `bench-import-${i + 1}`;

export interface BenchHour {
  readonly dir: string;
  readonly file: string;
  readonly meta: string;
  readonly rows: number;
  readonly markets: number;
  readonly generatedMs: number | null;
}

export async function ensureBenchHour(log: (s: string) => void = () => undefined): Promise<BenchHour> {
  const { rows, markets } = importBenchSize();
  const root = fileURLToPath(new URL('./out/', import.meta.url));
  const dir = join(root, `pmxt-${GEN_VERSION}-${rows}-${markets}`);
  const file = join(dir, FILE_NAME);
  const meta = join(dir, 'meta.json');
  const done = join(dir, 'done.json');
  if (existsSync(done)) {
    const d = JSON.parse(readFileSync(done, 'utf8')) as { rows: number };
    return { dir, file, meta, rows: d.rows, markets, generatedMs: null };
  }
  rmSync(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  log(`generating ${rows.toLocaleString('en-US')} PMXT rows over ${markets} markets into ${dir} (once)`);
  const t0 = performance.now();
  const duck = await openDuck({ threads: 2, memoryLimit: '1GB', tempDirectory: join(dir, '.spill'), preserveInsertionOrder: false });
  try {
    const c = duck.conn;
    // messages per market; a price_change message is 2 rows, the others 1: ~1.8 rows per message
    const msgs = Math.ceil(rows / 1.8);
    const perMarket = Math.ceil(msgs / markets);
    await c.run(`CREATE MACRO px(x) AS '0.' || lpad(x::VARCHAR, 2, '0')`);
    await c.run(`CREATE TABLE rows AS
      WITH m AS (
        SELECT r, r % ${markets} AS mi, r // ${markets} AS k,
          ${HOUR_MS} + ((r // ${markets}) * 3590000 // ${perMarket}) + (hash(r) % 7)::BIGINT AS t_ms,
          (30 + (hash(r // ${markets} // 50 + r % ${markets}) % 40))::INTEGER AS mid
        FROM range(${msgs}) tbl(r)
      ), e AS (
        SELECT *, '0x' || lpad(printf('%x', mi + 1), 64, 'b') AS cid,
          lpad((mi * 2 + 1)::VARCHAR, 20, '0') || repeat('1', 57) AS yes, lpad((mi * 2 + 2)::VARCHAR, 20, '0') || repeat('2', 57) AS no,
          CASE WHEN k % 50 = 0 THEN 'book' WHEN k % 10 = 5 THEN 'last_trade_price' ELSE 'price_change' END AS et,
          (mid - 1 - (hash(r) % 5))::INTEGER AS p
        FROM m
      )
      SELECT make_timestamptz(t_ms * 1000) AS timestamp_received, make_timestamp((t_ms - 2) * 1000)::TIMESTAMP_MS AS "timestamp",
        encode(cid) AS market, et AS event_type, CASE WHEN leg = 0 THEN yes ELSE no END AS asset_id,
        CASE WHEN et = 'book' THEN '[' || array_to_string(list_transform(range(10, 0, -1), x -> '["' || px(CASE WHEN leg = 0 THEN mid - x ELSE 100 - mid - 1 - x END) || '","' || (x * 10)::VARCHAR || '"]'), ',') || ']' END AS bids,
        CASE WHEN et = 'book' THEN '[' || array_to_string(list_transform(range(10, 0, -1), x -> '["' || px(CASE WHEN leg = 0 THEN mid + x ELSE 100 - mid - 1 + x END) || '","' || (x * 10)::VARCHAR || '"]'), ',') || ']' END AS asks,
        CASE WHEN et = 'price_change' THEN (CASE WHEN leg = 0 THEN p ELSE 100 - p END / 100)::DECIMAL(9,4) WHEN et = 'last_trade_price' THEN (mid / 100)::DECIMAL(9,4) END AS price,
        CASE WHEN et <> 'book' THEN (1 + hash(r) % 500)::DECIMAL(18,6) END AS size,
        CASE WHEN et = 'price_change' THEN (CASE WHEN leg = 0 THEN 'BUY' ELSE 'SELL' END) WHEN et = 'last_trade_price' THEN (CASE WHEN r % 2 = 0 THEN 'BUY' ELSE 'SELL' END) END AS side,
        CASE WHEN et = 'price_change' THEN (CASE WHEN leg = 0 THEN mid - 1 ELSE 100 - mid - 1 END / 100)::DECIMAL(9,4) END AS best_bid,
        CASE WHEN et = 'price_change' THEN (CASE WHEN leg = 0 THEN mid + 1 ELSE 100 - mid + 1 END / 100)::DECIMAL(9,4) END AS best_ask,
        CASE WHEN et = 'last_trade_price' THEN 0::USMALLINT END AS fee_rate_bps,
        CASE WHEN et = 'last_trade_price' THEN '0x' || sha256(r::VARCHAR) END AS transaction_hash,
        NULL::DECIMAL(9,4) AS old_tick_size, NULL::DECIMAL(9,4) AS new_tick_size
      FROM e, (SELECT unnest([0, 1]) AS leg) legs
      WHERE et <> 'last_trade_price' OR leg = 0`);
    await c.run(`COPY (SELECT * FROM rows ORDER BY market, asset_id, timestamp_received) TO ${sqlString(file)} (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 1048576)`);
    const n = Number((await c.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet(${sqlString(file)})`)).getRows()[0]?.[0] ?? 0);
    if (n < rows) throw new Error(`generated ${n} rows, wanted >= ${rows}`);
    await c.run('DROP TABLE rows');
    const list = Array.from({ length: markets }, (_, i) =>
      gammaFromCompact({ conditionId: cidOf(i), slug: slugOf(i), question: `Bench import market ${i + 1}?`, tokens: [{ tokenId: tokenOf(i, 0), outcome: 'Yes' }, { tokenId: tokenOf(i, 1), outcome: 'No' }], tickSize: '0.01', minOrderSize: '5' }, i),
    );
    await writeFile(meta, JSON.stringify(list));
    const ms = performance.now() - t0;
    await writeFileAtomic(done, `${JSON.stringify({ rows: n, markets, ms })}\n`);
    return { dir, file, meta, rows: n, markets, generatedMs: ms };
  } finally {
    duck.close();
    rmSync(join(dir, '.spill'), { recursive: true, force: true });
  }
}
