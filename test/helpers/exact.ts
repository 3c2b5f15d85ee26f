/**
 * Exact test values from decimal strings; a typo in a test is an error, never a silent null. They return the
 * strategy API's branded units (src/core/strategy/units.ts), which the core's plain types also accept.
 */
import type { Cash, Px, Qty } from '../../src/core/strategy/units.ts';
import { CASH_SCALE, parsePx, parseQty } from '../../src/core/types/fixed.ts';

export const px = (s: string): Px => {
  const v = parsePx(s);
  if (v === null) throw new Error(`bad px ${s}`);
  return v as Px;
};
export const qty = (s: string): Qty => {
  const v = parseQty(s);
  if (v === null) throw new Error(`bad qty ${s}`);
  return v as Qty;
};
/** Dollars as a decimal string -> Cash (1e-10). */
export const usd = (s: string): Cash => {
  const m = /^(-)?(\d+)(?:\.(\d{1,10}))?$/.exec(s);
  if (m === null) throw new Error(`bad usd ${s}`);
  const v = BigInt(m[2]!) * CASH_SCALE + BigInt((m[3] ?? '').padEnd(10, '0'));
  return (m[1] === undefined ? v : -v) as Cash;
};
