/**
 * REST endpoints of the exchange simulator: CLOB at `/`, Gamma under `/gamma` (PROTOCOL.md §4).
 * A pure request -> response function over the simulator's registry and book state; the HTTP server,
 * fault injection and control plane live in exchange.ts.
 *
 * CLOB: GET /book?token_id= (404 JSON error for unknown tokens), POST /books (body
 * `[{"token_id":...}]`, unknown tokens silently omitted), GET /markets?next_cursor= (pages of
 * `clobPageSize`; first cursor "MA==", end "LTE="), GET /markets/{condition_id}, GET /time (epoch
 * seconds as text), GET / and /ok ("OK"), GET /tick-size, /neg-risk, /midpoint ?token_id=.
 * Gamma: GET /gamma/markets (limit/offset + filters, see markets.ts), GET /gamma/markets/keyset
 * (limit <= 100, after_cursor, `{markets, next_cursor}` with next_cursor omitted on the last page,
 * `offset` -> 422), GET /gamma/markets/{id}, GET /gamma/events (limit/offset, id, slug, closed,
 * active, tag_id), GET /gamma/events/{id}.
 *
 * Invariants
 * - Bodies are JSON with the real field names and types; errors are `{"error": "..."}`.
 * - Inputs are validated here (boundary): bad query/body -> 400 (CLOB) or 422 (Gamma), never a throw.
 * Known limits
 * - No trading endpoints (orders are paper-only in poly), no /prices-history, no /price.
 * - Gamma offset `limit` is clamped to 500; default limit 20 for both Gamma styles.
 */
import { z } from 'zod';
import { D } from '../core/types/fixed.ts';
import type { BookExtras, SimBooks } from './books.ts';
import {
  CLOB_END_CURSOR,
  clobCursor,
  clobMarket,
  filterGammaEvents,
  filterGammaMarkets,
  gammaEvents,
  intParam,
  keysetCursor,
  parseClobCursor,
  parseKeysetCursor,
  type SimMarkets,
} from './markets.ts';

export interface RestContext {
  readonly markets: SimMarkets;
  readonly books: SimBooks;
  /** Server time, epoch ms. */
  nowMs(): number;
  readonly clobPageSize: number;
}

export interface RestResponse {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const json = (status: number, value: unknown): RestResponse => ({ status, body: JSON.stringify(value) });
const error = (status: number, message: string): RestResponse => json(status, { error: message });

const BooksBody = z.array(z.looseObject({ token_id: z.string().min(1) })).max(1000);

export const GAMMA_DEFAULT_LIMIT = 20;
export const GAMMA_MAX_LIMIT = 500;
export const KEYSET_MAX_LIMIT = 100;

export function bookExtras(ctx: RestContext, tokenId: string): BookExtras {
  const m = ctx.markets.byTokenId(tokenId);
  return {
    minOrderSize: m?.minOrderSize ?? '5',
    tickSize: ctx.books.tickSize(tokenId) ?? m?.tickSize ?? '0.01',
    negRisk: m?.negRisk ?? false,
  };
}

function bookFor(ctx: RestContext, tokenId: string): Record<string, unknown> | null {
  const extras = bookExtras(ctx, tokenId);
  const now = String(ctx.nowMs());
  const s = ctx.books.restSummary(tokenId, extras, now);
  if (s !== null) return s;
  const m = ctx.markets.byTokenId(tokenId);
  if (m === undefined) return null;
  // a known token whose book never received data: an empty book
  const summary: Record<string, unknown> = {
    market: m.conditionId,
    asset_id: tokenId,
    timestamp: now,
    hash: '0000000000000000000000000000000000000000',
    bids: [],
    asks: [],
    min_order_size: extras.minOrderSize,
    tick_size: extras.tickSize,
    neg_risk: extras.negRisk,
    last_trade_price: '',
  };
  return summary;
}

function handleClob(ctx: RestContext, method: string, url: URL, body: string): RestResponse {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const q = url.searchParams;
  if (method === 'GET' && (path === '/' || path === '/ok')) return json(200, 'OK');
  if (method === 'GET' && path === '/time') return { status: 200, body: String(Math.floor(ctx.nowMs() / 1000)) };
  if (method === 'GET' && path === '/book') {
    const id = q.get('token_id');
    if (id === null || id === '') return error(400, 'Invalid payload: token_id is required');
    const b = bookFor(ctx, id);
    return b === null ? error(404, 'No orderbook exists for the requested token id') : json(200, b);
  }
  if (path === '/books') {
    if (method !== 'POST') return error(405, 'method not allowed: use POST /books');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return error(400, 'Invalid payload: body must be a JSON array of {"token_id": "..."}');
    }
    const r = BooksBody.safeParse(parsed);
    if (!r.success) return error(400, 'Invalid payload: body must be a JSON array of {"token_id": "..."}');
    const out: Record<string, unknown>[] = [];
    for (const { token_id } of r.data) {
      const b = bookFor(ctx, token_id);
      if (b !== null) out.push(b);
    }
    return json(200, out);
  }
  if (method === 'GET' && (path === '/tick-size' || path === '/neg-risk' || path === '/midpoint')) {
    const id = q.get('token_id');
    if (id === null || id === '') return error(400, 'Invalid payload: token_id is required');
    const m = ctx.markets.byTokenId(id);
    if (m === undefined && !ctx.books.has(id)) return error(404, 'market not found');
    const extras = bookExtras(ctx, id);
    if (path === '/tick-size') return json(200, { minimum_tick_size: new D(extras.tickSize).toNumber() });
    if (path === '/neg-risk') return json(200, { neg_risk: extras.negRisk });
    const top = ctx.books.top(id);
    if (top.bid === null || top.ask === null) return error(404, 'No orderbook exists for the requested token id');
    return json(200, { mid: new D(top.bid).plus(top.ask).div(2).toString() });
  }
  if (method === 'GET' && path === '/markets') {
    const offset = parseClobCursor(q.get('next_cursor'));
    if (offset === null) return error(400, 'invalid next_cursor');
    const all = ctx.markets.all();
    if (offset < 0 || offset >= all.length) {
      return json(200, { limit: ctx.clobPageSize, count: 0, next_cursor: CLOB_END_CURSOR, data: [] });
    }
    const page = all.slice(offset, offset + ctx.clobPageSize).map(clobMarket);
    const next = offset + page.length >= all.length ? CLOB_END_CURSOR : clobCursor(offset + page.length);
    return json(200, { limit: ctx.clobPageSize, count: page.length, next_cursor: next, data: page });
  }
  const mm = /^\/markets\/([^/]+)$/.exec(path);
  if (method === 'GET' && mm?.[1] !== undefined) {
    const m = ctx.markets.byConditionId(decodeURIComponent(mm[1]));
    return m === undefined ? error(404, 'market not found') : json(200, clobMarket(m));
  }
  return error(404, `not found: ${method} ${path}`);
}

