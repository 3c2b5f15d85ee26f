/**
 * Crash safety of `poly record`: SIGKILL the spawned CLI mid-recording, rerun it into the same
 * directory, and check that every record that reached the spool before the kill is in the final
 * Parquet recording, and that what the first run recorded is exactly a prefix of what the simulator
 * sent on that connection (no holes; only the unflushed tail, at most --flush-ms of data, is lost).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { compactMarket, conditionId, tokenId, waitForAsync } from '../sources/helpers.ts';
import { spoolRecords } from '../recorder/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});


function record(ex: Exchange, out: string, extra: string[]): { child: ChildProcess; stderr: () => string } {
  const args = [
    join(ROOT, 'bin', 'poly.mjs'), 'record', '--market', 'market-1', '--out', out,
    '--ws-url', ex.urls.marketWs, '--clob-url', ex.urls.clob, '--gamma-url', ex.urls.gamma,
    '--flush-ms', '50', '--snapshot-interval', '0', '--quiet', ...extra,
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stderr: () => err };
}

describe('poly record survives SIGKILL', () => {
  it('keeps every flushed frame: rerunning into the same directory recovers the spool into Parquet', async () => {
    const events = Array.from({ length: 300 }, (_, i) => ({
      atMs: i * 10,
      frame: { market: conditionId(1), asset_id: tokenId(2), price: '0.5', size: String(i + 1), fee_rate_bps: '0', side: i % 2 === 0 ? 'BUY' : 'SELL', timestamp: String(1_765_450_800_000 + i), event_type: 'last_trade_price' },
    }));
    const ex = await startExchange({ scenario: { markets: [compactMarket({ n: 1 })], events, loop: true, noNewAssetsEveryMs: 0 } });
    const dir = await mkdtemp(join(tmpdir(), 'poly-kill-'));
    dirs.push(dir);
    const out = join(dir, 'rec');

    const first = record(ex, out, []);
    const frames = async (): Promise<number> => (await spoolRecords(out)).filter((r) => r.kind === 'frame').length;
    await waitForAsync(async () => (await frames()) >= 60, () => `60 frames flushed to the spool (stderr: ${first.stderr()})`, 30_000, 50);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    expect(first.child.signalCode).toBe('SIGKILL');
    const flushed = await spoolRecords(out); // exactly what survived the kill
    const sentAtKill = ex.sent().filter((s) => s.channel === 'market');
    expect(flushed.filter((r) => r.kind === 'frame').length).toBeGreaterThanOrEqual(60);

    const second = record(ex, out, ['--duration', '1s']);
    const [code] = (await once(second.child, 'exit')) as [number | null];
    expect(code, second.stderr()).toBe(0);
    await ex.close();

    const all: RawRecord[] = [];
    for await (const r of readRecording(out)) all.push(r);
    const bySeq = new Map(all.map((r) => [r.seq, r]));
    for (const r of flushed) expect(bySeq.get(r.seq), `seq ${r.seq}`).toEqual(r);

    // the first run's connection: what it recorded is a prefix of what the simulator sent it
    const firstConn = flushed.find((r) => r.source === 'market_ws' && r.kind === 'open')?.conn as string;
    expect(firstConn).toBe('mws-1');
    const recorded = all.filter((r) => r.conn === firstConn && r.kind === 'frame').map((r) => r.payload);
    const simFirst = Math.min(...sentAtKill.map((s) => s.connId));
    const sentFirst = sentAtKill.filter((s) => s.connId === simFirst).map((s) => s.text);
    expect(recorded.length).toBeGreaterThanOrEqual(flushed.filter((r) => r.kind === 'frame').length);
    expect(recorded).toEqual(sentFirst.slice(0, recorded.length));

    // the crashed session is closed as unclean, the rerun is a clean second session with its own conn ids
    const m = await readManifest(out);
    expect(m.sessions).toHaveLength(2);
    expect(m.sessions[0]?.clean).toBe(false);
    expect(m.sessions[1]?.clean).toBe(true);
    const second1 = all.filter((r) => r.seq >= (m.sessions[1]?.firstSeq ?? Infinity));
    expect(second1.length).toBeGreaterThan(0);
    expect(second1.every((r) => /^s\d+\./.test(r.conn))).toBe(true);
    expect(second1.some((r) => r.kind === 'frame' && r.source === 'market_ws')).toBe(true);
    expect(m.markets.map((x) => x.conditionId)).toEqual([conditionId(1)]);
  });
});
