/**
 * `npm run bench [-- FILTER...] [--inline]`: runs every bench case in bench/cases/*.ts whose file
 * name or exported `name` contains one of the FILTERs (case-insensitive; none = all), in file-name
 * order, and prints each case's table as it finishes (see bench/lib.ts and bench/README.md).
 *
 * Each case runs in its own child process (node --import tsx --expose-gc), so one case's heap and
 * peak RSS do not leak into the next and `maxRSS` is per case. `--inline` runs them in this process
 * (for profiling). Exit code 1 when a case fails or nothing matches.
 */
import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatCase, runCase, type BenchCase, type CaseResult } from './lib.ts';

const selfPath = fileURLToPath(import.meta.url);
const casesDir = join(fileURLToPath(new URL('.', import.meta.url)), 'cases');

async function loadCase(file: string): Promise<BenchCase> {
  const mod = (await import(pathToFileURL(file).href)) as Partial<BenchCase>;
  if (typeof mod.name !== 'string' || typeof mod.run !== 'function') {
    throw new Error(`${file}: a bench case must export \`name\` (string) and \`run(): Promise<CaseResult>\``);
  }
  return { name: mod.name, run: mod.run };
}

type ChildMessage = { ok: true; result: CaseResult } | { ok: false; error: string };

function runInChild(file: string): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const execArgv = [...process.execArgv];
    if (!execArgv.includes('--expose-gc')) execArgv.push('--expose-gc');
    const child = fork(selfPath, ['--child', file], { execArgv, serialization: 'advanced', stdio: 'inherit' });
    let msg: ChildMessage | null = null;
    child.on('message', (m) => {
      msg = m as ChildMessage;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const m = msg as ChildMessage | null;
      if (m?.ok === true) resolve(m.result);
      else reject(new Error(m?.ok === false ? m.error : `case process exited with ${signal ?? code} before reporting`));
    });
  });
}

async function child(file: string): Promise<void> {
  try {
    const result = await runCase(await loadCase(file));
    process.send?.({ ok: true, result } satisfies ChildMessage);
  } catch (e) {
    process.send?.({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies ChildMessage);
    process.exitCode = 1;
  }
  process.disconnect?.();
}

async function main(argv: readonly string[]): Promise<number> {
  const inline = argv.includes('--inline');
  const filters = argv.filter((a) => !a.startsWith('--')).map((f) => f.toLowerCase());
  const files = readdirSync(casesDir).filter((f) => f.endsWith('.ts')).sort().map((f) => join(casesDir, f));
  const selected: { file: string; c: BenchCase }[] = [];
  for (const file of files) {
    const c = await loadCase(file);
    const hay = `${basename(file, '.ts')} ${c.name}`.toLowerCase();
    if (filters.length === 0 || filters.some((f) => hay.includes(f))) selected.push({ file, c });
  }
  if (selected.length === 0) {
    console.error(`no bench case matches ${filters.join(' ')} (cases: ${files.map((f) => basename(f, '.ts')).join(', ')})`);
    return 1;
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  console.log(`poly bench: node ${process.version}, ${os.cpus().length} x ${cpu}, ${os.platform()}-${os.arch()}`);
  console.log(`cases: ${selected.map((s) => s.c.name).join(', ')}${inline ? ' (inline)' : ''}\n`);
  let failed = 0;
  for (const { file, c } of selected) {
    try {
      const r = inline ? await runCase(c) : await runInChild(file);
      console.log(formatCase(r) + '\n');
    } catch (e) {
      failed++;
      console.error(`== ${c.name}: FAILED\n${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

const args = process.argv.slice(2);
if (args[0] === '--child' && args[1] !== undefined) {
  await child(args[1]);
} else {
  process.exitCode = await main(args);
}