function handleGamma(ctx: RestContext, method: string, url: URL): RestResponse {
  const path = url.pathname.replace(/\/+$/, '');
  const q = url.searchParams;
  if (method !== 'GET') return error(405, 'method not allowed');
  if (path === '/gamma/markets') {
    const limit = intParam(q, 'limit', GAMMA_DEFAULT_LIMIT);
    const offset = intParam(q, 'offset', 0);
    if (!limit.ok) return error(limit.status, limit.error);
    if (!offset.ok) return error(offset.status, offset.error);
    const r = filterGammaMarkets(ctx.markets.all(), q);
    if (!r.ok) return error(r.status, r.error);
    return json(200, r.value.slice(offset.value, offset.value + Math.min(limit.value, GAMMA_MAX_LIMIT)));
  }
  if (path === '/gamma/markets/keyset') {
    if (q.has('offset')) return error(422, 'offset is not supported on keyset pagination; use after_cursor');
    const limit = intParam(q, 'limit', GAMMA_DEFAULT_LIMIT);
    if (!limit.ok) return error(limit.status, limit.error);
    if (limit.value > KEYSET_MAX_LIMIT) return error(422, `limit must be <= ${KEYSET_MAX_LIMIT}`);
    const cursor = q.get('after_cursor');
    let start = 0;
    if (cursor !== null && cursor !== '') {
      const o = parseKeysetCursor(cursor);
      if (o === null) return error(422, 'invalid after_cursor');
      start = o;
    }
    const r = filterGammaMarkets(ctx.markets.all(), q);
    if (!r.ok) return error(r.status, r.error);
    const page = r.value.slice(start, start + limit.value);
    const end = start + page.length;
    const out: Record<string, unknown> = { markets: page };
    if (end < r.value.length && page.length > 0) out.next_cursor = keysetCursor(end);
    return json(200, out);
  }
  const mm = /^\/gamma\/markets\/([^/]+)$/.exec(path);
  if (mm?.[1] !== undefined) {
    const id = decodeURIComponent(mm[1]);
    const m = ctx.markets.all().find((x) => String(x.gamma.id) === id);
    return m === undefined ? error(404, 'market not found') : json(200, m.gamma);
  }
  if (path === '/gamma/events') {
    const limit = intParam(q, 'limit', GAMMA_DEFAULT_LIMIT);
    const offset = intParam(q, 'offset', 0);
    if (!limit.ok) return error(limit.status, limit.error);
    if (!offset.ok) return error(offset.status, offset.error);
    const r = filterGammaEvents(gammaEvents(ctx.markets.all()), q);
    if (!r.ok) return error(r.status, r.error);
    return json(200, r.value.slice(offset.value, offset.value + Math.min(limit.value, GAMMA_MAX_LIMIT)));
  }
  const me = /^\/gamma\/events\/([^/]+)$/.exec(path);
  if (me?.[1] !== undefined) {
    const id = decodeURIComponent(me[1]);
    const e = gammaEvents(ctx.markets.all()).find((x) => String(x.id) === id);
    return e === undefined ? error(404, 'event not found') : json(200, e);
  }
  return error(404, `not found: ${method} ${path}`);
}

/** Answers one REST request (path relative to the server root). */
export function handleRest(ctx: RestContext, method: string, url: URL, body: string): RestResponse {
  if (url.pathname === '/gamma' || url.pathname.startsWith('/gamma/')) return handleGamma(ctx, method, url);
  return handleClob(ctx, method, url, body);
}
