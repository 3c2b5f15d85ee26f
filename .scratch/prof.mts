import { importPmxt } from '../src/import/pmxt.ts';
const dir = 'bench/out/pmxt-v1-5000000-2000';
const t0 = Date.now();
let lastLog = 0;
const s = await importPmxt({ inputs: [dir + '/polymarket_orderbook_2026-05-01T10.parquet'], out: '/tmp/imp/prof-out', force: true, markets: [], series: [], fromMs: null, toMs: null, metaFile: dir + '/meta.json', cacheDir: '/tmp/imp/cache', baseUrl: 'http://x', gammaUrl: 'http://x', clobUrl: 'http://x',
  onEvent: (e) => { if (e.type === 'progress' && Date.now() - lastLog > 5000) { lastLog = Date.now(); console.log(((Date.now() - t0) / 1000).toFixed(1), 's rows', e.rowsDone, 'rss', (process.memoryUsage.rss() / 1e6).toFixed(0)); } if (e.type === 'log') console.log(((Date.now() - t0) / 1000).toFixed(1), e.message); } });
console.log('total', (Date.now() - t0) / 1000, s.records);
