import { DuckDBInstance } from '@duckdb/node-api';
const N = Number(process.argv[2] ?? 5_000_000);
const M = Number(process.argv[3] ?? 2000);
const out = process.argv[4] ?? '/tmp/imp/big.parquet';
const inst = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB', temp_directory: '/tmp/imp/spill' });
const c = await inst.connect();
const H = 1_776_000_000_000 - (1_776_000_000_000 % 3_600_000);
const t0 = Date.now();
// messages: N/2 approx rows; a price_change message has 2 rows
await c.run(`CREATE TABLE msgs AS
SELECT r, r % ${M} AS mi, r // ${M} AS k,
  ${H} + ((r // ${M}) * 3600000 // (${N} // ${M} // 2 + 1)) + (hash(r) % 7)::BIGINT AS t_ms
FROM range(${Math.floor(N / 1.8)}) tbl(r)`);
await c.run(`CREATE TABLE rows AS
WITH m AS (SELECT *, '0x' || sha256(mi::VARCHAR) AS cid,
   lpad((mi * 2 + 1)::VARCHAR, 20, '0') || lpad('', 57, '1') AS yes, lpad((mi * 2 + 2)::VARCHAR, 20, '0') || lpad('', 57, '2') AS no,
   CASE WHEN k % 50 = 0 THEN 'book' WHEN k % 10 = 5 THEN 'last_trade_price' ELSE 'price_change' END AS et,
   (20 + (hash(r) % 60))::INTEGER AS p FROM msgs)
SELECT make_timestamptz(t_ms * 1000) AS timestamp_received, make_timestamp((t_ms - 3) * 1000)::TIMESTAMP_MS AS "timestamp",
  encode(cid) AS market, et AS event_type, leg_asset AS asset_id,
  CASE WHEN et = 'book' THEN '[' || array_to_string(list_transform(range(1, 11), x -> '["0.' || lpad((p - x)::VARCHAR, 2, '0') || '","' || (x * 10)::VARCHAR || '"]'), ',') || ']' END AS bids,
  CASE WHEN et = 'book' THEN '[' || array_to_string(list_transform(range(1, 11), x -> '["0.' || lpad((p + x)::VARCHAR, 2, '0') || '","' || (x * 10)::VARCHAR || '"]'), ',') || ']' END AS asks,
  CASE WHEN et <> 'book' THEN (p / 100)::DECIMAL(9,4) END AS price,
  CASE WHEN et <> 'book' THEN (1 + hash(r) % 500)::DECIMAL(18,6) END AS size,
  CASE WHEN et <> 'book' THEN (CASE WHEN leg = 0 THEN 'BUY' ELSE 'SELL' END) END AS side,
  CASE WHEN et = 'price_change' THEN ((p - 1) / 100)::DECIMAL(9,4) END AS best_bid,
  CASE WHEN et = 'price_change' THEN ((p + 1) / 100)::DECIMAL(9,4) END AS best_ask,
  CASE WHEN et = 'last_trade_price' THEN 0::USMALLINT END AS fee_rate_bps,
  CASE WHEN et = 'last_trade_price' THEN '0x' || sha256(r::VARCHAR) END AS transaction_hash,
  NULL::DECIMAL(9,4) AS old_tick_size, NULL::DECIMAL(9,4) AS new_tick_size
FROM m, (SELECT unnest([0, 1]) AS leg) legs, LATERAL (SELECT CASE WHEN leg = 0 THEN yes ELSE no END AS leg_asset)
WHERE et = 'price_change' OR et = 'book' OR leg = 0`);
const n = (await c.runAndReadAll(`select count(*) from rows`)).getRows()[0];
console.log('rows', n, Date.now() - t0, 'ms');
await c.run(`COPY (SELECT * FROM rows ORDER BY market, asset_id, timestamp_received) TO '${out}' (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 1048576)`);
console.log('written', Date.now() - t0, 'ms');
