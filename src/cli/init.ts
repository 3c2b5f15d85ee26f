/**
 * `poly init [dir]`: a new strategy project, laid out the way poly expects a user's work to be:
 *
 *   dir/
 *     package.json            depends on poly; scripts: replay, test, golden:update, typecheck
 *     tsconfig.json           strict, NodeNext, noEmit: `npm run typecheck` checks strategies against poly's types
 *     .gitignore              node_modules/, recordings/, reports/ (data and results stay out of git)
 *     strategies/NAME.ts      the starter strategy (strategies/join-the-bid.ts of poly), renamed
 *     test/NAME.test.mjs      node:test: replays NAME on poly's bundled recording with --check against
 *     test/golden/sol-15m/NAME/  the golden reports, written now by running that replay
 *     README.md
 *
 * The golden is made by this poly, with run.json naming the paths the project will use
 * (node_modules/poly/recordings/sol-15m, strategies/NAME.ts), so `npm install && npm test` passes at once.
 *
 * The poly dependency: `--poly SPEC` (any npm spec: a tarball, a git URL, a directory); by default
 * `file:` + the directory of the poly that runs init. (The name "poly" on the npm registry belongs to an
 * unrelated package, so a version range would install the wrong thing.)
 *
 * Refuses, before writing anything, a directory that exists and is not empty, and a name that is not a
 * simple file name.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { PolyError } from '../core/errors.ts';
import { engineSettings } from '../engine/config.ts';
import { runBacktest } from '../engine/backtest.ts';
import { renderRun } from '../engine/report-run.ts';
import { NOT_COMPARED } from '../engine/reports-writer.ts';
import { loadStrategy, validateParams } from '../engine/strategy-loader.ts';
import { BUNDLED_RECORDING, BUNDLED_RECORDING_NAME, POLY_DIR, STARTER_STRATEGY } from './bundled.ts';

interface InitFlags {
  name: string;
  poly?: string;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a new strategy project: package.json, tsconfig, .gitignore, a strategy and its golden test')
    .argument('[dir]', 'project directory (new or empty)', '.')
    .option('--name <strategy>', 'name of the strategy file and its test', 'my-strategy')
    .option('--poly <spec>', 'npm spec of the poly dependency (default: file: this poly)')
    .action(async (dir: string, flags: InitFlags) => {
      const lines = await runInit(dir, flags);
      process.stdout.write(lines.join('\n') + '\n');
    });
}

async function readTypescriptRange(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(POLY_DIR, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  return pkg.devDependencies?.['typescript'] ?? '^5.9.0';
}

export async function runInit(dirArg: string, flags: InitFlags): Promise<string[]> {
  const name = flags.name;
  if (!NAME_RE.test(name)) throw new PolyError('usage', `--name '${name}' must be a simple lower-case file name (letters, digits, '.', '_', '-')`);
  const dir = resolve(dirArg);
  let entries: string[] = [];
  try {
    entries = (await readdir(dir)).filter((e) => e !== '.git');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new PolyError('usage', `'${dirArg}' is a file; poly init needs a new or empty directory`);
    if (code !== 'ENOENT') throw new PolyError('io', `cannot read '${dirArg}' (${code ?? String(err)})`);
  }
  if (entries.length > 0) throw new PolyError('usage', `'${dirArg}' is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}); poly init writes a new project into a new or empty directory`);

  const spec = flags.poly ?? `file:${POLY_DIR}`;
  const recordingInProject = `node_modules/poly/recordings/${BUNDLED_RECORDING_NAME}`;
  const strategyRel = `strategies/${name}.ts`;
  const goldenRel = `test/golden/${BUNDLED_RECORDING_NAME}/${name}`;
  const replayArgs = `poly replay ${recordingInProject} --strategy ${strategyRel}`;
  const packageJson = {
    name: NAME_RE.test(basename(dir)) ? basename(dir) : 'poly-strategies',
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      replay: replayArgs,
      test: 'node --test',
      'golden:update': `${replayArgs} --out ${goldenRel} --no-progress`,
      typecheck: 'tsc --noEmit',
    },
    dependencies: { poly: spec },
    devDependencies: { typescript: await readTypescriptRange() },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2022'],
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include: ['strategies'],
  };
  const starter = await readFile(STARTER_STRATEGY, 'utf8');
  const strategy = starter.replace("name: 'join-the-bid',", `name: '${name}',`);
  const test = `// Regression test: ${strategyRel} on poly's bundled recording must reproduce ${goldenRel}/ byte for byte
// (poly replay --check: every report file, and run.json's outputs digest). After an intended change:
// npm run golden:update, review the diff, commit it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const poly = createRequire(import.meta.url).resolve('poly/package.json').replace(/package\\.json$/, 'bin/poly.mjs');

test('${name} reproduces its golden reports on the bundled recording', () => {
  const args = ['replay', '${recordingInProject}', '--strategy', '${strategyRel}', '--out', 'reports/test-${name}', '--check', '${goldenRel}', '--no-progress'];
  const r = spawnSync(process.execPath, [poly, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
`;
  const readme = `# ${packageJson.name}

Strategies for poly (record Polymarket market data, replay it deterministically, paper-trade honestly).

\`\`\`sh
npm install
npm test                 # ${name} on poly's bundled recording, compared with ${goldenRel}/
npm run replay           # the same replay; reports in reports/<run-id>/
npm run typecheck        # strategies against poly's types
npx poly record --market <slug> --out recordings/NAME     # your own data (recordings/ is not committed)
npx poly replay recordings/NAME --strategy ${strategyRel}
\`\`\`

After a change that should change results: \`npm run golden:update\`, review the diff of ${goldenRel}/, commit it.
A strategy imports only \`poly\` (\`import { defineStrategy, p, px, qty, usd, z } from 'poly'\`).
`;

  await mkdir(join(dir, 'strategies'), { recursive: true });
  await mkdir(join(dir, 'test'), { recursive: true });
  const files: [string, string][] = [
    ['package.json', JSON.stringify(packageJson, null, 2) + '\n'],
    ['tsconfig.json', JSON.stringify(tsconfig, null, 2) + '\n'],
    ['.gitignore', 'node_modules/\nrecordings/\nreports/\n'],
    [strategyRel, strategy],
    [`test/${name}.test.mjs`, test],
    ['README.md', readme],
  ];
  for (const [rel, text] of files) await writeFile(join(dir, rel), text, { flag: 'wx' });

  // the golden: this poly replaying the new strategy on the bundled recording, as `npm test` will
  const loaded = await loadStrategy(join(dir, strategyRel));
  const params = validateParams(loaded.definition, {});
  const settings = await engineSettings({});
  const result = await runBacktest({ recording: BUNDLED_RECORDING, strategy: loaded, params, settings, speed: 'max', keepEventLog: false });
  const written = await renderRun({
    kernel: result.kernel,
    recording: BUNDLED_RECORDING,
    recordingDigest: result.recordingDigest,
    strategy: loaded,
    strategyFile: strategyRel,
    params,
    paramsGiven: {},
    settings,
    outDir: join(dir, goldenRel),
    window: {},
    runPaths: { recording: recordingInProject, strategy: strategyRel },
  });
  // report.html (a view, checked by structure) is no golden; --check ignores it anyway
  for (const f of NOT_COMPARED) await rm(join(dir, goldenRel, f), { force: true });
  const shown = dirArg.replace(/[/\\]+$/, '') || '.';
  return [
    `created ${shown}/: ${files.map(([f]) => f).join(', ')}, ${goldenRel}/ (${written.files.length + 1} files; ${written.summaryLines[0] ?? ''})`,
    'next:',
    ...(shown === '.' ? [] : [`  cd ${shown}`]),
    '  npm install',
    `  npm test                 # replays ${name} on the bundled recording and compares with ${goldenRel}/`,
    `  npx ${replayArgs}`,
  ];
}
