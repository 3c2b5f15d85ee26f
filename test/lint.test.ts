/**
 * Proves the purity rule in eslint.config.mjs (habit 5): inside src/core/ the wall clock,
 * randomness, timers, the environment, the locale (Intl, toLocale*, localeCompare), globalThis, node:* and
 * non-core imports are errors; the same code is
 * fine outside src/core. Lints text in memory (lintText with a virtual filePath): no probe files.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const CORE = 'src/core/__lint_probe__.ts';
const CORE_DEEP = 'src/core/book/__lint_probe__.ts';
const OUTSIDE = 'src/engine/__probe__.ts';

/** Each snippet is impure in core. `rule` is the rule expected to catch it. */
const IMPURE: readonly { name: string; code: string; rule: string; file?: string }[] = [
  { name: 'Date.now()', code: 'export const t = Date.now();\n', rule: 'no-restricted-globals' },
  { name: 'new Date()', code: 'export const d = new Date();\n', rule: 'no-restricted-globals' },
  { name: 'globalThis.Date', code: 'export const d = globalThis.Date;\n', rule: 'no-restricted-properties' },
  { name: 'Math.random()', code: 'export const r = Math.random();\n', rule: 'no-restricted-properties' },
  { name: 'setTimeout', code: 'setTimeout(() => undefined, 1);\n', rule: 'no-restricted-globals' },
  { name: 'setInterval', code: 'export const h = setInterval(() => undefined, 1);\n', rule: 'no-restricted-globals' },
  { name: 'process.env', code: 'export const e = process.env.HOME;\n', rule: 'no-restricted-globals' },
  { name: 'performance.now()', code: 'export const p = performance.now();\n', rule: 'no-restricted-globals' },
  { name: 'Intl.NumberFormat', code: "export const f = new Intl.NumberFormat('en-US');\n", rule: 'no-restricted-globals' },
  { name: 'toLocaleString()', code: 'export const s = (1234).toLocaleString();\n', rule: 'no-restricted-properties' },
  { name: 'toLocaleUpperCase()', code: "export const s = 'i'.toLocaleUpperCase();\n", rule: 'no-restricted-properties' },
  { name: 'localeCompare()', code: "export const c = 'a'.localeCompare('b');\n", rule: 'no-restricted-properties' },
  { name: 'globalThis', code: 'export const g = globalThis.structuredClone;\n', rule: 'no-restricted-globals' },
  { name: "import fs from 'node:fs'", code: "import fs from 'node:fs';\nexport const x = fs;\n", rule: 'no-restricted-imports' },
  { name: "import from 'fs'", code: "import { readFileSync } from 'fs';\nexport const x = readFileSync;\n", rule: 'no-restricted-imports' },
  { name: "import from 'ws'", code: "import WebSocket from 'ws';\nexport const x = WebSocket;\n", rule: 'no-restricted-imports' },
  {
    name: "import { x } from '../../src/io/...'",
    code: "import { x } from '../../src/io/paths.ts';\nexport const y = x;\n",
    rule: 'no-restricted-imports',
  },
  {
    name: "import from '../../io/...' (nested core folder)",
    code: "import { x } from '../../io/duckdb.ts';\nexport const y = x;\n",
    rule: 'no-restricted-imports',
    file: CORE_DEEP,
  },
  { name: "import from '../sources/...'", code: "import { x } from '../sources/merge.ts';\nexport const y = x;\n", rule: 'no-restricted-imports' },
  { name: "import from '../engine/...'", code: "import { x } from '../engine/live-clock.ts';\nexport const y = x;\n", rule: 'no-restricted-imports' },
];

describe('eslint purity rule for src/core', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: repoRoot });
  });

  const lint = async (code: string, filePath: string) => {
    const [res] = await eslint.lintText(code, { filePath });
    if (res === undefined) throw new Error('no lint result');
    return res.messages;
  };

  for (const c of IMPURE) {
    it(`rejects ${c.name} in src/core and accepts it outside`, async () => {
      const inCore = await lint(c.code, c.file ?? CORE);
      const hit = inCore.filter((m) => m.severity === 2 && m.ruleId === c.rule);
      expect(hit.length, JSON.stringify(inCore)).toBeGreaterThan(0);
      expect(hit[0]?.message).toMatch(/src\/core is pure|core imports only core/);

      const outside = await lint(c.code, OUTSIDE);
      expect(outside.filter((m) => m.severity === 2), JSON.stringify(outside)).toEqual([]);
    });
  }

  it('accepts pure core code that imports core and uses injected time and randomness', async () => {
    const code = [
      "import type { Clock } from '../clock.ts';",
      "import type { Rng } from '../rng.ts';",
      'export const sample = (c: Clock, r: Rng): bigint => c.now() + BigInt(r.int(10));',
      '',
    ].join('\n');
    expect(await lint(code, CORE_DEEP)).toEqual([]);
  });

  it('checks the real core files the kernel lives in', async () => {
    const results = await eslint.lintFiles(['src/core/bus.ts', 'src/core/timers.ts', 'src/core/virtual-clock.ts']);
    expect(results.flatMap((r) => r.messages)).toEqual([]);
  });

  it('keeps strategies to the public API, without I/O, wall clock or Math.random', async () => {
    const rules = async (code: string, filePath: string) => (await lint(code, filePath)).map((m) => m.ruleId);
    expect(await rules("import { parsePx } from '../src/core/types/fixed.ts';\nexport const x = parsePx('0.5');\n", 'strategies/probe.ts')).toEqual(['no-restricted-imports']);
    expect(await rules("import { parsePx } from '../src/api.ts';\nexport const x = parsePx('0.5');\n", 'strategies/probe.ts')).toEqual(['no-restricted-imports']);
    expect(await rules("import { px } from 'poly';\nexport const x = px('0.5');\n", 'strategies/probe.ts')).toEqual([]);
    expect(await rules('export const t = Date.now() + Math.random();\n', 'strategies/probe.ts')).toEqual(['no-restricted-globals', 'no-restricted-properties']);
    expect(await rules("import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", 'strategies/probe.ts')).toEqual(['no-restricted-imports']);
    // tests beside strategies may use anything
    expect(await rules("import { parsePx } from '../src/core/types/fixed.ts';\nexport const x = parsePx('0.5');\n", 'strategies/probe.test.ts')).toEqual([]);
  });
});
