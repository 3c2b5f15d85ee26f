import { rm } from 'node:fs/promises';
import { ImportOutput } from '../src/import/output.ts';
await rm('/tmp/imp/wr-out', { recursive: true, force: true });
const t0 = Date.now();
const out = await ImportOutput.open({ out: '/tmp/imp/wr-out', replace: false, markets: [], provenance: { version: 1, format: 'x', tool: 'x', digest: 'x', inputs: [], filter: {}, options: {}, ordering: '', metadata: {}, losses: [] }, startNs: 1777636800000000000n, createdBy: 'x' });
const payload = '{"market":"0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1","price_changes":[{"asset_id":"00000000000000000001111111111111111111111111111111111111111111111111111111111","price":"0.48","size":"130","side":"BUY","best_bid":"0.49","best_ask":"0.51"},{"asset_id":"00000000000000000002222222222222222222222222222222222222222222222222222222222","price":"0.52","size":"130","side":"SELL","best_bid":"0.49","best_ask":"0.51"}],"timestamp":"1777636800003","event_type":"price_change"}';
const N = Number(process.argv[2] ?? 1_000_000);
for (let i = 0; i < N; i++) {
  await out.append({ recvNs: 1777636800000000000n + BigInt(i) * 1_000_000n, source: 'market_ws', conn: 'pmxt-1', kind: 'frame', meta: {}, payload });
}
const t1 = Date.now();
await out.commit();
console.log('append', t1 - t0, 'ms; commit', Date.now() - t1, 'ms; rss', (process.resourceUsage().maxRSS / 1024).toFixed(0), 'MB');
