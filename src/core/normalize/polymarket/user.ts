/**
 * User channel (`/ws/user`): `order` -> UserOrderUpdated, `trade` -> UserTradeUpdated.
 *
 * Invariants
 * - Status strings are kept exactly as sent (LIVE, MATCHED, CANCELED, INVALID, MINED, CONFIRMED,
 *   "CANCELED_order couldn't be fully filled..."): poly never trades, it only records and reads them.
 * - `original_size` / `size_matched` may be "" (FOK kill) -> null. Prices/sizes are exact Px/Qty.
 * - exchMs = `timestamp`; the user channel sends it in ms or in seconds (values < 1e11 are seconds).
 * - The order `type` (PLACEMENT/UPDATE/CANCELLATION) is not kept: `status` carries the state.
 * - Without event_type: `type` PLACEMENT/UPDATE/CANCELLATION or an `original_size` -> order;
 *   `type` TRADE or a `taker_order_id` -> trade (the REST `/data/trades` object has this shape).
 *
 * Known limits: maker_orders[] of a trade are not normalized (poly's paper engine never needs them).
 */
import { z } from 'zod';
import type { UserOrderUpdated, UserTradeUpdated } from '../../types/events.ts';
import { optQtyOf, pxOf, qtyOf, timestampMsOf, tokenIdOf } from './fields.ts';
import { defineMapper, MapperSet, parseWith } from './mapper.ts';

const Side = z.enum(['BUY', 'SELL']);
const Ts = z.union([z.string(), z.number()]).nullish();

export const UserOrderSchema = z.object({
  event_type: z.literal('order').optional(),
  id: z.string(),
  market: z.string().nullish(),
  asset_id: z.string(),
  side: Side,
  price: z.string(),
  original_size: z.string().nullish(),
  size_matched: z.string().nullish(),
  status: z.string(),
  order_type: z.string().nullish(),
  type: z.string().nullish(),
  timestamp: Ts,
});

export const UserTradeSchema = z.object({
  event_type: z.literal('trade').optional(),
  id: z.string(),
  market: z.string().nullish(),
  asset_id: z.string(),
  side: Side,
  price: z.string(),
  size: z.string(),
  status: z.string(),
  timestamp: Ts,
});

const ORDER_TYPES = new Set(['PLACEMENT', 'UPDATE', 'CANCELLATION']);

export const userOrderMapper = defineMapper({
  eventType: 'order',
  matchesShape: (m) => (typeof m.type === 'string' && ORDER_TYPES.has(m.type)) || (m.type === undefined && m.original_size !== undefined),
  map(msg, sink) {
    const w = parseWith(UserOrderSchema, msg);
    const e: UserOrderUpdated = {
      type: 'user_order',
      ...sink.origin(timestampMsOf(w.timestamp, 'timestamp')),
      orderId: w.id,
      market: w.market ?? null,
      assetId: tokenIdOf(w.asset_id, 'asset_id'),
      side: w.side,
      px: pxOf(w.price, 'price'),
      originalQty: optQtyOf(w.original_size, 'original_size'),
      matchedQty: optQtyOf(w.size_matched, 'size_matched'),
      status: w.status,
      orderType: w.order_type ?? null,
    };
    sink.push(e);
  },
});

export const userTradeMapper = defineMapper({
  eventType: 'trade',
  matchesShape: (m) => m.type === 'TRADE' || (m.type === undefined && m.taker_order_id !== undefined),
  map(msg, sink) {
    const w = parseWith(UserTradeSchema, msg);
    const e: UserTradeUpdated = {
      type: 'user_trade',
      ...sink.origin(timestampMsOf(w.timestamp, 'timestamp')),
      tradeId: w.id,
      market: w.market ?? null,
      assetId: tokenIdOf(w.asset_id, 'asset_id'),
      side: w.side,
      px: pxOf(w.price, 'price'),
      qty: qtyOf(w.size, 'size'),
      status: w.status,
    };
    sink.push(e);
  },
});

export const USER_MAPPERS = new MapperSet([userOrderMapper, userTradeMapper]);
