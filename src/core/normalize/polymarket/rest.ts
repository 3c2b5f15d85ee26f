/**
 * REST responses (`clob_rest`, `gamma_rest`, kind `response`) -> events, routed by meta.url.
 *
 * Rules
 * - The endpoint is the path of meta.url (absolute or path-only; query ignored), split into segments.
 * - meta.status outside 200..299 -> one FeedState {state: 'error'} ("HTTP 404 GET /book?...: <body>"):
 *   the failed poll is a visible gap; no market events. A missing status is taken as success.
 * - Endpoints not mapped (see clob.ts / gamma.ts) -> no events, and their bodies are not parsed.
 * - A mapped endpoint whose body is not JSON -> `malformed_json`.
 */
import type { FeedState } from '../../types/events.ts';
import type { RawRecord } from '../../types/raw.ts';
import { isClobMapped, mapClobResponse } from './clob.ts';
import { isGammaMapped, mapGammaResponse } from './gamma.ts';
import type { Sink } from './sink.ts';
import { NOT_JSON, parseJsonOrError } from './ws.ts';

const URL_PATH_RE = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*)?([^?#]*)/;

/** Path segments of a URL: "https://clob.polymarket.com/markets/0xab?x=1" -> ["markets", "0xab"]. */
export function pathSegments(url: string): string[] {
  const m = URL_PATH_RE.exec(url);
  const path = m?.[1] ?? '';
  return path.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

export function mapRestResponse(raw: RawRecord, sink: Sink): void {
  const url = raw.meta.url ?? '';
  const status = raw.meta.status;
  if (status !== undefined && (status < 200 || status > 299)) {
    const body = raw.payload.length > 200 ? `${raw.payload.slice(0, 197)}...` : raw.payload;
    const e: FeedState = {
      type: 'feed_state',
      ...sink.origin(null),
      state: 'error',
      detail: `HTTP ${status} ${raw.meta.method ?? 'GET'} ${url}${body === '' ? '' : `: ${body}`}`,
    };
    sink.push(e);
    return;
  }
  const segments = pathSegments(url);
  const mapped = raw.source === 'clob_rest' ? isClobMapped(segments) : isGammaMapped(segments);
  if (!mapped) return;
  const body = parseJsonOrError(raw.payload, sink, `response body of ${url}`);
  if (body === NOT_JSON) return;
  if (raw.source === 'clob_rest') mapClobResponse(segments, body, sink);
  else mapGammaResponse(segments, body, sink);
}
