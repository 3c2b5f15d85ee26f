/**
 * The live feed is a source (issue 9 item 5): `poly live` is LiveFeed -> kernel, with a RecordingWriter
 * attached only for --record. Without --record nothing is written (no writer, no temp spool), and
 * `poly live --series` follows rolling rounds exactly like `poly record --series`.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { engineSettings } from '../../src/engine/config.ts';
import { LIVE_UNRECORDED, LiveRun } from '../../src/engine/live.ts';
import { loadStrategy, validateParams } from '../../src/engine/strategy-loader.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';
import { startExchange } from '../../src/sim/exchange.ts';
import { parseSeries, seriesRounds, type SeriesSpec } from '../../src/sources/series.ts';
import { poly, ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { seriesMarkets, waitFor } from '../sources/helpers.ts';

afterAll(cleanupTempDirs);

describe('poly live: feed -> kernel, writer only with --record', () => {
  it('--series follows the planned rounds into the kernel; unrecorded, it opens no writer at all', async () => {
    const spec = parseSeries('eth-updown-5m') as SeriesSpec;
    const ex = await startExchange({ scenario: { markets: seriesMarkets(spec, Date.now()) } });
    const open = vi.spyOn(RecordingWriter, 'open');
    const strategyFile = join(ROOT, 'strategies/noop.ts');
    const strategy = await loadStrategy(strategyFile);
    let result;
    try {
      const run = await LiveRun.start({
        strategy,
        strategyFile,
        params: validateParams(strategy.definition, {}),
        paramsGiven: {},
        settings: await engineSettings({}),
        markets: [],
        series: ['eth-updown-5m'],
        outDir: join(tempDir('poly-live-series-'), 'reports'),
        reportEveryMs: 0,
        metricsPort: null,
        wsUrl: ex.urls.marketWs,
        clobUrl: ex.urls.clob,
        gammaUrl: ex.urls.gamma,
        feed: { snapshotIntervalMs: 0 },
      });
      const planned = seriesRounds(spec, Date.now()).map((r) => r.slug);
      await waitFor(() => planned.every((slug) => run.kernel.allMarkets().some((m) => m.slug === slug)), 'the planned rounds known to the kernel');
      await waitFor(() => ex.received().some((m) => m.channel === 'market' && m.text.startsWith('{')), 'the subscribe');
      expect(run.recordingDir).toBeNull();
      result = await run.stop('stopped');
      const subscribed = new Set(ex.received().filter((m) => m.channel === 'market' && m.text.startsWith('{')).flatMap((m) => (JSON.parse(m.text) as { assets_ids: string[] }).assets_ids));
      const wanted = result.kernel.allMarkets().filter((m) => planned.includes(m.slug ?? '')).flatMap((m) => m.tokens.map((t) => t.tokenId));
      expect(wanted.length).toBe(2 * planned.length);
      for (const t of wanted) expect(subscribed.has(t), t).toBe(true);
    } finally {
      open.mockRestore();
      await ex.close();
    }
    expect(open).not.toHaveBeenCalled();
    expect(result.error).toBeNull();
    expect(result.recording).toBeNull();
    expect(result.recordingDigest).toBe(LIVE_UNRECORDED);
    expect(result.records).toBeGreaterThan(0);
  }, 30_000);

  it('a bad --series is one line and exit 2 before any network', async () => {
    const r = await poly('live', '--paper', '--strategy', 'strategies/noop.ts', '--series', 'doge-updown-1m', '--gamma-url', 'http://127.0.0.1:1');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/unknown series 'doge-updown-1m'/)]);
  }, 20_000);
});
