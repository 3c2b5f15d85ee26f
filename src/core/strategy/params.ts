/**
 * Zod helpers for strategy parameters. `--param k=v` always arrives as a string; `--params file.json`
 * may hold strings, numbers or booleans. These schemas accept both and produce exact values:
 * prices -> Px, shares -> Qty, dollars -> Cash, durations -> bigint ns. A JSON number is read through
 * its shortest decimal text (String(n)), which is exact for every literal of up to 15 significant digits.
 * Defaults: use zod 4's `.prefault('0.01')` (the default is parsed like user input); `.default()` would skip parsing.
 */
import { z } from 'zod';
import { formatCash, formatPx, formatQty, parseCash, parsePx, parseQty } from '../types/fixed.ts';
import type { Cash, Px, Qty } from './units.ts';

const text = z.union([z.string(), z.number()]).transform((v) => (typeof v === 'number' ? String(v) : v.trim()));

export const pxParam = (): z.ZodType<Px, string | number> =>
  text.transform((s, ctx) => {
    const v = parsePx(s);
    if (v === null) {
      ctx.addIssue({ code: 'custom', message: `'${s}' is not a price in [0, 1] on the 0.0001 grid` });
      return z.NEVER;
    }
    return v as Px;
  });

export const qtyParam = (): z.ZodType<Qty, string | number> =>
  text.transform((s, ctx) => {
    const v = parseQty(s);
    if (v === null) {
      ctx.addIssue({ code: 'custom', message: `'${s}' is not a share quantity (>= 0, at most 6 decimals)` });
      return z.NEVER;
    }
    return v as Qty;
  });

export const usdParam = (): z.ZodType<Cash, string | number> =>
  text.transform((s, ctx) => {
    const v = parseCash(s);
    if (v === null) {
      ctx.addIssue({ code: 'custom', message: `'${s}' is not a dollar amount` });
      return z.NEVER;
    }
    return v as Cash;
  });

export const intParam = (): z.ZodType<number, string | number> =>
  text.transform((s, ctx) => {
    if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
      ctx.addIssue({ code: 'custom', message: `'${s}' is not an integer` });
      return z.NEVER;
    }
    return Number(s);
  });

export const boolParam = (): z.ZodType<boolean, string | boolean> =>
  z.union([z.boolean(), z.string()]).transform((v, ctx) => {
    if (typeof v === 'boolean') return v;
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes') return true;
    if (s === 'false' || s === '0' || s === 'no') return false;
    ctx.addIssue({ code: 'custom', message: `'${v}' is not a boolean (true/false)` });
    return z.NEVER;
  });

const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n };

/** ns -> the shortest exact duration text ("5m", "1500ms", "0"), the inverse of parseDurationNs. */
export function formatDurationNs(ns: bigint): string {
  if (ns === 0n) return '0';
  const units: [string, bigint][] = [['d', UNIT_NS['d']!], ['h', UNIT_NS['h']!], ['m', UNIT_NS['m']!], ['s', UNIT_NS['s']!], ['ms', UNIT_NS['ms']!], ['us', UNIT_NS['us']!]];
  for (const [u, n] of units) if (ns % n === 0n) return `${ns / n}${u}`;
  return `${ns}ns`;
}

/** "250ms", "10s", "5m", "1h", "2d" -> ns. A bare number means milliseconds. */
export function parseDurationNs(s: string): bigint | null {
  const m = /^(\d+)(ns|us|ms|s|m|h|d)?$/.exec(s.trim());
  if (m === null) return null;
  return BigInt(m[1]!) * UNIT_NS[m[2] ?? 'ms']!;
}

export const durationParam = (): z.ZodType<bigint, string | number> =>
  text.transform((s, ctx) => {
    const v = parseDurationNs(s);
    if (v === null) {
      ctx.addIssue({ code: 'custom', message: `'${s}' is not a duration (e.g. 250ms, 10s, 5m, 1h)` });
      return z.NEVER;
    }
    return v;
  });

/** What a `p.*` parameter holds, so tools can show it in people's units (durations, prices, ...). */
export type ParamUnit = 'px' | 'qty' | 'usd' | 'int' | 'bool' | 'duration';

const UNITS = new WeakMap<object, ParamUnit>();
const tagged = <S extends object>(unit: ParamUnit, make: () => S) => (): S => {
  const schema = make();
  UNITS.set(schema, unit);
  return schema;
};

/**
 * The unit of a parameter schema made by `p.*`, looking through `.prefault()`, `.default()`, `.optional()`
 * and the like (zod 4 wrappers keep the wrapped schema in `_zod.def.innerType`); null for anything else.
 */
export function paramUnit(schema: unknown): ParamUnit | null {
  let s: unknown = schema;
  for (let depth = 0; depth < 8 && typeof s === 'object' && s !== null; depth++) {
    const unit = UNITS.get(s);
    if (unit !== undefined) return unit;
    s = (s as { _zod?: { def?: { innerType?: unknown } } })._zod?.def?.innerType;
  }
  return null;
}

export const p = {
  px: tagged('px', pxParam),
  qty: tagged('qty', qtyParam),
  usd: tagged('usd', usdParam),
  int: tagged('int', intParam),
  bool: tagged('bool', boolParam),
  duration: tagged('duration', durationParam),
};

/**
 * Parameter values as people write them, for reports (run.json, summary.json) and printed output: a `p.*`
 * parameter is shown in its unit as exact text ('0.41', '10', '1000', '5m'), so `"size": "10"`, not
 * 10000000; a value whose schema has no unit (a z.enum, a plain z.number) is kept as it is (bigint as text).
 * The text is what `--param k=v` accepts, so a printed parameter set can be given back unchanged.
 */
export function humanParams(schema: unknown, values: unknown): unknown {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return typeof values === 'bigint' ? values.toString() : values;
  const shape = (schema as { shape?: Record<string, unknown> } | null)?.shape ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values as Record<string, unknown>)) out[k] = humanValue(paramUnit(shape[k]), v);
  return out;
}

function humanValue(unit: ParamUnit | null, v: unknown): unknown {
  if (unit === 'px' && typeof v === 'number') return formatPx(v);
  if (unit === 'qty' && typeof v === 'number') return formatQty(v);
  if (unit === 'usd' && typeof v === 'bigint') return formatCash(v);
  if (unit === 'duration' && typeof v === 'bigint') return formatDurationNs(v);
  return typeof v === 'bigint' ? v.toString() : v;
}
