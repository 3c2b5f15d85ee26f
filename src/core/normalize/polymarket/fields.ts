/**
 * Field readers shared by the Polymarket mappers: strings, token ids, prices, sizes, sides, timestamps.
 *
 * Invariants
 * - Prices and sizes are read from their decimal strings straight into Px (1e-4 ticks) and Qty (1e-6
 *   shares) by `parseDecimal`, a tight char loop with the exact semantics of `parseScaled` in
 *   types/fixed.ts (a property test holds them equal). No value ever passes through a binary float.
 * - Token ids must be decimal digit strings (ERC-1155 ids overflow float64); a JSON number is refused.
 * - Every failure throws `MapFailure` whose `reason` is `<code>: <detail>`; the detail names the field
 *   path and the offending value. `MapFailure` never leaves src/core/normalize: `normalizeRecord`
 *   turns it into a NormalizationError event (see sink.ts). Error codes are listed in `ERROR_CODES`.
 * - Type errors use the same wording as zod ("Invalid input: expected string, received number"), so a
 *   hand-written guard on the hot path and the zod schema beside it report the same message.
 *
 * Known limits
 * - Timestamps below 1e11 are taken as epoch seconds and scaled to ms (the user channel sends some
 *   timestamps in seconds); anything else is epoch ms.
 */
import type { Px, Qty } from '../../types/fixed.ts';
import type { Side } from '../../types/events.ts';

export type Wire = Record<string, unknown>;

/** Error codes: the text before the first ':' of every NormalizationError reason. */
export const ERROR_CODES = [
  'malformed_json', // a frame/body that starts like JSON but does not parse
  'invalid_field', // a field is missing or has the wrong type or value
  'off_grid_price', // a price that is not a multiple of 0.0001 within [0, 1]
  'inexact_size', // a size with more than 6 decimals or too large to hold exactly
  'unknown_message', // a JSON message of no known family / unknown event_type
  'inconsistent', // fields that contradict each other (lengths, duplicate levels, value mismatch)
  'unsupported', // a record kind that this source never produces
  'internal', // an unexpected exception (a bug): kept whole so the mapper can be fixed and replayed
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class MapFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MapFailure';
  }
}

export function fail(code: ErrorCode, detail: string): never {
  throw new MapFailure(`${code}: ${detail}`);
}

/** zod's name for the type of a value, as used in its "received ..." messages. */
export function receivedName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function invalidType(path: string, expected: string, v: unknown): never {
  fail('invalid_field', `${path}: Invalid input: expected ${expected}, received ${receivedName(v)}`);
}

/** Shortened JSON text of a value for error messages. */
export function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v));
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function isObject(v: unknown): v is Wire {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function joinPath(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000] as const;
const SAFE_DIV_10 = Math.floor(Number.MAX_SAFE_INTEGER / 10);

/**
 * Non-negative decimal string -> integer count of 10^-decimals, or -1. Same accept/reject set as
 * `parseScaled` in fixed.ts: digits with at most one '.', at least one digit, extra fractional
 * digits only if they are zeros, result a safe integer. decimals <= 8.
 */
export function parseDecimal(text: string, decimals: number): number {
  const n = text.length;
  let v = 0;
  let digits = 0;
  let frac = -1; // -1: before '.', else number of fractional digits taken
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (frac >= 0) return -1;
      frac = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return -1;
    digits++;
    if (frac >= 0) {
      if (frac === decimals) {
        if (d !== 0) return -1;
        continue;
      }
      frac++;
    }
    if (v > SAFE_DIV_10) return -1;
    v = v * 10 + d;
  }
  if (digits === 0) return -1;
  const scale = POW10[decimals - (frac < 0 ? 0 : frac)];
  if (scale === undefined) return -1;
  v *= scale;
  return Number.isSafeInteger(v) ? v : -1;
}

/** Price string at `path` -> Px; off the 1e-4 grid or above 1 -> off_grid_price. */
export function pxOf(v: unknown, path: string): Px {
  if (typeof v !== 'string') invalidType(path, 'string', v);
  const px = parseDecimal(v, 4);
  if (px < 0 || px > 10_000) offGrid(path, v);
  return px;
}

export function offGrid(path: string, v: string): never {
  fail('off_grid_price', `${path} ${show(v)} is not a price on the 0.0001 grid within [0, 1]`);
}

