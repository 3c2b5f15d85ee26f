/**
 * CLOB REST (`https://clob.polymarket.com`) responses: books -> BookSnapshot via 'rest', market
 * objects -> MarketListed via 'clob'.
 *
 * Market object rules (`GET /markets/{condition_id}` and the elements of `GET /markets` pages)
 * - condition_id required (0x + 64 hex); tokens[{token_id, outcome}] in order; token ids all ""
 *   (legacy AMM markets, hydration window) -> tokens [] (see meta.ts).
 * - minimum_tick_size / minimum_order_size are JSON numbers -> exact Px/Qty through their decimal text.
 * - seconds_delay (seconds; 3 on live sports markets) -> takerDelayMs when > 0 (absent otherwise).
 * - The CLOB object has no Gamma id, no event slug and no fee schedule (id/eventSlug/feeSchedule null);
 *   feesEnabled = `fees_enabled` when sent, else false (the legacy maker/taker_base_fee bps fields are
 *   obsolete and not read; prefer Gamma metadata for fees).
 * - rewards {max_spread (cents), min_size, rates[].rewards_daily_rate} -> `rewards` when max_spread > 0
 *   (the daily rates summed); malformed reward fields are ignored (meta.ts rewardsOf).
 *
 * Endpoints (path of meta.url)
 * - `/book` -> one book; `/books` -> an array of books (unknown tokens are silently omitted by the venue).
 * - `/markets`, `/sampling-markets` -> page `{data: [...], next_cursor}` (an array is accepted too);
 *   `/markets/{condition_id}` -> one market.
 * - Anything else (`/price`, `/midpoint`, `/fee-rate`, `/tick-size`, `/clob-markets/...`, `/data/...`)
 *   -> no events. Known gap: the compact `/clob-markets/{cid}` form is not mapped yet.
 */
import { z } from 'zod';
import type { BookSnapshot, MarketListed } from '../../types/events.ts';
import { RAW_FORMAT_VERSION, type Source } from '../../types/raw.ts';
import type { MarketMeta } from '../../types/market.ts';
import { conditionIdOf, fail, invalidType, isObject, optPxFromNumber, optQtyFromNumber } from './fields.ts';
import { mapBook } from './book.ts';
import { parseWith } from './mapper.ts';
import { rewardsOf, secondsDelayMs, tagsOf, zipTokens } from './meta.ts';
import { reasonOf, Sink } from './sink.ts';

const StrOrNum = z.union([z.string(), z.number()]);

export const ClobMarketSchema = z.object({
  condition_id: z.string(),
  question: z.string().nullish(),
  market_slug: z.string().nullish(),
  tokens: z.array(z.object({ token_id: z.unknown().optional(), outcome: z.unknown().optional() })).nullish(),
  minimum_tick_size: StrOrNum.nullish(),
  minimum_order_size: StrOrNum.nullish(),
  neg_risk: z.boolean().nullish(),
  fees_enabled: z.boolean().nullish(),
  end_date_iso: z.string().nullish(),
  active: z.boolean().nullish(),
  closed: z.boolean().nullish(),
  accepting_orders: z.boolean().nullish(),
  tags: z.array(z.unknown()).nullish(),
  seconds_delay: z.unknown().optional(),
  rewards: z.unknown().optional(),
});

