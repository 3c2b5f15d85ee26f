/**
 * Proves the layer rule (.dependency-cruiser.mjs, run by `npm run lint:deps` in `npm test`) bites: a probe
 * tree laid out like the repo, in a temp directory, with one import per case; each forbidden import is
 * reported under the rule that forbids it, each allowed one is not. Layers that other work is still creating
 * (src/tape, src/import, src/report, src/sweep) are exercised too, so the rules are right when they land.
 * Finally the real repository has no violation and no cycle.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise, type IConfiguration, type ICruiseOptions, type IViolation } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, tempDir } from './helpers/tmp.ts';

const ROOT = resolve(import.meta.dirname, '..');
afterAll(cleanupTempDirs);

const configModule = (await import(pathToFileURL(join(ROOT, '.dependency-cruiser.mjs')).href)) as { default: IConfiguration; LAYERS: Record<string, { path: string; may: string[] }> };
const config = configModule.default;

const options = (baseDir: string): ICruiseOptions => {
  // the probe trees have no tsconfig.json
  const { tsConfig: _ignored, ...rest } = config.options ?? {};
  return { ...rest, baseDir, validate: true, ruleSet: { forbidden: config.forbidden ?? [] } };
};

/** Cruises a probe tree {path: source} and returns "rule from -> to" lines. */
async function violations(files: Record<string, string>): Promise<string[]> {
  const dir = tempDir('poly-layers-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const result = await cruise(Object.keys(files), options(dir));
  if (typeof result.output === 'string') throw new Error('expected a cruise result object');
  return (result.output.summary.violations as IViolation[]).map((v) => `${v.rule.name} ${v.from} -> ${v.to}`).sort();
}

const imp = (to: string): string => `import { x } from '${to}';\nexport const y = x;\n`;
const leaf = 'export const x = 1;\n';

/** from-file, import specifier, target file, rules expected (null = allowed). */
const CASES: readonly [string, string, string, string | readonly string[] | null][] = [
  ['src/core/a.ts', '../engine/b.ts', 'src/engine/b.ts', 'layer-core'],
  ['src/core/a.ts', '../io/b.ts', 'src/io/b.ts', 'layer-core'],
  ['src/core/book/a.ts', '../types/b.ts', 'src/core/types/b.ts', null],
  ['src/engine/a.ts', '../cli/errors.ts', 'src/cli/errors.ts', 'layer-engine'],
  ['src/engine/a.ts', '../recorder/b.ts', 'src/recorder/b.ts', null],
  ['src/engine/a.ts', '../sweep/b.ts', 'src/sweep/b.ts', 'layer-engine'],
  ['src/engine/a.ts', '../tape/b.ts', 'src/tape/b.ts', null],
  ['src/sources/a.ts', '../recorder/b.ts', 'src/recorder/b.ts', 'layer-sources'],
  ['src/io/a.ts', '../sources/b.ts', 'src/sources/b.ts', 'layer-io'],
  ['src/recorder/a.ts', '../engine/b.ts', 'src/engine/b.ts', 'layer-recorder'],
  ['src/tape/a.ts', '../recorder/b.ts', 'src/recorder/b.ts', null],
  ['src/tape/a.ts', '../sources/b.ts', 'src/sources/b.ts', 'layer-tape'],
  ['src/import/a.ts', '../sources/b.ts', 'src/sources/b.ts', null],
  ['src/import/a.ts', '../engine/b.ts', 'src/engine/b.ts', 'layer-import'],
  ['src/report/a.ts', '../io/b.ts', 'src/io/b.ts', null],
  ['src/report/a.ts', '../engine/b.ts', 'src/engine/b.ts', 'layer-report'],
  ['src/sweep/a.ts', '../engine/b.ts', 'src/engine/b.ts', null],
  ['src/sweep/a.ts', '../cli/b.ts', 'src/cli/b.ts', 'layer-sweep'],
  ['src/sim/a.ts', '../engine/b.ts', 'src/engine/b.ts', 'layer-sim'],
  ['src/engine/a.ts', '../sim/b.ts', 'src/sim/b.ts', ['layer-engine', 'sim-is-a-test-tool']],
  ['src/cli/a.ts', '../sim/b.ts', 'src/sim/b.ts', null],
  ['src/api.ts', './engine/b.ts', 'src/engine/b.ts', 'layer-api'],
  ['strategies/s.ts', '../src/core/b.ts', 'src/core/b.ts', 'layer-strategies'],
  ['strategies/s.ts', '../src/api.ts', 'src/api.ts', null],
  ['strategies/s.test.ts', '../src/core/b.ts', 'src/core/b.ts', null],
  ['src/io/a.ts', '../../test/helpers/b.ts', 'test/helpers/b.ts', 'layer-io'],
];

describe('the layer rule (dependency-cruiser)', () => {
  for (const [from, spec, target, rule] of CASES) {
    const rules = rule === null ? [] : typeof rule === 'string' ? [rule] : rule;
    it(`${from} importing ${target}: ${rules.join(' + ') || 'allowed'}`, async () => {
      const got = await violations({ [from]: imp(spec), [target]: leaf });
      expect(got).toEqual(rules.map((r) => `${r} ${from} -> ${target}`).sort());
    });
  }

  it('reports an import cycle, also a type-only one', async () => {
    const got = await violations({
      'src/io/a.ts': "import type { B } from './b.ts';\nexport interface A { b?: B }\n",
      'src/io/b.ts': "import type { A } from './a.ts';\nexport interface B { a?: A }\n",
    });
    expect(got).toEqual(['no-cycles src/io/a.ts -> src/io/b.ts']);
  });

  it('reports a node: import in core, and an import that does not resolve', async () => {
    const got = await violations({ 'src/core/a.ts': "import { readFileSync } from 'node:fs';\nimport { y } from './missing.ts';\nexport const z = [readFileSync, y];\n" });
    expect(got).toEqual(['core-is-pure src/core/a.ts -> fs', 'not-to-unresolvable src/core/a.ts -> ./missing.ts']);
  });

  it("ARCHITECTURE.md's layer table is the tool's table", () => {
    const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    const names = Object.keys(configModule.LAYERS);
    const table: Record<string, string[]> = {};
    for (const m of doc.matchAll(/^\| ([a-z]+) \| [^|]+ \| ([^|]+) \|$/gm)) {
      if (!names.includes(m[1]!)) continue;
      table[m[1]!] = m[2]!.split(/[^a-z]+/).filter((w) => names.includes(w) && w !== m[1]).sort();
    }
    expect(table).toEqual(Object.fromEntries(names.map((n) => [n, [...configModule.LAYERS[n]!.may].sort()])));
  });

  it('finds no violation and no cycle in the repository', async () => {
    const result = await cruise(['cli.ts', 'bin', 'src', 'strategies', 'test', 'bench', 'recordings'], { ...options(ROOT), tsConfig: { fileName: 'tsconfig.json' } });
    if (typeof result.output === 'string') throw new Error('expected a cruise result object');
    expect(result.output.summary.violations.map((v) => `${v.rule.name} ${v.from} -> ${v.to}`)).toEqual([]);
    expect(result.output.summary.totalCruised).toBeGreaterThan(100);
  });
});
