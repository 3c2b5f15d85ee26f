/**
 * Validation of a paper order when it ARRIVES at the venue (PROTOCOL.md §5): the first failing rule wins
 * and becomes an OrderRejected with a stable `code: detail` reason (codes in REJECT_CODES). Pure: it reads
 * the order, the market registry's facts (metadata, resolved, stale), the book and, for the rules that
 * depend on available liquidity, the matching core (crossing price, worth against the book).
 *
 * Rules, in order: duplicate clientId (checked by the orchestrator before this); sizing (GTC/GTD and
 * FOK/FAK SELL: qty > 0; FOK/FAK BUY: amount > 0); post-only only with GTC/GTD; GTD needs expireNs >
 * arrival, expireNs only with GTD; market known (metadata), not resolved/closed/refusing orders; book
 * present, valid (not awaiting a snapshot after a tick change) and not stale (feed loss); price a multiple
 * of the tick (book's, else the market's) within [tick, 1 - tick]; GTC/GTD qty >= orderMinSize (default 5
 * shares); worth >= $1 for FOK/FAK and for a GTC/GTD BUY that crosses (qty x limit); post-only rejected if
 * any available (non-consumed) opposite liquidity lies within its limit.
 */
import type { Cash, Px, Qty } from '../types/fixed.ts';
import { PX_ONE, formatCash, formatPx, formatQty, notional } from '../types/fixed.ts';
import type { MatchBookView, OrderRec } from './order-state.ts';

/** Stable reject codes (the part of OrderRejected.reason before ':'). */
export const REJECT_CODES = [
  'duplicate_client_id', 'invalid_size', 'post_only_not_allowed', 'expiry_not_in_future', 'expiry_without_gtd',
  'unknown_asset', 'market_resolved', 'market_closed', 'not_accepting_orders', 'no_book', 'book_invalid',
  'book_stale', 'unknown_tick_size', 'price_off_tick', 'price_out_of_range', 'below_min_size',
  'below_min_notional', 'post_only_would_cross',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

/** What validation reads besides the order. */
export interface ValidationContext {
  readonly minSize: Qty;
  readonly minNotional: Cash;
  book(assetId: string): MatchBookView | undefined;
  isResolved(assetId: string): boolean;
  isStale(canon: string): boolean;
  /** Price of the first opposite level with available liquidity within the limit, or null. */
  crossingPx(rec: OrderRec): Px | null;
  /** What a FOK/FAK is worth for the $1 rule (a BUY its amount, a SELL what it would sell for now). */
  worthNow(rec: OrderRec, view: MatchBookView): Cash;
}

/** The reject reason of an arriving order, or null when it is accepted. */
export function validateOrder(rec: OrderRec, t: bigint, v: ValidationContext): string | null {
  const c = rec.cmd;
  const resting = c.tif === 'GTC' || c.tif === 'GTD';
  if (resting) {
    if (c.qty === null || !(c.qty > 0) || c.amount !== null) return `invalid_size: ${c.tif} orders are sized in shares (qty > 0, amount null)`;
  } else if (c.side === 'BUY') {
    if (c.amount === null || c.amount <= 0n || c.qty !== null) return `invalid_size: ${c.tif} BUY orders are sized in dollars (amount > 0, qty null)`;
  } else if (c.qty === null || !(c.qty > 0) || c.amount !== null) {
    return `invalid_size: ${c.tif} SELL orders are sized in shares (qty > 0, amount null)`;
  }
  if (c.postOnly && !resting) return `post_only_not_allowed: post-only needs GTC or GTD, got ${c.tif}`;
  if (c.tif === 'GTD') {
    if (c.expireNs === null || c.expireNs <= t) return `expiry_not_in_future: GTD expireNs ${c.expireNs ?? 'null'} <= arrival ${t}`;
  } else if (c.expireNs !== null) {
    return `expiry_without_gtd: expireNs is only valid with GTD, got ${c.tif}`;
  }
  const meta = rec.meta;
  if (meta === undefined) return `unknown_asset: no market metadata for token ${c.assetId}`;
  if (v.isResolved(c.assetId)) return `market_resolved: market ${meta.conditionId} is resolved`;
  if (meta.closed === true) return `market_closed: market ${meta.conditionId} is closed`;
  if (meta.acceptingOrders === false) return `not_accepting_orders: market ${meta.conditionId} is not accepting orders`;
  const view = v.book(c.assetId);
  if (view === undefined) return `no_book: no book for token ${c.assetId}`;
  if (!view.valid) return `book_invalid: book of ${c.assetId} awaits a snapshot after a tick-size change`;
  if (v.isStale(rec.canon)) return `book_stale: book of ${c.assetId} awaits a snapshot after a feed loss`;
  const tick = view.tickSize ?? meta.tickSize;
  if (tick === null || !(tick > 0)) return `unknown_tick_size: tick size of ${c.assetId} unknown`;
  if (c.px % tick !== 0) return `price_off_tick: ${formatPx(c.px)} is not a multiple of tick ${formatPx(tick)}`;
  if (c.px < tick || c.px > PX_ONE - tick) return `price_out_of_range: ${formatPx(c.px)} outside [${formatPx(tick)}, ${formatPx(PX_ONE - tick)}]`;
  if (resting) {
    const min = meta.minOrderSize ?? v.minSize;
    if ((c.qty ?? 0) < min) return `below_min_size: ${formatQty(c.qty ?? 0)} shares < minimum ${formatQty(min)}`;
  }
  const cross = v.crossingPx(rec);
  if (!resting) {
    const worth = v.worthNow(rec, view);
    if (worth < v.minNotional) {
      return `below_min_notional: marketable order worth $${formatCash(worth)} against the book within its limit < $${formatCash(v.minNotional)}`;
    }
  } else if (c.side === 'BUY' && cross !== null) {
    const worth = notional(c.px, c.qty ?? 0);
    if (worth < v.minNotional) return `below_min_notional: marketable order worth $${formatCash(worth)} < $${formatCash(v.minNotional)}`;
  }
  if (c.postOnly && cross !== null) return `post_only_would_cross: available liquidity at ${formatPx(cross)} within limit ${formatPx(c.px)}`;
  return null;
}
