/**
 * Strategy errors people can act on: where in THEIR code a hook threw (file:line:col and the stack), and
 * where a strategy file fails to compile (file:line:col, the line, a caret).
 *
 * Paths in what we report are project-relative (src/io/paths.ts projectRelative rules: relative to the
 * nearest folder with a package.json, '/' separators), so summary.json stays free of machine paths and
 * the same failure reads the same on any machine. "The strategy's own code" is the first stack frame that
 * is not poly's engine (this package's src/, bin/, cli.ts), not node internals and not another package in
 * node_modules (poly's bundled strategies/ count as strategy code).
 *
 * Known limits: locations come from the runtime's stack (tsx and vitest install source maps, so they point
 * at the TypeScript lines); an error thrown without a stack (a thrown string) has no location.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StrategyFailure } from '../core/reports/journal.ts';
import { projectDir } from '../io/paths.ts';

/** The poly package directory (…/poly/), with a trailing separator. */
const POLY_DIR = fileURLToPath(new URL('../..', import.meta.url));
const ENGINE_PARTS = [`${POLY_DIR}src${sep}`, `${POLY_DIR}bin${sep}`, `${POLY_DIR}cli.ts`];
const BUNDLED_STRATEGIES = `${POLY_DIR}strategies${sep}`;

/** An absolute path or file URL with :line:col in a stack frame (after '(' or a space: not node:internal/...). */
const FRAME_PATH = /(?<=[\s(]|^)(?:file:\/\/)?((?:\/|[A-Za-z]:[\\/])[^\s()]*?):(\d+):(\d+)/g;

/** Project-relative with '/', or the absolute path when it lies outside the project (clearer than ../../..). */
function rel(abs: string, root: string): string {
  const r = relative(root, abs);
  return r.startsWith('..') ? abs : r.split(sep).join('/');
}

/** The stack with every absolute path made project-relative. */
export function relativizeStack(stack: string, root: string = projectDir()): string {
  return stack.replace(FRAME_PATH, (_m, path: string, line: string, col: string) => `${rel(decodeURIComponent(path), root)}:${line}:${col}`);
}

function isStrategyCode(abs: string): boolean {
  if (abs.startsWith(BUNDLED_STRATEGIES)) return true;
  if (ENGINE_PARTS.some((p) => abs.startsWith(p))) return false;
  return !abs.includes(`${sep}node_modules${sep}`);
}

/** 'strategies/x.ts:12:7' of the first frame in the strategy's own code, or null. */
export function strategyLocation(stack: string, root: string = projectDir()): string | null {
  for (const line of stack.split('\n').slice(1)) {
    if (!/^\s*at /.test(line)) continue;
    for (const m of line.matchAll(FRAME_PATH)) {
      const abs = resolve(decodeURIComponent(m[1]!));
      if (isStrategyCode(abs)) return `${rel(abs, root)}:${m[2]}:${m[3]}`;
    }
  }
  return null;
}

/** The kernel's failure record with a location and a project-relative stack (for summary.json and stderr). */
export function describeFailure(f: StrategyFailure | null, root: string = projectDir()): StrategyFailure | null {
  if (f === null || f.stack === undefined) return f;
  const location = strategyLocation(f.stack, root);
  return { ...f, stack: relativizeStack(f.stack, root), ...(location !== null ? { location } : {}) };
}

/** The error of a module that failed to load, as one line (plus the offending line and a caret as detail). */
export function describeLoadError(err: unknown, root: string = projectDir()): { line: string; detail: string | null } {
  const message = err instanceof Error ? err.message : String(err);
  // esbuild (through tsx): "Transform failed with 1 error:\n/abs/x.ts:7:26: ERROR: Expected "}" but found ".""
  const m = /^(.*?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (m !== null) {
    const [, file, ln, col, text] = m as unknown as [string, string, string, string, string];
    let detail: string | null = null;
    try {
      const src = readFileSync(file, 'utf8').split('\n')[Number(ln) - 1];
      if (src !== undefined) detail = `${src}\n${' '.repeat(Math.max(0, Number(col)))}^`;
    } catch {
      // the file is gone: the location alone must do
    }
    // esbuild counts columns from 0; people (and editors, tsc, eslint) from 1
    return { line: `syntax error at ${rel(resolve(file), root)}:${ln}:${Number(col) + 1}: ${text}`, detail };
  }
  const first = message.split('\n')[0] ?? '';
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  const at = stack === '' ? null : strategyLocation(stack, root);
  // the stack helps only when it passes through the strategy's own code (not for a missing module, say)
  return { line: at === null ? first : `${first} (at ${at})`, detail: at === null ? null : relativizeStack(stack, root) };
}
