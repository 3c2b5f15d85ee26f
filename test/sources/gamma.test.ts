import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { ClobClient } from '../../src/sources/clob.ts';
import {
  classifyIdentifier,
  filterParams,
  GammaClient,
  marketMatcher,
  ResolveError,
  resolveMarket,
  resolveMarkets,
  type GammaMarket,
  type ListOptions,
  type MarketFilter,
} from '../../src/sources/gamma.ts';
import { RecordEmitter } from '../../src/sources/source.ts';
import { Stamper } from '../../src/sources/stamp.ts';
import { collector, compactMarket, conditionId, tokenId, type MarketSpec } from './helpers.ts';

const N = 23;
const CRYPTO = { id: '21', label: 'Crypto', slug: 'crypto' };
const specs: MarketSpec[] = Array.from({ length: N }, (_, i) => {
  const n = i + 1;
  return {
    n,
    question: n % 4 === 0 ? `Will Bitcoin close above ${n}k?` : `Question number ${n}?`,
    closed: n % 5 === 0,
    volume: String(n * 100),
    liquidity: `${n * 10}.25`,
    endDate: `2026-01-${String(n).padStart(2, '0')}T12:00:00Z`,
    ...(n % 3 === 0 ? { tags: [CRYPTO] } : {}),
    ...(n === 7 ? { tickSize: '0.001' as const, negRisk: true, feeSchedule: { rate: 0.07, exponent: 1, takerOnly: true, rebateRate: 0.2 } } : {}),
  };
});

let ex: Exchange;
beforeAll(async () => {
  ex = await startExchange({ scenario: { markets: specs.map(compactMarket) } });
});
afterAll(async () => {
  await ex.close();
});

function gammaClient(): { gamma: GammaClient; records: ReturnType<typeof collector>['records'] } {
  const col = collector();
  let t = 0n;
  const emitter = new RecordEmitter({ stamper: new Stamper(() => (t += 1n), 1), sink: col.sink });
  return { gamma: GammaClient.create({ baseUrl: ex.urls.gamma, retries: 0, record: { emitter, source: 'gamma_rest' } }), records: col.records };
}

async function list(filter: MarketFilter, opts: ListOptions): Promise<{ slugs: string[]; pages: number[]; requests: number }> {
  const { gamma, records } = gammaClient();
  const pages: number[] = [];
  const slugs: string[] = [];
  for await (const m of gamma.listMarkets(filter, { ...opts, onPage: (p) => pages.push(p.count) })) slugs.push(String(m['slug']));
  await gamma.close();
  return { slugs, pages, requests: records.filter((r) => r.kind === 'request').length };
}

/** The expected result, computed straight from the specs. */
const expected = (keep: (s: MarketSpec) => boolean): string[] => specs.filter(keep).map((s) => `market-${s.n}`);
const open = (s: MarketSpec): boolean => s.closed !== true;

describe('Gamma pagination', () => {
  it('offset style walks every page until an empty one', async () => {
    const r = await list({}, { style: 'offset', pageSize: 5 });
    expect(r.slugs).toEqual(expected(open)); // Gamma hides closed markets by default
    // 19 open markets: three full pages, a short one, and the empty page that proves the end
    expect(expected(open)).toHaveLength(19);
    expect(r.pages).toEqual([5, 5, 5, 4, 0]);
    expect(r.requests).toBe(5);
  });

  it('keyset style follows next_cursor and stops when it is absent', async () => {
    const r = await list({}, { style: 'keyset', pageSize: 4 });
    expect(r.slugs).toEqual(expected(open));
    expect(r.pages).toEqual([4, 4, 4, 4, 3]); // no extra request: the last page has no next_cursor
    expect(r.requests).toBe(5);
  });

  it('both styles agree under every filter', async () => {
    const filters: [MarketFilter, (s: MarketSpec) => boolean][] = [
      [{ closed: true }, (s) => s.closed === true],
      [{ active: true, tagId: '21' }, (s) => open(s) && s.n % 3 === 0],
      [{ minVolume: '1000', endBefore: '2026-01-15T00:00:00Z' }, (s) => open(s) && s.n >= 10 && s.n <= 14],
      [{ endAfter: '2026-01-20T12:00:00Z' }, (s) => open(s) && s.n >= 20],
      [{ query: 'bitcoin' }, (s) => open(s) && s.n % 4 === 0],
      [{ query: 'BITCOIN 12k' }, (s) => open(s) && s.n === 12],
      [{ query: 'market-1' }, (s) => open(s) && String(s.n).startsWith('1')],
      [{ minLiquidity: '150.26' }, (s) => open(s) && s.n >= 16],
    ];
    for (const [f, keep] of filters) {
      const want = expected(keep);
      expect((await list(f, { style: 'offset', pageSize: 3 })).slugs, JSON.stringify(f)).toEqual(want);
      expect((await list(f, { style: 'keyset', pageSize: 3 })).slugs, JSON.stringify(f)).toEqual(want);
    }
  });

  it('stops fetching once `limit` matches are found', async () => {
    const r = await list({}, { style: 'keyset', pageSize: 2, limit: 3 });
    expect(r.slugs).toEqual(expected(open).slice(0, 3));
    expect(r.requests).toBe(2);
  });
});

