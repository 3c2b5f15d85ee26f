/**
 * Goldens cannot rewrite themselves (issue 9 item 9): a missing golden fails instead of being created, a
 * different one fails, CI refuses UPDATE_GOLDEN, and only `npm run golden:update` writes. The last case runs
 * the real normalizer golden suite (a spawned vitest) against a copy of its goldens with one file deleted.
 */
import { spawn } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { expectGolden, updatingGoldens } from '../helpers/golden.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

describe('golden files', () => {
  it('a missing golden is a failure, and is not created', () => {
    const file = join(tempDir('poly-guard-'), 'x.golden.json');
    expect(() => expectGolden('{}\n', file, false)).toThrow(/is missing; run 'npm run golden:update'/);
    expect(existsSync(file)).toBe(false);
  });

  it('a different golden is a failure and is left as it was; golden:update writes it', () => {
    const file = join(tempDir('poly-guard-'), 'x.golden.json');
    writeFileSync(file, 'old\n');
    expect(() => expectGolden('new\n', file, false)).toThrow(/differs from golden/);
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expectGolden('new\n', file, true);
    expect(readFileSync(file, 'utf8')).toBe('new\n');
  });

  it('updates only with UPDATE_GOLDEN=1, and never under CI', () => {
    expect(updatingGoldens({})).toBe(false);
    expect(updatingGoldens({ UPDATE_GOLDEN: '1' })).toBe(true);
    expect(() => updatingGoldens({ UPDATE_GOLDEN: '1', CI: 'true' })).toThrow(/refused under CI/);
    expect(updatingGoldens({ CI: 'true' })).toBe(false);
  });

  it('the normalizer golden suite fails on a deleted golden and does not recreate it', async () => {
    const copy = join(tempDir('poly-guard-'), '__golden__');
    await cp(join(ROOT, 'test/normalize/__golden__'), copy, { recursive: true });
    const victim = join(copy, 'nautilus/test_data/ws_market_book_msg.json.golden.json');
    await rm(victim);
    const env: NodeJS.ProcessEnv = { ...process.env, POLY_GOLDEN_DIR: copy };
    delete env['UPDATE_GOLDEN'];
    delete env['VITEST'];
    delete env['VITEST_POOL_ID'];
    delete env['VITEST_WORKER_ID'];
    const run = await new Promise<{ code: number; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/normalize/golden.test.ts', '-t', 'ws_market_book_msg'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, out }));
    });
    expect(run.code, run.out).not.toBe(0);
    expect(run.out).toContain('ws_market_book_msg.json.golden.json is missing');
    expect(existsSync(victim)).toBe(false);
  });
});
