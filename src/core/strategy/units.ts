/**
 * The strategy API's branded units and their only constructors.
 *
 * Design
 * - `Px`, `Qty` and `Cash` here ARE the core's fixed-point values (src/core/types/fixed.ts: Px = integer
 *   1e-4 dollar ticks and Qty = integer 1e-6 shares, both JS numbers; Cash = bigint 1e-10 dollars) with a
 *   compile-time brand: `type Px = core Px & { [unit]: 'Px' }`. Same representation, no wrapper, no run-time
 *   cost. On the strategy surface (src/core/strategy/api.ts: order specs, ctx arguments, ctx getters, book
 *   views, positions, open orders, hook events, market metadata) only branded values typecheck: a plain `4100` or `0.41` where a Px is
 *   expected is a type error, and a Qty is not a Px (nor a Cash a Qty).
 * - The core keeps the unbranded aliases: a branded value is assignable to them (so strategies can hand
 *   ctx values to `notional`, `formatPx`, ... unchanged), never the other way round without a constructor.
 *   Branding the core too would need a cast at every integer operation in the book, matching and portfolio
 *   for no gain: those values never come from user code, and everything that does is checked at the edge.
 * - What the kernel hands out (book levels, positions, cash, fees, open orders, events, metadata) is branded
 *   without a run-time check: every such value is an integer of its unit by the core's invariants (fixed.ts);
 *   the casts live in one file, src/core/strategy/surface.ts.
 * - `BookView.mid()` is deliberately NOT a Px: it can be a half tick (4950.5), which is not a valid order
 *   price. Rounding it to the tick and checking it (strategies/lib/helpers.ts floorToTick then clampPx, or
 *   px.ticks of your own rounding) is what makes it one, so passing a raw mid as an order price is a type error.
 * - Events passed to hooks (OrderFilled, TradePrinted, BestBidAsk, OrderEvent, ...) and MarketMeta are the
 *   core's types with their unit fields branded (`Branded<T>` in api.ts): `fill.qty` is a Qty, `meta.tickSize`
 *   a Px. The kernel passes the core's objects unchanged (src/core/strategy/surface.ts: KernelHooks).
 *
 * Constructors
 * - From text (exact; no binary floating point): `px('0.41')` -> 4100 ticks, `qty('10')` -> 10_000_000,
 *   `usd('5')` -> 5 * 1e10. Bad text throws an Error naming the constructor and the text.
 * - From integers, for arithmetic: `px.ticks(bid + tick)`, `qty.micro(held - sold)`, `usd.raw(a - b)`.
 *   Each checks its value (an integer tick in 0..10000; a safe integer >= 0 of micro-shares; a bigint) and
 *   throws a RangeError naming the value otherwise, so a NaN, a fraction or a dollar figure never becomes a
 *   Px silently. In a hook, a throw stops the strategy with this message and its file:line.
 * - Nothing else makes a branded value (short of a cast). Values that reach ctx.buy / ctx.marketBuy / ...
 *   are checked again at run time (src/core/kernel/command-check.ts): a bad value, even one made by a cast
 *   or from plain JavaScript, is an OrderDenied (rule invalid_order) with a reason, never a crash.
 */
import { PX_ONE, parseCash, parsePx, parseQty, type Cash as CoreCash, type Px as CorePx, type Qty as CoreQty } from '../types/fixed.ts';

declare const unit: unique symbol;
/** A price: integer 1e-4 dollar ticks (4100 = $0.41), branded. Make one with px('0.41') or px.ticks(n). */
export type Px = CorePx & { readonly [unit]: 'Px' };
/** A share quantity: integer 1e-6 shares (10_000_000 = 10 shares), branded. Make one with qty('10') or qty.micro(n). */
export type Qty = CoreQty & { readonly [unit]: 'Qty' };
/** Dollars: bigint 1e-10 dollars (50_000_000_000n = $5), branded. Make one with usd('5') or usd.raw(n). */
export type Cash = CoreCash & { readonly [unit]: 'Cash' };

const example = { px: '0.41', qty: '10', usd: '5' } as const;

function fromText<T>(fn: 'px' | 'qty' | 'usd', text: unknown, parse: (s: string) => number | bigint | null, what: string): T {
  if (typeof text !== 'string') throw new TypeError(`${fn}() takes text such as ${fn}('${example[fn]}'), got ${typeof text} ${show(text)}`);
  const v = parse(text.trim());
  if (v === null) throw new RangeError(`${fn}('${text}'): ${what}`);
  return v as T;
}

const show = (v: unknown): string => (typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v));

/** A price from text: '0.41' -> 4100 ticks of 0.0001. Throws on anything outside [0, 1] or off the grid. */
export const px = Object.assign((text: string): Px => fromText<Px>('px', text, parsePx, 'not a price in [0, 1] with at most 4 decimals'), {
  /** An integer count of ticks (0..10000) as a Px, e.g. px.ticks(bid + tick); throws on NaN, a fraction or out of range. */
  ticks(n: number): Px {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > PX_ONE) throw new RangeError(`px.ticks(${show(n)}): a price is an integer number of 1e-4 dollar ticks in 0..${PX_ONE} (px('0.41') = px.ticks(4100))`);
    return n as Px;
  },
});

/** A share quantity from text: '10' -> 10_000_000 micro-shares. Throws on a negative or a 7th decimal. */
export const qty = Object.assign((text: string): Qty => fromText<Qty>('qty', text, parseQty, 'not a share quantity (>= 0, at most 6 decimals)'), {
  /** An integer count of 1e-6 shares (>= 0, a safe integer) as a Qty, e.g. qty.micro(held - sold); throws otherwise. */
  micro(n: number): Qty {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new RangeError(`qty.micro(${show(n)}): a quantity is a whole, non-negative number of 1e-6 shares (qty('10') = qty.micro(10_000_000))`);
    return n as Qty;
  },
});

/** A dollar amount from text: '5' -> 5 * 1e10 Cash. Throws on anything but a plain decimal with at most 10 decimals. */
export const usd = Object.assign((text: string): Cash => fromText<Cash>('usd', text, parseCash, 'not a dollar amount (a plain decimal, at most 10 decimals)'), {
  /** A bigint count of 1e-10 dollars as Cash (may be negative: cash and P&L can be), e.g. usd.raw(budget - spent). */
  raw(n: bigint): Cash {
    if (typeof n !== 'bigint') throw new RangeError(`usd.raw(${show(n)}): dollars are a bigint of 1e-10 dollars (usd('5') = usd.raw(50_000_000_000n))`);
    return n as Cash;
  },
});
