/**
 * Gamma REST client: market discovery with full pagination, and identifier resolution.
 *
 * Discovery (`listMarkets`):
 * - Two pagination styles, both followed to the end (or until `limit` matches):
 *   offset  `GET /markets?limit=L&offset=O`   stop on an empty page (a server may clamp L, so a
 *           short page proves nothing) or on a page repeating the previous one (offset ignored);
 *   keyset  `GET /markets/keyset?limit=L[&after_cursor=C]` -> `{markets, next_cursor}`; stop when
 *           next_cursor is absent/empty (or repeats, which would loop forever).
 * - Filters are sent as Gamma parameters (active, closed, tag_id, end_date_min/max,
 *   volume_num_min, liquidity_num_min) AND re-checked client-side on every market, because an
 *   API that ignores a parameter must not widen the result. Text search has no Gamma parameter on
 *   /markets: every whitespace-separated term must occur (case-insensitive) in question or slug.
 * - Pages are validated with zod at this boundary; market objects stay raw (Record) and are mapped
 *   to MarketMeta by the normalizer's gammaMarketToMeta (one mapper for the whole project).
 *
 * Resolution (`resolveMarket`): an identifier is a condition id (0x + 64 hex), a token id (a long
 * decimal string, 70-78 digits) or a slug. Gamma first (`condition_ids=` / `clob_token_ids=` /
 * `slug=`, retried with closed=true because Gamma hides closed markets by default); the answer is
 * checked to really match the identifier. CLOB fallback: `/markets/{cid}` for condition ids, and
 * `/book?token_id=` -> cid -> `/markets/{cid}` for token ids. Slugs have no CLOB fallback.
 * Unknown identifiers -> ResolveError('not_found'); nothing is guessed.
 *
 * Numbers meeting people (volume, liquidity thresholds) are compared with decimal.js, never floats.
 */
import { z } from 'zod';
import { D } from '../core/types/fixed.ts';
import type { MarketMeta } from '../core/types/market.ts';
import { nsFromIso } from '../core/time.ts';
import { clobMarketToMeta, gammaMarketToMeta } from '../core/normalize/index.ts';
import type { ClobClient } from './clob.ts';
import { HttpClient, HttpError, type HttpClientOptions, type Query } from './http.ts';

export const DEFAULT_GAMMA_URL = 'https://gamma-api.polymarket.com';

export type GammaMarket = Record<string, unknown>;

export interface MarketFilter {
  /** Text search over question and slug (client-side). */
  readonly query?: string;
  readonly active?: boolean;
  readonly closed?: boolean;
  readonly tagId?: string;
  /** ISO-8601; endDate >= endAfter. */
  readonly endAfter?: string;
  /** ISO-8601; endDate <= endBefore. */
  readonly endBefore?: string;
  /** Decimal strings. */
  readonly minVolume?: string;
  readonly minLiquidity?: string;
}

export interface ListOptions {
  readonly style?: 'offset' | 'keyset';
  /** Page size sent as `limit` (keyset max 100). */
  readonly pageSize?: number;
  /** Stop after this many matching markets. */
  readonly limit?: number;
  /** Safety stop: at most this many pages (default 10_000). */
  readonly maxPages?: number;
  readonly onPage?: (info: { page: number; count: number; url: string }) => void;
}

const MarketObj = z.record(z.string(), z.unknown());
const OffsetPage = z.union([z.array(MarketObj), z.object({ data: z.array(MarketObj) }).loose().transform((o) => o.data)]);
const KeysetPage = z
  .object({ markets: z.array(MarketObj).nullish(), data: z.array(MarketObj).nullish(), next_cursor: z.string().nullish() })
  .loose();

export class GammaClient {
  constructor(readonly http: HttpClient) {}

