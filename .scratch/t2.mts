import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
const q = async (s: string) => { const r = await c.runAndReadAll(s); return r.getRowsJson(); };
const src = `read_parquet('recordings/sol-15m/**/*.parquet')`;
console.log(await q(`select source, kind, count(*) from ${src} group by all order by all`));
console.log(await q(`select CASE WHEN left(payload,1) IN ('{','[') THEN (CASE WHEN left(payload,1)='[' THEN 'ARRAY' ELSE json_extract_string(payload, '$.event_type') END) ELSE payload END et, left(payload,1) f, count(*) from ${src} where source='market_ws' and kind='frame' group by all order by all`));
console.log(await q(`select count(*), count(distinct recv_ns//1000000) from ${src} where source='market_ws' and kind='frame'`));
console.log(await q(`select seq, recv_ns, conn, kind, left(payload, 150) from ${src} where source='market_ws' order by seq limit 30`));
