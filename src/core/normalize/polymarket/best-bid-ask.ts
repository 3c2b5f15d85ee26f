/**
 * `best_bid_ask` (market channel, custom feature) -> BestBidAsk.
 *
 * Invariants
 * - best_bid "0" and best_ask "1" mean that side is empty (no order can rest at 0 or 1) -> null, as do
 *   absent or "" values. So null always means "no top on that side", matching an empty book side.
 * - `spread` is not kept: it is derivable, and a cross-check only.
 * - Without event_type: a message with `best_bid`/`best_ask` and no price/price_changes.
 */
import { z } from 'zod';
import type { BestBidAsk } from '../../types/events.ts';
import { timestampMsOf, tokenIdOf, topOf } from './fields.ts';
import { defineMapper, parseWith } from './mapper.ts';

export const BestBidAskSchema = z.object({
  event_type: z.literal('best_bid_ask').optional(),
  market: z.string().nullish(),
  asset_id: z.string(),
  best_bid: z.string().nullish(),
  best_ask: z.string().nullish(),
  spread: z.string().nullish(),
  timestamp: z.string().optional(),
});

export const bestBidAskMapper = defineMapper({
  eventType: 'best_bid_ask',
  matchesShape: (m) => (m.best_bid !== undefined || m.best_ask !== undefined) && m.price === undefined && m.price_changes === undefined,
  map(msg, sink) {
    const w = parseWith(BestBidAskSchema, msg);
    const e: BestBidAsk = {
      type: 'best_bid_ask',
      ...sink.origin(timestampMsOf(w.timestamp, 'timestamp')),
      market: w.market ?? null,
      assetId: tokenIdOf(w.asset_id, 'asset_id'),
      bestBid: topOf(w.best_bid, 'best_bid', 'bid'),
      bestAsk: topOf(w.best_ask, 'best_ask', 'ask'),
    };
    sink.push(e);
  },
});
