/**
 * `poly exchange` spawned as a child process (habit 14): prints one `<name> <url>` line per endpoint,
 * serves the scenario, obeys the control plane, exits 0 on SIGTERM; bad input is one stderr line and
 * a non-zero exit (invalid scenario through the real binary; the other bad inputs in-process through
 * runExchange, which is what the command's action runs).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors.ts';
import { runExchange } from '../../src/cli/exchange.ts';
import { startExchange } from '../../src/sim/exchange.ts';
import { getJson, subscribeMsg, TestClient } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASIC = join(ROOT, 'src/sim/scenarios/btc-5m-basic.json');

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function poly(args: string[]): { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['bin/poly.mjs', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function urlsOf(p: ReturnType<typeof poly>): Promise<Record<string, string>> {
  const deadline = Date.now() + 30_000;
  while (!/^control /m.test(p.stdout())) {
    if (p.child.exitCode !== null) throw new Error(`poly exchange exited early: ${p.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no URLs printed; stderr: ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Object.fromEntries(
    p
      .stdout()
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string]),
  );
}

describe('poly exchange (CLI)', () => {
  it('prints the URLs, serves the scenario and the control plane, exits 0 on SIGTERM', async () => {
    const p = poly(['exchange', '--scenario', BASIC, '--port', '0', '--speed', 'max', '--paused']);
    const urls = await urlsOf(p);
    expect(Object.keys(urls)).toEqual(['clob', 'gamma', 'marketWs', 'userWs', 'rtds', 'control']);
    expect(urls.clob).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.gamma).toBe(`${urls.clob}/gamma`);
    const g = (await getJson(`${urls.gamma}/markets?slug=btc-updown-5m-1773307200`)).body as { clobTokenIds: string }[];
    expect(g).toHaveLength(1);
    const ids = JSON.parse(g[0]?.clobTokenIds ?? '[]') as string[];
    const c = await TestClient.open(urls.marketWs ?? '');
    try {
      c.send(subscribeMsg(ids));
      await c.sync();
      expect((await getJson(`${urls.control}/start`, { method: 'POST' })).status).toBe(200);
      await c.waitFor(() => c.data().some((m) => m.includes('market_resolved')), 'the scripted feed');
      expect(c.data()[0]).toContain('"event_type":"book"');
    } finally {
      c.close();
    }
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(p.stderr()).toMatch(/feed done/);
  });

  it('fails with one line naming the field for an invalid scenario', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poly-sim-cli-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ events: [{ atMs: 0, frame: {} }, { atMs: 'soon', frame: {} }] }));
    const p = poly(['exchange', '--scenario', bad]);
    const code = await p.exit;
    expect(code).not.toBe(0);
    const lines = p.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^poly: .*bad\.json: events\[1\]\.atMs: /);
    expect(p.stdout()).toBe('');
  });

  it('maps bad input to one-line CliErrors (missing file, host, speed, busy port, recordings)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poly-sim-cli-'));
    const base = { speed: '1', port: '0', host: '127.0.0.1' };
    const ex = await startExchange({});
    try {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ...base, scenario: join(dir, 'missing.json') }, /^scenario file not found: .*missing\.json$/],
        [{ ...base, host: '0.0.0.0' }, /binds only 127\.0\.0\.1/],
        [{ ...base, speed: 'fast' }, /^--speed must be a positive number or 'max'/],
        [{ ...base, port: '70000' }, /^--port '70000' is not a whole number in 0\.\.65535/],
        [{ ...base, port: String(ex.port) }, new RegExp(`^port ${ex.port} on 127\\.0\\.0\\.1 is already in use$`)],
        [{ ...base, scenario: BASIC, recording: dir }, /either --scenario FILE or --recording DIR/],
        [{ ...base, recording: join(dir, 'nope') }, /^recording directory not found: /],
        [{ ...base, recording: dir }, /.+/], // not a recording: the reader's one-line error
      ];
      for (const [opts, re] of cases) {
        const err = await runExchange(opts).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, JSON.stringify(opts)).toBeInstanceOf(CliError);
        const msg = (err as CliError).message;
        expect(msg).toMatch(re);
        expect(msg).not.toContain('\n');
      }
    } finally {
      await ex.close();
    }
  });
});
