/**
 * Gamma (`https://gamma-api.polymarket.com`) market objects -> MarketMeta, and Gamma responses ->
 * MarketListed via 'gamma'.
 *
 * Market object rules
 * - conditionId required (0x + 64 hex). `outcomes` and `clobTokenIds` are JSON-encoded strings or real
 *   arrays (both accepted); tokens zip them in order (see meta.ts for empty/missing token ids).
 * - orderPriceMinTickSize / orderMinSize are JSON numbers: converted exactly through their decimal
 *   text (String(0.01) -> "0.01" -> 100 Px); a value off the 1e-4 grid is off_grid_price.
 * - feeSchedule {rate, exponent, takerOnly, rebateRate} -> FeeSchedule; absent/null -> null (markets
 *   before the *_fees_v2 regime: the fill engine must pick the fee regime by date).
 *   negRisk / feesEnabled absent -> false.
 * - version 'v1' | 'v2' kept when given (anything else: invalid_field); a v2 market's tokens come from
 *   `positionIds` (a plain array) when `clobTokenIds` is absent or empty. createdAt kept as given.
 *   secondsDelay (seconds; 3 on live sports markets) -> takerDelayMs when > 0. These optional fields are
 *   set only when the source has them.
 * - eventSlug = the enclosing event's slug (events[] response), else the market's embedded events[0].slug.
 *   tags = the market's tags, else the enclosing/embedded event's tag labels.
 * - rewardsMaxSpread (cents) / rewardsMinSize (shares) / clobRewards[].rewardsDailyRate -> `rewards`, only
 *   when the max spread is > 0; malformed reward fields are ignored (meta.ts rewardsOf), never an error.
 *
 * Endpoints (path of meta.url; the host is implied by the source)
 * - `/markets`, `/markets/keyset`: an array of markets, or `{markets: [...], next_cursor}`.
 * - `/markets/{id}`, `/markets/slug/{slug}`: one market object (any object with a conditionId is
 *   taken as one market).
 * - `/events`, `/events/keyset`, `/events/{id}`, `/events/slug/{slug}`, `/public-search`: an array of
 *   events, `{events: [...]}` or one event; every event's embedded `markets[]` are listed.
 * - Any other Gamma endpoint (tags, series, comments, ...) -> no events.
 * Each market is one element: a bad market costs one NormalizationError, not the page.
 */
import { z } from 'zod';
import type { MarketListed } from '../../types/events.ts';
import type { MarketMeta } from '../../types/market.ts';
import { conditionIdOf, fail, invalidType, isObject, optPxFromNumber, optQtyFromNumber, show } from './fields.ts';
import { parseWith } from './mapper.ts';
import { GAMMA_FEE_KEYS, feeScheduleOf, listOf, rewardsOf, secondsDelayMs, tagsOf, zipTokens } from './meta.ts';
import { reasonOf, type Sink } from './sink.ts';

const StrOrNum = z.union([z.string(), z.number()]);

export const GammaMarketSchema = z.object({
  id: StrOrNum.nullish(),
  conditionId: z.string(),
  slug: z.string().nullish(),
  question: z.string().nullish(),
  outcomes: z.unknown().optional(),
  clobTokenIds: z.unknown().optional(),
  positionIds: z.unknown().optional(),
  version: z.unknown().optional(),
  createdAt: z.string().nullish(),
  secondsDelay: z.unknown().optional(),
  orderPriceMinTickSize: StrOrNum.nullish(),
  orderMinSize: StrOrNum.nullish(),
  negRisk: z.boolean().nullish(),
  feesEnabled: z.boolean().nullish(),
  feeSchedule: z.unknown().optional(),
  endDate: z.string().nullish(),
  active: z.boolean().nullish(),
  closed: z.boolean().nullish(),
  acceptingOrders: z.boolean().nullish(),
  events: z.array(z.object({ slug: z.string().nullish(), tags: z.unknown().optional() })).nullish(),
  tags: z.unknown().optional(),
  rewardsMaxSpread: z.unknown().optional(),
  rewardsMinSize: z.unknown().optional(),
  clobRewards: z.unknown().optional(),
});

export interface GammaEventContext {
  readonly slug: string | null;
  readonly tags: unknown;
}

