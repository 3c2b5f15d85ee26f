/**
 * Exact values from text for strategy code: `px('0.41')` (a price in [0, 1] on the 0.0001 grid -> Px ticks),
 * `qty('10')` (shares, at most 6 decimals -> Qty micro-shares), `usd('5')` (dollars, at most 10 decimals ->
 * Cash). Text, never a JS number, so no binary floating point is involved; bad text throws an Error that
 * names the constructor and the text (in a hook, that stops the strategy with this message and its line).
 *
 * These return today's plain Px/Qty/Cash (number, number, bigint); branded types come later (issue 9 item 3)
 * with the same constructors.
 */
import { parseCash, parsePx, parseQty, type Cash, type Px, type Qty } from '../types/fixed.ts';

function check<T>(fn: string, text: unknown, parse: (s: string) => T | null, what: string): T {
  if (typeof text !== 'string') throw new TypeError(`${fn}() takes text such as ${fn}('${fn === 'px' ? '0.41' : fn === 'qty' ? '10' : '5'}'), got ${typeof text} ${String(text)}`);
  const v = parse(text.trim());
  if (v === null) throw new RangeError(`${fn}('${text}'): ${what}`);
  return v;
}

/** A price from text: '0.41' -> 4100 ticks of 0.0001. Throws on anything outside [0, 1] or off the grid. */
export const px = (text: string): Px => check('px', text, parsePx, 'not a price in [0, 1] with at most 4 decimals');

/** A share quantity from text: '10' -> 10_000_000 micro-shares. Throws on a negative or a 7th decimal. */
export const qty = (text: string): Qty => check('qty', text, parseQty, 'not a share quantity (>= 0, at most 6 decimals)');

/** A dollar amount from text: '5' -> 5 * 1e10 Cash. Throws on anything but a plain decimal with at most 10 decimals. */
export const usd = (text: string): Cash => check('usd', text, parseCash, 'not a dollar amount (a plain decimal, at most 10 decimals)');
