/**
 * normalizedEvents: the stream of normalized events of a recording, filtered; what `poly export` reads.
 *
 * Today it is normalizeRecord(raw) over readRecording (raw Parquet -> normalizer), event by event, in
 * record order (strictly increasing seq; within a record, `sub` order). It is the one seam to point at
 * the columnar tape later: same events, same order, same filter semantics.
 *
 * Filter semantics (exact, after normalization)
 * - fromNs (inclusive) / toNs (exclusive) on the record's recvNs (readRecording's window).
 * - assetIds / conditionIds (resolved --market): an event about tokens or markets is kept only if it
 *   names one of them: book_snapshot / trade / tick_size_changed / best_bid_ask / user_* by assetId; a
 *   book_delta keeps only the changes of those tokens (dropped when none is left); market_meta /
 *   market_resolved by condition id. Events about no market (feed_state, heartbeat, reference_price,
 *   normalization_error) always pass, so gaps and errors stay visible.
 */
import type { MarketEvent } from '../core/types/events.ts';
import { normalizeRecord } from '../core/normalize/index.ts';
import { readRecording } from '../recorder/read.ts';

export interface EventFilter {
  readonly fromNs?: bigint | undefined;
  readonly toNs?: bigint | undefined;
  /** Token ids to keep (with conditionIds: the resolved markets). Empty or absent = every market. */
  readonly assetIds?: readonly string[] | undefined;
  readonly conditionIds?: readonly string[] | undefined;
}

/** Applies the market part of the filter to one event; returns the event (possibly narrowed) or null. */
export function filterEvent(ev: MarketEvent, assets: ReadonlySet<string>, conditions: ReadonlySet<string>): MarketEvent | null {
  switch (ev.type) {
    case 'book_snapshot':
    case 'trade':
    case 'tick_size_changed':
    case 'best_bid_ask':
    case 'user_order':
    case 'user_trade':
      return assets.has(ev.assetId) ? ev : null;
    case 'book_delta': {
      const changes = ev.changes.filter((c) => assets.has(c.assetId));
      if (changes.length === 0) return null;
      return changes.length === ev.changes.length ? ev : { ...ev, changes };
    }
    case 'market_meta':
      return conditions.has(ev.meta.conditionId.toLowerCase()) ? ev : null;
    case 'market_resolved':
      return conditions.has(ev.market.toLowerCase()) ? ev : null;
    default:
      return ev;
  }
}

export async function* normalizedEvents(dir: string, filter: EventFilter = {}): AsyncGenerator<MarketEvent> {
  const assetIds = filter.assetIds ?? [];
  const conditionIds = filter.conditionIds ?? [];
  const byMarket = assetIds.length > 0 || conditionIds.length > 0;
  const assets = new Set(assetIds);
  const conditions = new Set(conditionIds.map((c) => c.toLowerCase()));
  const source = readRecording(dir, {
    ...(filter.fromNs !== undefined ? { fromNs: filter.fromNs } : {}),
    ...(filter.toNs !== undefined ? { toNs: filter.toNs } : {}),
    ...(byMarket ? { assetIds: [...assetIds], markets: [...conditionIds] } : {}),
  });
  for await (const raw of source) {
    for (const ev of normalizeRecord(raw)) {
      if (!byMarket) {
        yield ev;
        continue;
      }
      const kept = filterEvent(ev, assets, conditions);
      if (kept !== null) yield kept;
    }
  }
}
