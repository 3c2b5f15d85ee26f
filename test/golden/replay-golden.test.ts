/**
 * Regression: replays the bundled recording (recordings/sol-15m, made by recordings/make.ts with
 * `poly record` against the simulator playing the real Caiooooo capture) with bundled strategies
 * through the real CLI entry point, and compares every report file byte-for-byte with the golden
 * files in test/golden/sol-15m/<strategy>/ (the same check users get from `poly replay --check`).
 * A missing golden fails; regenerate deliberately with `npm run golden:update` (test/helpers/golden.ts).
 * report.html is never a golden (checkReports skips it; it is checked by structure in test/report/), nor is
 * strategy.log.jsonl (a diagnostic).
 * Every test runs on both paths: the tape (default, built into a temp --tape-dir) and --raw.
 * Also proves the determinism promises: the same run twice, and --speed 10 against --speed max,
 * give byte-identical files.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli.ts';
import { expectGoldenReports } from '../helpers/golden.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const REC = 'recordings/sol-15m';
const GOLDEN = join(ROOT, 'test/golden/sol-15m');
afterAll(cleanupTempDirs);
const TAPE_DIR = tempDir('poly-golden-tape-');
const PATHS: Record<string, string[]> = { tape: ['--tape-dir', TAPE_DIR], raw: ['--raw'] };

async function replayWith(strategy: string, extra: string[] = []): Promise<string> {
  const dir = tempDir('poly-golden-');
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const code = await main(['node', 'poly', 'replay', REC, '--strategy', `strategies/${strategy}.ts`, '--out', dir, '--no-progress', ...extra]);
    expect(code).toBe(0);
  } finally {
    process.chdir(cwd);
  }
  return dir;
}

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) out[f] = await readFile(join(dir, f), 'utf8');
  return out;
}

for (const [pathName, pathArgs] of Object.entries(PATHS))
describe(`golden replays of the bundled recording (${pathName} path)`, () => {
  const replay = (strategy: string, extra: string[] = []): Promise<string> => replayWith(strategy, [...pathArgs, ...extra]);
  for (const strategy of ['market-maker', 'top-of-book-clipper', 'endgame-sweep', 'spike-fade']) {
    it(`${strategy}: every report file matches its golden byte for byte`, async () => {
      const out = await replay(strategy);
      await expectGoldenReports(out, join(GOLDEN, strategy));
      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { fills: { count: number }; data_quality: { normalization_errors: number } };
      expect(summary.data_quality.normalization_errors).toBe(0);
      if (strategy !== 'endgame-sweep') expect(summary.fills.count).toBeGreaterThan(0);
    });
  }

  it('the same run twice gives byte-identical reports', async () => {
    const a = await filesOf(await replay('market-maker', ['--latency', '20ms..80ms', '--queue', 'probabilistic', '--seed', '9']));
    const b = await filesOf(await replay('market-maker', ['--latency', '20ms..80ms', '--queue', 'probabilistic', '--seed', '9']));
    expect(Object.keys(a)).toEqual(['book_top.csv', 'equity.csv', 'equity.svg', 'fills.csv', 'ledger.csv', 'merges.csv', 'orders.csv', 'positions.csv', 'quality.csv', 'report.html', 'run.json', 'summary.json']);
    expect(b).toEqual(a);
    // and a different seed really changes the draws (the test could fail)
    const c = await filesOf(await replay('market-maker', ['--latency', '20ms..80ms', '--queue', 'probabilistic', '--seed', '10']));
    expect(c['orders.csv']).not.toEqual(a['orders.csv']);
  });

  it('--speed 10 and --speed max give byte-identical reports', async () => {
    // a 40-second window: 4 s of wall time at --speed 10
    const win = ['--from', '2025-12-11T11:01:00Z', '--to', '2025-12-11T11:01:40Z'];
    const slow = await filesOf(await replay('top-of-book-clipper', [...win, '--speed', '10']));
    const fast = await filesOf(await replay('top-of-book-clipper', [...win, '--speed', 'max']));
    expect(fast).toEqual(slow);
    expect(JSON.parse(slow['summary.json']!).fills.count).toBeGreaterThan(0);
  });
});