  static create(opts: Partial<HttpClientOptions> = {}): GammaClient {
    return new GammaClient(new HttpClient({ name: 'Gamma', hint: 'check --gamma-url and the network', ...opts, baseUrl: opts.baseUrl ?? DEFAULT_GAMMA_URL }));
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** GET /markets with raw params (array values repeat); the parsed market objects. */
  async markets(query: Query): Promise<GammaMarket[]> {
    const res = await this.http.json({ method: 'GET', path: '/markets', query });
    if (res.status < 200 || res.status >= 300) throw new HttpError(`Gamma GET ${res.url} answered HTTP ${res.status}`, 'status', res.url, res.status);
    const page = OffsetPage.safeParse(res.json);
    if (!page.success) throw new HttpError(`Gamma GET ${res.url} returned an unexpected shape (expected a list of markets)`, 'bad_json', res.url, res.status);
    return page.data;
  }

  /** Every market matching the filter, following pagination to the end (or `limit` matches). */
  async *listMarkets(filter: MarketFilter = {}, opts: ListOptions = {}): AsyncGenerator<GammaMarket> {
    const style = opts.style ?? 'offset';
    const pageSize = opts.pageSize ?? 100;
    const maxPages = opts.maxPages ?? 10_000;
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    const match = marketMatcher(filter);
    const params = filterParams(filter);
    let yielded = 0;
    if (limit <= 0) return;
    if (style === 'offset') {
      let lastKey = '';
      for (let page = 0, offset = 0; page < maxPages; page++) {
        const query = { ...params, limit: pageSize, offset };
        const res = await this.http.json({ method: 'GET', path: '/markets', query });
        if (res.status < 200 || res.status >= 300) throw new HttpError(`Gamma GET ${res.url} answered HTTP ${res.status}`, 'status', res.url, res.status);
        const parsed = OffsetPage.safeParse(res.json);
        if (!parsed.success) throw new HttpError(`Gamma GET ${res.url} returned an unexpected shape (expected a list of markets)`, 'bad_json', res.url, res.status);
        const items = parsed.data;
        opts.onPage?.({ page, count: items.length, url: res.url });
        // stop on an empty page only: a server may clamp `limit` below pageSize, so a short page
        // does not prove the end; a page repeating the previous one means offset is ignored
        if (items.length === 0) return;
        const key = JSON.stringify(items.map((m) => m['id'] ?? m['conditionId'] ?? null));
        if (key === lastKey) return;
        lastKey = key;
        for (const m of items) {
          if (!match(m)) continue;
          yield m;
          if (++yielded >= limit) return;
        }
        offset += items.length;
      }
      return;
    }
    let cursor: string | null = null;
    const seen = new Set<string>();
    for (let page = 0; page < maxPages; page++) {
      const query: Query = cursor === null ? { ...params, limit: pageSize } : { ...params, limit: pageSize, after_cursor: cursor };
      const res = await this.http.json({ method: 'GET', path: '/markets/keyset', query });
      if (res.status < 200 || res.status >= 300) throw new HttpError(`Gamma GET ${res.url} answered HTTP ${res.status}`, 'status', res.url, res.status);
      const parsed = KeysetPage.safeParse(res.json);
      if (!parsed.success) throw new HttpError(`Gamma GET ${res.url} returned an unexpected shape (expected {markets, next_cursor})`, 'bad_json', res.url, res.status);
      const items = parsed.data.markets ?? parsed.data.data ?? [];
      opts.onPage?.({ page, count: items.length, url: res.url });
      for (const m of items) {
        if (!match(m)) continue;
        yield m;
        if (++yielded >= limit) return;
      }
      const next = parsed.data.next_cursor;
      if (next === undefined || next === null || next === '' || seen.has(next)) return;
      seen.add(next);
      cursor = next;
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** The Gamma query parameters for a filter (the server-side half of filtering). */
export function filterParams(f: MarketFilter): Record<string, string> {
  const p: Record<string, string> = {};
  if (f.active === true) {
    p['active'] = 'true';
    p['closed'] = 'false';
  }
  if (f.closed === true) p['closed'] = 'true';
  if (f.closed === false) p['closed'] = 'false';
  if (f.tagId !== undefined) p['tag_id'] = f.tagId;
  if (f.endAfter !== undefined) p['end_date_min'] = f.endAfter;
  if (f.endBefore !== undefined) p['end_date_max'] = f.endBefore;
  if (f.minVolume !== undefined) p['volume_num_min'] = f.minVolume;
  if (f.minLiquidity !== undefined) p['liquidity_num_min'] = f.minLiquidity;
  return p;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function decimalField(m: GammaMarket, names: readonly string[]): D | null {
  for (const n of names) {
    const v = m[n];
    if (typeof v === 'number' && Number.isFinite(v)) return new D(String(v));
    if (typeof v === 'string' && v.trim() !== '') {
      try {
        return new D(v.trim());
      } catch {
        continue;
      }
    }
  }
  return null;
}

function tagIdsOf(m: GammaMarket): Set<string> {
  const out = new Set<string>();
  const collect = (tags: unknown): void => {
    if (!Array.isArray(tags)) return;
    for (const t of tags) {
      if (isRecord(t) && (typeof t['id'] === 'string' || typeof t['id'] === 'number')) out.add(String(t['id']));
      else if (typeof t === 'string' || typeof t === 'number') out.add(String(t));
    }
  };
  collect(m['tags']);
  const evs = m['events'];
  if (Array.isArray(evs)) for (const e of evs) if (isRecord(e)) collect(e['tags']);
  return out;
}

/** The client-side half of filtering: true when the raw market satisfies every given filter. */
export function marketMatcher(f: MarketFilter): (m: GammaMarket) => boolean {
  const terms = (f.query ?? '').toLowerCase().split(/\s+/).filter((t) => t !== '');
  const endAfter = f.endAfter === undefined ? null : nsFromIso(f.endAfter);
  const endBefore = f.endBefore === undefined ? null : nsFromIso(f.endBefore);
  const minVol = f.minVolume === undefined ? null : new D(f.minVolume);
  const minLiq = f.minLiquidity === undefined ? null : new D(f.minLiquidity);
  return (m) => {
    if (terms.length > 0) {
      const hay = `${typeof m['question'] === 'string' ? m['question'] : ''} ${typeof m['slug'] === 'string' ? m['slug'] : ''}`.toLowerCase();
      if (!terms.every((t) => hay.includes(t))) return false;
    }
    if (f.active === true && (m['active'] === false || m['closed'] === true)) return false;
    if (f.closed === true && m['closed'] !== true) return false;
    if (f.closed === false && m['closed'] === true) return false;
    if (f.tagId !== undefined && !tagIdsOf(m).has(f.tagId)) return false;
    if (endAfter !== null || endBefore !== null) {
      const end = typeof m['endDate'] === 'string' ? nsFromIso(normalizeIso(m['endDate'])) : null;
      if (end === null) return false;
      if (endAfter !== null && end < endAfter) return false;
      if (endBefore !== null && end > endBefore) return false;
    }
    if (minVol !== null) {
      const v = decimalField(m, ['volumeNum', 'volume']);
      if (v === null || v.lt(minVol)) return false;
    }
    if (minLiq !== null) {
      const v = decimalField(m, ['liquidityNum', 'liquidity']);
      if (v === null || v.lt(minLiq)) return false;
    }
    return true;
  };
}

/** Gamma sometimes writes "+00:00" or microseconds; nsFromIso accepts Z / +00:00 and up to 9 digits. */
function normalizeIso(s: string): string {
  return s.trim().replace(/\+00:00$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// identifier resolution

export type IdentifierKind = 'condition' | 'token' | 'slug';

const CONDITION_RE = /^0x[0-9a-fA-F]{64}$/;
const TOKEN_RE = /^\d{70,78}$/;
const SLUG_RE = /^[a-z0-9][a-z0-9-]*$/i;

export function classifyIdentifier(id: string): IdentifierKind | null {
  const s = id.trim();
  if (CONDITION_RE.test(s)) return 'condition';
  if (TOKEN_RE.test(s)) return 'token';
  if (SLUG_RE.test(s) && !/^\d+$/.test(s)) return 'slug';
  return null;
}

export type ResolveErrorKind = 'invalid' | 'not_found' | 'unmappable';

export class ResolveError extends Error {
  constructor(
    message: string,
    readonly kind: ResolveErrorKind,
    readonly identifier: string,
  ) {
    super(message);
    this.name = 'ResolveError';
  }
}

export interface Resolved {
  readonly identifier: string;
  readonly kind: IdentifierKind;
  readonly meta: MarketMeta;
  readonly via: 'gamma' | 'clob';
  /** The raw object the meta was mapped from. */
  readonly raw: Record<string, unknown>;
}

export interface ResolveDeps {
  readonly gamma: GammaClient;
  readonly clob?: ClobClient | null;
}

function mapOrError(r: MarketMeta | { error: string }, id: string, via: string): MarketMeta {
  if ('error' in r) throw new ResolveError(`market '${id}' from ${via} cannot be used: ${r.error}`, 'unmappable', id);
  return r;
}

function gammaMatches(m: GammaMarket, kind: IdentifierKind, id: string): boolean {
  if (kind === 'slug') return m['slug'] === id;
  if (kind === 'condition') return typeof m['conditionId'] === 'string' && m['conditionId'].toLowerCase() === id.toLowerCase();
  const ids = m['clobTokenIds'];
  let list: unknown = ids;
  if (typeof ids === 'string') {
    try {
      list = JSON.parse(ids);
    } catch {
      return false;
    }
  }
  return Array.isArray(list) && list.some((t) => String(t) === id);
}

/** Resolves one identifier (slug | condition id | token id) to MarketMeta; see the header. */
export async function resolveMarket(identifier: string, deps: ResolveDeps): Promise<Resolved> {
  const id = identifier.trim();
  const kind = classifyIdentifier(id);
  if (kind === null) {
    throw new ResolveError(`'${identifier}' is not a market identifier: pass a slug, a condition id (0x + 64 hex) or a token id (76-78 digits)`, 'invalid', identifier);
  }
  const param = kind === 'slug' ? 'slug' : kind === 'condition' ? 'condition_ids' : 'clob_token_ids';
  let gammaError: unknown = null;
  try {
    for (const extra of [{}, { closed: 'true' }]) {
      const found = (await deps.gamma.markets({ [param]: id, ...extra })).filter((m) => gammaMatches(m, kind, id));
      const first = found[0];
      if (first !== undefined) {
        return { identifier: id, kind, meta: mapOrError(gammaMarketToMeta(first), id, 'Gamma'), via: 'gamma', raw: first };
      }
    }
  } catch (err) {
    if (err instanceof ResolveError) throw err;
    gammaError = err;
  }
  const clob = deps.clob ?? null;
  if (clob !== null && kind !== 'slug') {
    try {
      const cid = kind === 'condition' ? id : await clob.marketOfToken(id);
      const obj = cid === null ? null : await clob.market(cid);
      if (obj !== null) {
        return { identifier: id, kind, meta: mapOrError(clobMarketToMeta(obj), id, 'CLOB'), via: 'clob', raw: obj };
      }
    } catch (err) {
      if (err instanceof ResolveError) throw err;
      if (gammaError === null) gammaError = err;
    }
  }
  if (gammaError !== null) throw gammaError;
  const what = kind === 'condition' ? 'condition id' : kind === 'token' ? 'token id' : 'slug';
  const who = clob !== null && kind !== 'slug' ? 'neither Gamma nor the CLOB knows' : 'Gamma does not know';
  throw new ResolveError(`unknown market '${id}': ${who} this ${what}`, 'not_found', id);
}

/** Resolves several identifiers in order; the same market named twice is kept once. */
export async function resolveMarkets(identifiers: readonly string[], deps: ResolveDeps): Promise<Resolved[]> {
  const out: Resolved[] = [];
  const seen = new Set<string>();
  for (const id of identifiers) {
    const r = await resolveMarket(id, deps);
    if (seen.has(r.meta.conditionId)) continue;
    seen.add(r.meta.conditionId);
    out.push(r);
  }
  return out;
}
