/**
 * What the kernel shows the reports after each market event was applied to the books: every changed token's
 * top of book (series.ts) and book-vs-venue top-of-book mismatches (quality-timeline.ts). Pure; reads the
 * books, never changes them. Returns the number of mismatches found; the kernel hands it to the market registry
 * (src/core/markets/registry.ts), which owns the book-vs-venue figures (DataQuality.bookMismatches reads it).
 *
 * Mismatch rule: a price_change reports the venue's best bid / ask after each change; for every token of the
 * message the last change that carries them is compared with our book right after the whole message (one
 * message is applied atomically). A best_bid_ask event is compared with our book when it arrives. Only the
 * sides the venue states (non-null) are compared: a missing field is not read as an empty side. Books not
 * valid (awaiting a snapshot) are not compared.
 */
import type { BookReader } from '../book/reader.ts';
import type { MarketEvent } from '../types/events.ts';
import type { Px } from '../types/fixed.ts';
import type { QualityTimeline } from './quality-timeline.ts';
import type { TopOfBookRecorder } from './series.ts';

export function observeBooks(
  ev: MarketEvent,
  changed: Iterable<string>,
  book: (assetId: string) => BookReader | undefined,
  tsNs: bigint,
  tops: TopOfBookRecorder,
  timeline: QualityTimeline,
): number {
  for (const id of changed) {
    const v = book(id);
    if (v === undefined) continue;
    tops.add(id, { tsNs, bid: v.bestBid(), ask: v.bestAsk(), bidQty: v.bestBidQty(), askQty: v.bestAskQty() });
  }
  let mismatches = 0;
  const check = (assetId: string, via: string, bid: Px | null, ask: Px | null): void => {
    const v = book(assetId);
    if (v === undefined || !v.valid) return;
    const ours = { bid: v.bestBid(), ask: v.bestAsk() };
    if ((bid === null || ours.bid === bid) && (ask === null || ours.ask === ask)) return;
    mismatches += 1;
    timeline.mismatch(tsNs, assetId, via, { bid, ask }, ours);
  };
  if (ev.type === 'book_delta') {
    const last = new Map<string, { bid: Px | null; ask: Px | null }>();
    for (const c of ev.changes) if (c.bestBid !== null || c.bestAsk !== null) last.set(c.assetId, { bid: c.bestBid, ask: c.bestAsk });
    for (const [id, top] of last) check(id, 'price_change', top.bid, top.ask);
  } else if (ev.type === 'best_bid_ask') {
    check(ev.assetId, 'best_bid_ask', ev.bestBid, ev.bestAsk);
  }
  return mismatches;
}
