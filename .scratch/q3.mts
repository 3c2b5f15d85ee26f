import { DuckDBInstance } from '@duckdb/node-api';
const mode = process.argv[2];
const f = '/tmp/imp/big.parquet';
const inst = await DuckDBInstance.create(':memory:', { threads: process.env.T ?? '1', memory_limit: process.argv[3] ?? '256MB', temp_directory: '/tmp/imp/spill', preserve_insertion_order: 'false' });
const c = await inst.connect();
await c.run(`CREATE MACRO pmxt_num(v) AS CASE WHEN v IS NULL THEN NULL WHEN contains(v::VARCHAR, '.') THEN rtrim(rtrim(v::VARCHAR, '0'), '.') ELSE v::VARCHAR END`);
const cid = (await c.runAndReadAll(`select decode(market) from read_parquet('${f}') limit 1 offset 3000000`)).getRows()[0]![0] as string;
const where = mode === 'one' ? `AND market = encode('${cid}')` : '';
const order = process.env.NOSORT ? '' : `ORDER BY t, m, x NULLS FIRST, CASE et WHEN 'price_change' THEN 0 WHEN 'last_trade_price' THEN 1 WHEN 'tick_size_change' THEN 2 ELSE 3 END, a, r`;
const sql = `SELECT epoch_ms(timestamp_received)::DOUBLE AS t, epoch_ms("timestamp")::DOUBLE AS x, decode(market) AS m, event_type AS et, asset_id AS a,
    bids, asks, pmxt_num(price) p, pmxt_num(size) s, side, pmxt_num(best_bid) bb, pmxt_num(best_ask) ba, fee_rate_bps::INTEGER fee, transaction_hash tx, pmxt_num(old_tick_size) ot, pmxt_num(new_tick_size) nt, file_row_number AS r
  FROM read_parquet('${f}', file_row_number = true) WHERE event_type IN ('price_change', 'book', 'last_trade_price', 'tick_size_change') ${where} ${order}`;
const q = (v: string | null): string => (v === null ? 'null' : `"${v}"`);
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
const t1 = Date.now();
const res = await c.stream(sql);
let msgs = 0, rows = 0, peak = 0, chars = 0;
let pend: string[] = []; let pendKey = ''; let pendT = -1; let pendHead = '';
const flush = () => { if (pend.length) { const fr = pendHead + pend.join(',') + pendKey; chars += fr.length; msgs++; pend = []; } };
for (;;) { const ch = await res.fetchChunk(); if (ch === null || ch.rowCount === 0) break;
  const n = ch.rowCount;
  const T = ch.getColumnValues(0) as number[], X = ch.getColumnValues(1) as (number|null)[], M = ch.getColumnValues(2) as string[], E = ch.getColumnValues(3) as string[], A = ch.getColumnValues(4) as string[];
  const B = ch.getColumnValues(5) as (string|null)[], K = ch.getColumnValues(6) as (string|null)[], P = ch.getColumnValues(7) as (string|null)[], S = ch.getColumnValues(8) as (string|null)[], SD = ch.getColumnValues(9) as (string|null)[];
  const BB = ch.getColumnValues(10) as (string|null)[], BA = ch.getColumnValues(11) as (string|null)[], FE = ch.getColumnValues(12) as (number|null)[], TX = ch.getColumnValues(13) as (string|null)[], OT = ch.getColumnValues(14) as (string|null)[], NT = ch.getColumnValues(15) as (string|null)[];
  for (let i = 0; i < n; i++) {
    rows++;
    const t = T[i]!, x = X[i], m = M[i]!, et = E[i]!, a = A[i]!;
    const ts = x === null || x === undefined ? '' : `,"timestamp":"${x}"`;
    if (et === 'price_change') {
      const tail = `]${ts},"event_type":"price_change"}`;
      if (pend.length === 0 || t !== pendT || tail !== pendKey || pendHead.length !== m.length + 30 || !pendHead.includes(m)) { flush(); pendT = t; pendKey = tail; pendHead = `{"market":"${m}","price_changes":[`; }
      pend.push(`{"asset_id":"${a}","price":${q(P[i]!)},"size":${q(S[i]!)},"side":${q(SD[i]!)}${BB[i] == null ? '' : `,"best_bid":"${BB[i]}"`}${BA[i] == null ? '' : `,"best_ask":"${BA[i]}"`}}`);
      continue;
    }
    flush();
    let fr: string;
    if (et === 'book') fr = `{"market":"${m}","asset_id":"${a}"${ts},"bids":${levels(B[i]!)},"asks":${levels(K[i]!)},"event_type":"book"}`;
    else if (et === 'last_trade_price') fr = `{"market":"${m}","asset_id":"${a}","price":${q(P[i]!)},"size":${q(S[i]!)}${FE[i] == null ? '' : `,"fee_rate_bps":"${FE[i]}"`},"side":${q(SD[i]!)}${ts},"event_type":"last_trade_price"${TX[i] == null ? '' : `,"transaction_hash":"${TX[i]}"`}}`;
    else fr = `{"event_type":"tick_size_change","asset_id":"${a}","market":"${m}","old_tick_size":${q(OT[i]!)},"new_tick_size":${q(NT[i]!)}${ts}}`;
    chars += fr.length; msgs++;
  }
  const r = process.memoryUsage.rss(); if (r > peak) peak = r; }
flush();
console.log(mode, 'msgs', msgs, 'rows', rows, 'chars', chars, 'ms', Date.now() - t1, 'peak rss MB', (peak / 1e6).toFixed(0));
