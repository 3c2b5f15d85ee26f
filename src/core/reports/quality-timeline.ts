/**
 * Data-quality events on the time axis (quality.csv, the report's data-quality panel): where in the run the
 * feed broke, not only how often (the counts stay in summary.json data_quality).
 *
 * Kinds
 * - disconnect: an outage of a data connection (market_ws, rtds_ws, user_ws) as src/core/outages.ts defines
 *   it: one per connection that goes down (a stale connection's error row and close 1006 are one), our own
 *   clean stop none, a crashed recorder session one per connection it left open (detail = cause: detail).
 *   It opens a gap for that source.
 * - reconnect: an open that is a redial (attempt > 1). It closes the source's open gap.
 * - gap: from a disconnect to the next open of the same source (`endNs`); a gap still open at the end of the
 *   run ends there (`finish`). One row per gap, at its start.
 * - normalization_error: a record that could not be normalized (detail = the reason).
 * - crossed_book: a token's book became crossed after an update.
 * - book_mismatch: the venue's own top of book disagreed with ours right after we applied its update: the
 *   best_bid / best_ask a price_change carries for a token (the last change of that token in the message), or
 *   a best_bid_ask event, compared with our book's best bid and ask at that moment.
 *
 * Memory bound: the first MAX_QUALITY_EVENTS events are kept whole; later ones are only counted (`omitted`),
 * so a feed that breaks every second for a week cannot exhaust memory. Pure; times are the events' own.
 */
import { formatPx, type Px } from '../types/fixed.ts';

export type QualityKind = 'disconnect' | 'reconnect' | 'gap' | 'normalization_error' | 'crossed_book' | 'book_mismatch';

export interface QualityEvent {
  readonly tsNs: bigint;
  readonly kind: QualityKind;
  /** Feed source, or the token id for book events. */
  readonly where: string;
  readonly detail: string;
  /** End of a gap (null for every other kind, and for a gap not closed yet). */
  endNs: bigint | null;
}

export const MAX_QUALITY_EVENTS = 2000;

const pxText = (p: Px | null): string => (p === null ? 'none' : formatPx(p));

export class QualityTimeline {
  readonly events: QualityEvent[] = [];
  /** Events beyond MAX_QUALITY_EVENTS, counted by kind. */
  readonly omitted: Partial<Record<QualityKind, number>> = {};
  private readonly openGaps = new Map<string, QualityEvent | null>();

  add(tsNs: bigint, kind: QualityKind, where: string, detail: string): QualityEvent | null {
    if (this.events.length >= MAX_QUALITY_EVENTS) {
      this.omitted[kind] = (this.omitted[kind] ?? 0) + 1;
      return null;
    }
    const e: QualityEvent = { tsNs, kind, where, detail, endNs: null };
    this.events.push(e);
    return e;
  }

  disconnect(tsNs: bigint, source: string, detail: string): void {
    this.add(tsNs, 'disconnect', source, detail);
    if (!this.openGaps.has(source)) this.openGaps.set(source, this.add(tsNs, 'gap', source, `no data from ${source} until it reconnects`));
  }

  /** Any open of a data connection closes that source's gap; a redial is also a reconnect event. */
  opened(tsNs: bigint, source: string, redial: boolean): void {
    if (redial) this.add(tsNs, 'reconnect', source, 'redialed');
    if (this.openGaps.has(source)) {
      const g = this.openGaps.get(source);
      if (g != null) g.endNs = tsNs;
      this.openGaps.delete(source);
    }
  }

  mismatch(tsNs: bigint, assetId: string, via: string, venue: { bid: Px | null; ask: Px | null }, ours: { bid: Px | null; ask: Px | null }): void {
    // past the bound only the count is kept: do not format a detail nobody reads (a noisy feed mismatches often)
    if (this.events.length >= MAX_QUALITY_EVENTS) {
      this.omitted.book_mismatch = (this.omitted.book_mismatch ?? 0) + 1;
      return;
    }
    this.add(tsNs, 'book_mismatch', assetId, `${via}: venue bid ${pxText(venue.bid)} ask ${pxText(venue.ask)}, book bid ${pxText(ours.bid)} ask ${pxText(ours.ask)}`);
  }

  /** Closes gaps still open at the end of the run. */
  finish(endNs: bigint): void {
    for (const g of this.openGaps.values()) if (g != null && g.endNs === null) g.endNs = endNs;
    this.openGaps.clear();
  }

  count(): number {
    let n = this.events.length;
    for (const v of Object.values(this.omitted)) n += v;
    return n;
  }
}
