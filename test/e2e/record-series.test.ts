/**
 * `poly record --series`: the follower resolves the current round of a rolling series over Gamma,
 * subscribes its tokens on the market WebSocket (opening a connection on demand), and adds the
 * market to the manifest. The simulator lists rounds around the real current time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { RecordSession } from '../../src/recorder/record-session.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { startExchange } from '../../src/sim/exchange.ts';
import { parseSeries, seriesRounds, type SeriesSpec } from '../../src/sources/series.ts';
import { seriesMarkets, tokenId, waitFor } from '../sources/helpers.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('poly record --series', () => {
  it('follows the current round: resolves it by slug, subscribes its tokens, stores it in the manifest', async () => {
    const spec = parseSeries('eth-updown-5m') as SeriesSpec;
    const now = Date.now();
    const starts = [-1, 0, 1, 2, 3].map((k) => (Math.floor(now / spec.periodMs) + k) * spec.periodMs);
    const ex = await startExchange({ scenario: { markets: seriesMarkets(spec, now) } });
    const dir = await mkdtemp(join(tmpdir(), 'poly-series-'));
    dirs.push(dir);
    const out = join(dir, 'rec');
    const session = await RecordSession.start({ markets: [], series: ['eth-updown-5m'], out, wsUrl: ex.urls.marketWs, clobUrl: ex.urls.clob, gammaUrl: ex.urls.gamma, snapshotIntervalMs: 0 });
    const planned = seriesRounds(spec, Date.now()).map((r) => r.slug);
    await waitFor(() => session.marketList.length === planned.length && session.status().connections.some((c) => c.state === 'open'), 'the planned rounds subscribed');
    await waitFor(() => ex.received().some((m) => m.channel === 'market' && m.text.startsWith('{')), 'the subscribe');
    await session.stop();
    await ex.close();

    expect(session.marketList.map((m) => m.slug).sort()).toEqual([...planned].sort());
    const wanted = new Set(session.marketList.flatMap((m) => m.tokens.map((t) => t.tokenId)));
    const recs: RawRecord[] = [];
    for await (const r of readRecording(out)) recs.push(r);
    for (const slug of planned) {
      expect(recs.some((r) => r.source === 'gamma_rest' && r.kind === 'request' && r.meta.url === `${ex.urls.gamma}/markets?slug=${slug}`), slug).toBe(true);
    }
    const subscribed = recs
      .filter((r) => r.source === 'market_ws' && r.kind === 'send' && r.payload.startsWith('{'))
      .flatMap((r) => (JSON.parse(r.payload) as { assets_ids: string[] }).assets_ids);
    expect(new Set(subscribed)).toEqual(wanted);
    const current = starts[1] as number;
    expect(wanted.has(tokenId(2 * 11))).toBe(planned.includes(`eth-updown-5m-${current / 1000}`)); // market n=11 is the current round
    const m = await readManifest(out);
    expect(m.markets.map((x) => x.slug).sort()).toEqual([...planned].sort());
  });
});