describe('client-side filtering', () => {
  const raw = (g: Partial<GammaMarket>): GammaMarket => ({ slug: 's', question: 'q', active: true, closed: false, ...g });
  it('re-checks every filter even if the server ignored its parameter', () => {
    expect(marketMatcher({ minVolume: '10' })(raw({ volumeNum: 9.99 }))).toBe(false);
    expect(marketMatcher({ minVolume: '10' })(raw({ volume: '10.000001' }))).toBe(true);
    expect(marketMatcher({ minVolume: '10' })(raw({}))).toBe(false);
    expect(marketMatcher({ active: true })(raw({ closed: true }))).toBe(false);
    expect(marketMatcher({ tagId: '5' })(raw({ events: [{ tags: [{ id: 5 }] }] }))).toBe(true);
    expect(marketMatcher({ endBefore: '2026-01-01' })(raw({ endDate: '2026-01-01T00:00:00+00:00' }))).toBe(true);
    expect(marketMatcher({ endBefore: '2026-01-01' })(raw({ endDate: '2026-01-01T00:00:01Z' }))).toBe(false);
    expect(marketMatcher({ endAfter: '2026-01-01' })(raw({}))).toBe(false);
  });
  it('maps filters to Gamma parameters', () => {
    expect(filterParams({ active: true, tagId: '3', endAfter: 'A', endBefore: 'B', minVolume: '1', minLiquidity: '2' })).toEqual({
      active: 'true', closed: 'false', tag_id: '3', end_date_min: 'A', end_date_max: 'B', volume_num_min: '1', liquidity_num_min: '2',
    });
    expect(filterParams({ closed: true })).toEqual({ closed: 'true' });
  });
});

describe('identifier resolution', () => {
  it('classifies identifiers', () => {
    expect(classifyIdentifier(conditionId(3))).toBe('condition');
    expect(classifyIdentifier(tokenId(3))).toBe('token');
    expect(classifyIdentifier('btc-updown-15m-1765450800')).toBe('slug');
    expect(classifyIdentifier('0x1234')).toBe('slug');
    expect(classifyIdentifier('12345')).toBeNull();
    expect(classifyIdentifier('two words')).toBeNull();
  });

  it('resolves slug, condition id and token id to the same MarketMeta', async () => {
    const { gamma } = gammaClient();
    const clob = ClobClient.create({ baseUrl: ex.urls.clob, retries: 0 });
    const bySlug = await resolveMarket('market-7', { gamma, clob });
    const byCond = await resolveMarket(conditionId(7), { gamma, clob });
    const byToken = await resolveMarket(tokenId(15), { gamma, clob }); // the No token of market 7
    for (const r of [bySlug, byCond, byToken]) {
      expect(r.via).toBe('gamma');
      expect(r.meta).toEqual(bySlug.meta);
    }
    expect(bySlug.kind).toBe('slug');
    expect(byToken.kind).toBe('token');
    const m = bySlug.meta;
    expect(m.conditionId).toBe(conditionId(7));
    expect(m.tokens).toEqual([
      { tokenId: tokenId(14), outcome: 'Yes' },
      { tokenId: tokenId(15), outcome: 'No' },
    ]);
    expect(m.tickSize).toBe(10); // 0.001 in 1e-4 ticks
    expect(m.minOrderSize).toBe(5_000_000);
    expect(m.negRisk).toBe(true);
    expect(m.feeSchedule).toEqual({ rate: '0.07', exponent: '1', takerOnly: true, rebateRate: '0.2' });
    expect(m.endDate).toBe('2026-01-07T12:00:00Z');
    await gamma.close();
    await clob.close();
  });

  it('finds closed markets too', async () => {
    const { gamma } = gammaClient();
    const r = await resolveMarket('market-10', { gamma });
    expect(r.meta.closed).toBe(true);
    await gamma.close();
  });

  it('dedupes a market named twice', async () => {
    const { gamma } = gammaClient();
    const rs = await resolveMarkets(['market-3', conditionId(3), 'market-4'], { gamma });
    expect(rs.map((r) => r.meta.slug)).toEqual(['market-3', 'market-4']);
    await gamma.close();
  });

  it('refuses unknown and malformed identifiers with one clear line', async () => {
    const { gamma } = gammaClient();
    const clob = ClobClient.create({ baseUrl: ex.urls.clob, retries: 0 });
    const e1 = await resolveMarket('no-such-market', { gamma, clob }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ResolveError);
    expect((e1 as ResolveError).kind).toBe('not_found');
    expect((e1 as ResolveError).message).toBe("unknown market 'no-such-market': Gamma does not know this slug");
    const e2 = await resolveMarket(tokenId(999), { gamma, clob }).catch((e: unknown) => e);
    expect((e2 as ResolveError).message).toContain('neither Gamma nor the CLOB knows this token id');
    const e3 = await resolveMarket('what is this', { gamma, clob }).catch((e: unknown) => e);
    expect((e3 as ResolveError).kind).toBe('invalid');
    await gamma.close();
    await clob.close();
  });

  it('falls back to the CLOB when Gamma is failing', async () => {
    const { gamma } = gammaClient();
    const clob = ClobClient.create({ baseUrl: ex.urls.clob, retries: 0 });
    ex.failHttp({ status: 503, count: 4, path: '/gamma' });
    const byCond = await resolveMarket(conditionId(7), { gamma, clob });
    const byToken = await resolveMarket(tokenId(14), { gamma, clob });
    expect(byCond.via).toBe('clob');
    expect(byToken.via).toBe('clob');
    for (const r of [byCond, byToken]) {
      expect(r.meta.conditionId).toBe(conditionId(7));
      expect(r.meta.tokens.map((t) => t.tokenId)).toEqual([tokenId(14), tokenId(15)]);
      expect(r.meta.tickSize).toBe(10);
    }
    // a slug has no CLOB fallback: the Gamma error surfaces
    ex.failHttp({ status: 503, count: 1, path: '/gamma' });
    const e = await resolveMarket('market-7', { gamma, clob }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/Gamma GET .*\/gamma\/markets\?slug=market-7 failed with HTTP 503/);
    await gamma.close();
    await clob.close();
  });
});
