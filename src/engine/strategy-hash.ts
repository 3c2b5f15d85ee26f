/**
 * The strategy's module-graph hash: one sha256 that changes whenever ANY code the strategy runs changes —
 * the strategy file, every local module it imports (helpers, poly's own src/ files reached through
 * src/api.ts), and the version of every package it imports. run.json stores it as the strategy hash and
 * `poly sweep` keys its result cache on it, so editing strategies/lib/helpers.ts invalidates the cached runs
 * of every strategy that imports it (a hash of the entry file alone would silently serve stale results).
 *
 * How the graph is found: esbuild (the bundler tsx itself runs on) bundles the entry with
 * `packages: 'external'` and reports, in its metafile, every local file it loaded and every bare import it
 * left external. The same build yields a one-file ESM bundle (`bundle`), which `poly worker` on another
 * machine runs when it cannot see the strategy's files.
 *
 * What is hashed (text, then sha256), deterministic on every machine:
 *   "poly-module-graph v1\n"
 *   "file <path> <sha256 of the file's bytes>\n"  for each local module, sorted by path; paths are relative to
 *                                                 the entry file's directory, '/'-separated (no absolute paths,
 *                                                 so the hash is the same in any checkout location)
 *   "package <name>@<version>\n"                  for each external package, sorted; the version is read from
 *                                                 the package.json that Node's resolution finds (walking up
 *                                                 node_modules from the importing file)
 *   "builtin <name>\n"                            for each Node built-in it imports (node:fs ...), sorted
 * Packages are identified by their installed version, not by their files: node_modules is not read
 * (thousands of files), and a lock file is not always beside the strategy. Known limit: a package patched in
 * place under node_modules without a version change is not noticed.
 *
 * Type-only imports are not part of the graph (esbuild drops them: types do not run). A file read at run
 * time by other means than import (fs.readFile) is not covered; strategies do no I/O (lint rule).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathExists } from '../io/paths.ts';

export interface ModuleGraph {
  /** sha256 (hex) over the lines described in the module header. */
  readonly hash: string;
  /** Local modules, relative to the entry's directory, sorted. */
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
  /** External packages and their installed versions, sorted by name. */
  readonly packages: readonly { readonly name: string; readonly version: string }[];
  readonly builtins: readonly string[];
}

export interface AnalyzedStrategy {
  readonly graph: ModuleGraph;
  /** One ESM file with every local module inlined; packages stay imports. */
  readonly bundle: string;
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** "zod/v4" -> "zod", "@aws-sdk/client-s3/x" -> "@aws-sdk/client-s3". */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

async function installedVersion(name: string, fromDir: string): Promise<string> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const pj = join(dir, 'node_modules', ...name.split('/'), 'package.json');
    if (await pathExists(pj)) {
      const v = (JSON.parse(await readFile(pj, 'utf8')) as { version?: unknown }).version;
      return typeof v === 'string' ? v : 'unknown';
    }
    // a package importing itself by name (a project's own "poly" import from inside poly)
    const own = join(dir, 'package.json');
    if (await pathExists(own)) {
      const pkg = JSON.parse(await readFile(own, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === name) return typeof pkg.version === 'string' ? pkg.version : 'unknown';
    }
    if (dirname(dir) === dir) return 'not-installed';
  }
}

/** The text that is hashed (exported for tests and for run.json readers who want to see it). */
export function graphText(g: Omit<ModuleGraph, 'hash'>): string {
  return (
    'poly-module-graph v1\n' +
    g.files.map((f) => `file ${f.path} ${f.sha256}\n`).join('') +
    g.packages.map((p) => `package ${p.name}@${p.version}\n`).join('') +
    g.builtins.map((b) => `builtin ${b}\n`).join('')
  );
}

const cache = new Map<string, Promise<AnalyzedStrategy>>();

/**
 * Builds the graph and bundle of `entry`. Throws the bundler's first error as an Error whose message names
 * file:line (a syntax error, an import that does not resolve). Results are cached per process by absolute
 * path and file contents are re-read on every call that misses the cache; call `forgetStrategyGraphs()` in
 * long-lived processes after files change.
 */
export function analyzeStrategy(entry: string): Promise<AnalyzedStrategy> {
  const abs = resolve(entry);
  let p = cache.get(abs);
  if (p === undefined) {
    p = analyze(abs);
    cache.set(abs, p);
    p.catch(() => cache.delete(abs));
  }
  return p;
}

export function forgetStrategyGraphs(): void {
  cache.clear();
}

export async function strategyGraph(entry: string): Promise<ModuleGraph> {
  return (await analyzeStrategy(entry)).graph;
}

async function analyze(abs: string): Promise<AnalyzedStrategy> {
  const { build } = await import('esbuild');
  const base = dirname(abs);
  let result;
  try {
    result = await build({
      entryPoints: [abs],
      absWorkingDir: base,
      bundle: true,
      write: false,
      metafile: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      sourcemap: false,
      legalComments: 'none',
    });
  } catch (err) {
    const e = err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] };
    const first = e.errors?.[0];
    if (first !== undefined) {
      const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
      throw new Error(`${where}${first.text}`);
    }
    throw err;
  }
  const files: { path: string; sha256: string }[] = [];
  const packages = new Map<string, string>();
  const builtins = new Set<string>();
  for (const [input, info] of Object.entries(result.metafile.inputs)) {
    const inputAbs = isAbsolute(input) ? input : resolve(base, input);
    const rel = relative(base, inputAbs).split(sep).join('/');
    files.push({ path: rel, sha256: sha256(await readFile(inputAbs)) });
    for (const imp of info.imports) {
      if (imp.external !== true) continue;
      if (imp.path.startsWith('node:') || isBuiltin(imp.path)) {
        builtins.add(imp.path.startsWith('node:') ? imp.path : `node:${imp.path}`);
        continue;
      }
      const name = packageNameOf(imp.path);
      if (!packages.has(name)) packages.set(name, await installedVersion(name, dirname(inputAbs)));
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const g = {
    files,
    packages: [...packages].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, version]) => ({ name, version })),
    builtins: [...builtins].sort(),
  };
  return { graph: { ...g, hash: sha256(graphText(g)) }, bundle: result.outputFiles[0]?.text ?? '' };
}
