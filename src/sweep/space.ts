/**
 * The parameter space of a sweep and the parameter sets drawn from it.
 *
 * Where it comes from: the strategy's zod schema names the parameters and validates every value exactly as
 * `poly replay --param` does (validateParams); the user gives the values, in human units as they would type
 * them (0.02, 10, 5m):
 *   --grid name=v1,v2,...     a list of values (repeatable; `name=*` = every choice the schema declares, for
 *                             z.enum / z.literal unions / booleans)
 *   --param name=v            one fixed value
 *   --params-space FILE.json  { "<name>": <dimension>, ... } where a dimension is
 *                               "v" | 10                          one fixed value
 *                               ["v1", "v2"] | { "values": [...] } a list
 *                               { "min": "0.01", "max": "0.05", "step": "0.01" }  every min + k*step <= max;
 *                                 min/max/step are decimals ("0.01") or durations with a unit ("30s", "5m");
 *                                 the arithmetic is exact (decimal.js, or integer ns for durations)
 *                               "*" | { "choices": true }          every choice the schema declares
 *                             --grid and --param entries replace a file entry of the same name.
 * Parameters not mentioned keep the strategy's defaults (and are not listed in the sets).
 *
 * Sets
 * - grid (default): the cartesian product of every dimension. Dimensions are ordered by the schema's key order
 *   (not by the order of the flags), the last varying fastest, so the same space gives the same sets in the
 *   same order however it was written.
 * - random (--random N): N distinct sets drawn with the seeded RNG (sfc32, src/core/rng.ts): each dimension
 *   independently and uniformly over its values. A draw equal to an earlier one is drawn again (at most 50 x N
 *   draws); when the space holds no more than N sets, all of them are taken, in grid order.
 * Every set is validated against the schema before any run starts; a value the schema refuses is a one-line
 * error naming the parameter and the value.
 */
import { readFile } from 'node:fs/promises';
import { CliError } from '../cli/errors.ts';
import { seededRng } from '../core/rng.ts';
import type { StrategyDefinition } from '../core/strategy/api.ts';
import { parseDurationNs } from '../core/strategy/params.ts';
import { D } from '../core/types/fixed.ts';
import { validateParams } from '../engine/strategy-loader.ts';

export interface Dimension {
  readonly name: string;
  /** Values as the user writes them (strings), in order. */
  readonly values: readonly string[];
}

