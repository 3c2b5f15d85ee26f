/**
 * `poly record` flags, exit codes and signals: spawned for the success paths (as users run it),
 * in process (same commander program) for the many one-line failure paths.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration, parseSize, statusLine } from '../../src/cli/record.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import type { SessionStatus } from '../../src/recorder/record-session.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { encodeSpoolLine } from '../../src/recorder/spool.ts';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { closedPort, compactMarket, conditionId, tokenId, waitForAsync } from '../sources/helpers.ts';
import { polyIn } from '../helpers/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');


let ex: Exchange;
let tmp: string;
let urls: string[];
beforeAll(async () => {
  const events = Array.from({ length: 100 }, (_, i) => ({
    atMs: i * 20,
    frame: { market: conditionId(1), asset_id: tokenId(2), price: '0.52', size: '1', fee_rate_bps: '0', side: 'BUY', timestamp: String(1_765_450_800_000 + i), event_type: 'last_trade_price' },
  }));
  ex = await startExchange({ scenario: { markets: [compactMarket({ n: 1 })], events, loop: true, noNewAssetsEveryMs: 0 } });
  tmp = await mkdtemp(join(tmpdir(), 'poly-rec-cli-'));
  urls = ['--ws-url', ex.urls.marketWs, '--clob-url', ex.urls.clob, '--gamma-url', ex.urls.gamma, '--rtds-url', ex.urls.rtds];
});
afterAll(async () => {
  await ex.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('duration and size parsing', () => {
  it('parses units exactly and names the flag on bad input', () => {
    expect(['500ms', '60s', '10m', '1h', '1d', '1.5s', '0'].map((d) => parseDuration(d))).toEqual([500, 60_000, 600_000, 3_600_000, 86_400_000, 1500, 0]);
    expect(['256MiB', '1GiB', '64KB', '1048576', '2 mb', '1.5KiB'].map((s) => parseSize(s))).toEqual([268_435_456, 1_073_741_824, 64_000, 1_048_576, 2_000_000, 1536]);
    // one parser per unit (src/core/units.ts): a bare number is no duration, whatever the command
    expect(() => parseDuration('10', '--duration')).toThrow("--duration '10' is not a duration (e.g. 0, 500ms, 1.5s, 10m, 1h)");
    expect(() => parseDuration('-1s')).toThrow(/is not a duration/);
    expect(() => parseSize('0', '--rotate-size')).toThrow("--rotate-size '0' is not a size of whole bytes above 0 (e.g. 256MiB, 1GiB, 64KB or a byte count)");
    expect(() => parseSize('12 parsecs')).toThrow(/is not a size/);
  });

  it('renders a status line with rate, connections and ages', () => {
    const conn = { conn: 'mws-2', url: 'u', state: 'open' as const, opens: 2, reconnects: 1, messages: 150, bytes: 1, lastMessageAgeMs: 250, source: 'market_ws' as const, assets: 2 };
    const writer = { records: 10, bytes: 10, files: 0, spoolBytes: 0, lastFlushNs: null, lagRecords: 0, lagSeconds: 0, pendingBytes: 0, convertQueue: 0, backpressure: false };
    const prev: SessionStatus = { elapsedMs: 1000, records: 10, bytes: 10, spoolBytes: 0, messages: 50, wsBytes: 0, reconnects: 1, connections: [conn], markets: 1, paused: false, writer };
    const now: SessionStatus = { ...prev, elapsedMs: 3000, records: 160, bytes: 3 * 1024 * 1024, messages: 250 };
    expect(statusLine(now, prev)).toBe('rec 00:00:03 | 100 msg/s | 160 rec 3.0 MiB | parquet lag 0 rec 0.0s | conn 1/1 | reconnects 1 | age mws-2 0.3s');
    const behind = { ...now, writer: { ...writer, lagRecords: 12_345, lagSeconds: 3.25, backpressure: true } };
    expect(statusLine(behind, prev)).toBe('rec 00:00:03 | 100 msg/s | 160 rec 3.0 MiB | parquet lag 12345 rec 3.3s PAUSED: disk behind | conn 1/1 | reconnects 1 | age mws-2 0.3s');
  });
});

describe('poly record (spawned)', () => {
  function record(args: string[]) {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'poly.mjs'), 'record', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return { child, stderr: () => stderr };
  }

  it('records until --duration, writing JSON-lines logs to --log, then exits 0 with a clean manifest', async () => {
    const out = join(tmp, 'dur');
    const log = join(tmp, 'dur.log');
    const r = record(['--market', 'market-1', '--out', out, '--duration', '1500ms', '--rtds', 'btcusdt', '--log', log, '--flush-ms', '50', ...urls]);
    const [code] = (await once(r.child, 'exit')) as [number];
    expect(code, r.stderr()).toBe(0);
    expect(r.stderr()).toMatch(/^poly record: stopped \(duration\): \d+ record\(s\) this session, \d+ row\(s\) in 1 Parquet file\(s\) in .*dur\n$/);
    const lines = (await readFile(log, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; ts: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['resolving markets', 'market resolved', 'recording started', 'ws open', 'stopping', 'recording closed']));
    expect(lines.every((l) => typeof l.ts === 'string' && ['info', 'warn', 'error'].includes(l.level))).toBe(true);
    const recs: RawRecord[] = [];
    for await (const x of readRecording(out)) recs.push(x);
    expect(recs[0]?.source).toBe('gamma_rest');
    expect(recs.some((x) => x.source === 'market_ws' && x.kind === 'frame' && x.payload.includes('last_trade_price'))).toBe(true);
    expect(recs.some((x) => x.source === 'rtds_ws' && x.kind === 'send' && x.payload.includes('btcusdt'))).toBe(true);
    expect(recs.some((x) => x.source === 'clob_rest' && x.kind === 'response')).toBe(true);
    const m = await readManifest(out);
    expect(m.sessions).toHaveLength(1);
    expect(m.sessions[0]?.clean).toBe(true);
    expect(m.markets.map((x) => x.slug)).toEqual(['market-1']);
  });

  it('into an existing recording only with --append: refused with one line before connecting, then a second session', async () => {
    const out = join(tmp, 'app');
    const first = record(['--market', 'market-1', '--out', out, '--duration', '500ms', '--quiet', ...urls]);
    expect(((await once(first.child, 'exit')) as [number])[0], first.stderr()).toBe(0);
    const before = await readFile(join(out, 'manifest.json'), 'utf8');
    const again = record(['--market', 'market-1', '--out', out, '--duration', '500ms', '--quiet', ...urls]);
    expect(((await once(again.child, 'exit')) as [number])[0]).toBe(2);
    expect(again.stderr()).toBe(`poly: --out '${out}' already holds a recording; add --append to record a new session into it (a spool left by a crash is recovered first), or choose a new directory\n`);
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe(before);
    const append = record(['--market', 'market-1', '--out', out, '--duration', '500ms', '--quiet', '--append', ...urls]);
    expect(((await once(append.child, 'exit')) as [number])[0], append.stderr()).toBe(0);
    expect((await readManifest(out)).sessions).toHaveLength(2);
  });

  it('stops cleanly on SIGTERM', async () => {
    const out = join(tmp, 'sig');
    const log = join(tmp, 'sig.log');
    const r = record(['--market', conditionId(1), '--out', out, '--log', log, ...urls]);
    await waitForAsync(async () => (await readFile(log, 'utf8').catch(() => '')).includes('"ws open"'), () => `the socket to open (${r.stderr()})`, 30_000, 50);
    r.child.kill('SIGTERM');
    const [code] = (await once(r.child, 'exit')) as [number];
    expect(code, r.stderr()).toBe(0);
    expect(r.stderr()).toContain('poly record: stopped (signal)');
    const m = await readManifest(out);
    expect(m.sessions[0]?.clean).toBe(true);
    expect(m.rows).toBeGreaterThan(0);
    expect(await readFile(log, 'utf8')).toContain('"received SIGTERM; stopping"');
  });

  it('under timeout(1) (the signal arrives twice: to the child and to its group) still closes into Parquet, no spool left', async () => {
    const out = join(tmp, 'timeout');
    // before: the second copy of the signal exited at once (130) and left the whole session in the spool
    const child = spawn('timeout', ['--preserve-status', '-s', 'INT', '4', process.execPath, join(ROOT, 'bin', 'poly.mjs'), 'record', '--market', 'market-1', '--out', out, '--flush-ms', '50', ...urls], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('poly record: stopped (signal)');
    const m = await readManifest(out);
    expect(m.sessions.map((x) => x.clean)).toEqual([true]);
    expect(m.rows).toBeGreaterThan(0);
    expect(m.files.length).toBeGreaterThan(0);
    expect(await readdir(join(out, 'spool'))).toEqual([]);
    const recs: RawRecord[] = [];
    for await (const r of readRecording(out)) recs.push(r);
    expect(recs.some((r) => r.kind === 'frame' && r.payload.includes('last_trade_price'))).toBe(true);
  }, 60_000);
});

describe('poly record failures: one line, non-zero exit, nothing destroyed', () => {
  it('unknown market, bad identifier or bad flag: exit 2 and no directory created', async () => {
    const out = join(tmp, 'never');
    const unknown = await polyIn('record', '--market', 'no-such-market', '--out', out, ...urls);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trimEnd().split('\n').at(-1)).toBe("poly: unknown market 'no-such-market': Gamma does not know this slug");
    const bad = await polyIn('record', '--market', 'what?', '--out', out, ...urls);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("poly: 'what?' is not a market identifier");
    const dur = await polyIn('record', '--market', 'market-1', '--duration', 'soon', '--out', out, ...urls);
    expect(dur.code).toBe(2);
    expect(dur.stderr).toBe("poly: --duration 'soon' is not a duration (e.g. 0, 500ms, 1.5s, 10m, 1h)\n");
    const none = await polyIn('record', '--out', out, ...urls);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('nothing to record');
    const series = await polyIn('record', '--series', 'doge-updown-1h', '--out', out, ...urls);
    expect(series.stderr).toContain("unknown series 'doge-updown-1h'");
    const wsUrl = await polyIn('record', '--market', 'market-1', '--ws-url', 'http://x', '--out', out);
    expect(wsUrl.stderr).toBe("poly: --ws-url: 'http://x' must use ws:// or wss://\n");
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  it('unreachable Gamma or market WebSocket: exit 1 naming the URL', async () => {
    const port = await closedPort();
    const g = await polyIn('record', '--market', 'market-1', '--out', join(tmp, 'g'), ...urls, '--gamma-url', `http://127.0.0.1:${port}`);
    expect(g.code).toBe(1);
    expect(g.stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^poly: cannot reach Gamma at http://127\\.0\\.0\\.1:${port}/markets\\?slug=market-1 \\(ECONNREFUSED\\) after 3 attempts`));
    await expect(stat(join(tmp, 'g'))).rejects.toThrow(/ENOENT/);
    const w = await polyIn('record', '--market', 'market-1', '--out', join(tmp, 'w'), ...urls, '--ws-url', `ws://127.0.0.1:${port}/ws/market`);
    expect(w.code).toBe(1);
    expect(w.stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^poly: cannot connect to the market WebSocket at ws://127\\.0\\.0\\.1:${port}/ws/market \\(.*ECONNREFUSED.*\\) after 3 attempts; check --ws-url`));
    // the recording it opened is closed cleanly and still readable
    expect((await readManifest(join(tmp, 'w'))).sessions[0]?.clean).toBe(true);
  });

  it('a directory that is not a recording, an unwritable path or a corrupt manifest: exit 1, files untouched', async () => {
    const foreign = join(tmp, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'notes.txt'), 'keep me');
    const f = await polyIn('record', '--market', 'market-1', '--out', foreign, '--duration', '2s', ...urls);
    expect(f.code).toBe(1);
    expect(f.stderr.trimEnd().split('\n').at(-1)).toContain('is not a poly recording');
    expect(await readFile(join(foreign, 'notes.txt'), 'utf8')).toBe('keep me');

    const file = join(tmp, 'a-file');
    await writeFile(file, 'x');
    const u = await polyIn('record', '--market', 'market-1', '--out', join(file, 'rec'), '--duration', '2s', ...urls);
    expect(u.code).toBe(1);
    expect(u.stderr.trimEnd().split('\n').at(-1)).toMatch(/^poly: cannot create recording directory .*a-file\/rec/);

    const corrupt = join(tmp, 'corrupt');
    await mkdir(corrupt);
    await writeFile(join(corrupt, 'manifest.json'), '{"this is": "not a manifest"');
    const c = await polyIn('record', '--market', 'market-1', '--out', corrupt, '--duration', '2s', '--append', ...urls);
    expect(c.code).toBe(1);
    expect(c.stderr.trimEnd().split('\n').at(-1)).toMatch(/^poly: recording .*corrupt: manifest\.json is .*; run 'poly recordings repair /);
    expect(await readFile(join(corrupt, 'manifest.json'), 'utf8')).toBe('{"this is": "not a manifest"');
  });

  it('a spool with corrupt lines in the middle is refused untouched; a torn tail (crash) is not', async () => {
    const rec = (seq: number): RawRecord => ({ v: 1, seq, recvNs: 1_765_450_800_000_000_000n + BigInt(seq), source: 'market_ws', conn: 'mws-1', kind: 'frame', meta: {}, payload: `frame ${seq}` });
    const spoolText = [encodeSpoolLine(rec(1)).toString(), 'deadbeef\t{"garbage": true}\n', encodeSpoolLine(rec(2)).toString()].join('');
    const bad = join(tmp, 'bad-spool');
    await mkdir(join(bad, 'spool'), { recursive: true });
    await writeFile(join(bad, 'spool', 'seg-00000000000000000001.spool'), spoolText);
    const c = await polyIn('record', '--market', 'market-1', '--out', bad, '--duration', '2s', '--append', ...urls);
    expect(c.code).toBe(1);
    expect(c.stderr.trimEnd().split('\n').at(-1)).toMatch(/^poly: recording .*bad-spool: spool\/seg-00000000000000000001\.spool has 1 corrupt line\(s\) from byte \d+; nothing was changed/);
    expect(await readFile(join(bad, 'spool', 'seg-00000000000000000001.spool'), 'utf8')).toBe(spoolText);

    const torn = join(tmp, 'torn-spool');
    await mkdir(join(torn, 'spool'), { recursive: true });
    await writeFile(join(torn, 'spool', 'seg-00000000000000000001.spool'), `${encodeSpoolLine(rec(1)).toString()}${encodeSpoolLine(rec(2)).toString().slice(0, 30)}`);
    const t = await polyIn('record', '--market', 'market-1', '--out', torn, '--duration', '300ms', '--append', ...urls);
    expect(t.code, t.stderr).toBe(0);
    const recs: RawRecord[] = [];
    for await (const x of readRecording(torn)) recs.push(x);
    expect(recs[0]).toEqual(rec(1)); // the crashed run's record survived; the torn line is dropped
    expect(recs[1]?.seq).toBe(2);
    expect(recs[1]?.source).toBe('gamma_rest');
  });
});
