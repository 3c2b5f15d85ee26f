/**
 * `last_trade_price` (market channel) -> TradePrinted.
 *
 * Invariants
 * - `side` is the taker side as sent (BUY = the taker bought this token); only "BUY"/"SELL" accepted.
 * - `fee_rate_bps` (integer string, often "0" even in fee markets: do not compute fees from it) and
 *   `transaction_hash` (absent in older captures) are optional -> null.
 * - Without event_type, a message with asset_id/price/side/size and no `hash` is a trade print (a flat
 *   price_change always carries the book hash; see price-change.ts). Only trimmed captures need this.
 *
 * Hot path: hand-written guards; `LastTradePriceSchema` documents the shape.
 */
import { z } from 'zod';
import type { TradePrinted } from '../../types/events.ts';
import { fail, invalidType, optStrOf, pxOf, qtyOf, show, sideOf, timestampMsOf, tokenIdOf } from './fields.ts';
import { defineMapper } from './mapper.ts';

export const LastTradePriceSchema = z.object({
  event_type: z.literal('last_trade_price').optional(),
  market: z.string().nullish(),
  asset_id: z.string(),
  price: z.string(),
  size: z.string(),
  side: z.enum(['BUY', 'SELL']),
  fee_rate_bps: z.string().nullish(),
  transaction_hash: z.string().nullish(),
  timestamp: z.string().optional(),
});

/** "0", "150" -> number; absent/null/"" -> null. */
export function feeRateBpsOf(v: unknown, path: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' && typeof v !== 'number') return invalidType(path, 'string', v);
  const n = typeof v === 'number' ? v : /^\d{1,9}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) fail('invalid_field', `${path}: ${show(v)} is not a whole number of basis points`);
  return n;
}

export const lastTradeMapper = defineMapper({
  eventType: 'last_trade_price',
  matchesShape: (m) =>
    m.asset_id !== undefined && m.price !== undefined && m.side !== undefined && m.size !== undefined && m.hash === undefined &&
    m.maker_orders === undefined && m.taker_order_id === undefined,
  map(msg, sink) {
    const assetId = tokenIdOf(msg.asset_id, 'asset_id');
    const exchMs = timestampMsOf(msg.timestamp, 'timestamp');
    const r = sink.raw;
    const e: TradePrinted = {
      type: 'trade',
      recvNs: r.recvNs,
      source: r.source,
      seq: r.seq,
      sub: sink.out.length,
      conn: r.conn,
      exchMs,
      market: optStrOf(msg.market, 'market'),
      assetId,
      px: pxOf(msg.price, 'price'),
      qty: qtyOf(msg.size, 'size'),
      takerSide: sideOf(msg.side, 'side'),
      feeRateBps: feeRateBpsOf(msg.fee_rate_bps, 'fee_rate_bps'),
      txHash: optStrOf(msg.transaction_hash, 'transaction_hash'),
    };
    sink.push(e);
  },
});
