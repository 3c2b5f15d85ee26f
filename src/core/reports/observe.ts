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
 * Hot path (every market event): `views[i]` is `changed[i]`'s book and `handles[i]` its token handle, looked
 * up once by the kernel (slots [0, n)); `legs[i]` is the handle of the event's i-th leg (MarketRegistry.legs)
 * and `bookAt` the books by handle; no closures, no temporary maps, no string-keyed lookups.
 */
import type { BookReader } from '../book/reader.ts';
import type { MarketEvent } from '../types/events.ts';
import type { Px } from '../types/fixed.ts';
import type { QualityTimeline } from './quality-timeline.ts';
import type { TopOfBookRecorder } from './series.ts';

export function observeBooks(
  ev: MarketEvent,
  n: number,
  changed: readonly string[],
  handles: readonly number[],
  views: readonly (BookReader | undefined)[],
  legs: readonly number[],
  book: BookLookup,
  tsNs: bigint,
  tops: TopOfBookRecorder,
  timeline: QualityTimeline,
): number {
  // hot path (every market event): no closures, no temporary maps
  for (let i = 0; i < n; i++) {
    const v = views[i];
    if (v === undefined) continue;
    tops.offerAt(handles[i]!, changed[i]!, tsNs, v.bestBid(), v.bestAsk(), v.bestBidQty(), v.bestAskQty());
  }
  if (ev.type === 'book_delta') {
    let mismatches = 0;
    const cs = ev.changes;
    // per token, in order of its first change that states a top: the last change that states one
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (c.bestBid === null && c.bestAsk === null) continue;
      let first = true;
      for (let j = 0; j < i; j++) {
        const d = cs[j]!;
        if (d.assetId === c.assetId && (d.bestBid !== null || d.bestAsk !== null)) {
          first = false;
          break;
        }
      }
      if (!first) continue;
      let last = c;
      for (let j = i + 1; j < cs.length; j++) {
        const d = cs[j]!;
        if (d.assetId === c.assetId && (d.bestBid !== null || d.bestAsk !== null)) last = d;
      }
      mismatches += check(book.bookAt(legs[i]!), timeline, tsNs, c.assetId, 'price_change', last.bestBid, last.bestAsk);
    }
    return mismatches;
  }
  if (ev.type === 'best_bid_ask') return check(book.bookAt(legs[0]!), timeline, tsNs, ev.assetId, 'best_bid_ask', ev.bestBid, ev.bestAsk);
  return 0;
}

/** Something that returns a token's book by its handle (the BookRegistry). */
export interface BookLookup {
  bookAt(h: number): BookReader | undefined;
}

function check(v: BookReader | undefined, timeline: QualityTimeline, tsNs: bigint, assetId: string, via: string, bid: Px | null, ask: Px | null): number {
  if (v === undefined || !v.valid) return 0;
  const ob = v.bestBid();
  const oa = v.bestAsk();
  if ((bid === null || ob === bid) && (ask === null || oa === ask)) return 0;
  timeline.mismatch(tsNs, assetId, via, { bid, ask }, { bid: ob, ask: oa });
  return 1;
}
