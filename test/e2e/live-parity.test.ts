/**
 * Live/replay parity: the simulator plays the bundled sol-15m recording while `poly live --paper
 * --record DIR` (in process, LiveRun) trades it with the top-of-book clipper at zero latency; then a
 * replay of DIR with the same strategy, parameters and settings must give the same fills (fills.csv
 * byte for byte) and the same final P&L. The equity interval is short so kernel timers fire many times
 * during the live run from the wall-clock timer driver (and in replay before the next record).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import { engineSettings } from '../../src/engine/config.ts';
import { LiveRun } from '../../src/engine/live.ts';
import { renderRun } from '../../src/engine/report-run.ts';
import { collectParams, loadStrategy, validateParams } from '../../src/engine/strategy-loader.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { digestOfManifest } from '../../src/recorder/read.ts';
import { startExchange } from '../../src/sim/exchange.ts';
import { ROOT } from '../helpers/cli.ts';
import { waitFor } from '../sources/helpers.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

describe('poly live --paper: parity with poly replay of its own recording', () => {
  it('gives the same fills and P&L as a replay of the recording it made', async () => {
    const tmp = tempDir('poly-live-parity-');
    const ex = await startExchange({ records: readRecording(join(ROOT, 'recordings/sol-15m')), speed: 'max', startPaused: true });
    const strategyFile = join(ROOT, 'strategies/top-of-book-clipper.ts');
    const strategy = await loadStrategy(strategyFile);
    const paramsGiven = await collectParams(undefined, ['size=10', 'sides=both']);
    const params = validateParams(strategy.definition, paramsGiven);
    const settings = await engineSettings({ latency: '0', equityInterval: '20ms' });
    const recDir = join(tmp, 'rec');
    const run = await LiveRun.start({
      strategy,
      strategyFile,
      params,
      paramsGiven,
      settings,
      markets: ['sol-updown-15m-1765450800'],
      record: recDir,
      outDir: join(tmp, 'live'),
      reportEveryMs: 150,
      metricsPort: null,
      wsUrl: ex.urls.marketWs,
      clobUrl: ex.urls.clob,
      gammaUrl: ex.urls.gamma,
      feed: { snapshotIntervalMs: 0, pingIntervalMs: 500, flushMs: 50 },
    });
    try {
      await waitFor(() => ex.received().some((m) => m.channel === 'market' && m.text.startsWith('{')), 'the market subscription');
      ex.start();
      await ex.done;
      const frames = (): number => ex.sent().filter((s) => s.channel === 'market' && s.text !== 'PONG').length;
      await waitFor(() => run.metrics().messagesTotal >= frames(), 'every frame received', 10_000);
      // let the timer driver fire a few equity timers after the last frame, as a live run does
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await ex.close();
    }
    const live = await run.stop('stopped');
    expect(live.error).toBeNull();
    expect(live.kernel.journal.fills.length).toBeGreaterThan(5); // the scenario must exercise the fill engine
    expect(live.kernel.journal.equity.length).toBeGreaterThan(10); // timers fired during the run

    const manifest = await readManifest(recDir);
    expect(live.recordingDigest).toBe(digestOfManifest(manifest));
    expect(manifest.rows).toBe(live.records);

    const replay = await runBacktest({ recording: recDir, strategy, params, settings, speed: 'max' });
    expect(replay.records).toBe(live.records);
    const rep = await renderRun({
      kernel: replay.kernel,
      recording: recDir,
      recordingDigest: replay.recordingDigest,
      strategy,
      strategyFile,
      params,
      paramsGiven,
      settings,
      outDir: join(tmp, 'replay'),
      window: { markets: ['sol-updown-15m-1765450800'] },
    });
    const liveFills = await readFile(join(live.reports.dir, 'fills.csv'), 'utf8');
    const replayFills = await readFile(join(rep.dir, 'fills.csv'), 'utf8');
    expect(liveFills.split('\n').length).toBeGreaterThan(6);
    expect(liveFills).toBe(replayFills);
    const pnl = async (dir: string): Promise<string> => (JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { pnl: { total: string } }).pnl.total;
    expect(await pnl(live.reports.dir)).toBe(await pnl(rep.dir));
    // every order event up to the last record happened identically (the live run only adds the stop's cancels)
    const lastRecNs = replay.kernel.quality.lastRecvNs!;
    const evs = (k: typeof replay.kernel) => k.journal.events.filter((e) => e.tsNs <= lastRecNs).map((e) => JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    expect(evs(live.kernel)).toEqual(evs(replay.kernel));
    // equity samples at the same grid times agree
    const eq = new Map(replay.kernel.journal.equity.map((p) => [p.tsNs, p.equity]));
    let compared = 0;
    for (const p of live.kernel.journal.equity) {
      if (p.tsNs > lastRecNs || !eq.has(p.tsNs)) continue;
      expect(p.equity).toBe(eq.get(p.tsNs));
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  }, 30_000);
});
