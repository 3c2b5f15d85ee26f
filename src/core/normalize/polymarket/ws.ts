/**
 * WebSocket frames (market, user and RTDS channels) -> events.
 *
 * Framing rules
 * - A frame whose first non-blank character is not `{` or `[` is plain text: `PONG`, `NO NEW ASSETS`,
 *   or anything else. Plain text can carry no market data, so every plain-text frame becomes a
 *   Heartbeat {direction: 'in'} with the text kept verbatim (never an error): it proves liveness, cannot
 *   corrupt a book, and an unexpected text stays visible (NormalizerStats counts heartbeats by text).
 * - Otherwise the frame is JSON: one object, or an array of event objects (initial snapshot arrays,
 *   mixed price_change + last_trade_price arrays). Each array element is mapped on its own, in order;
 *   a bad element gives one NormalizationError and does not affect its neighbours. `[]` gives nothing.
 * - Text that starts like JSON but does not parse -> one `malformed_json` error for the whole frame.
 * - Market channel: the mapper is chosen by `event_type`; without one, by shape (mapper.ts).
 *   An unknown `event_type` -> `unknown_message`.
 */
import type { Heartbeat } from '../../types/events.ts';
import type { Source } from '../../types/raw.ts';
import { invalidType, isObject } from './fields.ts';
import { MapperSet } from './mapper.ts';
import { bookMapper } from './book.ts';
import { priceChangeMapper } from './price-change.ts';
import { tickSizeMapper } from './tick-size.ts';
import { lastTradeMapper } from './last-trade.ts';
import { bestBidAskMapper } from './best-bid-ask.ts';
import { newMarketMapper } from './new-market.ts';
import { marketResolvedMapper } from './market-resolved.ts';
import { USER_MAPPERS } from './user.ts';
import { mapRtdsMessage, NumberLiterals } from './rtds.ts';
import type { Sink } from './sink.ts';

/** Market-channel mappers, in shape-inference order. */
export const MARKET_MAPPERS = new MapperSet([
  bookMapper,
  priceChangeMapper,
  tickSizeMapper,
  lastTradeMapper,
  bestBidAskMapper,
  newMarketMapper,
  marketResolvedMapper,
]);

/** Index of the first non-blank character, or -1. */
export function firstNonBlank(text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
  }
  return -1;
}

/** True when the text starts (after blanks) with `{` or `[`. */
export function looksLikeJson(text: string): boolean {
  const i = firstNonBlank(text);
  if (i < 0) return false;
  const c = text.charCodeAt(i);
  return c === 123 || c === 91;
}

export function heartbeat(sink: Sink, text: string, direction: 'in' | 'out'): void {
  const e: Heartbeat = { type: 'heartbeat', ...sink.origin(null), text, direction };
  sink.push(e);
}

/** JSON.parse that reports failure as a `malformed_json` error on the sink (returns NOT_JSON). */
export const NOT_JSON: unique symbol = Symbol('not-json');

export function parseJsonOrError(text: string, sink: Sink, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    sink.error(`malformed_json: ${what} is not valid JSON (${msg})`);
    return NOT_JSON;
  }
}

/** Maps one frame element atomically (the try is inline: no closure per message on the hot path). */
function mapElement(source: Source, el: unknown, index: number, sink: Sink, lits: NumberLiterals | null): void {
  const mark = sink.out.length;
  try {
    if (!isObject(el)) invalidType(index < 0 ? '(frame)' : `[${index}]`, 'object', el);
    if (source === 'market_ws') MARKET_MAPPERS.map(el, sink);
    else if (source === 'user_ws') USER_MAPPERS.map(el, sink);
    else mapRtdsMessage(el, sink, lits ?? new NumberLiterals(sink.raw.payload));
  } catch (e) {
    sink.rollback(mark, e);
  }
}

export function mapWsFrame(source: Source, text: string, sink: Sink): void {
  if (!looksLikeJson(text)) {
    heartbeat(sink, text, 'in');
    return;
  }
  const v = parseJsonOrError(text, sink, 'frame');
  if (v === NOT_JSON) return;
  const lits = source === 'rtds_ws' ? new NumberLiterals(text) : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) mapElement(source, v[i], i, sink, lits);
  } else {
    mapElement(source, v, -1, sink, lits);
  }
}
