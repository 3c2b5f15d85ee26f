/**
 * One parser per unit for every command-line flag of every command (src/cli/flags.ts holds the table of
 * which flag takes which unit): the same syntax everywhere, exact values, and a one-line error that names
 * the flag, e.g. `--latency 'soon' is not a duration (e.g. 0, 500ms, 1.5s, 10m, 1h)`.
 *
 * Syntax
 * - duration: `0`, or a number (decimals allowed) and a unit ns, us, ms, s, m, h or d, case-insensitive;
 *   the value must be a whole number of ns. A bare number other than 0 is refused (seconds? milliseconds?).
 *   Flags read in milliseconds must be whole milliseconds.
 * - size: a byte count, or a number and B, KB, MB, GB (1000) or KiB, MiB, GiB (1024); positive, whole bytes.
 * - dollars: a plain decimal with at most 10 decimals (1e-10 dollars, the Cash unit), not negative.
 * - price: a decimal in [0, 1] on the 0.0001 grid (Px).
 * - time: ISO-8601 UTC: a date (2026-05-01), a date and hour (2026-05-01T13), minutes, seconds and up to 9
 *   decimals of seconds; `Z` or +00:00 or nothing (UTC).
 * - count: a whole number within the flag's bounds.
 * Pure: no clock, no locale.
 */
import { CliError } from './errors.ts';
import { nsFromIso } from './time.ts';
import { parseCash, parsePx, type Cash, type Px } from './types/fixed.ts';

export type Unit = 'duration' | 'size' | 'dollars' | 'price' | 'time' | 'count';

/** What each unit looks like, for errors and help: "(e.g. ...)". */
export const UNIT_EXAMPLES: Readonly<Record<Unit, string>> = {
  duration: '0, 500ms, 1.5s, 10m, 1h',
  size: '256MiB, 1GiB, 64KB or a byte count',
  dollars: '1000 or 250.50',
  price: '0.41',
  time: '2026-05-01, 2026-05-01T13 or 2026-05-01T13:30:00Z',
  count: '10',
};

const NOUN: Readonly<Record<Unit, string>> = {
  duration: 'a duration', size: 'a size', dollars: 'a dollar amount', price: 'a price in [0, 1] on the 0.0001 grid',
  time: 'an ISO-8601 UTC time', count: 'a whole number',
};

/** The one-line error of a bad flag value. */
export function unitError(unit: Unit, text: string, flag: string, extra = ''): CliError {
  return new CliError(`${flag} '${text}' is not ${NOUN[unit]}${extra} (e.g. ${UNIT_EXAMPLES[unit]})`, 'usage');
}

const DURATION_NS: Readonly<Record<string, bigint>> = {
  ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n,
};
const SIZE_BYTES: Readonly<Record<string, bigint>> = { b: 1n, kb: 1000n, mb: 1000n ** 2n, gb: 1000n ** 3n, kib: 1024n, mib: 1024n ** 2n, gib: 1024n ** 3n };

/** "1.5" x unit -> an exact integer, or null when it is not one. */
function scaled(int: string, frac: string, unit: bigint): bigint | null {
  const den = 10n ** BigInt(frac.length);
  const num = BigInt(int + frac) * unit;
  return num % den === 0n ? num / den : null;
}

/** Duration flag -> ns. */
export function parseDuration(text: string, flag: string): bigint {
  const t = text.trim();
  if (t === '0') return 0n;
  const m = /^(\d+)(?:\.(\d+))?(ns|us|ms|s|m|h|d)$/i.exec(t);
  const v = m === null ? null : scaled(m[1]!, m[2] ?? '', DURATION_NS[m[3]!.toLowerCase()]!);
  if (v === null) throw unitError('duration', text, flag);
  return v;
}

/** Duration flag -> whole milliseconds (for the settings kept in ms). */
export function parseDurationMs(text: string, flag: string): number {
  const ns = parseDuration(text, flag);
  if (ns % 1_000_000n !== 0n || ns / 1_000_000n > BigInt(Number.MAX_SAFE_INTEGER)) throw unitError('duration', text, flag, ' of whole milliseconds');
  return Number(ns / 1_000_000n);
}

/** Size flag -> bytes (positive). */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+)(?:\.(\d+))?\s*(b|kb|mb|gb|kib|mib|gib)?$/i.exec(text.trim());
  const v = m === null ? null : scaled(m[1]!, m[2] ?? '', SIZE_BYTES[(m[3] ?? 'b').toLowerCase()]!);
  if (v === null || v <= 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw unitError('size', text, flag, ' of whole bytes above 0');
  return Number(v);
}

/** Dollar flag -> Cash (not negative). */
export function parseDollars(text: string, flag: string): Cash {
  const v = parseCash(text.trim());
  if (v === null || v < 0n) throw unitError('dollars', text, flag);
  return v;
}

/** Price flag -> Px. */
export function parsePrice(text: string, flag: string): Px {
  const v = /^\d+(\.\d+)?$/.test(text.trim()) ? parsePx(text.trim()) : null;
  if (v === null) throw unitError('price', text, flag);
  return v;
}

/** Time flag -> ns since the epoch. */
export function parseTime(text: string, flag: string): bigint {
  const t = text.trim();
  // a date and an hour only ("2026-05-01T13") means the top of that hour
  const withMinutes = /^\d{4}-\d{2}-\d{2}T\d{2}(Z|[+-]00:?00)?$/.test(t) ? t.replace(/^(\d{4}-\d{2}-\d{2}T\d{2})/, '$1:00') : t;
  const ns = nsFromIso(withMinutes);
  if (ns === null) throw unitError('time', text, flag);
  return ns;
}

/** Count flag -> an integer within [min, max]. */
export function parseCount(text: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw unitError('count', text, flag, max === Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ` in ${min}..${max}`);
  return n;
}
