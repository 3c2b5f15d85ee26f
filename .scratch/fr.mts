import { createHash } from 'node:crypto';
import { openDuck } from '../src/io/duckdb.ts';
import { probePmxtFile, pmxtFrames } from '../src/import/pmxt-file.ts';
const duck = await openDuck({ threads: 2, memoryLimit: process.argv[2] ?? '512MB', tempDirectory: '/tmp/imp/spill', });
const f = 'bench/out/pmxt-v1-5000000-2000/polymarket_orderbook_2026-05-01T10.parquet';
const p = await probePmxtFile(duck, f, 'big');
const t = Date.now();
let first = 0; let n = 0; const h = createHash('sha256');
for await (const batch of pmxtFrames(duck, p, { markets: null, fromMs: null, toMs: null }, 'big')) { if (first === 0) first = Date.now() - t; for (const fr of batch) { n++; h.update(fr.text); } }
console.log('first batch', first, 'ms; total', Date.now() - t, 'ms; frames', n, h.digest('hex').slice(0, 16), 'maxrss', (process.resourceUsage().maxRSS / 1024).toFixed(0));
