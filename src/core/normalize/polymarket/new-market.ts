/**
 * `new_market` (market channel, custom feature; global: every connection gets every listing)
 * -> MarketListed via 'new_market'.
 *
 * Invariants
 * - conditionId = `condition_id`, else `market`; must be 0x + 64 hex.
 * - tokens zip `assets_ids` (else `clob_token_ids`) with `outcomes` (token order = outcome order).
 * - tickSize from `order_price_min_tick_size` (string or number, exact); minOrderSize from
 *   `order_min_size` when sent (the announcement usually has none -> null).
 * - fee_schedule {rate, exponent, taker_only, rebate_rate} -> FeeSchedule; absent -> null.
 *   fees_enabled / neg_risk absent -> false. eventSlug = event_message.slug.
 * - Without event_type: a message with `question` and asset ids (and no winning_asset_id).
 */
import { z } from 'zod';
import type { MarketListed } from '../../types/events.ts';
import type { MarketMeta } from '../../types/market.ts';
import { conditionIdOf, optPxFromNumber, optQtyFromNumber, timestampMsOf, type Wire } from './fields.ts';
import { defineMapper, parseWith } from './mapper.ts';
import { WS_FEE_KEYS, feeScheduleOf, tagsOf, zipTokens } from './meta.ts';

const StrOrNum = z.union([z.string(), z.number()]);

export const NewMarketSchema = z.object({
  event_type: z.literal('new_market').optional(),
  id: StrOrNum.nullish(),
  market: z.string().nullish(),
  condition_id: z.string().nullish(),
  question: z.string().nullish(),
  slug: z.string().nullish(),
  assets_ids: z.array(z.unknown()).nullish(),
  clob_token_ids: z.array(z.unknown()).nullish(),
  outcomes: z.array(z.unknown()).nullish(),
  event_message: z.object({ slug: z.string().nullish() }).nullish(),
  tags: z.array(z.unknown()).nullish(),
  active: z.boolean().nullish(),
  closed: z.boolean().nullish(),
  accepting_orders: z.boolean().nullish(),
  neg_risk: z.boolean().nullish(),
  fees_enabled: z.boolean().nullish(),
  fee_schedule: z.unknown().optional(),
  order_price_min_tick_size: StrOrNum.nullish(),
  order_min_size: StrOrNum.nullish(),
  end_date: z.string().nullish(),
  timestamp: z.string().optional(),
});

export function newMarketToMeta(msg: Wire): MarketMeta {
  const w = parseWith(NewMarketSchema, msg);
  const ids = w.assets_ids ?? w.clob_token_ids ?? null;
  return {
    conditionId: conditionIdOf(w.condition_id ?? w.market, w.condition_id != null ? 'condition_id' : 'market'),
    id: w.id == null ? null : String(w.id),
    slug: w.slug ?? null,
    question: w.question ?? null,
    tokens: zipTokens(ids, w.outcomes ?? null, w.assets_ids != null ? 'assets_ids' : 'clob_token_ids', 'outcomes'),
    tickSize: optPxFromNumber(w.order_price_min_tick_size, 'order_price_min_tick_size'),
    minOrderSize: optQtyFromNumber(w.order_min_size, 'order_min_size'),
    negRisk: w.neg_risk ?? false,
    feesEnabled: w.fees_enabled ?? false,
    feeSchedule: feeScheduleOf(w.fee_schedule, WS_FEE_KEYS, 'fee_schedule'),
    endDate: w.end_date ?? null,
    active: w.active ?? null,
    closed: w.closed ?? null,
    acceptingOrders: w.accepting_orders ?? null,
    eventSlug: w.event_message?.slug ?? null,
    tags: tagsOf(w.tags, 'tags'),
  };
}

export const newMarketMapper = defineMapper({
  eventType: 'new_market',
  matchesShape: (m) => m.question !== undefined && (m.assets_ids !== undefined || m.clob_token_ids !== undefined) && m.winning_asset_id === undefined,
  map(msg, sink) {
    const meta = newMarketToMeta(msg);
    const e: MarketListed = { type: 'market_meta', ...sink.origin(timestampMsOf(msg.timestamp, 'timestamp')), meta, via: 'new_market' };
    sink.push(e);
  },
});
