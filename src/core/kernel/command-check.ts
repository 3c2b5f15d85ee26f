/**
 * Checks of what a strategy passes to its context's commands (ctx.buy, sell, marketBuy, marketSell,
 * cancel, cancelAll, merge): the one boundary between strategy code and the core. TypeScript types do not
 * hold at run time (a JavaScript strategy, a cast, a float from arithmetic), so every field is checked
 * here once; everything behind this point (risk, the paper exchange, the portfolio, the reports) trusts
 * its types.
 *
 * A failed check is returned as one sentence that names the call, the field, the value and the fix
 * (e.g. "ctx.buy: px 0.45 looks like dollars: prices are integer 1e-4 dollar ticks (Px), so write
 * px('0.45') = 4500"; the fixes name poly's unit constructors, src/core/strategy/units.ts); the kernel
 * turns it into an OrderDenied (rule invalid_order) and the run goes on. Unknown tokens and venue rules
 * (tick grid, minimum size, ...) are not checked here: they are the venue's (OrderRejected at arrival).
 *
 * Units (src/core/types/fixed.ts): Px = integer 1e-4 dollars in 1..9999; Qty = integer 1e-6 shares,
 * a safe integer > 0; Cash = bigint 1e-10 dollars; times = bigint ns since the epoch.
 */
import { PX_ONE, type Cash, type Px, type Qty } from '../types/fixed.ts';
import type { PlaceOrder, TimeInForce } from '../types/orders.ts';

const TIFS = ['GTC', 'GTD'] as const;
const MARKET_TIFS = ['FOK', 'FAK'] as const;

/** A value as a strategy author would recognise it: 0.45, 4500n, "0.45" (a string), NaN, missing. */
export function shown(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return `${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)} (a string)`;
  if (typeof v === 'boolean') return `${v} (a boolean)`;
  return `a ${Array.isArray(v) ? 'array' : typeof v}`;
}

const typed = (v: unknown): string => (typeof v === 'number' || typeof v === 'bigint' ? `${shown(v)}${typeof v === 'number' ? ' (a number)' : ''}` : shown(v));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A price in ticks (Px). */
export function checkPx(field: string, v: unknown): string | null {
  if (typeof v === 'bigint') return `${field} ${shown(v)} is a bigint: prices are numbers (Px, integer 1e-4 dollar ticks), e.g. px('0.45') = 4500 or px.ticks(4500)`;
  if (typeof v !== 'number') return `${field} ${shown(v)} must be a number of 1e-4 dollar ticks (Px), e.g. px('0.45') = 4500`;
  if (!Number.isFinite(v)) return `${field} ${shown(v)} is not a number of ticks: prices are integer 1e-4 dollar ticks (Px) in 1..${PX_ONE - 1}, e.g. px('0.45') = 4500`;
  if (!Number.isInteger(v)) {
    if (v > 0 && v < 1) return `${field} ${shown(v)} looks like dollars: prices are integer 1e-4 dollar ticks (Px), so write px('${v}') = ${Math.round(v * PX_ONE)}`;
    return `${field} ${shown(v)} is not a whole number of ticks (Px = 1e-4 dollars): round it to the market tick`;
  }
  if (v < 1 || v >= PX_ONE) return `${field} ${shown(v)} is outside 1..${PX_ONE - 1} ticks (Px = 1e-4 dollars; 0.0001 to 0.9999 dollars)`;
  return null;
}

/** A share size (Qty), > 0. */
export function checkQty(field: string, v: unknown): string | null {
  if (typeof v === 'bigint') return `${field} ${shown(v)} is a bigint: sizes are numbers (Qty, integer 1e-6 shares), e.g. qty('${v}') = ${v * 1_000_000n}`;
  if (typeof v !== 'number') return `${field} ${shown(v)} must be a number of 1e-6 shares (Qty), e.g. qty('10') = 10000000`;
  if (!Number.isFinite(v)) return `${field} ${shown(v)} is not a number of shares: sizes are integer 1e-6 shares (Qty), e.g. qty('10') = 10000000`;
  if (!Number.isInteger(v)) return `${field} ${shown(v)} is not a whole number of 1e-6 shares (Qty): write qty('${v}') = ${Math.round(v * 1_000_000)} for ${v} shares`;
  if (v <= 0) return `${field} ${shown(v)} must be more than 0 shares`;
  if (!Number.isSafeInteger(v)) return `${field} ${shown(v)} is too large for an exact share count (at most ${Number.MAX_SAFE_INTEGER} = 9 billion shares)`;
  return null;
}

/** A dollar amount (Cash), > 0. */
export function checkCash(field: string, v: unknown): string | null {
  if (typeof v !== 'bigint') return `${field} ${typed(v)} must be a bigint of 1e-10 dollars (Cash), e.g. usd('5') or usd.raw(50_000_000_000n)`;
  if (v <= 0n) return `${field} ${shown(v)} must be more than 0 dollars`;
  return null;
}

function checkToken(field: string, v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return `${field} ${typed(v)} must be a token id string, e.g. ctx.market(id).tokens[0].tokenId`;
  return null;
}

function checkOneOf(field: string, v: unknown, allowed: readonly string[]): string | null {
  if (v === undefined || (typeof v === 'string' && allowed.includes(v))) return null;
  return `${field} ${typeof v === 'string' ? JSON.stringify(v) : shown(v)} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`;
}