export interface ParamSet {
  /** Position in the sweep's plan (0-based). */
  readonly index: number;
  /** Parameter values as given (schema key order), only the swept and fixed ones. */
  readonly human: Readonly<Record<string, string>>;
  /** Validated values (the strategy's internal units). */
  readonly resolved: unknown;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const MAX_SETS = 1_000_000;

/** The schema's parameter names in declaration order ([] when it is not an object schema). */
export function schemaKeys(def: StrategyDefinition): string[] {
  const shape = (def.params as unknown as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

interface ZodLike {
  _zod?: { def?: Record<string, unknown> };
}

/** Choices a schema field declares (enum entries, literal unions, booleans), or null. */
export function schemaChoices(def: StrategyDefinition, name: string): string[] | null {
  const shape = (def.params as unknown as { shape?: Record<string, ZodLike> }).shape;
  const field = shape?.[name];
  if (field === undefined) return null;
  const seen = new Set<unknown>();
  const walk = (s: ZodLike | undefined): string[] | null => {
    const d = s?._zod?.def;
    if (d === undefined || seen.has(s)) return null;
    seen.add(s);
    switch (d['type']) {
      case 'enum': {
        const entries = d['entries'] as Record<string, string | number> | undefined;
        return entries === undefined ? null : [...new Set(Object.values(entries).map(String))];
      }
      case 'literal':
        return ((d['values'] as unknown[] | undefined) ?? []).map(String);
      case 'boolean':
        return ['false', 'true'];
      case 'union': {
        const opts = (d['options'] as ZodLike[] | undefined) ?? [];
        // p.bool() is union(boolean, string) -> transform: its choices are the booleans
        if (opts.some((o) => o._zod?.def?.['type'] === 'boolean')) return ['false', 'true'];
        const all: string[] = [];
        for (const o of opts) {
          const c = walk(o);
          if (c === null) return null;
          all.push(...c);
        }
        return [...new Set(all)];
      }
      case 'pipe':
        return walk(d['in'] as ZodLike);
      case 'default':
      case 'prefault':
      case 'optional':
      case 'nullable':
      case 'readonly':
      case 'catch':
        return walk(d['innerType'] as ZodLike);
      default:
        return null;
    }
  };
  return walk(field);
}

function valueText(v: Json, where: string): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new CliError(`${where}: a value must be a string, number or boolean`);
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Every min + k*step <= max, exact. Decimals or durations with units (then written back in the step's unit when exact). */
export function rangeValues(min: string, max: string, step: string, where: string): string[] {
  if (DECIMAL.test(min) && DECIMAL.test(max) && DECIMAL.test(step)) {
    const lo = new D(min), hi = new D(max), st = new D(step);
    if (st.lte(0)) throw new CliError(`${where}: step must be positive`);
    if (hi.lt(lo)) throw new CliError(`${where}: max ${max} is below min ${min}`);
    const n = hi.sub(lo).div(st).floor().toNumber() + 1;
    if (n > MAX_SETS) throw new CliError(`${where}: ${n} values is too many`);
    const out: string[] = [];
    for (let k = 0; k < n; k++) out.push(lo.add(st.mul(k)).toFixed());
    return out;
  }
  const unit = (s: string): string => /[a-z]+$/.exec(s)?.[0] ?? '';
  const lo = parseDurationNs(min), hi = parseDurationNs(max), st = parseDurationNs(step);
  if (lo === null || hi === null || st === null || unit(min) === '' || unit(max) === '' || unit(step) === '') {
    throw new CliError(`${where}: min/max/step must all be decimals (0.01) or all durations with a unit (30s, 5m)`);
  }
  if (st <= 0n) throw new CliError(`${where}: step must be positive`);
  if (hi < lo) throw new CliError(`${where}: max ${max} is below min ${min}`);
  const n = (hi - lo) / st + 1n;
  if (n > BigInt(MAX_SETS)) throw new CliError(`${where}: ${n} values is too many`);
  const UNITS: [string, bigint][] = [['d', 86_400_000_000_000n], ['h', 3_600_000_000_000n], ['m', 60_000_000_000n], ['s', 1_000_000_000n], ['ms', 1_000_000n], ['us', 1_000n], ['ns', 1n]];
  const stepUnit = UNITS.find(([u]) => u === unit(step)) ?? ['ns', 1n];
  const out: string[] = [];
  for (let v = lo; v <= hi; v += st) {
    // in the step's unit when exact, else the largest unit that is
    const [u, ns] = v % stepUnit[1] === 0n ? stepUnit : UNITS.find(([, x]) => v % x === 0n)!;
    out.push(`${v / ns}${u}`);
  }
  return out;
}

function dimensionFromJson(def: StrategyDefinition, name: string, v: Json, where: string): string[] {
  if (v === '*' || (typeof v === 'object' && v !== null && !Array.isArray(v) && v['choices'] === true)) return choicesOf(def, name, where);
  if (Array.isArray(v)) return v.map((x, i) => valueText(x, `${where}[${i}]`));
  if (typeof v === 'object' && v !== null) {
    if (Array.isArray(v['values'])) return v['values'].map((x, i) => valueText(x, `${where}.values[${i}]`));
    if (v['min'] !== undefined && v['max'] !== undefined && v['step'] !== undefined) {
      return rangeValues(valueText(v['min'], `${where}.min`), valueText(v['max'], `${where}.max`), valueText(v['step'], `${where}.step`), where);
    }
    throw new CliError(`${where}: expected a value, a list, {"values": [...]}, {"min", "max", "step"} or "*"`);
  }
  return [valueText(v, where)];
}

function choicesOf(def: StrategyDefinition, name: string, where: string): string[] {
  const c = schemaChoices(def, name);
  if (c === null || c.length === 0) throw new CliError(`${where}: '*' needs a parameter with declared choices (enum or boolean); '${name}' has none, list its values`);
  return c;
}

export interface SpaceInput {
  readonly grid: readonly string[];
  readonly fixed: readonly string[];
  readonly spaceFile?: string | undefined;
}

/** The dimensions of the space, in schema order; unknown names are an error. */
export async function buildSpace(def: StrategyDefinition, input: SpaceInput): Promise<Dimension[]> {
  const byName = new Map<string, string[]>();
  if (input.spaceFile !== undefined) {
    let parsed: Json;
    try {
      parsed = JSON.parse(await readFile(input.spaceFile, 'utf8')) as Json;
    } catch (err) {
      throw new CliError(`--params-space file '${input.spaceFile}' cannot be read as JSON (${(err as Error).message.split('\n')[0]})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError(`--params-space file '${input.spaceFile}' must hold a JSON object of parameter names to dimensions`);
    for (const [name, v] of Object.entries(parsed)) byName.set(name, dimensionFromJson(def, name, v, `--params-space ${input.spaceFile}: ${name}`));
  }
  for (const g of input.grid) {
    const eq = g.indexOf('=');
    if (eq <= 0) throw new CliError(`--grid '${g}' must look like name=v1,v2,...`);
    const name = g.slice(0, eq);
    const rest = g.slice(eq + 1).trim();
    const values = rest === '*' ? choicesOf(def, name, `--grid ${name}`) : rest.split(',').map((s) => s.trim());
    if (values.some((s) => s === '')) throw new CliError(`--grid '${g}' has an empty value`);
    byName.set(name, values);
  }
  for (const f of input.fixed) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new CliError(`--param '${f}' must look like name=value`);
    byName.set(f.slice(0, eq), [f.slice(eq + 1)]);
  }
  const keys = schemaKeys(def);
  for (const name of byName.keys()) {
    if (!keys.includes(name)) throw new CliError(`strategy '${def.name}' has no parameter '${name}'; its parameters are: ${keys.join(', ') || '(none)'}`);
  }
  const dims: Dimension[] = [];
  for (const name of keys) {
    const values = byName.get(name);
    if (values === undefined) continue;
    const uniq = [...new Set(values)];
    if (uniq.length === 0) throw new CliError(`parameter '${name}' has no values`);
    // each value alone, so the error names the value (the schema's message, as --param gives it)
    for (const v of uniq) validateParams(def, { [name]: v });
    dims.push({ name, values: uniq });
  }
  return dims;
}

export function spaceSize(dims: readonly Dimension[]): number {
  let n = 1;
  for (const d of dims) n *= d.values.length;
  return n;
}

function setAt(dims: readonly Dimension[], flat: number): Record<string, string> {
  const out: Record<string, string> = {};
  const idx: number[] = new Array<number>(dims.length);
  let rest = flat;
  for (let i = dims.length - 1; i >= 0; i--) {
    const n = dims[i]!.values.length;
    idx[i] = rest % n;
    rest = Math.floor(rest / n);
  }
  dims.forEach((d, i) => (out[d.name] = d.values[idx[i]!]!));
  return out;
}

/** The parameter sets of a grid (random === undefined) or a seeded random search; each validated. */
export function drawSets(def: StrategyDefinition, dims: readonly Dimension[], random: { n: number; seed: number } | undefined): ParamSet[] {
  const size = spaceSize(dims);
  let flats: number[];
  if (random === undefined || random.n >= size) {
    if (size > MAX_SETS) throw new CliError(`the grid has ${size} parameter sets (more than ${MAX_SETS}); narrow it or use --random N`);
    flats = Array.from({ length: size }, (_, i) => i);
  } else {
    const rng = seededRng(random.seed);
    const chosen = new Set<number>();
    flats = [];
    for (let attempts = 0; flats.length < random.n && attempts < random.n * 50; attempts++) {
      // one uniform draw per dimension, combined into the flat grid index
      let flat = 0;
      for (const d of dims) flat = flat * d.values.length + rng.int(d.values.length);
      if (chosen.has(flat)) continue;
      chosen.add(flat);
      flats.push(flat);
    }
  }
  return flats.map((flat, index) => {
    const human = setAt(dims, flat);
    let resolved: unknown;
    try {
      resolved = validateParams(def, human);
    } catch (err) {
      throw new CliError(`parameter set ${JSON.stringify(human)}: ${(err as Error).message}`);
    }
    return { index, human, resolved };
  });
}
