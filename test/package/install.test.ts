/**
 * poly as a package, the way a new user gets it (issue 9 item 1): `npm pack` this repo, `poly init` a project
 * in a temp directory OUTSIDE the repo depending on that tarball, `npm install` it (dependencies come from the
 * npm cache that `npm ci` filled: --prefer-offline, so no download when they are there), then, inside that
 * project and with the INSTALLED poly only:
 * - a new strategy importing nothing but 'poly' replays the bundled recording (node_modules/poly/recordings)
 *   and writes its reports; so does the README's example strategy, copied from the README;
 * - the project's own `tsc --noEmit` typechecks it against poly's shipped types, and fails on a type error;
 * - the scaffold's `npm test` (node:test, `poly replay --check` against the golden init wrote) passes;
 * - `poly demo` runs a bundled strategy.
 * Each step's wall time is printed (the install is the slow one: a few seconds from a warm cache).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment for a nested npm/poly: this npm run's package and lifecycle variables removed. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_package_|npm_lifecycle_|INIT_CWD$|VITEST)/.test(k)) env[k] = v;
  return env;
}

function run(cmd: string, args: readonly string[], cwd: string): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** npm through the npm that runs this test when there is one (npm_execpath), else the one on PATH. */
const npm = (args: readonly string[], cwd: string): Promise<Run> => {
  const cli = process.env['npm_execpath'];
  return cli !== undefined && cli.endsWith('.js') ? run(process.execPath, [cli, ...args], cwd) : run('npm', args, cwd);
};
const NPM_QUIET = ['--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=error'];

const MINE = `import { defineStrategy, notional, p, px, qty, usd, z } from 'poly';

// buys 10 shares once per token when the ask is cheap and within budget; imports nothing but poly
export default defineStrategy({
  name: 'mine',
  params: z.object({ below: p.px().prefault('0.60'), budget: p.usd().prefault('20') }),
  create(ctx) {
    const done = new Set<string>();
    const shares = qty('10');
    return {
      onBook(assetId, book) {
        const ask = book.bestAsk();
        if (ask === null || done.has(assetId) || !ctx.canTrade(assetId)) return;
        if (ask > ctx.params.below || ask < px('0.05') || ctx.params.budget < usd('1')) return;
        if (notional(ask, shares) > ctx.params.budget) return;
        done.add(assetId);
        ctx.buy({ assetId, px: ask, qty: shares });
        ctx.log.info('bought', { assetId, px: ask });
      },
    };
  },
});
`;

describe('poly installed from its npm pack tarball into a project outside the repo', () => {
  it('init, install, replay a strategy importing only poly, typecheck it, run the scaffold test', { timeout: 600_000 }, async () => {
    const times: Record<string, number> = {};
    const work = tempDir('poly-install-');
    expect(work.startsWith(ROOT)).toBe(false);

    const pack = await npm(['pack', '--pack-destination', work, ...NPM_QUIET], ROOT);
    times['npm pack'] = pack.ms;
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const list = await run('tar', ['tzf', tarball], work);
    const files = list.stdout.split('\n');
    expect(files).toContain('package/dist/types/api.d.ts');
    expect(files).toContain('package/recordings/sol-15m/manifest.json');
    expect(files).toContain('package/strategies/market-maker.ts');
    expect(files.filter((f) => f.startsWith('package/test/') || f.endsWith('.test.ts'))).toEqual([]);

    const project = join(work, 'bot');
    const init = await run(process.execPath, [join(ROOT, 'bin/poly.mjs'), 'init', project, '--poly', `file:${tarball}`], work);
    times['poly init'] = init.ms;
    expect(init.code, init.stderr).toBe(0);

    const install = await npm(['install', '--prefer-offline', ...NPM_QUIET], project);
    times['npm install'] = install.ms;
    expect(install.code, install.stderr).toBe(0);
    expect(existsSync(join(project, 'node_modules/poly/recordings/sol-15m/manifest.json'))).toBe(true);
    const bin = join(project, 'node_modules/.bin/poly');

    await writeFile(join(project, 'strategies/mine.ts'), MINE);
    // the README's example strategy, as printed: it must typecheck and run in a user's project
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const example = /## Writing a strategy[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("from 'poly'");
    await writeFile(join(project, 'strategies/readme.ts'), example!);
    const fromReadme = await run(join(project, 'node_modules/.bin/poly'), ['replay', 'node_modules/poly/recordings/sol-15m', '--strategy', 'strategies/readme.ts', '--out', 'reports/readme', '--no-progress'], project);
    expect(fromReadme.code, fromReadme.stderr).toBe(0);
    expect(fromReadme.stdout).toMatch(/strategy join-the-bid: 878 records, [1-9]\d* orders/);
    const replay = await run(bin, ['replay', 'node_modules/poly/recordings/sol-15m', '--strategy', 'strategies/mine.ts', '--out', 'reports/mine', '--no-progress'], project);
    times['poly replay'] = replay.ms;
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain('reports written to reports/mine');
    const out = join(project, 'reports/mine');
    for (const f of ['orders.csv', 'fills.csv', 'positions.csv', 'equity.csv', 'summary.json', 'equity.svg', 'run.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { strategy: string; fills: { count: number }; data_quality: { records: number } };
    expect(summary.fills.count).toBeGreaterThan(0);
    expect(summary.data_quality.records).toBe(878);
    const runJson = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { recording: { path: string }; strategy: { file: string } };
    expect(runJson.recording.path).toBe('node_modules/poly/recordings/sol-15m');
    expect(runJson.strategy.file).toBe('strategies/mine.ts');

    const tsc = join(project, 'node_modules/.bin/tsc');
    const typecheck = await run(tsc, ['--noEmit', '-p', 'tsconfig.json'], project);
    times['tsc --noEmit'] = typecheck.ms;
    expect(typecheck.code, typecheck.stdout + typecheck.stderr).toBe(0);
    // the shipped types keep the units branded: text, a plain number of ticks and a plain size are all refused
    await writeFile(
      join(project, 'strategies/broken.ts'),
      "import { defineStrategy, px, z } from 'poly';\nexport default defineStrategy({ name: 'b', params: z.object({}), create(ctx) { return { onBook(assetId) {\n  ctx.buy({ assetId, px: '0.5', qty: 1 });\n  ctx.buy({ assetId, px: 4100, qty: 1 });\n  ctx.sell({ assetId, px: px('0.41'), qty: 10_000_000 });\n} }; } });\n",
    );
    const broken = await run(tsc, ['--noEmit', '-p', 'tsconfig.json'], project);
    expect(broken.code).not.toBe(0);
    expect(broken.stdout).toMatch(/strategies\/broken\.ts\(3,\d+\): error TS2322: Type 'string' is not assignable to type 'Px'/);
    expect(broken.stdout).toMatch(/strategies\/broken\.ts\(4,\d+\): error TS2322: Type 'number' is not assignable to type 'Px'/);
    expect(broken.stdout).toMatch(/strategies\/broken\.ts\(5,\d+\): error TS2322: Type 'number' is not assignable to type 'Qty'/);

    const test = await npm(['test', '--silent'], project);
    times['npm test (scaffold)'] = test.ms;
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/# pass 1\n/);

    const demo = await run(bin, ['demo', 'top-of-book-clipper', '--out', 'reports/demo'], project);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('strategy top-of-book-clipper:');

    console.log(`package round trip: ${Object.entries(times).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`);
  });
});
