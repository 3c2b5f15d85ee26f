/**
 * Loads a user strategy file (TypeScript or JavaScript; tsx is registered by bin/poly.mjs so .ts
 * files need no build step) and validates its parameters against the schema it exports.
 * Every failure is a CliError with one line naming the file or parameter and what to fix.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError } from '../cli/errors.ts';
import { isStrategyDefinition, type StrategyDefinition } from '../core/strategy/api.ts';
import { strategyGraph } from './strategy-hash.ts';

export interface LoadedStrategy {
  readonly definition: StrategyDefinition;
  readonly path: string;
  /** The strategy's module-graph hash (strategy-hash.ts): its file, every local module it imports, package versions (run.json). */
  readonly sha256: string;
}

/**
 * `knownHash`: the module-graph hash when the caller already has it (a sweep worker running a bundle that was
 * hashed where its sources live); otherwise it is computed from the file's module graph.
 */
export async function loadStrategy(file: string, knownHash?: string): Promise<LoadedStrategy> {
  const path = resolve(file);
  try {
    await readFile(path);
  } catch (err) {
    throw new CliError(`strategy file '${file}' cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass an existing .ts or .js file to --strategy`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new CliError(`strategy file '${file}' failed to load: ${first}`);
  }
  const def = mod['default'] ?? mod['strategy'];
  if (!isStrategyDefinition(def)) {
    throw new CliError(`strategy file '${file}' must default-export defineStrategy({ name, params, create }) from the poly strategy API`);
  }
  let sha256 = knownHash;
  if (sha256 === undefined) {
    try {
      sha256 = (await strategyGraph(path)).hash;
    } catch (err) {
      throw new CliError(`strategy file '${file}' cannot be analysed for its module hash: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
    }
  }
  return { definition: def, path, sha256 };
}

/** Raw parameter values: --params file.json first, then each --param k=v on top (strings). */
export async function collectParams(paramsFile: string | undefined, pairs: readonly string[]): Promise<Record<string, unknown>> {
  let base: Record<string, unknown> = {};
  if (paramsFile !== undefined) {
    let text: string;
    try {
      text = await readFile(paramsFile, 'utf8');
    } catch (err) {
      throw new CliError(`--params file '${paramsFile}' cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new CliError(`--params file '${paramsFile}' is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CliError(`--params file '${paramsFile}' must hold a JSON object of parameter names to values`);
    }
    base = parsed as Record<string, unknown>;
  }
  const out: Record<string, unknown> = { ...base };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--param '${pair}' must look like name=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Validates raw values against the strategy's schema; unknown names are an error, not silently ignored. */
export function validateParams(def: StrategyDefinition, raw: Record<string, unknown>): unknown {
  const schema = def.params as unknown as { shape?: Record<string, unknown> };
  if (schema.shape !== undefined) {
    const unknownKeys = Object.keys(raw).filter((k) => !(k in schema.shape!));
    if (unknownKeys.length > 0) {
      const known = Object.keys(schema.shape).join(', ') || '(none)';
      throw new CliError(`strategy '${def.name}' has no parameter '${unknownKeys[0]}'; its parameters are: ${known}`);
    }
  }
  const r = def.params.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(params)';
    throw new CliError(`strategy '${def.name}' parameter ${where}: ${issue.message}`);
  }
  return r.data;
}
