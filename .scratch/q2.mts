import { DuckDBInstance } from '@duckdb/node-api';
const mode = process.argv[2];
const f = '/tmp/imp/big.parquet';
const inst = await DuckDBInstance.create(':memory:', { threads: process.env.T ?? '1', memory_limit: process.argv[3] ?? '256MB', temp_directory: '/tmp/imp/spill', preserve_insertion_order: 'false' });
const c = await inst.connect();
await c.run(`CREATE MACRO pmxt_num(v) AS CASE WHEN v IS NULL THEN NULL WHEN contains(v::VARCHAR, '.') THEN rtrim(rtrim(v::VARCHAR, '0'), '.') ELSE v::VARCHAR END`);
await c.run(`CREATE MACRO pmxt_q(v) AS coalesce('"' || pmxt_num(v) || '"', 'null')`);
await c.run(`CREATE MACRO pmxt_s(v) AS coalesce(to_json(v)::VARCHAR, 'null')`);
await c.run(`CREATE MACRO pmxt_levels(txt) AS coalesce((SELECT CASE WHEN l IS NOT NULL AND list_bool_and(list_transform(l, p -> len(p) = 2 AND p[1] IS NOT NULL AND p[2] IS NOT NULL)) THEN '[' || array_to_string(list_transform(l, p -> '{"price":' || to_json(p[1])::VARCHAR || ',"size":' || to_json(p[2])::VARCHAR || '}'), ',') || ']' ELSE to_json(txt)::VARCHAR END FROM (SELECT try(json_transform(txt, '[["VARCHAR"]]')) AS l)), 'null')`);
const cid = (await c.runAndReadAll(`select decode(market) from read_parquet('${f}') limit 1 offset 3000000`)).getRows()[0]![0] as string;
const where = mode === 'one' ? `WHERE market = encode('${cid}')` : '';
const sql = `
WITH src AS (
  SELECT epoch_ms(timestamp_received) AS t, epoch_ms("timestamp") AS x, decode(market) AS m, event_type AS et, asset_id AS a,
    bids, asks, price, size, side, best_bid, best_ask, fee_rate_bps, transaction_hash, old_tick_size, new_tick_size, file_row_number AS r
  FROM read_parquet('${f}', file_row_number = true) ${where}
)
SELECT t, CASE WHEN et = 'price_change' THEN m || chr(9) || coalesce(x::VARCHAR, '') END AS g,
    CASE et
      WHEN 'price_change' THEN '{"asset_id":' || pmxt_s(a) || ',"price":' || pmxt_q(price) || ',"size":' || pmxt_q(size) || ',"side":' || pmxt_s(side)
      || CASE WHEN best_bid IS NULL THEN '' ELSE ',"best_bid":"' || pmxt_num(best_bid) || '"' END
      || CASE WHEN best_ask IS NULL THEN '' ELSE ',"best_ask":"' || pmxt_num(best_ask) || '"' END || '}'
      WHEN 'book' THEN '{"market":' || pmxt_s(m) || ',"asset_id":' || pmxt_s(a) || CASE WHEN x IS NULL THEN '' ELSE ',"timestamp":"' || x || '"' END || ',"bids":' || pmxt_levels(bids) || ',"asks":' || pmxt_levels(asks) || ',"event_type":"book"}'
      WHEN 'last_trade_price' THEN '{"market":' || pmxt_s(m) || ',"asset_id":' || pmxt_s(a) || ',"price":' || pmxt_q(price) || ',"size":' || pmxt_q(size) || CASE WHEN fee_rate_bps IS NULL THEN '' ELSE ',"fee_rate_bps":"' || fee_rate_bps || '"' END || ',"side":' || pmxt_s(side) || CASE WHEN x IS NULL THEN '' ELSE ',"timestamp":"' || x || '"' END || ',"event_type":"last_trade_price"' || CASE WHEN transaction_hash IS NULL THEN '' ELSE ',"transaction_hash":' || pmxt_s(transaction_hash) END || '}'
      ELSE '{"event_type":"tick_size_change","asset_id":' || pmxt_s(a) || ',"market":' || pmxt_s(m) || ',"old_tick_size":' || pmxt_q(old_tick_size) || ',"new_tick_size":' || pmxt_q(new_tick_size) || CASE WHEN x IS NULL THEN '' ELSE ',"timestamp":"' || x || '"' END || '}'
    END AS frame
FROM src WHERE et IN ('price_change', 'book', 'last_trade_price', 'tick_size_change')
${process.env.NOSORT ? "" : "ORDER BY"} ${process.env.NOSORT ? "" : "t, m, x NULLS FIRST"}, CASE et WHEN 'price_change' THEN 0 WHEN 'last_trade_price' THEN 1 WHEN 'tick_size_change' THEN 2 ELSE 3 END, a, r`.replace(process.env.NOSORT ? /,\s*CASE et WHEN .price_change. THEN 0 WHEN .last_trade_price. THEN 1 WHEN .tick_size_change. THEN 2 ELSE 3 END, a, r$/ : /^\b$/, "")
const t1 = Date.now();
const res = await c.stream(sql);
let msgs = 0; let n = 0, rows = 0, peak = 0, chars = 0; let sample = '';
for (;;) { const ch = await res.fetchChunk(); if (ch === null || ch.rowCount === 0) break; n += ch.rowCount;
  const ts = ch.getColumnValues(0) as bigint[]; const gs = ch.getColumnValues(1) as (string|null)[]; const fr = ch.getColumnValues(2) as string[];
  for (let i = 0; i < fr.length; i++) { chars += fr[i]!.length; rows += 1; if (gs[i] === null) msgs++; }
  if (sample === '') sample = fr.slice(0, 3).join('\n');
  const r = process.memoryUsage.rss(); if (r > peak) peak = r; }
console.log(mode, 'msgs', n, 'rows', rows, 'chars', chars, 'ms', Date.now() - t1, 'peak rss MB', (peak / 1e6).toFixed(0));
console.log(sample);
