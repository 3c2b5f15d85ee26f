/**
 * The Polymarket normalizer: RawRecord -> MarketEvent[]. Pure: no I/O, no clock; same record in,
 * same events out, so a mapper fix replays over old recordings (habit 1).
 *
 * Invariants
 * - `normalizeRecord` never throws. Anything a mapper cannot understand becomes a NormalizationError
 *   event that carries the whole raw record and a reason `<code>: <detail>` naming the field and value.
 * - Every event carries its origin: recvNs/source/seq/conn of the record, `sub` = its index in the
 *   record's output, exchMs = the payload's exchange timestamp (epoch ms) when it has one.
 * - Within a record, events keep wire order (array frames element by element; a price_change's changes
 *   in order inside one BookDelta; a REST page market by market).
 *
 * By record kind
 * - open / close / error (any source) -> FeedState (detail: url and attempt / close code and reason /
 *   error text).
 * - send -> Heartbeat {direction: 'out'} for plain text (`PING`); a JSON send (subscribe, unsubscribe,
 *   dynamic subscription) -> no event: subscriptions stay visible in the raw records and meta.assets.
 * - frame (market_ws, user_ws, rtds_ws) -> see polymarket/ws.ts. frame on a REST source -> unsupported.
 * - response (clob_rest, gamma_rest) -> see polymarket/rest.ts. response on a WS source -> unsupported.
 * - request -> no event.
 *
 * Known limits: see each mapper's header (polymarket/*.ts).
 */
import type { FeedState, MarketEvent, NormalizationError } from '../types/events.ts';
import type { RawRecord } from '../types/raw.ts';
import { fail } from './polymarket/fields.ts';
import { mapRestResponse } from './polymarket/rest.ts';
import { reasonOf, Sink } from './polymarket/sink.ts';
import { heartbeat, looksLikeJson, mapWsFrame } from './polymarket/ws.ts';
import { NormalizerStats } from './stats.ts';

const WS_SOURCES = new Set(['market_ws', 'user_ws', 'rtds_ws']);

function feedState(raw: RawRecord, sink: Sink): void {
  const m = raw.meta;
  let detail: string;
  let state: FeedState['state'];
  if (raw.kind === 'open') {
    state = 'open';
    detail = [m.url, m.attempt === undefined ? undefined : `attempt ${m.attempt}`].filter((s) => s !== undefined).join(' ');
  } else if (raw.kind === 'close') {
    state = 'close';
    detail = [m.code === undefined ? undefined : `code ${m.code}`, m.reason || undefined, raw.payload || undefined]
      .filter((s) => s !== undefined)
      .join(' ');
  } else {
    state = 'error';
    detail = raw.payload || m.reason || '';
  }
  const e: FeedState = {
    type: 'feed_state',
    ...sink.origin(null),
    state,
    detail,
    ...(raw.kind === 'close' && m.code !== undefined ? { code: m.code } : {}),
    ...(raw.kind === 'open' && m.attempt !== undefined ? { attempt: m.attempt } : {}),
  };
  sink.push(e);
}

function dispatch(raw: RawRecord, sink: Sink): void {
  switch (raw.kind) {
    case 'open':
    case 'close':
    case 'error':
      return feedState(raw, sink);
    case 'send':
      if (!looksLikeJson(raw.payload)) heartbeat(sink, raw.payload, 'out');
      return;
    case 'request':
      return;
    case 'frame':
      if (!WS_SOURCES.has(raw.source)) return sink.element(() => fail('unsupported', `a ${raw.source} record of kind frame`));
      return mapWsFrame(raw.source, raw.payload, sink);
    case 'response':
      if (WS_SOURCES.has(raw.source)) return sink.element(() => fail('unsupported', `a ${raw.source} record of kind response`));
      return mapRestResponse(raw, sink);
    default:
      return sink.element(() => fail('unsupported', `record kind ${JSON.stringify(raw.kind)}`));
  }
}

/** Normalizes one raw record. Pure; never throws (see header). */
export function normalizeRecord(raw: RawRecord): MarketEvent[] {
  let sink: Sink | null = null;
  try {
    sink = new Sink(raw);
    dispatch(raw, sink);
    return sink.out;
  } catch (e) {
    // Only a bug gets here (mappers are guarded per element); keep what was made and say why.
    const out = sink?.out ?? [];
    const err: NormalizationError = {
      type: 'normalization_error',
      recvNs: raw?.recvNs ?? 0n,
      source: raw?.source ?? 'market_ws',
      seq: raw?.seq ?? 0,
      sub: out.length,
      conn: raw?.conn ?? '',
      exchMs: null,
      reason: reasonOf(e),
      raw,
    };
    out.push(err);
    return out;
  }
}

/** normalizeRecord plus running stats. */
export class Normalizer {
  readonly stats = new NormalizerStats();

  normalize(raw: RawRecord): MarketEvent[] {
    const events = normalizeRecord(raw);
    this.stats.add(events);
    return events;
  }
}

export { NormalizerStats, errorCode, type NormalizerStatsSnapshot } from './stats.ts';
export { ERROR_CODES, type ErrorCode, parseDecimal } from './polymarket/fields.ts';
export { gammaMarketToMeta } from './polymarket/gamma.ts';
export { clobMarketToMeta } from './polymarket/clob.ts';
export { restBookToSnapshot } from './polymarket/clob.ts';
export { MARKET_MAPPERS } from './polymarket/ws.ts';
export { USER_MAPPERS } from './polymarket/user.ts';
export type { Mapper } from './polymarket/mapper.ts';
