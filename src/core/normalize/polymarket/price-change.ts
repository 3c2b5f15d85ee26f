/**
 * `price_change` (market channel), all three wire schemas -> one BookDelta.
 *
 * Schemas (PROTOCOL.md §1.5)
 * - current (since 2025-09-15): `price_changes: [{asset_id, price, size, side, hash?, best_bid?, best_ask?}]`,
 *   no top-level asset_id; one message often carries both legs of a binary market.
 * - legacy (late 2024 -> 2025-09-15): top-level `asset_id` + `hash` + `changes: [{price, side, size}]`.
 * - oldest flat (<= Aug 2024): `asset_id, price, side, size, hash` at top level.
 * The schema is chosen by key: `price_changes` -> current, else `changes` -> legacy, else flat.
 *
 * Invariants
 * - One message -> one BookDelta whose `changes` keep wire order (the book applies them in order,
 *   atomically). side BUY -> bid, SELL -> ask. `qty` is the new level total (0 removes the level).
 * - best_bid/best_ask: absent or "" -> null; "0" as best bid / "1" as best ask mean "side empty" -> null.
 * - Legacy/flat carry the top-level hash on every change; they have no best bid/ask (null).
 * - `size` is required: the official Rust SDK types it optional, but a level change without the new
 *   total cannot be applied, so a change without it is refused (invalid_field) rather than guessed.
 * - An empty `price_changes` array gives a BookDelta with no changes (a no-op, kept for traceability).
 *
 * Hot path: hand-written guards; the zod schemas below document the three shapes.
 */
import { z } from 'zod';
import type { BookDelta, BookSide, LevelChange } from '../../types/events.ts';
import {
  fail, inexact, invalidType, isDigits, isObject, offGrid, optStrOf, parseDecimal, timestampMsOf, tokenIdOf, topOf, type Wire,
} from './fields.ts';
import { defineMapper } from './mapper.ts';
import type { Sink } from './sink.ts';

const SideSchema = z.enum(['BUY', 'SELL']);

export const PriceChangeEntrySchema = z.object({
  asset_id: z.string(),
  price: z.string(),
  size: z.string(),
  side: SideSchema,
  hash: z.string().nullish(),
  best_bid: z.string().nullish(),
  best_ask: z.string().nullish(),
});

const common = {
  event_type: z.literal('price_change').optional(),
  market: z.string().nullish(),
  timestamp: z.string().optional(),
};

export const PriceChangeCurrentSchema = z.object({ ...common, price_changes: z.array(PriceChangeEntrySchema) });
export const PriceChangeLegacySchema = z.object({
  ...common,
  asset_id: z.string(),
  hash: z.string().nullish(),
  changes: z.array(z.object({ price: z.string(), side: SideSchema, size: z.string() })),
});
export const PriceChangeFlatSchema = z.object({
  ...common,
  asset_id: z.string(),
  price: z.string(),
  side: SideSchema,
  size: z.string(),
  hash: z.string().nullish(),
});

function sideOfChange(v: unknown, path: string): BookSide {
  if (v === 'BUY') return 'bid';
  if (v === 'SELL') return 'ask';
  return fail('invalid_field', `${path}: Invalid option: expected one of "BUY"|"SELL"`);
}

function pxAt(v: unknown, path: string): number {
  if (typeof v !== 'string') invalidType(path, 'string', v);
  const px = parseDecimal(v, 4);
  if (px < 0 || px > 10_000) offGrid(path, v);
  return px;
}

function qtyAt(v: unknown, path: string): number {
  if (typeof v !== 'string') invalidType(path, 'string', v);
  const q = parseDecimal(v, 6);
  if (q < 0) inexact(path, v);
  return q;
}

/**
 * topOf's result for a well-formed value, or undefined to let topOf decide (and throw): null for an
 * absent / empty value or the empty-side marker (`empty`: 0 for bids, 1 for asks), else the price.
 */
function fastTop(v: unknown, empty: number): number | null | undefined {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') return undefined;
  const px = parseDecimal(v, 4);
  if (px < 0 || px > 10_000) return undefined;
  return px === empty ? null : px;
}