export function inexact(path: string, v: string): never {
  fail('inexact_size', `${path} ${show(v)} is not a size exact to 0.000001 shares below 2^53 micro-shares`);
}

/** Size string at `path` -> Qty; more than 6 decimals or too large -> inexact_size. */
export function qtyOf(v: unknown, path: string): Qty {
  if (typeof v !== 'string') invalidType(path, 'string', v);
  const q = parseDecimal(v, 6);
  if (q < 0) inexact(path, v);
  return q;
}

/** Optional size: absent, null or "" -> null. */
export function optQtyOf(v: unknown, path: string): Qty | null {
  if (v === undefined || v === null || v === '') return null;
  return qtyOf(v, path);
}

/** Optional price: absent, null or "" -> null. */
export function optPxOf(v: unknown, path: string): Px | null {
  if (v === undefined || v === null || v === '') return null;
  return pxOf(v, path);
}

/**
 * A reported best bid / best ask: "0" as best bid and "1" as best ask mean that side is empty
 * (no valid order rests at 0 or 1), so they become null like an absent or empty value.
 */
export function topOf(v: unknown, path: string, side: 'bid' | 'ask'): Px | null {
  const px = optPxOf(v, path);
  if (px === null) return null;
  if (side === 'bid' ? px === 0 : px === 10_000) return null;
  return px;
}

/**
 * A price or size that Gamma/CLOB publish as a JSON number (e.g. orderPriceMinTickSize 0.01):
 * converted through its shortest decimal text (String(0.01) === "0.01"), which is the literal the
 * venue wrote for every value with at most 15 significant digits. Strings are taken as they are.
 */
export function numericText(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return invalidType(path, 'number', v);
}

export function optPxFromNumber(v: unknown, path: string): Px | null {
  if (v === undefined || v === null || v === '') return null;
  const t = numericText(v, path);
  const px = parseDecimal(t, 4);
  if (px < 0 || px > 10_000) offGrid(path, t);
  return px;
}

export function optQtyFromNumber(v: unknown, path: string): Qty | null {
  if (v === undefined || v === null || v === '') return null;
  const t = numericText(v, path);
  const q = parseDecimal(t, 6);
  if (q < 0) inexact(path, t);
  return q;
}

export function sideOf(v: unknown, path: string): Side {
  if (v === 'BUY' || v === 'SELL') return v;
  return fail('invalid_field', `${path}: Invalid option: expected one of "BUY"|"SELL"`);
}

/** 1..100 ASCII digits (a token id's shape). */
export function isDigits(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 100) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A CLOB token id: a decimal digit string. A JSON number is refused (it has lost digits already). */
export function tokenIdOf(v: unknown, path: string): string {
  if (typeof v !== 'string') invalidType(path, 'string', v);
  if (!isDigits(v)) fail('invalid_field', `${path}: token id ${show(v)} is not a decimal digit string`);
  return v;
}

export function strOf(v: unknown, path: string): string {
  if (typeof v !== 'string') invalidType(path, 'string', v);
  return v;
}

/** Optional string: absent or null -> null. */
export function optStrOf(v: unknown, path: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') invalidType(path, 'string', v);
  return v;
}

export function optBoolOf(v: unknown, path: string): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') invalidType(path, 'boolean', v);
  return v;
}

const SECONDS_LIMIT = 1e11;

/**
 * Exchange timestamp (string or number) -> epoch ms; absent, null or "" -> null.
 * Values below 1e11 are epoch seconds (user-channel `timestamp` is sometimes in seconds).
 */
export function timestampMsOf(v: unknown, path: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  let n: number;
  if (typeof v === 'number') {
    n = v;
  } else if (typeof v === 'string') {
    n = isDigits(v) && v.length <= 16 ? Number(v) : Number.NaN;
  } else {
    return invalidType(path, 'string', v);
  }
  if (!Number.isSafeInteger(n) || n < 0) fail('invalid_field', `${path}: ${show(v)} is not an epoch timestamp`);
  return n < SECONDS_LIMIT ? n * 1000 : n;
}

export const CONDITION_ID_RE = /^0x[0-9a-fA-F]{64}$/;

export function conditionIdOf(v: unknown, path: string): string {
  if (typeof v !== 'string') invalidType(path, 'string', v);
  if (!CONDITION_ID_RE.test(v)) fail('invalid_field', `${path}: ${show(v)} is not a condition id (0x + 64 hex)`);
  return v;
}
