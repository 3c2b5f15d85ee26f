/**
 * The strategy module-graph hash: covers every local module a strategy imports (not only the entry file),
 * package versions, and is the same wherever the project is checked out.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeStrategy, forgetStrategyGraphs, graphText, packageNameOf, strategyGraph } from '../../src/engine/strategy-hash.ts';
import { loadStrategy } from '../../src/engine/strategy-loader.ts';
import { ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

const copies: string[] = [];
afterAll(async () => {
  cleanupTempDirs();
  for (const d of copies) await rm(d, { recursive: true, force: true });
});

/** A copy of strategies/ + src/ in another directory (under ROOT/node_modules/.cache, so package imports still resolve). */
async function copyProject(): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'poly-test', `graph-${process.pid}-${Math.random().toString(16).slice(2)}`);
  await mkdir(dir, { recursive: true });
  copies.push(dir);
  await cp(join(ROOT, 'strategies'), join(dir, 'strategies'), { recursive: true });
  await cp(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  return dir;
}

describe('strategy module-graph hash', () => {
  it('lists every local module the strategy imports, relative to it, and the packages with versions', async () => {
    const g = await strategyGraph(join(ROOT, 'strategies/market-maker.ts'));
    const paths = g.files.map((f) => f.path);
    expect(paths).toContain('market-maker.ts');
    expect(paths).toContain('lib/helpers.ts');
    expect(paths).toContain('lib/quotes.ts');
    expect(paths).toContain('../src/api.ts');
    expect(paths).toContain('../src/core/types/fixed.ts');
    expect(paths.every((p) => !p.startsWith('/'))).toBe(true);
    const zod = JSON.parse(await readFile(join(ROOT, 'node_modules/zod/package.json'), 'utf8')) as { version: string };
    expect(g.packages).toContainEqual({ name: 'zod', version: zod.version });
    expect(g.packages.map((p) => p.name)).toContain('decimal.js');
    expect(g.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(graphText(g)).toContain(`package zod@${zod.version}\n`);
  });

  it('changes when a helper module changes, not only the entry file; is the same in another checkout', async () => {
    const a = await copyProject();
    const b = await copyProject();
    const ha = (await strategyGraph(join(a, 'strategies/market-maker.ts'))).hash;
    const hb = (await strategyGraph(join(b, 'strategies/market-maker.ts'))).hash;
    expect(hb).toBe(ha); // another location, same bytes: same hash
    expect(ha).toBe((await strategyGraph(join(ROOT, 'strategies/market-maker.ts'))).hash);
    const helper = join(b, 'strategies/lib/helpers.ts');
    await writeFile(helper, (await readFile(helper, 'utf8')) + '\nexport const touched = 1;\n');
    forgetStrategyGraphs();
    const hb2 = (await strategyGraph(join(b, 'strategies/market-maker.ts'))).hash;
    expect(hb2).not.toBe(ha);
    // a strategy that does not import the helper keeps its hash
    const noopA = (await strategyGraph(join(a, 'strategies/noop.ts'))).hash;
    const noopB = (await strategyGraph(join(b, 'strategies/noop.ts'))).hash;
    expect(noopB).toBe(noopA);
  });

  it('is what loadStrategy puts in run.json, and the bundle runs the same strategy', async () => {
    const s = await loadStrategy(join(ROOT, 'strategies/spike-fade.ts'));
    const a = await analyzeStrategy(join(ROOT, 'strategies/spike-fade.ts'));
    expect(s.sha256).toBe(a.graph.hash);
    expect(a.bundle).toContain('spike-fade');
    expect(a.bundle).toMatch(/from "zod"/);
  });

  it('reports a syntax error with file:line', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'bad.ts'), 'export default {\n  name: "x",,\n};\n');
    await expect(strategyGraph(join(dir, 'bad.ts'))).rejects.toThrow(/bad\.ts:2:/);
  });

  it('package names of bare imports', () => {
    expect(packageNameOf('zod')).toBe('zod');
    expect(packageNameOf('zod/v4')).toBe('zod');
    expect(packageNameOf('@aws-sdk/client-s3')).toBe('@aws-sdk/client-s3');
    expect(packageNameOf('@scope/pkg/sub/path')).toBe('@scope/pkg');
  });
});