export function mapPriceChange(msg: Wire, sink: Sink): void {
  const exchMs = timestampMsOf(msg.timestamp, 'timestamp');
  const market = optStrOf(msg.market, 'market');
  let changes: LevelChange[];
  const pcs = msg.price_changes;
  if (pcs !== undefined) {
    if (!Array.isArray(pcs)) invalidType('price_changes', 'array', pcs);
    const n = pcs.length;
    changes = new Array<LevelChange>(n);
    for (let i = 0; i < n; i++) {
      const c: unknown = pcs[i];
      if (!isObject(c)) invalidType(`price_changes[${i}]`, 'object', c);
      // Hot path: the checks inline, the field path built only when a check fails (then the shared
      // helper throws with exactly the message it always gave).
      const a = c.asset_id;
      const assetId = typeof a === 'string' && isDigits(a) ? a : tokenIdOf(a, `price_changes[${i}].asset_id`);
      const p = c.price;
      let px = typeof p === 'string' ? parseDecimal(p, 4) : -1;
      if (px < 0 || px > 10_000) px = pxAt(p, `price_changes[${i}].price`);
      const z = c.size;
      let qty = typeof z === 'string' ? parseDecimal(z, 6) : -1;
      if (qty < 0) qty = qtyAt(z, `price_changes[${i}].size`);
      const sd = c.side;
      const side: BookSide = sd === 'BUY' ? 'bid' : sd === 'SELL' ? 'ask' : sideOfChange(sd, `price_changes[${i}].side`);
      const h = c.hash;
      const hash = typeof h === 'string' ? h : optStrOf(h, `price_changes[${i}].hash`);
      let bestBid = fastTop(c.best_bid, 0);
      if (bestBid === undefined) bestBid = topOf(c.best_bid, `price_changes[${i}].best_bid`, 'bid');
      let bestAsk = fastTop(c.best_ask, 10_000);
      if (bestAsk === undefined) bestAsk = topOf(c.best_ask, `price_changes[${i}].best_ask`, 'ask');
      changes[i] = { assetId, side, px, qty, hash, bestBid, bestAsk };
    }
  } else if (msg.changes !== undefined) {
    const cs = msg.changes;
    if (!Array.isArray(cs)) invalidType('changes', 'array', cs);
    const assetId = tokenIdOf(msg.asset_id, 'asset_id');
    const hash = optStrOf(msg.hash, 'hash');
    const n = cs.length;
    changes = new Array<LevelChange>(n);
    for (let i = 0; i < n; i++) {
      const c: unknown = cs[i];
      if (!isObject(c)) invalidType(`changes[${i}]`, 'object', c);
      const px = pxAt(c.price, `changes[${i}].price`);
      const side = sideOfChange(c.side, `changes[${i}].side`);
      const qty = qtyAt(c.size, `changes[${i}].size`);
      changes[i] = { assetId, side, px, qty, hash, bestBid: null, bestAsk: null };
    }
  } else {
    const assetId = tokenIdOf(msg.asset_id, 'asset_id');
    const px = pxAt(msg.price, 'price');
    const side = sideOfChange(msg.side, 'side');
    const qty = qtyAt(msg.size, 'size');
    const hash = optStrOf(msg.hash, 'hash');
    changes = [{ assetId, side, px, qty, hash, bestBid: null, bestAsk: null }];
  }
  const r = sink.raw;
  const e: BookDelta = { type: 'book_delta', recvNs: r.recvNs, source: r.source, seq: r.seq, sub: sink.out.length, conn: r.conn, exchMs, market, changes };
  sink.push(e);
}

/** Shape rule for messages without event_type (trimmed captures such as ws_quotes.json). */
export function looksLikePriceChange(m: Wire): boolean {
  if (Array.isArray(m.price_changes)) return true;
  if (Array.isArray(m.changes) && m.asset_id !== undefined) return true;
  // oldest flat form: a level update carries the book `hash`; a last_trade_price never does.
  return m.asset_id !== undefined && m.price !== undefined && m.side !== undefined && m.size !== undefined && m.hash !== undefined;
}

export const priceChangeMapper = defineMapper({
  eventType: 'price_change',
  matchesShape: looksLikePriceChange,
  map: mapPriceChange,
});
