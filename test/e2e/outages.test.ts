/**
 * Feed outages as replay and `poly inspect` see them (src/core/outages.ts), issue 8 items 6 and 7:
 * - one stale connection (error row, then close 1006) is ONE disconnect, and its gap is measured from
 *   the last data frame (3.68 s), not from the error row (0.43 s); our own clean stop is not a gap;
 * - a SIGKILLed `poly record` followed by a restart into the same directory is a feed loss in replay
 *   (a probe order resting through the crash is cancelled, feed_lost, instead of filling on the new
 *   session's prints) and a gap in inspect from the old session's last record to the new one's first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import { engineSettings } from '../../src/engine/config.ts';
import { loadStrategy, validateParams } from '../../src/engine/strategy-loader.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { summarizeRecording } from '../../src/recorder/summary.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';
import { startExchange } from '../../src/sim/exchange.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { ROOT } from '../helpers/cli.ts';
import { compactMarket, conditionId, tokenId, waitForAsync } from '../sources/helpers.ts';
import { spoolRecords } from '../recorder/helpers.ts';

const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await cleanupTempDirs();
});

const MS = 1_000_000n;
const T0 = 1_765_450_800_000_000_000n; // 2025-12-11T11:00:00Z
const YES = tokenId(2);
const NO = tokenId(3);
const URL_ = 'ws://127.0.0.1:1/ws/market';

async function replay(dir: string, strategyFile: string) {
  const strategy = await loadStrategy(strategyFile);
  return runBacktest({ recording: dir, strategy, params: validateParams(strategy.definition, {}), settings: await engineSettings({}), speed: 'max' });
}

const bookFrame = (asset: string, bid: string, ask: string): string =>
  JSON.stringify({ event_type: 'book', asset_id: asset, market: conditionId(1), bids: [{ price: bid, size: '100' }], asks: [{ price: ask, size: '100' }], timestamp: '1765450800000', hash: 'h' });
const tradeFrame = (asset: string, px: string, size: string, side: 'BUY' | 'SELL'): string =>
  JSON.stringify({ event_type: 'last_trade_price', asset_id: asset, market: conditionId(1), price: px, size, side, fee_rate_bps: '0', timestamp: '1765450800000' });

describe('one outage, one disconnect (issue 8 item 7)', () => {
  it('a stale connection (error + close 1006) is one disconnect and one gap of 3.68 s from the last data; a clean stop is none', async () => {
    const dir = join(tempDir('poly-outage-'), 'rec');
    const rows: Omit<RawRecord, 'v' | 'seq'>[] = [
      { recvNs: T0, source: 'market_ws', conn: 'mws-1', kind: 'open', meta: { url: URL_, attempt: 1 }, payload: '' },
      { recvNs: T0 + 1n * MS, source: 'market_ws', conn: 'mws-1', kind: 'send', meta: {}, payload: JSON.stringify({ assets_ids: [YES, NO], type: 'market' }) },
      { recvNs: T0 + 100n * MS, source: 'market_ws', conn: 'mws-1', kind: 'frame', meta: {}, payload: bookFrame(YES, '0.44', '0.56') },
      { recvNs: T0 + 1000n * MS, source: 'market_ws', conn: 'mws-1', kind: 'frame', meta: {}, payload: tradeFrame(YES, '0.5', '5', 'BUY') }, // last data
      // 3.25 s of silence, then the stale detector: error row and the socket's close 1006 (same instant)
      { recvNs: T0 + 4250n * MS, source: 'market_ws', conn: 'mws-1', kind: 'error', meta: { url: URL_, attempt: 1 }, payload: 'stale: nothing received for 3250 ms (limit 3000 ms)' },
      { recvNs: T0 + 4251n * MS, source: 'market_ws', conn: 'mws-1', kind: 'close', meta: { code: 1006 }, payload: '' },
      { recvNs: T0 + 4680n * MS, source: 'market_ws', conn: 'mws-2', kind: 'open', meta: { url: URL_, attempt: 2 }, payload: '' },
      { recvNs: T0 + 4700n * MS, source: 'market_ws', conn: 'mws-2', kind: 'frame', meta: {}, payload: bookFrame(YES, '0.45', '0.55') },
      { recvNs: T0 + 5000n * MS, source: 'market_ws', conn: 'mws-2', kind: 'close', meta: { code: 1000, reason: 'client stop' }, payload: '' },
    ];
    const w = await RecordingWriter.open({ dir });
    rows.forEach((r, i) => w.append({ v: 1, seq: i + 1, ...r }));
    await w.close();

    const s = await summarizeRecording(dir);
    expect(s.gaps).toEqual([
      {
        source: 'market_ws',
        conn: 'mws-1',
        cause: 'stale',
        detail: 'stale: nothing received for 3250 ms (limit 3000 ms)',
        fromNs: (T0 + 1000n * MS).toString(),
        detectedNs: (T0 + 4250n * MS).toString(),
        toNs: (T0 + 4680n * MS).toString(),
        durationMs: 3680, // not 430 (error row -> reopen)
      },
    ]); // and the clean stop at the end (close 1000 'client stop') is not a gap
    const { kernel } = await replay(dir, join(ROOT, 'strategies/noop.ts'));
    expect(kernel.quality.disconnects).toBe(1); // was 2: the error row and the close each counted
    expect(kernel.quality.reconnects).toBe(1);
  });

  it('failed redials during one outage are not further disconnects; a server close 1000 is one', async () => {
    const dir = join(tempDir('poly-outage-'), 'rec');
    const rows: Omit<RawRecord, 'v' | 'seq'>[] = [
      { recvNs: T0, source: 'market_ws', conn: 'mws-1', kind: 'open', meta: { url: URL_, attempt: 1 }, payload: '' },
      { recvNs: T0 + 100n * MS, source: 'market_ws', conn: 'mws-1', kind: 'frame', meta: {}, payload: bookFrame(YES, '0.44', '0.56') },
      { recvNs: T0 + 200n * MS, source: 'market_ws', conn: 'mws-1', kind: 'close', meta: { code: 1000, reason: 'going away for maintenance' }, payload: '' },
      { recvNs: T0 + 300n * MS, source: 'market_ws', conn: 'mws-2', kind: 'error', meta: { url: URL_, attempt: 2 }, payload: 'connect ECONNREFUSED 127.0.0.1:1' },
      { recvNs: T0 + 301n * MS, source: 'market_ws', conn: 'mws-2', kind: 'close', meta: { code: 1006 }, payload: '' },
      { recvNs: T0 + 700n * MS, source: 'market_ws', conn: 'mws-3', kind: 'error', meta: { url: URL_, attempt: 3 }, payload: 'connect ECONNREFUSED 127.0.0.1:1' },
      { recvNs: T0 + 701n * MS, source: 'market_ws', conn: 'mws-3', kind: 'close', meta: { code: 1006 }, payload: '' },
      { recvNs: T0 + 1500n * MS, source: 'market_ws', conn: 'mws-4', kind: 'open', meta: { url: URL_, attempt: 4 }, payload: '' },
    ];
    const w = await RecordingWriter.open({ dir });
    rows.forEach((r, i) => w.append({ v: 1, seq: i + 1, ...r }));
    await w.close();
    const s = await summarizeRecording(dir);
    expect(s.gaps.map((g) => [g.conn, g.cause, g.durationMs])).toEqual([['mws-1', 'close', 1400]]);
    const { kernel } = await replay(dir, join(ROOT, 'strategies/noop.ts'));
    expect(kernel.quality.disconnects).toBe(1); // was 4 (each failed redial counted twice, error and close) and the server's 1000 not at all
  });
});


describe('a crash is a gap (issue 8 item 6)', () => {
  it('SIGKILL + restart of poly record: the probe order resting through the crash is cancelled (feed_lost), not filled after it; inspect lists the gap', async () => {
    const ex = await startExchange({ scenario: { markets: [compactMarket({ n: 1 })], noNewAssetsEveryMs: 0 } });
    const out = join(tempDir('poly-crash-'), 'rec');
    const record = (extra: string[]): { child: ChildProcess; stderr: () => string } => {
      const args = [
        join(ROOT, 'bin', 'poly.mjs'), 'record', '--market', 'market-1', '--out', out,
        '--ws-url', ex.urls.marketWs, '--clob-url', ex.urls.clob, '--gamma-url', ex.urls.gamma,
        '--flush-ms', '20', '--snapshot-interval', '0', '--ping-interval', '50ms', '--quiet', ...extra,
      ];
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      let err = '';
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      return { child, stderr: () => err };
    };
    try {
      // session 1: a book (the probe rests a BUY at 0.45 under the 0.48 bid), then PONGs keep time moving
      const first = record([]);
      await waitForAsync(async () => (await spoolRecords(out)).some((r) => r.kind === 'open' && r.source === 'market_ws'), () => `session 1 connected (${first.stderr()})`, 20_000);
      await waitForAsync(async () => ex.received().some((m) => m.channel === 'market' && m.text.startsWith('{')), () => 'the subscription', 10_000);
      ex.publish(JSON.parse(bookFrame(YES, '0.48', '0.52')), [YES]);
      await waitForAsync(async () => {
        const recs = await spoolRecords(out);
        const book = recs.findIndex((r) => r.kind === 'frame' && r.payload.includes('"event_type":"book"') && r.payload.includes('"0.48"'));
        return book >= 0 && recs.slice(book).filter((r) => r.payload === 'PONG').length >= 5;
      }, () => 'the book and 5 PONGs after it in the spool', 20_000);
      first.child.kill('SIGKILL');
      await once(first.child, 'exit');
      await new Promise((r) => setTimeout(r, 1000)); // the outage

      // session 2: sellers print at 0.40, through the probe's 0.45, again and again
      const m1 = await readManifest(out).catch(() => null);
      const second = record(['--duration', '3s']);
      await waitForAsync(async () => ex.connectionCount('market') > 0 && ex.received().filter((m) => m.channel === 'market' && m.text.startsWith('{')).length >= 2, () => `session 2 subscribed (${second.stderr()})`, 20_000);
      const trades = setInterval(() => ex.publish(JSON.parse(tradeFrame(YES, '0.40', '50', 'SELL')), [YES]), 100);
      const [code] = (await once(second.child, 'exit')) as [number | null];
      clearInterval(trades);
      expect(code, second.stderr()).toBe(0);
      expect(m1?.sessions ?? [{}]).toHaveLength(1);
    } finally {
      await ex.close();
    }

    const m = await readManifest(out);
    expect(m.sessions.map((s) => s.clean)).toEqual([false, true]);
    const recs: RawRecord[] = [];
    for await (const r of readRecording(out)) recs.push(r);
    const newFirst = recs.find((r) => r.seq === m.sessions[1]!.firstSeq)!;
    const oldLast = recs.filter((r) => r.seq < newFirst.seq).at(-1)!;
    expect(recs.some((r) => r.seq > newFirst.seq && r.payload.includes('"price":"0.40"'))).toBe(true);

    // inspect: one crash gap, old session's last record -> new session's first
    const s = await summarizeRecording(out);
    const crash = s.gaps.filter((g) => g.cause === 'crash');
    expect(crash).toHaveLength(1);
    expect(crash[0]).toMatchObject({ source: 'market_ws', conn: 'mws-1', fromNs: oldLast.recvNs.toString(), toNs: newFirst.recvNs.toString() });
    expect(crash[0]!.durationMs!).toBeGreaterThanOrEqual(1000);

    // replay: the probe rested before the crash and is cancelled by it, before the new session's prints
    const { kernel } = await replay(out, join(ROOT, 'test/e2e/fixtures/probe-rest.ts'));
    const orders = [...kernel.journal.orders.values()];
    expect(orders).toHaveLength(1);
    const probe = orders[0]!;
    const accepted = kernel.journal.events.find((e) => e.type === 'order_accepted' && e.order.clientId === probe.clientId);
    expect(accepted !== undefined && accepted.tsNs <= oldLast.recvNs).toBe(true); // it was resting when the recorder died
    expect(kernel.journal.fills).toEqual([]); // before the fix: filled 10 at 0.45 on the first 0.40 print after the restart
    expect(probe.status).toBe('canceled');
    expect(probe.reason).toMatch(/feed_lost/);
    expect(probe.updatedNs).toBe(newFirst.recvNs);
    expect(kernel.quality.disconnects).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