function firstProblem(verb: string, checks: readonly (string | null)[]): string | null {
  const p = checks.find((c) => c !== null);
  return p === undefined || p === null ? null : `ctx.${verb}: ${p}`;
}

/** ctx.buy / ctx.sell spec: a resting order, GTC (no expiry) or GTD (expireNs required). */
export function checkLimitSpec(verb: 'buy' | 'sell', spec: unknown): string | null {
  if (!isObject(spec)) return `ctx.${verb}: the order must be an object { assetId, px, qty, tif?, postOnly?, expireNs? }, got ${shown(spec)}`;
  const { assetId, px, qty, tif, postOnly, expireNs } = spec;
  const market = verb === 'buy' ? 'marketBuy({ assetId, spend, worstPx, tif })' : 'marketSell({ assetId, qty, worstPx, tif })';
  return firstProblem(verb, [
    checkToken('assetId', assetId),
    checkPx('px', px),
    checkQty('qty', qty),
    tif === 'FOK' || tif === 'FAK' ? `tif '${tif}' is for market orders: a limit order rests (GTC or GTD); to take liquidity now use ctx.${market}` : checkOneOf('tif', tif, TIFS),
    postOnly === undefined || typeof postOnly === 'boolean' ? null : `postOnly ${shown(postOnly)} must be true or false`,
    tif === 'GTD' && expireNs === undefined ? `a GTD order needs expireNs, its expiry in ns since the epoch, e.g. ctx.now() + 60_000_000_000n` : null,
    tif !== 'GTD' && expireNs !== undefined ? `expireNs ${typed(expireNs)} is only for tif 'GTD' (this order is GTC, which never expires): add tif: 'GTD' or drop expireNs` : null,
    expireNs === undefined || typeof expireNs === 'bigint'
      ? null
      : `expireNs ${typed(expireNs)} must be a bigint of nanoseconds since the epoch, e.g. ctx.now() + 60_000_000_000n`,
  ]);
}

/** ctx.marketBuy (spend, in dollars) / ctx.marketSell (qty, in shares) spec. */
export function checkMarketSpec(verb: 'marketBuy' | 'marketSell', spec: unknown): string | null {
  if (!isObject(spec)) return `ctx.${verb}: the order must be an object { assetId, ${verb === 'marketBuy' ? 'spend' : 'qty'}, worstPx?, tif? }, got ${shown(spec)}`;
  const { assetId, spend, amount, qty, worstPx, tif } = spec;
  const buy = verb === 'marketBuy';
  return firstProblem(verb, [
    checkToken('assetId', assetId),
    amount !== undefined ? `amount ${shown(amount)}: the field is called ${buy ? 'spend (dollars, Cash)' : 'qty (shares, Qty) on a SELL'}` : null,
    buy ? checkCash('spend', spend) : checkQty('qty', qty),
    buy && qty !== undefined ? `qty ${shown(qty)}: a market BUY is sized in dollars (spend), not shares` : null,
    !buy && spend !== undefined ? `spend ${shown(spend)}: a market SELL is sized in shares (qty), not dollars` : null,
    worstPx === undefined ? null : checkPx('worstPx', worstPx),
    checkOneOf('tif', tif, MARKET_TIFS),
  ]);
}

export function checkCancel(clientId: unknown): string | null {
  return typeof clientId === 'string' ? null : `ctx.cancel: clientId ${typed(clientId)} must be the string a command returned`;
}

export function checkCancelAll(filter: unknown): string | null {
  if (filter === undefined) return null;
  if (!isObject(filter)) return `ctx.cancelAll: the filter must be an object { market?, assetId? } or nothing, got ${shown(filter)}`;
  for (const k of ['market', 'assetId'] as const) {
    const v = filter[k];
    if (v !== undefined && typeof v !== 'string') return `ctx.cancelAll: ${k} ${typed(v)} must be a string (condition id or token id)`;
  }
  return null;
}

export function checkMerge(market: unknown, qty: unknown): string | null {
  return firstProblem('merge', [
    typeof market === 'string' && market !== '' ? null : `market ${typed(market)} must be a condition id string, e.g. ctx.market(assetId).conditionId`,
    checkQty('qty', qty),
  ]);
}

/**
 * The order as far as it can be read, for the journal row of a refused command: fields that failed their
 * check become neutral (px 0, sizes null, defaults), so reports never print a NaN or a bigint price. The
 * row's reason names what was wrong.
 */
export function readablePlace(clientId: string, side: 'BUY' | 'SELL', spec: unknown, market: boolean): PlaceOrder {
  const o = isObject(spec) ? spec : {};
  const pxField = market ? o['worstPx'] : o['px'];
  const tif = o['tif'];
  const allowed: readonly string[] = market ? MARKET_TIFS : TIFS;
  return {
    type: 'place',
    clientId,
    assetId: typeof o['assetId'] === 'string' ? o['assetId'] : shown(o['assetId']),
    side,
    tif: typeof tif === 'string' && allowed.includes(tif) ? (tif as TimeInForce) : market ? 'FOK' : 'GTC',
    px: checkPx('px', pxField) === null ? (pxField as Px) : 0,
    qty: checkQty('qty', o['qty']) === null ? (o['qty'] as Qty) : null,
    amount: checkCash('spend', o['spend']) === null ? (o['spend'] as Cash) : null,
    postOnly: o['postOnly'] === true,
    expireNs: typeof o['expireNs'] === 'bigint' ? o['expireNs'] : null,
  };
}
