/**
 * `poly sweep` end to end through the real CLI: a 100-set grid over the bundled recording gives the same
 * bytes with 1 and 2 worker threads; Ctrl-C stops it leaving only complete runs and the same command resumes
 * without redoing them; a re-run is served from the cache; walk-forward and multi-recording aggregation.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poly, ROOT } from '../helpers/cli.ts';
import { splitBundled } from '../helpers/recordings.ts';
import { tree } from '../helpers/tree.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

const GRID = ['--grid', 'halfSpread=0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1', '--grid', 'size=5,10,15,20,25,30,35,40,45,50'];
const BASE = ['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', ...GRID, '--no-progress'];

const doneRuns = async (out: string): Promise<number> => {
  if (!existsSync(join(out, 'runs'))) return 0;
  let n = 0;
  for (const d of await readdir(join(out, 'runs'))) if (existsSync(join(out, 'runs', d, 'result.json'))) n += 1;
  return n;
};

function counts(stderr: string): { runs: number; ran: number; cached: number } {
  const m = /(\d+) run\(s\): (\d+) ran, (\d+) from the cache/.exec(stderr);
  if (m === null) throw new Error(`no summary line in: ${stderr}`);
  return { runs: Number(m[1]), ran: Number(m[2]), cached: Number(m[3]) };
}

describe('poly sweep (local worker threads)', () => {
  const one = tempDir('poly-sweep-1-');
  const two = tempDir('poly-sweep-2-');

  it('100 parameter sets with --workers 1: sweep.csv has a row per run, a leaderboard on stdout', async () => {
    const r = await poly(...BASE, '--workers', '1', '--out', one);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(counts(r.stderr)).toEqual({ runs: 100, ran: 100, cached: 0 });
    const csv = (await readFile(join(one, 'sweep.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv.length).toBe(101);
    expect(csv[0]).toMatch(/^run,set,recording,from,to,size,halfSpread,pnl,trading_realized,unrealized,merges,settlement,fees,rebates,return,sharpe,sortino,max_drawdown/);
    expect(csv[1]).toMatch(/^0,0,recordings\/sol-15m,,,5,0\.01,/);
    expect(await doneRuns(one)).toBe(100);
    expect(r.stdout).toMatch(/100 parameter set\(s\) x 1 recording\(s\) = 100 run\(s\); ranked by pnl/);
    expect(r.stdout).toMatch(/^1 +\d+ +0\.\d+ /m);
    // each run folder holds what poly replay writes
    const first = csv[1]!.split(',').pop()!;
    const replayed = tempDir();
    expect((await poly('replay', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--param', 'size=5', '--param', 'halfSpread=0.01', '--out', replayed, '--no-progress')).code).toBe(0);
    expect((await readdir(join(one, first))).sort()).toEqual([...(await readdir(replayed)), 'result.json'].sort());
    // byte for byte what poly replay writes for the same parameters, run.json included
    for (const f of await readdir(replayed)) expect(await readFile(join(one, first, f), 'utf8')).toBe(await readFile(join(replayed, f), 'utf8'));
  });

  it('--workers 2, interrupted by Ctrl-C and resumed: no finished run redone, output byte-identical to --workers 1', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/poly.mjs'), ...BASE, '--workers', '2', '--out', two], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    // wait (on the condition, not a clock) until some runs are stored, then Ctrl-C
    for (;;) {
      if ((await doneRuns(two)) >= 10) break;
      if (child.exitCode !== null) throw new Error(`sweep ended before it could be interrupted: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted after \d+ of 100 run\(s\).*run the same command again to resume/);
    const kept = await doneRuns(two);
    expect(kept).toBeGreaterThanOrEqual(10);
    expect(kept).toBeLessThan(100);
    expect(existsSync(join(two, 'sweep.csv'))).toBe(false);

    const r = await poly(...BASE, '--workers', '2', '--out', two);
    expect(r.code).toBe(0);
    expect(counts(r.stderr)).toEqual({ runs: 100, ran: 100 - kept, cached: kept });
    expect(await tree(two)).toEqual(await tree(one));
  });

  it('a re-run is served from the cache: no kernel runs, same bytes', async () => {
    const before = await tree(one);
    const r = await poly(...BASE, '--workers', '2', '--out', one);
    expect(r.code).toBe(0);
    expect(counts(r.stderr)).toEqual({ runs: 100, ran: 0, cached: 100 });
    expect(await tree(one)).toEqual(before);
  });

  it('walk-forward by time: the best train set of each fold is run on the following test window', async () => {
    const out = tempDir('poly-sweep-wf-');
    const args = ['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--grid', 'halfSpread=0.01,0.03,0.05', '--train', '4m', '--test', '2m', '--workers', '2', '--out', out, '--no-progress'];
    const r = await poly(...args);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const wf = JSON.parse(await readFile(join(out, 'walkforward.json'), 'utf8')) as {
      folds: { train: { from: string; to: string }; test: { from: string; to: string }; chosen: { params: Record<string, string> }; in_sample: { pnl: string }; out_of_sample: { pnl: string }; train_ranking: { rank: number; params: Record<string, string>; objective: string }[] }[];
    };
    // 11:00:41 .. 11:15:03, windows on 2-minute boundaries: train [11:00, 11:04) test [11:04, 11:06), ... last train ends 11:14
    expect(wf.folds.length).toBe(6);
    expect(wf.folds[0]!.train.from).toBe('2025-12-11T11:00:00.000000000Z');
    expect(wf.folds[0]!.test.from).toBe('2025-12-11T11:04:00.000000000Z');
    expect(wf.folds[0]!.test.to).toBe('2025-12-11T11:06:00.000000000Z');
    for (const f of wf.folds) {
      expect(f.train_ranking.length).toBe(3);
      expect(f.chosen.params).toEqual(f.train_ranking[0]!.params);
      expect(f.test.from).toBe(f.train.to);
    }
    const csv = await readFile(join(out, 'walkforward.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('fold,train,test,halfSpread,is_pnl,oos_pnl,is_pnl,oos_pnl,is_return,oos_return,is_sharpe,oos_sharpe,oos_max_drawdown,oos_fills,oos_fees');
    expect(r.stdout).toMatch(/walk-forward: 6 fold\(s\), 3 parameter set\(s\) each/);
    expect(r.stdout).toMatch(/out-of-sample P&L -?\d/);
    // 6 folds x 3 train runs + 6 test runs (a test window can repeat a train run: same key, one run)
    expect(counts(r.stderr).runs).toBe(24);
    const again = await poly(...args);
    expect(counts(again.stderr).ran).toBe(0);
    expect(await readFile(join(out, 'walkforward.csv'), 'utf8')).toBe(csv);
  });

  it('many recordings: the same parameters over each, aggregated per set; walk-forward by recording', async () => {
    const recs = tempDir('poly-sweep-recs-');
    await splitBundled(join(recs, 'a-first'), join(recs, 'b-second'), 1765451250000000000n);
    const out = tempDir('poly-sweep-multi-');
    const r = await poly('sweep', recs, '--strategy', 'strategies/market-maker.ts', '--grid', 'halfSpread=0.02,0.04', '--workers', '2', '--out', out, '--no-progress');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const rows = (await readFile(join(out, 'sweep.csv'), 'utf8')).trimEnd().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.map((x) => [x[1], x[2]!.split('/').pop()])).toEqual([['0', 'a-first'], ['0', 'b-second'], ['1', 'a-first'], ['1', 'b-second']]);
    const sets = JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8')) as { sets: { set: number; runs: number; metrics: { pnl: string; fills: number } }[]; runs: { set: number; metrics: { pnl: string; fills: number } }[] };
    for (const s of sets.sets) {
      expect(s.runs).toBe(2);
      const mine = sets.runs.filter((x) => x.set === s.set);
      expect(s.metrics.fills).toBe(mine[0]!.metrics.fills + mine[1]!.metrics.fills);
      expect(Number(s.metrics.pnl)).toBeCloseTo(Number(mine[0]!.metrics.pnl) + Number(mine[1]!.metrics.pnl), 8);
    }
    expect(r.stdout).toMatch(/each over 2 recordings: P&L summed/);
    const wf = await poly('sweep', join(recs, '*'), '--strategy', 'strategies/market-maker.ts', '--grid', 'halfSpread=0.02,0.04', '--train', '1rec', '--test', '1rec', '--workers', '1', '--out', out, '--no-progress');
    expect(wf.code).toBe(0);
    expect(counts(wf.stderr)).toEqual({ runs: 3, ran: 0, cached: 3 }); // every run was already done by the sweep above
    expect(wf.stdout).toMatch(/^0 +a-first +b-second /m);
  });

  it('bad input: one line, non-zero, before any run', async () => {
    const cases: [string[], RegExp][] = [
      [['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--grid', 'halfSpread=2'], /parameter halfSpread: '2' is not a price/],
      [['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--grid', 'nope=1'], /has no parameter 'nope'/],
      [['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--objective', 'luck'], /--objective 'luck' must be one of pnl, return, sharpe, sortino, calmar/],
      [['sweep', 'recordings/nope', '--strategy', 'strategies/market-maker.ts'], /recording .*nope does not exist/],
      [['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--train', '1d'], /needs both --train and --test/],
      [['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--train', '2', '--test', '1m'], /--train '2' needs a unit/],
      [['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--queue', 'conservative'], /in poly sweep the paper exchange's queue model is --queue-model/],
      [['sweep', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--train', '1d', '--test', '1d'], /too short for one --train window/],
    ];
    for (const [args, re] of cases) {
      const r = await poly(...args, '--out', tempDir());
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n').length).toBe(1);
      expect(r.code).not.toBe(0);
    }
  });
});
