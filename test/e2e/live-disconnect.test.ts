/**
 * `poly live --paper` against the simulator with a forced disconnect mid-session: no order is accepted
 * on stale data (between the connection's close record and the next book snapshot), trading resumes after
 * the snapshot, the metrics endpoint answers during the run, and the reports are written at the end.
 * Also: `poly live` without --paper refuses (spawned CLI, one line, non-zero exit).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { engineSettings } from '../../src/engine/config.ts';
import { LiveRun } from '../../src/engine/live.ts';
import { collectParams, loadStrategy, validateParams } from '../../src/engine/strategy-loader.ts';
import { readRecording } from '../../src/recorder/read.ts';
import { startExchange } from '../../src/sim/exchange.ts';
import { poly, ROOT } from '../helpers/cli.ts';
import { waitFor } from '../sources/helpers.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

describe('poly live --paper: disconnects, metrics, reports', () => {
  it('places no order on stale data after a drop, trades again after the new snapshot, serves /metrics and /health, writes reports', async () => {
    const tmp = tempDir('poly-live-drop-');
    const ex = await startExchange({ records: readRecording(join(ROOT, 'recordings/sol-15m')), speed: 200, startPaused: true });
    const strategyFile = join(ROOT, 'strategies/top-of-book-clipper.ts');
    const strategy = await loadStrategy(strategyFile);
    const paramsGiven = await collectParams(undefined, []);
    const params = validateParams(strategy.definition, paramsGiven);
    const settings = await engineSettings({});
    const recDir = join(tmp, 'rec');
    const outDir = join(tmp, 'live');
    const run = await LiveRun.start({
      strategy,
      strategyFile,
      params,
      paramsGiven,
      settings,
      markets: ['sol-updown-15m-1765450800'],
      record: recDir,
      outDir,
      reportEveryMs: 300,
      metricsPort: 0,
      wsUrl: ex.urls.marketWs,
      clobUrl: ex.urls.clob,
      gammaUrl: ex.urls.gamma,
      feed: { snapshotIntervalMs: 0, pingIntervalMs: 200, backoff: { initialMs: 20, maxMs: 80, factor: 2, jitter: 0.2 }, flushMs: 50 },
    });
    let metricsText = '';
    type Health = { ok: boolean; connected: boolean; halted: boolean; last_message_age_s: number | null };
    let health = null as Health | null;
    try {
      await waitFor(() => ex.received().some((m) => m.channel === 'market' && m.text.startsWith('{')), 'the market subscription');
      ex.start();
      const url = run.metricsUrl;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await waitFor(() => run.kernel.journal.orders.size > 2 && run.metrics().messagesTotal > 30, 'trading under way');
      metricsText = await (await fetch(`${url}/metrics`)).text();
      health = (await (await fetch(`${url}/health`)).json()) as Health;
      expect((await fetch(`${url}/nope`)).status).toBe(404);
      const ordersBefore = run.kernel.journal.orders.size;
      ex.dropConnections();
      await waitFor(() => run.kernel.quality.reconnects >= 1, 'reconnect after the drop');
      await waitFor(() => run.kernel.journal.orders.size > ordersBefore + 2, 'orders again after the drop');
      expect(run.metrics().reconnectsTotal).toBeGreaterThanOrEqual(1);
    } finally {
      await ex.close();
    }
    const result = await run.stop('signal');
    expect(result.error).toBeNull();
    expect(result.reason).toBe('signal');

    // metrics and health during the run
    for (const name of ['poly_messages_total', 'poly_messages_per_second', 'poly_last_message_age_seconds', 'poly_reconnects_total', 'poly_orders_total', 'poly_fills_total', 'poly_pnl_dollars', 'poly_risk_halted', 'poly_normalization_errors_total']) {
      expect(metricsText).toMatch(new RegExp(`^${name} \\S+$`, 'm'));
    }
    expect(Number(/^poly_messages_total (\d+)$/m.exec(metricsText)?.[1])).toBeGreaterThan(30);
    expect(metricsText).toMatch(/^poly_pnl_dollars -?\d+(\.\d+)?$/m);
    expect(health).toMatchObject({ ok: true, connected: true, halted: false });
    expect(typeof health?.last_message_age_s).toBe('number');

    // the drop, as the kernel saw it (= the recording)
    const recs: RawRecord[] = [];
    for await (const r of readRecording(recDir)) recs.push(r);
    const close = recs.find((r) => r.source === 'market_ws' && r.kind === 'close');
    expect(close).toBeDefined();
    const tClose = close!.recvNs;
    const snap = recs.find((r) => r.recvNs >= tClose && r.seq > close!.seq && normalizeRecord(r).some((e) => e.type === 'book_snapshot'));
    expect(snap).toBeDefined();
    const tSnap = snap!.recvNs;
    const k = result.kernel;
    const accepted = k.journal.events.filter((e) => e.type === 'order_accepted');
    const tsOf = (e: { tsNs: bigint }) => e.tsNs;
    expect(accepted.some((e) => tsOf(e) < tClose)).toBe(true); // traded before the drop
    expect(accepted.filter((e) => tsOf(e) >= tClose && tsOf(e) < tSnap)).toEqual([]); // nothing on stale data
    expect(accepted.some((e) => tsOf(e) >= tSnap)).toBe(true); // recovered after the snapshot
    // every order the strategy tried in the stale window was denied as stale_data
    for (const o of k.journal.orders.values()) {
      if (o.createdNs >= tClose && o.createdNs < tSnap) expect(o.status === 'denied' && o.reason.startsWith('stale_data')).toBe(true);
    }
    // feed-loss rule (default cancel): no order accepted before the drop is still open after it
    const finishedBy = new Map<string, bigint>();
    for (const e of k.journal.events) if ((e.type === 'order_canceled' || e.type === 'order_rejected') && !finishedBy.has(e.clientId)) finishedBy.set(e.clientId, e.tsNs);
    for (const e of accepted.filter((x) => tsOf(x) < tClose)) {
      const o = k.journal.orders.get(e.order.clientId)!;
      if (o.status === 'filled' && o.updatedNs < tClose) continue;
      expect(finishedBy.get(e.order.clientId)! <= tClose, `order ${e.order.clientId} still open after the drop`).toBe(true);
    }

    // reports at the end: no order left open, data quality shows the disconnect
    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as { orders: { open: number }; data_quality: { disconnects: number } };
    expect(summary.orders.open).toBe(0);
    expect(summary.data_quality.disconnects).toBeGreaterThanOrEqual(1);
    const runJson = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8')) as { recording: { digest: string } };
    expect(runJson.recording.digest).toBe(result.recordingDigest);
    expect(runJson.recording.digest).toMatch(/^[0-9a-f]{64}$/);
    for (const f of ['fills.csv', 'orders.csv', 'positions.csv', 'equity.csv']) await expect(readFile(join(outDir, f), 'utf8')).resolves.toMatch(/\n/);
  }, 30_000);

  it('refuses without --paper: one line, non-zero exit', async () => {
    const r = await poly('live', '--strategy', 'strategies/noop.ts', '--market', 'x');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--paper/);
    expect(lines[0]).toMatch(/never sends real orders/);
  }, 20_000);
});
