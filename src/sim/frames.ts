/**
 * Frame helpers for the exchange simulator: which assets a market-channel frame concerns, whether it
 * is global, the RTDS envelope, and malformed-frame generation.
 *
 * Invariants
 * - Frames are never rewritten here: callers send the original text; parsing is only for routing and
 *   for the simulator's own book state.
 * - Asset inference (PROTOCOL.md §1.4/§1.5): `asset_id` at top level (book, last_trade_price,
 *   tick_size_change, best_bid_ask, legacy/flat price_change), `price_changes[].asset_id` (current
 *   price_change, both legs), and the same for every element of a JSON array frame. Ids keep first-seen
 *   order and are de-duplicated.
 * - `new_market` and `market_resolved` are global: they go to every connection that enabled custom
 *   features, whatever it subscribed to (PROTOCOL.md §1.5, SCR).
 * Known limits
 * - A frame that is not JSON, or JSON without any asset id and no global event, has no assets; the
 *   exchange then sends it to every subscribed connection (documented in exchange.ts).
 */

export interface FrameRouting {
  /** Asset ids the frame concerns (deduplicated, first-seen order); empty when none were found. */
  readonly assets: string[];
  /** True when the frame (or an element of it) is a custom-feature global event. */
  readonly global: boolean;
}

const GLOBAL_EVENTS = new Set(['new_market', 'market_resolved']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON.parse that returns undefined instead of throwing (frames may be garbage on purpose). */
export function tryParseJson(text: string): unknown {
  const c = text.charCodeAt(0);
  // quick reject for the common non-JSON text frames (PING, PONG, NO NEW ASSETS)
  if (c !== 123 /* { */ && c !== 91 /* [ */) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Routing info of a parsed market-channel frame (object or array of objects). */
export function frameRouting(parsed: unknown): FrameRouting {
  const assets: string[] = [];
  const seen = new Set<string>();
  let global = false;
  const add = (id: unknown): void => {
    if (typeof id === 'string' && id !== '' && !seen.has(id)) {
      seen.add(id);
      assets.push(id);
    }
  };
  const visit = (m: unknown): void => {
    if (!isRecord(m)) return;
    if (typeof m.event_type === 'string' && GLOBAL_EVENTS.has(m.event_type)) global = true;
    add(m.asset_id);
    const pcs = m.price_changes;
    if (Array.isArray(pcs)) for (const pc of pcs) if (isRecord(pc)) add(pc.asset_id);
  };
  if (Array.isArray(parsed)) for (const m of parsed) visit(m);
  else visit(parsed);
  return { assets, global };
}

/** Event types contained in a parsed frame (object or array). */
export function eventTypes(parsed: unknown): string[] {
  const out: string[] = [];
  const visit = (m: unknown): void => {
    if (isRecord(m) && typeof m.event_type === 'string') out.push(m.event_type);
  };
  if (Array.isArray(parsed)) for (const m of parsed) visit(m);
  else visit(parsed);
  return out;
}

/** Topic/type/symbol of an RTDS frame, for routing; null when the text is not an RTDS envelope. */
export interface RtdsRouting {
  readonly topic: string;
  readonly type: string;
  readonly symbol: string | null;
}

export function rtdsRouting(parsed: unknown): RtdsRouting | null {
  if (!isRecord(parsed) || typeof parsed.topic !== 'string') return null;
  const type = typeof parsed.type === 'string' ? parsed.type : '';
  const payload = parsed.payload;
  const symbol = isRecord(payload) && typeof payload.symbol === 'string' ? payload.symbol.toLowerCase() : null;
  return { topic: parsed.topic, type, symbol };
}

/**
 * The n-th malformed replacement of a frame (n counts from 0): even n = the frame truncated to about
 * half its length (invalid JSON when the frame was JSON), odd n = garbage text that is not JSON.
 */
export function malformedFrame(text: string, n: number): string {
  if (n % 2 === 0 && text.length >= 2) return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  return `\u0000garbage#${n}{"event_type":`;
}
