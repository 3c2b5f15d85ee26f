/**
 * `poly replay --check GOLDEN` from any working directory (issue 9 item 9): run.json stores its input paths
 * relative to the project directory and --check compares run.json by its outputs digest, so the check
 * passes from a subdirectory (byte-identical run.json) and from outside the project with absolute paths
 * (paths differ: reported as notes, not failures); a changed report still fails with exit 1.
 */
import { readFile, writeFile, cp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { polyAt, ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);
const GOLDEN = join(ROOT, 'test/golden/sol-15m/top-of-book-clipper');

describe('poly replay --check from any directory', () => {
  it('from a subdirectory of the project: same run.json, the check passes with no notes', async () => {
    const out = tempDir('poly-check-');
    const r = await polyAt({ cwd: join(ROOT, 'test') }, 'replay', '../recordings/sol-15m', '--strategy', '../strategies/top-of-book-clipper.ts', '--out', out, '--check', '../test/golden/sol-15m/top-of-book-clipper', '--no-progress');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reports match the golden files \(\d+ files\)\n$/);
    expect(await readFile(join(out, 'run.json'), 'utf8')).toBe(await readFile(join(GOLDEN, 'run.json'), 'utf8'));
  });

  it('from outside the project with absolute paths: passes, the paths are notes', async () => {
    const cwd = tempDir('poly-check-cwd-');
    const out = join(cwd, 'out');
    const r = await polyAt({ cwd }, 'replay', join(ROOT, 'recordings/sol-15m'), '--strategy', join(ROOT, 'strategies/top-of-book-clipper.ts'), '--out', out, '--check', GOLDEN, '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reports match the golden files \(\d+ files\)/);
    expect(r.stdout).toContain('note: run.json recording.path: golden "recordings/sol-15m"');
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { recording: { path: string }; strategy: { file: string } };
    expect(run.recording.path.startsWith('/')).toBe(false);
    expect(run.recording.path.endsWith('recordings/sol-15m')).toBe(true);
  });

  it('a report that differs fails with exit 1 and names the file', async () => {
    const golden = join(tempDir('poly-check-golden-'), 'g');
    await cp(GOLDEN, golden, { recursive: true });
    const fills = join(golden, 'fills.csv');
    await writeFile(fills, (await readFile(fills, 'utf8')).replace(/\n$/, '\nextra,row\n'));
    const r = await polyAt({}, 'replay', 'recordings/sol-15m', '--strategy', 'strategies/top-of-book-clipper.ts', '--out', tempDir('poly-check-'), '--check', golden, '--no-progress');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('fills.csv: line');
    expect(r.stderr.trim()).toBe(`poly: reports differ from ${golden}`);
  });
});
