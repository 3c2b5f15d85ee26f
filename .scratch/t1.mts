import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
const q = async (s: string) => { const r = await c.runAndReadAll(s); return r.getRowsJson(); };
console.log(await q(`select version()`));
await c.run(`CREATE TABLE t AS SELECT
  make_timestamp(1765450841385000)::TIMESTAMP_MS AS timestamp_received,
  make_timestamp(1765450841385000)::TIMESTAMP_MS AS timestamp,
  encode('0x6168585cb5f9bdfa0025237576dda5aa2be049b72e88c00bd321351f5f3df004') AS market,
  'price_change' AS event_type, '123' AS asset_id, NULL::VARCHAR AS bids, NULL::VARCHAR AS asks,
  0.41::DECIMAL(9,4) AS price, 10.5::DECIMAL(18,6) AS size, 'BUY' AS side, 0.41::DECIMAL(9,4) AS best_bid, 0.42::DECIMAL(9,4) AS best_ask,
  NULL::USMALLINT AS fee_rate_bps, NULL::VARCHAR AS transaction_hash, NULL::DECIMAL(9,4) AS old_tick_size, NULL::DECIMAL(9,4) AS new_tick_size`);
await c.run(`COPY t TO '/tmp/imp/a.parquet' (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 1048576)`);
console.log(await q(`select name, type, type_length, logical_type, converted_type, precision, scale from parquet_schema('/tmp/imp/a.parquet')`));
console.log(await q(`describe select * from read_parquet('/tmp/imp/a.parquet')`));
console.log(await q(`select row_group_id, path_in_schema, stats_min, stats_max, stats_min_value, stats_max_value from parquet_metadata('/tmp/imp/a.parquet')`));
console.log(await q(`select decode(market), epoch_ms(timestamp_received), price::VARCHAR, size::VARCHAR from read_parquet('/tmp/imp/a.parquet')`));
