/**
 * `market_resolved` (market channel, custom feature; global) -> MarketResolved.
 *
 * Invariants
 * - `market` is the condition id (0x + 64 hex); `assets_ids` are the market's token ids in order.
 * - `winning_asset_id` must be one of `assets_ids` (else inconsistent): the winner redeems for $1.
 * - `winning_outcome` optional -> null.
 * - Without event_type: a message with `winning_asset_id`.
 */
import { z } from 'zod';
import type { MarketResolved } from '../../types/events.ts';
import { conditionIdOf, fail, timestampMsOf, tokenIdOf } from './fields.ts';
import { defineMapper, parseWith } from './mapper.ts';

export const MarketResolvedSchema = z.object({
  event_type: z.literal('market_resolved').optional(),
  id: z.union([z.string(), z.number()]).nullish(),
  market: z.string(),
  assets_ids: z.array(z.unknown()),
  winning_asset_id: z.string(),
  winning_outcome: z.string().nullish(),
  timestamp: z.string().optional(),
});

export const marketResolvedMapper = defineMapper({
  eventType: 'market_resolved',
  matchesShape: (m) => m.winning_asset_id !== undefined,
  map(msg, sink) {
    const w = parseWith(MarketResolvedSchema, msg);
    const assetIds = w.assets_ids.map((t, i) => tokenIdOf(t, `assets_ids[${i}]`));
    const winningAssetId = tokenIdOf(w.winning_asset_id, 'winning_asset_id');
    if (!assetIds.includes(winningAssetId)) fail('inconsistent', `winning_asset_id ${winningAssetId} is not one of assets_ids`);
    const e: MarketResolved = {
      type: 'market_resolved',
      ...sink.origin(timestampMsOf(w.timestamp, 'timestamp')),
      market: conditionIdOf(w.market, 'market'),
      assetIds,
      winningAssetId,
      winningOutcome: w.winning_outcome ?? null,
    };
    sink.push(e);
  },
});
