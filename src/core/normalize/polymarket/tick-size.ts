/**
 * `tick_size_change` (market channel) -> TickSizeChanged.
 *
 * Invariants
 * - old/new tick sizes are exact Px (0.1 -> 1000, 0.01 -> 100, 0.001 -> 10, 0.0001 -> 1).
 * - The normalizer only reports the change; what to do with a book whose grid changed (Nautilus drops
 *   it until the next snapshot) is the book's decision.
 * - Without event_type, a message with both `old_tick_size` and `new_tick_size` is this family.
 */
import { z } from 'zod';
import type { TickSizeChanged } from '../../types/events.ts';
import { pxOf, timestampMsOf, tokenIdOf } from './fields.ts';
import { defineMapper, parseWith } from './mapper.ts';

export const TickSizeChangeSchema = z.object({
  event_type: z.literal('tick_size_change').optional(),
  market: z.string().nullish(),
  asset_id: z.string(),
  old_tick_size: z.string(),
  new_tick_size: z.string(),
  timestamp: z.string().optional(),
});

export const tickSizeMapper = defineMapper({
  eventType: 'tick_size_change',
  matchesShape: (m) => m.old_tick_size !== undefined && m.new_tick_size !== undefined,
  map(msg, sink) {
    const w = parseWith(TickSizeChangeSchema, msg);
    const e: TickSizeChanged = {
      type: 'tick_size_changed',
      ...sink.origin(timestampMsOf(w.timestamp, 'timestamp')),
      market: w.market ?? null,
      assetId: tokenIdOf(w.asset_id, 'asset_id'),
      oldTick: pxOf(w.old_tick_size, 'old_tick_size'),
      newTick: pxOf(w.new_tick_size, 'new_tick_size'),
    };
    sink.push(e);
  },
});