/** Throwing form (MapFailure) used by the response mapper; `path` prefixes error paths. */
export function gammaMarketMeta(obj: unknown, path = '', event: GammaEventContext | null = null): MarketMeta {
  const w = parseWith(GammaMarketSchema, obj, path);
  const p = (k: string): string => (path === '' ? k : `${path}.${k}`);
  const embedded = w.events?.[0] ?? null;
  const ev = event ?? (embedded ? { slug: embedded.slug ?? null, tags: embedded.tags } : null);
  const ownTags = tagsOf(w.tags, p('tags'));
  const version = w.version === undefined || w.version === null ? null : versionOf(w.version, p('version'));
  // a v2 market lists its tokens in positionIds (a plain array) instead of clobTokenIds
  const ids = listOf(w.clobTokenIds, p('clobTokenIds'));
  const tokenIds = ids !== null && ids.length > 0 ? ids : listOf(w.positionIds, p('positionIds'));
  const idsPath = ids !== null && ids.length > 0 ? p('clobTokenIds') : p('positionIds');
  const delayMs = secondsDelayMs(w.secondsDelay, p('secondsDelay'));
  const rewards = rewardsOf(w.rewardsMaxSpread, w.rewardsMinSize, w.clobRewards, 'rewardsDailyRate');
  return {
    conditionId: conditionIdOf(w.conditionId, p('conditionId')),
    id: w.id == null ? null : String(w.id),
    slug: w.slug ?? null,
    question: w.question ?? null,
    tokens: zipTokens(tokenIds, listOf(w.outcomes, p('outcomes')), idsPath, p('outcomes')),
    tickSize: optPxFromNumber(w.orderPriceMinTickSize, p('orderPriceMinTickSize')),
    minOrderSize: optQtyFromNumber(w.orderMinSize, p('orderMinSize')),
    negRisk: w.negRisk ?? false,
    feesEnabled: w.feesEnabled ?? false,
    feeSchedule: feeScheduleOf(w.feeSchedule, GAMMA_FEE_KEYS, p('feeSchedule')),
    endDate: w.endDate ?? null,
    active: w.active ?? null,
    closed: w.closed ?? null,
    acceptingOrders: w.acceptingOrders ?? null,
    eventSlug: ev?.slug ?? null,
    tags: ownTags.length > 0 || ev === null ? ownTags : tagsOf(ev.tags, p('events.tags')),
    // optional fields appear only when the source gives them (older metadata stays byte-identical)
    ...(version !== null ? { version } : {}),
    ...(w.createdAt != null ? { createdAt: w.createdAt } : {}),
    ...(delayMs !== null ? { takerDelayMs: delayMs } : {}),
    ...(rewards !== undefined ? { rewards } : {}),
  };
}

function versionOf(v: unknown, path: string): 'v1' | 'v2' {
  if (v === 'v1' || v === 'v2') return v;
  return fail('invalid_field', `${path}: ${show(v)} is not a market version ('v1' or 'v2')`);
}

/** Gamma market object -> MarketMeta, or `{error}` naming the field and value. Never throws. */
export function gammaMarketToMeta(obj: unknown): MarketMeta | { error: string } {
  try {
    return gammaMarketMeta(obj);
  } catch (e) {
    return { error: reasonOf(e) };
  }
}

function pushMeta(sink: Sink, meta: MarketMeta): void {
  const e: MarketListed = { type: 'market_meta', ...sink.origin(null), meta, via: 'gamma' };
  sink.push(e);
}

function mapMarkets(list: readonly unknown[], sink: Sink, path: string, event: GammaEventContext | null): void {
  list.forEach((m, i) => sink.element(() => pushMeta(sink, gammaMarketMeta(m, `${path}[${i}]`, event))));
}

function mapEvent(ev: unknown, sink: Sink, path: string): void {
  if (!isObject(ev)) {
    sink.element(() => invalidType(path, 'object', ev));
    return;
  }
  const markets = ev.markets;
  if (markets === undefined || markets === null) return;
  if (!Array.isArray(markets)) {
    sink.element(() => invalidType(`${path}.markets`, 'array', markets));
    return;
  }
  const slug = typeof ev.slug === 'string' ? ev.slug : null;
  mapMarkets(markets, sink, `${path}.markets`, { slug, tags: ev.tags });
}

/** Routes one successful Gamma response body (already JSON-parsed) by its path segments. */
export function mapGammaResponse(segments: readonly string[], body: unknown, sink: Sink): void {
  const root = segments[0];
  if (root === 'markets') {
    if (Array.isArray(body)) return mapMarkets(body, sink, '', null);
    if (isObject(body) && Array.isArray(body.markets)) return mapMarkets(body.markets, sink, 'markets', null);
    if (isObject(body) && (segments.length > 1 || body.conditionId !== undefined)) {
      return sink.element(() => pushMeta(sink, gammaMarketMeta(body, '', null)));
    }
    return sink.element(() => fail('unknown_message', 'Gamma /markets body is neither a market list nor a market'));
  }
  if (root === 'events' || root === 'public-search') {
    if (Array.isArray(body)) {
      body.forEach((ev, i) => mapEvent(ev, sink, `[${i}]`));
      return;
    }
    if (isObject(body) && Array.isArray(body.events)) {
      body.events.forEach((ev: unknown, i) => mapEvent(ev, sink, `events[${i}]`));
      return;
    }
    if (isObject(body) && segments.length > 1) return mapEvent(body, sink, '(event)');
    return sink.element(() => fail('unknown_message', `Gamma /${root} body is neither an event list nor an event`));
  }
}

/** Endpoints whose bodies are parsed at all. */
export function isGammaMapped(segments: readonly string[]): boolean {
  const root = segments[0];
  return root === 'markets' || root === 'events' || root === 'public-search';
}

