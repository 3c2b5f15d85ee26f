import { openDuck } from '../src/io/duckdb.ts';
import { probePmxtFile, countPmxtFile, pmxtFrames } from '../src/import/pmxt-file.ts';
const duck = await openDuck({ threads: 1, memoryLimit: '256MB', tempDirectory: '/tmp/imp/spill', preserveInsertionOrder: false });
const f = '/tmp/imp/big.parquet';
const p = await probePmxtFile(duck, f, 'big');
console.log(p);
const cid = (await duck.conn.runAndReadAll(`select decode(market) from read_parquet('${f}') limit 1 offset 3000000`)).getRows()[0]![0] as string;
const filter = process.argv[2] === 'all' ? { markets: null, fromMs: null, toMs: null } : { markets: [cid], fromMs: null, toMs: null };
let t = Date.now();
const c = await countPmxtFile(duck, p, filter, 'big');
console.log('count', c.rows, c.byType, c.byMarket.size, c.rowGroupsMatching, Date.now() - t);
t = Date.now();
let n = 0, rows = 0, peak = 0; let sample: string[] = [];
for await (const batch of pmxtFrames(duck, p, filter, 'big')) { for (const fr of batch) { n++; rows += fr.rows; if (sample.length < 4) sample.push(fr.text.slice(0, 400)); } const r = process.memoryUsage.rss(); if (r > peak) peak = r; }
console.log('frames', n, 'rows', rows, Date.now() - t, 'ms', (peak/1e6).toFixed(0), 'MB');
console.log(sample.join('\n'));
