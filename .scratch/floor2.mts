import { DuckDBInstance } from '@duckdb/node-api';
const f = '/tmp/imp/big.parquet';
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const c = await inst.connect();
const run = async (label: string, expr: string) => { const t = Date.now(); const r = (await c.runAndReadAll(`SELECT count(*), sum(length(v)) FROM (SELECT ${expr} AS v FROM read_parquet('${f}'))`)).getRowsJson(); console.log(label, r, Date.now() - t); };
await run('concat', `'{"asset_id":"' || asset_id || '","price":"' || price::VARCHAR || '","size":"' || size::VARCHAR || '","side":"' || side || '"}'`);
await run('to_json', `'{"asset_id":' || to_json(asset_id) || ',"price":"' || price::VARCHAR || '"}'`);
await run('replace-esc', `'{"asset_id":"' || replace(replace(asset_id, '\\', '\\\\'), '"', '\\"') || '"}'`);
await run('regex', `CASE WHEN regexp_full_match(asset_id, '[0-9A-Za-z]*') THEN asset_id ELSE 'x' END`);
