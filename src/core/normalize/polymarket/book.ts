/**
 * `book` (market channel) and REST `/book` / `/books` -> BookSnapshot.
 *
 * Invariants
 * - Levels come out best first: bids strictly descending, asks strictly ascending by px. The real wire
 *   sends bids ascending / asks descending (best last) while the docs claim the opposite; both orders
 *   (and any other order) are accepted: already-best-first is kept, exactly reversed is reversed in
 *   O(n), anything else is sorted.
 * - A level with size 0 is not a level: it is dropped from the snapshot, so every level has qty > 0.
 * - Two levels at the same price on one side are contradictory: `inconsistent`, never merged.
 * - Empty books (`bids: []`, `asks: []`) are valid snapshots.
 * - `tick_size`, `last_trade_price`, `min_order_size`, `neg_risk` and `hash` are optional (post-trade
 *   refreshes omit tick_size/last_trade_price; min_order_size/neg_risk are REST-only) -> null.
 * - exchMs = `timestamp` (epoch ms string) when present.
 *
 * Hot path: hand-written guards, no zod per level; `BookMessageSchema` documents the shape and a
 * test checks the guards report what the schema reports.
 */
import { z } from 'zod';
import type { BookSnapshot, Level } from '../../types/events.ts';
import { formatPx } from '../../types/fixed.ts';
import {
  fail, inexact, invalidType, isObject, numericText, offGrid, optBoolOf, optPxOf, optStrOf, parseDecimal,
  timestampMsOf, tokenIdOf, type Wire,
} from './fields.ts';
import { defineMapper } from './mapper.ts';
import type { Sink } from './sink.ts';

export const LevelSchema = z.object({ price: z.string(), size: z.string() });

export const BookMessageSchema = z.object({
  event_type: z.literal('book').optional(),
  market: z.string().nullish(),
  asset_id: z.string(),
  timestamp: z.string().optional(),
  hash: z.string().nullish(),
  bids: z.array(LevelSchema),
  asks: z.array(LevelSchema),
  tick_size: z.string().nullish(),
  last_trade_price: z.string().nullish(),
  /** REST only; a string on the wire, accepted as a number too. */
  min_order_size: z.union([z.string(), z.number()]).nullish(),
  /** REST only. */
  neg_risk: z.boolean().nullish(),
});
export type BookMessage = z.infer<typeof BookMessageSchema>;

/** Parses one side's levels (wire order), dropping size-0 levels. */
export function parseLevels(arr: unknown, field: string): Level[] {
  if (!Array.isArray(arr)) return invalidType(field, 'array', arr);
  const n = arr.length;
  const out: Level[] = [];
  for (let i = 0; i < n; i++) {
    const l: unknown = arr[i];
    if (!isObject(l)) invalidType(`${field}[${i}]`, 'object', l);
    const p = l.price;
    const s = l.size;
    if (typeof p !== 'string') invalidType(`${field}[${i}].price`, 'string', p);
    if (typeof s !== 'string') invalidType(`${field}[${i}].size`, 'string', s);
    const px = parseDecimal(p, 4);
    if (px < 0 || px > 10_000) offGrid(`${field}[${i}].price`, p);
    const qty = parseDecimal(s, 6);
    if (qty < 0) inexact(`${field}[${i}].size`, s);
    if (qty !== 0) out.push({ px, qty });
  }
  return out;
}

const byPxDesc = (a: Level, b: Level): number => b.px - a.px;
const byPxAsc = (a: Level, b: Level): number => a.px - b.px;

/** Orders levels best first (desc for bids, asc for asks) in place; duplicate prices -> inconsistent. */
export function bestFirst(levels: Level[], desc: boolean, field: string): Level[] {
  const n = levels.length;
  if (n < 2) return levels;
  let asc = true;
  let dsc = true;
  let prev = (levels[0] as Level).px;
  for (let i = 1; i < n; i++) {
    const px = (levels[i] as Level).px;
    if (px <= prev) asc = false;
    if (px >= prev) dsc = false;
    prev = px;
  }
  if (desc ? dsc : asc) return levels;
  if (desc ? asc : dsc) return levels.reverse();
  levels.sort(desc ? byPxDesc : byPxAsc);
  for (let i = 1; i < n; i++) {
    const px = (levels[i] as Level).px;
    if (px === (levels[i - 1] as Level).px) fail('inconsistent', `${field} has two levels at price ${formatPx(px)}`);
  }
  return levels;
}

/** Maps one book object (WS `book` or REST `/book` element). */
export function mapBook(msg: Wire, sink: Sink, via: 'ws' | 'rest'): void {
  const assetId = tokenIdOf(msg.asset_id, 'asset_id');
  const exchMs = timestampMsOf(msg.timestamp, 'timestamp');
  const market = optStrOf(msg.market, 'market');
  const bids = bestFirst(parseLevels(msg.bids, 'bids'), true, 'bids');
  const asks = bestFirst(parseLevels(msg.asks, 'asks'), false, 'asks');
  const tickSize = optPxOf(msg.tick_size, 'tick_size');
  const lastTradePx = optPxOf(msg.last_trade_price, 'last_trade_price');
  const hash = optStrOf(msg.hash, 'hash');
  let minOrderSize: number | null = null;
  if (msg.min_order_size !== undefined && msg.min_order_size !== null && msg.min_order_size !== '') {
    const t = numericText(msg.min_order_size, 'min_order_size');
    minOrderSize = parseDecimal(t, 6);
    if (minOrderSize < 0) inexact('min_order_size', t);
  }
  const negRisk = optBoolOf(msg.neg_risk, 'neg_risk');
  const r = sink.raw;
  const e: BookSnapshot = {
    type: 'book_snapshot',
    recvNs: r.recvNs,
    source: r.source,
    seq: r.seq,
    sub: sink.out.length,
    conn: r.conn,
    exchMs,
    market,
    assetId,
    bids,
    asks,
    tickSize,
    minOrderSize,
    negRisk,
    lastTradePx,
    hash,
    via,
  };
  sink.push(e);
}

export const bookMapper = defineMapper({
  eventType: 'book',
  matchesShape: (m) => Array.isArray(m.bids) && Array.isArray(m.asks),
  map: (m, sink) => mapBook(m, sink, 'ws'),
});
