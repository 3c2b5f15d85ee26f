import { DuckDBInstance } from '@duckdb/node-api';
const mode = process.argv[2];
const f = '/tmp/imp/big.parquet';
const inst = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: process.argv[3] ?? '256MB', temp_directory: '/tmp/imp/spill', preserve_insertion_order: 'false' });
const c = await inst.connect();
const t0 = Date.now();
if (mode === 'meta') {
  console.log((await c.runAndReadAll(`select row_group_id, row_group_num_rows, stats_min, stats_max from parquet_metadata('${f}') where path_in_schema='market'`)).getRowsJson());
}
const cid = (await c.runAndReadAll(`select decode(market) from read_parquet('${f}') limit 1 offset 3000000`)).getRows()[0]![0] as string;
console.log('cid', cid, Date.now() - t0);
const cols = `epoch_ms(timestamp_received) t, epoch_ms("timestamp") x, decode(market) m, event_type, asset_id, bids, asks, price::VARCHAR, size::VARCHAR, side, best_bid::VARCHAR, best_ask::VARCHAR, fee_rate_bps, transaction_hash, file_row_number`;
const where = mode === 'one' ? `WHERE market = encode('${cid}')` : '';
const sql = `SELECT ${cols} FROM read_parquet('${f}', file_row_number = true) ${where} ${process.env.NOSORT ? "" : "ORDER BY t, m, x, event_type, asset_id, file_row_number"}`;
const t1 = Date.now();
const res = await c.stream(sql);
let n = 0, peak = 0;
for (;;) { const ch = await res.fetchChunk(); if (ch === null || ch.rowCount === 0) break; n += ch.rowCount; if (!process.env.NOCOLS) { const cols = ch.getColumns(); if (cols.length < 3) throw 0; } const r = process.memoryUsage.rss(); if (r > peak) peak = r; }
console.log(mode, 'rows', n, 'ms', Date.now() - t1, 'peak rss MB', (peak / 1e6).toFixed(0));
if (mode === 'one') console.log((await c.runAndReadAll(`EXPLAIN ANALYZE SELECT count(*) FROM read_parquet('${f}') WHERE market = encode('${cid}')`)).getRows().map(r=>r[1]).join('\n').slice(0, 3000));
