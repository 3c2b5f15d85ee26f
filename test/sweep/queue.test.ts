/**
 * Distributed sweeps on a real Redis (Debian's redis-server, started here on 127.0.0.1): two `poly worker`
 * processes take the runs of a 100-set sweep; one is killed (SIGKILL) in the middle of a run. No run is lost
 * (all 100 stored), none is written twice (each run "wrote" once across the workers' logs), the killed run is
 * redone by the survivor once its lock expires, and the output is byte-identical to a local sweep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poly, ROOT } from '../helpers/cli.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { tree } from '../helpers/tree.ts';

let redis: RedisServer;
const children: ChildProcess[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.stop();
  cleanupTempDirs();
});

const GRID = ['--grid', 'halfSpread=0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1', '--grid', 'size=5,10,15,20,25,30,35,40,45,50'];
const SWEEP = ['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', ...GRID, '--no-progress'];

interface Proc {
  readonly child: ChildProcess;
  log: string;
  readonly exited: Promise<number | null>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [join(ROOT, 'bin/poly.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const p: Proc = { child, log: '', exited: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
  child.stderr?.on('data', (d: Buffer) => (p.log += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (p.log += d.toString()));
  return p;
}

async function until(cond: () => boolean, what: string, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const linesOf = (log: string, verb: string): string[] => [...log.matchAll(new RegExp(`poly worker: ${verb} ([0-9a-f]{16})`, 'g'))].map((m) => m[1]!);

describe('poly sweep --queue / poly worker (BullMQ on a real Redis)', () => {
  it('two workers, one killed mid-run: no run lost, none duplicated, output byte-identical to a local sweep', async () => {
    const local = tempDir('poly-q-local-');
    const r0 = await poly(...SWEEP, '--workers', '2', '--out', local);
    expect(r0.code).toBe(0);

    const q = ['--queue', redis.url, '--queue-name', 'kill-test'];
    const workerArgs = (name: string): string[] => ['worker', ...q, '--threads', '1', '--name', name, '--lock-duration', '5s', '--stalled-interval', '1s'];
    const a = start(workerArgs('worker-a'));
    const b = start(workerArgs('worker-b'));
    await until(() => /worker worker-a: 1 thread/.test(a.log) && /worker worker-b: 1 thread/.test(b.log), 'both workers to start');

    const out = tempDir('poly-q-dist-');
    const sweep = start([...SWEEP, ...q, '--out', out]);
    // let worker-a finish a few runs, then kill it right after it starts another one
    await until(() => linesOf(a.log, 'wrote').length >= 3, 'worker-a to write three runs');
    const startedBefore = linesOf(a.log, 'start').length;
    await until(() => linesOf(a.log, 'start').length > startedBefore, 'worker-a to start another run');
    a.child.kill('SIGKILL');
    await a.exited;
    const killedRun = linesOf(a.log, 'start').at(-1)!;

    const code = await Promise.race([sweep.exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 200_000))]);
    if (code !== 0) throw new Error(`sweep ended with ${code}:\n${sweep.log}\n--- a:\n${a.log.slice(-2000)}\n--- b:\n${b.log.slice(-3000)}`);
    const aWrote = linesOf(a.log, 'wrote');
    const bWrote = linesOf(b.log, 'wrote');
    // none written twice
    expect(new Set([...aWrote, ...bWrote]).size).toBe(aWrote.length + bWrote.length);
    // none lost: every run was written by one of them; the only one that may lack a "wrote" line is the run
    // worker-a died in (if it died after publishing and before logging, worker-b found it stored: "cached")
    const written = new Set([...aWrote, ...bWrote]);
    expect(written.size).toBeGreaterThanOrEqual(99);
    if (written.size === 99) expect(linesOf(b.log, 'cached')).toContain(killedRun);
    // the run worker-a died in was taken back by worker-b
    if (!aWrote.includes(killedRun)) expect([...bWrote, ...linesOf(b.log, 'cached')]).toContain(killedRun);
    expect(sweep.log).toMatch(/100 run\(s\): \d+ ran, \d+ from the cache/);
    // the same bytes as the local sweep
    expect(await tree(out)).toEqual(await tree(local));

    const status = await poly('sweep', '--status', ...q);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/queue kill-test at redis:\/\/127\.0\.0\.1:\d+: 0 waiting, 0 delayed, 0 active, 100 done, 0 failed/);
    expect(status.stdout).toMatch(/worker-a +gone +\d+/);
    expect(status.stdout).toMatch(/worker-b +connected +\d+/);

    // a re-run through the queue is free: every result is in the store
    const again = await poly(...SWEEP, ...q, '--out', out);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/100 run\(s\): 0 ran, 100 from the cache/);

    b.child.kill('SIGINT');
    expect(await b.exited).toBe(0);
  }, 300_000);

  it('refuses an unreachable Redis with one line, before any run', async () => {
    const r = await poly(...SWEEP, '--queue', 'redis://127.0.0.1:1', '--out', tempDir());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
