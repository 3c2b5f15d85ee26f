import { DuckDBInstance } from '@duckdb/node-api';
const mode = process.argv[2];
const f = '/tmp/imp/big.parquet';
const inst = await DuckDBInstance.create(':memory:', { threads: process.env.T ?? '1', memory_limit: process.argv[3] ?? '256MB', temp_directory: '/tmp/imp/spill', preserve_insertion_order: 'false' });
const c = await inst.connect();
await c.run(`CREATE MACRO pn(v) AS CASE WHEN v IS NULL THEN 'null' WHEN contains(v::VARCHAR, '.') THEN '"' || rtrim(rtrim(v::VARCHAR, '0'), '.') || '"' ELSE '"' || v::VARCHAR || '"' END`);
await c.run(`CREATE MACRO ps(v) AS coalesce(to_json(v)::VARCHAR, 'null')`);
const cid = (await c.runAndReadAll(`select decode(market) from read_parquet('${f}') limit 1 offset 3000000`)).getRows()[0]![0] as string;
const where = mode === 'one' ? `AND market = encode('${cid}')` : '';
const order = process.env.NOSORT ? '' : `ORDER BY t, m, x NULLS FIRST, CASE et WHEN 'price_change' THEN 0 WHEN 'last_trade_price' THEN 1 WHEN 'tick_size_change' THEN 2 ELSE 3 END, a, r`;
const sql = `SELECT t::DOUBLE AS t, CASE WHEN et = 'price_change' THEN '{"market":' || ps(m) || ',"price_changes":[' || chr(9) || ']' || ts || ',"event_type":"price_change"}' END AS g,
  CASE et
    WHEN 'price_change' THEN '{"asset_id":' || ps(a) || ',"price":' || pn(price) || ',"size":' || pn(size) || ',"side":' || ps(side)
      || CASE WHEN best_bid IS NULL THEN '' ELSE ',"best_bid":' || pn(best_bid) END || CASE WHEN best_ask IS NULL THEN '' ELSE ',"best_ask":' || pn(best_ask) END || '}'
    WHEN 'book' THEN '{"market":' || ps(m) || ',"asset_id":' || ps(a) || ts
    WHEN 'last_trade_price' THEN '{"market":' || ps(m) || ',"asset_id":' || ps(a) || ',"price":' || pn(price) || ',"size":' || pn(size) || CASE WHEN fee_rate_bps IS NULL THEN '' ELSE ',"fee_rate_bps":"' || fee_rate_bps || '"' END || ',"side":' || ps(side) || ts || ',"event_type":"last_trade_price"' || CASE WHEN transaction_hash IS NULL THEN '' ELSE ',"transaction_hash":' || ps(transaction_hash) END || '}'
    ELSE '{"event_type":"tick_size_change","asset_id":' || ps(a) || ',"market":' || ps(m) || ',"old_tick_size":' || pn(old_tick_size) || ',"new_tick_size":' || pn(new_tick_size) || ts || '}'
  END AS body,
  CASE WHEN et = 'book' THEN bids END AS bids, CASE WHEN et = 'book' THEN asks END AS asks
FROM (SELECT epoch_ms(timestamp_received) AS t, epoch_ms("timestamp") AS x, CASE WHEN "timestamp" IS NULL THEN '' ELSE ',"timestamp":"' || epoch_ms("timestamp") || '"' END AS ts, decode(market) AS m, event_type AS et, asset_id AS a,
    bids, asks, price, size, side, best_bid, best_ask, fee_rate_bps, transaction_hash, old_tick_size, new_tick_size, file_row_number AS r
  FROM read_parquet('${f}', file_row_number = true) WHERE event_type IN ('price_change', 'book', 'last_trade_price', 'tick_size_change') ${where}) ${order}`;
const levels = (txt: string | null): string => {
  if (txt === null) return 'null';
  try {
    const l = JSON.parse(txt) as unknown;
    if (Array.isArray(l) && l.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string')) {
      let out = '[';
      for (let i = 0; i < l.length; i++) { const p = l[i] as string[]; out += (i ? ',' : '') + '{"price":' + JSON.stringify(p[0]) + ',"size":' + JSON.stringify(p[1]) + '}'; }
      return out + ']';
    }
  } catch {}
  return JSON.stringify(txt);
};
if (process.env.AGG) { const ta = Date.now(); console.log((await c.runAndReadAll(`SELECT count(*), sum(length(body)), sum(length(g)) FROM (${sql})`)).getRowsJson(), 'agg ms', Date.now() - ta); process.exit(0); }
const t1 = Date.now();
const res = await c.stream(sql);
let msgs = 0, rows = 0, peak = 0, chars = 0;
let pend: string[] = []; let pendG = ''; let pendT = -1;
const flush = () => { if (pend.length) { const k = pendG.indexOf('\t'); const fr = pendG.slice(0, k) + pend.join(',') + pendG.slice(k + 1); chars += fr.length; msgs++; pend = []; } };
let sample = '';
for (;;) { const ch = await res.fetchChunk(); if (ch === null || ch.rowCount === 0) break;
  const n = ch.rowCount;
  if (process.env.NOCONV) { rows += n; continue; }
  const T = ch.getColumnValues(0) as number[], G = ch.getColumnValues(1) as (string|null)[], BO = ch.getColumnValues(2) as string[], B = ch.getColumnValues(3) as (string|null)[], K = ch.getColumnValues(4) as (string|null)[];
  if (process.env.NOJS) { rows += n; continue; }
  for (let i = 0; i < n; i++) {
    rows++;
    const t = T[i]!, g = G[i];
    if (g !== null && g !== undefined) {
      if (pend.length === 0 || t !== pendT || g !== pendG) { flush(); pendT = t; pendG = g; }
      pend.push(BO[i]!);
      continue;
    }
    flush();
    let fr = BO[i]!;
    if (B[i] !== null || K[i] !== null) fr = fr + ',"bids":' + levels(B[i]!) + ',"asks":' + levels(K[i]!) + ',"event_type":"book"}';
    if (sample.length < 2000) sample += fr + '\n';
    chars += fr.length; msgs++;
  }
  const r = process.memoryUsage.rss(); if (r > peak) peak = r; }
flush();
console.log(mode, 'msgs', msgs, 'rows', rows, 'chars', chars, 'ms', Date.now() - t1, 'peak rss MB', (peak / 1e6).toFixed(0));
if (process.env.SAMPLE) console.log(sample);
