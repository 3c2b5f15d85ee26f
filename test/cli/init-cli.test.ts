/**
 * `poly init [dir]` and `poly demo` (spawned CLI). init writes the scaffold (package.json depending on poly,
 * tsconfig, .gitignore with recordings/ and reports/, the starter strategy renamed, a node:test that runs
 * `poly replay --check`, and the golden it checks against) and refuses a non-empty directory or a bad name
 * before writing anything. The golden it writes is the one `--check` accepts (proved here with the repo's
 * poly; with an installed poly in test/package/install.test.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poly, polyAt, ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

describe('poly init', () => {
  it('writes a project whose golden test passes', async () => {
    const dir = join(tempDir('poly-init-'), 'my-bot');
    const r = await poly('init', dir, '--name', 'edge');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('npm install');
    const files = (await readdir(dir, { recursive: true })).map(String).sort();
    expect(files).toEqual(expect.arrayContaining(['.gitignore', 'README.md', 'package.json', 'strategies/edge.ts', 'test/edge.test.mjs', 'tsconfig.json', 'test/golden/sol-15m/edge/run.json', 'test/golden/sol-15m/edge/fills.csv']));

    expect(files).not.toContain('test/golden/sol-15m/edge/report.html'); // a view, never a golden
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name: string; type: string; dependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.name).toBe('my-bot');
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies).toEqual({ poly: `file:${ROOT.replace(/\/$/, '')}` });
    expect(pkg.scripts['test']).toBe('node --test');
    expect(pkg.scripts['golden:update']).toBe('poly replay node_modules/poly/recordings/sol-15m --strategy strategies/edge.ts --out test/golden/sol-15m/edge --no-progress');
    expect((await readFile(join(dir, '.gitignore'), 'utf8')).split('\n')).toEqual(expect.arrayContaining(['recordings/', 'reports/', 'node_modules/']));
    const strategy = await readFile(join(dir, 'strategies/edge.ts'), 'utf8');
    expect(strategy).toContain("name: 'edge',");
    expect(strategy).toContain("from 'poly';");
    expect(strategy).not.toMatch(/from '\.\.?\//);

    const run = JSON.parse(await readFile(join(dir, 'test/golden/sol-15m/edge/run.json'), 'utf8')) as { recording: { path: string }; strategy: { file: string; name: string } };
    expect(run.recording.path).toBe('node_modules/poly/recordings/sol-15m');
    expect(run.strategy).toMatchObject({ name: 'edge', file: 'strategies/edge.ts' });
    const summary = JSON.parse(await readFile(join(dir, 'test/golden/sol-15m/edge/summary.json'), 'utf8')) as { fills: { count: number } };
    expect(summary.fills.count).toBeGreaterThan(0);

    // the golden is what a replay of the scaffold's strategy gives (here the recording is the repo's copy)
    const check = await polyAt({ cwd: dir }, 'replay', join(ROOT, 'recordings/sol-15m'), '--strategy', 'strategies/edge.ts', '--out', 'reports/x', '--check', 'test/golden/sol-15m/edge', '--no-progress');
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/reports match the golden files \(\d+ files\)/);
  });

  it('refuses a non-empty directory, a file and a bad name, writing nothing', async () => {
    const dir = tempDir('poly-init-');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const busy = await poly('init', dir);
    expect(busy.code).toBe(2);
    expect(busy.stderr.trim()).toBe(`poly: '${dir}' is not empty (notes.txt); poly init writes a new project into a new or empty directory`);
    expect(await readdir(dir)).toEqual(['notes.txt']);

    const file = await poly('init', join(dir, 'notes.txt'));
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/is a file; poly init needs a new or empty directory/);

    const empty = join(dir, 'empty');
    await mkdir(empty);
    const bad = await poly('init', empty, '--name', '../escape');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^poly: --name '\.\.\/escape' must be a simple lower-case file name/);
    expect(await readdir(empty)).toEqual([]);
    expect(existsSync(join(dir, 'escape.ts'))).toBe(false);
  });
});

describe('poly demo', () => {
  it('lists the bundled strategies and replays one on the bundled recording', async () => {
    const list = await poly('demo', '--list');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`recording: ${join(ROOT, 'recordings/sol-15m')}`);
    expect(list.stdout).toMatch(/^ {2}market-maker {2}.*strategies\/market-maker\.ts$/m);
    const out = tempDir('poly-demo-');
    const r = await poly('demo', 'noop', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('strategy noop: 878 records');
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    const unknown = await poly('demo', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^poly: 'nope' is not a bundled strategy; bundled: .*market-maker/);
  });
});