export function clobMarketMeta(obj: unknown, path = ''): MarketMeta {
  const w = parseWith(ClobMarketSchema, obj, path);
  const p = (k: string): string => (path === '' ? k : `${path}.${k}`);
  const tokens = w.tokens ?? null;
  const delayMs = secondsDelayMs(w.seconds_delay, p('seconds_delay'));
  const rw = isObject(w.rewards) ? w.rewards : null;
  const rewards = rw === null ? undefined : rewardsOf(rw['max_spread'], rw['min_size'], rw['rates'], 'rewards_daily_rate');
  return {
    conditionId: conditionIdOf(w.condition_id, p('condition_id')),
    id: null,
    slug: w.market_slug ?? null,
    question: w.question ?? null,
    tokens: zipTokens(
      tokens === null ? null : tokens.map((t) => t.token_id),
      tokens === null ? null : tokens.map((t) => t.outcome),
      p('tokens.token_id'),
      p('tokens.outcome'),
    ),
    tickSize: optPxFromNumber(w.minimum_tick_size, p('minimum_tick_size')),
    minOrderSize: optQtyFromNumber(w.minimum_order_size, p('minimum_order_size')),
    negRisk: w.neg_risk ?? false,
    feesEnabled: w.fees_enabled ?? false,
    feeSchedule: null,
    endDate: w.end_date_iso ?? null,
    active: w.active ?? null,
    closed: w.closed ?? null,
    acceptingOrders: w.accepting_orders ?? null,
    eventSlug: null,
    tags: tagsOf(w.tags, p('tags')),
    ...(delayMs !== null ? { takerDelayMs: delayMs } : {}),
    ...(rewards !== undefined ? { rewards } : {}),
  };
}

/** CLOB market object -> MarketMeta, or `{error}` naming the field and value. Never throws. */
export function clobMarketToMeta(obj: unknown): MarketMeta | { error: string } {
  try {
    return clobMarketMeta(obj);
  } catch (e) {
    return { error: reasonOf(e) };
  }
}

function pushMeta(sink: Sink, meta: MarketMeta): void {
  const e: MarketListed = { type: 'market_meta', ...sink.origin(null), meta, via: 'clob' };
  sink.push(e);
}

/** REST book object(s) -> BookSnapshot via 'rest'; an array gives one element per book. */
export function mapRestBooks(body: unknown, sink: Sink): void {
  const list = Array.isArray(body) ? body : [body];
  for (let i = 0; i < list.length; i++) {
    const b: unknown = list[i];
    sink.element(() => {
      if (!isObject(b)) invalidType(Array.isArray(body) ? `[${i}]` : '(body)', 'object', b);
      mapBook(b, sink, 'rest');
    });
  }
}

/**
 * One REST book object (`/book` body or a `/books` element) -> BookSnapshot via 'rest', for callers
 * outside the record path (e.g. a bootstrap poll). `origin` is the caller's; sub = 0. Never throws.
 */
export function restBookToSnapshot(
  obj: unknown,
  origin: { readonly recvNs: bigint; readonly source: Source; readonly seq: number; readonly conn: string },
): BookSnapshot | { error: string } {
  const sink = new Sink({ v: RAW_FORMAT_VERSION, ...origin, kind: 'response', meta: {}, payload: '' });
  sink.element(() => {
    if (!isObject(obj)) invalidType('(body)', 'object', obj);
    mapBook(obj, sink, 'rest');
  });
  const e = sink.out[0];
  if (e?.type === 'book_snapshot') return e;
  return { error: e?.type === 'normalization_error' ? e.reason : 'internal: no book produced' };
}

export function mapClobResponse(segments: readonly string[], body: unknown, sink: Sink): void {
  const root = segments[0];
  if (root === 'book' || root === 'books') return mapRestBooks(body, sink);
  if (root === 'markets' || root === 'sampling-markets') {
    if (segments.length > 1) return sink.element(() => pushMeta(sink, clobMarketMeta(body)));
    const list = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.data) ? body.data : null;
    if (list === null) return sink.element(() => fail('unknown_message', `CLOB /${root} body is not a {data: [...]} page`));
    list.forEach((m: unknown, i) => sink.element(() => pushMeta(sink, clobMarketMeta(m, `data[${i}]`))));
  }
}

export function isClobMapped(segments: readonly string[]): boolean {
  const root = segments[0];
  if (root === 'book' || root === 'books') return segments.length === 1;
  if (root === 'markets') return segments.length <= 2;
  return root === 'sampling-markets' && segments.length === 1;
}
