/**
 * Helpers shared by the three MarketMeta mappers (Gamma, CLOB `/markets`, WS `new_market`).
 *
 * Invariants
 * - Token order = outcome order: tokens are zipped index by index; different lengths -> inconsistent.
 * - Token ids stay strings (digits only); a list field may be a real array or a JSON-encoded string
 *   (`"[\"Up\", \"Down\"]"`), both accepted. A JSON-encoded list holding numbers is refused.
 * - A market whose token ids are all missing or empty (pre-CLOB AMM markets, the hydration window of
 *   a new market, trimmed objects) gets `tokens: []`; it is still listed, but nothing can trade on it.
 *   Token ids present with no outcomes to pair them with -> invalid_field (never invented).
 * - Fee-schedule numbers become exact decimal strings through their shortest text (0.07 -> "0.07").
 */
import type { FeeSchedule, MarketRewards, MarketToken } from '../../types/market.ts';
import { D } from '../../types/fixed.ts';
import { fail, invalidType, isObject, show, strOf, tokenIdOf } from './fields.ts';

/** A per-market delay in seconds (Gamma secondsDelay, CLOB seconds_delay) -> ms; absent, null or 0 -> null. */
export function secondsDelayMs(v: unknown, path: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return invalidType(path, 'number of seconds >= 0', v);
  return v === 0 ? null : Math.round(v * 1000);
}

/** A list given as a real array or a JSON-encoded string; absent/null/"" -> null. */
export function listOf(v: unknown, path: string): unknown[] | null {
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v)) return v;
  if (typeof v !== 'string') return invalidType(path, 'array', v);
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    return fail('invalid_field', `${path}: ${show(v)} is not a JSON-encoded list`);
  }
  if (!Array.isArray(parsed)) return fail('invalid_field', `${path}: ${show(v)} is not a JSON-encoded list`);
  return parsed;
}

export function zipTokens(ids: readonly unknown[] | null, outcomes: readonly unknown[] | null, idsPath: string, outcomesPath: string): MarketToken[] {
  if (ids === null || ids.length === 0 || ids.every((t) => t === '' || t === null)) return [];
  if (outcomes === null) {
    return fail('invalid_field', `${outcomesPath}: missing, but ${idsPath} lists ${ids.length} token(s) that need an outcome each`);
  }
  if (outcomes.length !== ids.length) {
    return fail('inconsistent', `${idsPath} has ${ids.length} token(s) but ${outcomesPath} has ${outcomes.length} outcome(s)`);
  }
  const out: MarketToken[] = [];
  for (let i = 0; i < ids.length; i++) {
    out.push({ tokenId: tokenIdOf(ids[i], `${idsPath}[${i}]`), outcome: strOf(outcomes[i], `${outcomesPath}[${i}]`) });
  }
  return out;
}

const DECIMAL_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A JSON number or decimal string -> canonical exact decimal string ("0.07", "1", "0.25"). */
export function decimalText(v: unknown, path: string): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return fail('invalid_field', `${path}: ${String(v)} is not a finite number`);
    return new D(String(v)).toFixed();
  }
  if (typeof v === 'string') {
    if (!DECIMAL_RE.test(v)) return fail('invalid_field', `${path}: ${show(v)} is not a decimal number`);
    return new D(v).toFixed();
  }
  return invalidType(path, 'number', v);
}

export interface FeeKeys {
  readonly rate: string;
  readonly exponent: string;
  readonly takerOnly: string;
  readonly rebateRate: string;
}

export const GAMMA_FEE_KEYS: FeeKeys = { rate: 'rate', exponent: 'exponent', takerOnly: 'takerOnly', rebateRate: 'rebateRate' };
export const WS_FEE_KEYS: FeeKeys = { rate: 'rate', exponent: 'exponent', takerOnly: 'taker_only', rebateRate: 'rebate_rate' };

/** Fee schedule object -> FeeSchedule; absent/null -> null. All four fields are required. */
export function feeScheduleOf(v: unknown, keys: FeeKeys, path: string): FeeSchedule | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) return invalidType(path, 'object', v);
  const takerOnly = v[keys.takerOnly];
  if (typeof takerOnly !== 'boolean') return invalidType(`${path}.${keys.takerOnly}`, 'boolean', takerOnly);
  return {
    rate: decimalText(v[keys.rate], `${path}.${keys.rate}`),
    exponent: decimalText(v[keys.exponent], `${path}.${keys.exponent}`),
    takerOnly,
    rebateRate: decimalText(v[keys.rebateRate], `${path}.${keys.rebateRate}`),
  };
}

/** Tag lists: strings, or Gamma tag objects ({label, slug}) -> labels. */
export function tagsOf(v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return invalidType(path, 'array', v);
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const t: unknown = v[i];
    if (typeof t === 'string') out.push(t);
    else if (isObject(t) && typeof t.label === 'string') out.push(t.label);
    else if (isObject(t) && typeof t.slug === 'string') out.push(t.slug);
    else invalidType(`${path}[${i}]`, 'string', t);
  }
  return out;
}

const lenientDecimal = (v: unknown): D | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return new D(String(v));
  if (typeof v === 'string' && DECIMAL_RE.test(v)) return new D(v);
  return null;
};

/**
 * A reward program from its three published fields, or undefined when there is none (max spread absent or
 * 0). Lenient on purpose: rewards are informational (the report's estimate), so a malformed reward field is
 * ignored rather than costing the market. `rates` is a list of objects; every `rateKey` found is summed.
 */
export function rewardsOf(maxSpread: unknown, minSize: unknown, rates: unknown, rateKey: string): MarketRewards | undefined {
  const v = lenientDecimal(maxSpread);
  if (v === null || !v.gt(0)) return undefined;
  const min = lenientDecimal(minSize);
  let rate: D | null = null;
  if (Array.isArray(rates)) {
    for (const r of rates) {
      const x = isObject(r) ? lenientDecimal(r[rateKey]) : null;
      if (x !== null && x.gte(0)) rate = (rate ?? new D(0)).add(x);
    }
  }
  return { maxSpread: v.toFixed(), minSize: min === null || min.lt(0) ? '0' : min.toFixed(), ratePerDay: rate === null ? null : rate.toFixed() };
}
