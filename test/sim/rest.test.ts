/**
 * REST side of the exchange simulator (PROTOCOL.md §4): CLOB /book, /books, /markets pagination,
 * /markets/{cid}, /time, /ok; Gamma /markets offset and keyset pagination with filters, /events,
 * and the real Gamma object shape (JSON-encoded list strings, numeric tick/min size, feeSchedule).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { bookFrame, getJson, market } from './helpers.ts';

type Obj = Record<string, unknown>;

const basic = JSON.parse(readFileSync(new URL('../../src/sim/scenarios/btc-5m-basic.json', import.meta.url), 'utf8')) as { markets: Obj[] };
const verbatimGamma = basic.markets[0] as Obj;

// 8 compact markets with varied attributes + 1 verbatim Gamma object
const compact = [
  market(1, { volume: '100', liquidity: '50', endDate: '2026-01-01T00:00:00Z', tags: [{ id: '21', label: 'Crypto', slug: 'crypto' }], event: { id: 'e1', slug: 'ev-one', title: 'Event one' } }),
  market(2, { volume: '2000', liquidity: '10', endDate: '2026-02-01T00:00:00Z', event: { id: 'e1', slug: 'ev-one', title: 'Event one' } }),
  market(3, { closed: true, volume: '5', endDate: '2025-06-01T00:00:00Z' }),
  market(4, { active: false, volume: '0', endDate: '2026-03-01T00:00:00Z' }),
  market(5, { volume: '300', liquidity: '300', tickSize: '0.001', minOrderSize: '15', negRisk: true, feeSchedule: { rate: 0.07, exponent: 1, takerOnly: true, rebateRate: 0.2 }, tags: [{ id: '21', label: 'Crypto', slug: 'crypto' }] }),
  market(6, { volume: '40' }),
  market(7, { volume: '70', closed: true, event: { id: 'e2', slug: 'ev-two', title: 'Event two' } }),
  market(8, { volume: '80' }),
];
const ALL = [...compact, verbatimGamma];
const OPEN_SLUGS = ['test-market-1', 'test-market-2', 'test-market-4', 'test-market-5', 'test-market-6', 'test-market-8', String(verbatimGamma.slug)];

let ex: Exchange;
beforeAll(async () => {
  ex = await startExchange({
    scenario: {
      markets: ALL,
      startEpochMs: 1_700_000_000_000,
      events: [
        // docs order (bids descending): REST must answer in wire order, best last
        { atMs: 0, frame: bookFrame('101', [['0.5', '10'], ['0.45', '1']], [['0.52', '3'], ['0.55', '4']], '0x1') },
        { atMs: 0, frame: bookFrame('501', [['0.123', '1']], [['0.2', '2']], '0x5') },
      ],
    },
    speed: 'max',
    clobPageSize: 4,
  });
  await ex.done;
});
afterAll(async () => {
  await ex.close();
});

const gamma = async (q: string): Promise<{ status: number; body: unknown }> => getJson(`${ex.urls.gamma}${q}`);
const slugs = (body: unknown): string[] => (body as Obj[]).map((m) => String(m.slug));

describe('CLOB REST', () => {
  it('GET /book: REST summary in wire order with REST-only fields; 404 JSON for unknown tokens', async () => {
    const r = await getJson(`${ex.urls.clob}/book?token_id=101`);
    expect(r.status).toBe(200);
    const b = r.body as Obj;
    expect(Object.keys(b)).toEqual(['market', 'asset_id', 'timestamp', 'hash', 'bids', 'asks', 'min_order_size', 'tick_size', 'neg_risk', 'last_trade_price']);
    expect(b.bids).toEqual([
      { price: '0.45', size: '1' },
      { price: '0.5', size: '10' },
    ]);
    expect(b.asks).toEqual([
      { price: '0.55', size: '4' },
      { price: '0.52', size: '3' },
    ]);
    expect(b.min_order_size).toBe('5');
    expect(b.neg_risk).toBe(false);
    expect(b.hash).toMatch(/^[0-9a-f]{40}$/);
    const n = await getJson(`${ex.urls.clob}/book?token_id=424242`);
    expect(n.status).toBe(404);
    expect((n.body as Obj).error).toMatch(/orderbook/i);
    expect((await getJson(`${ex.urls.clob}/book`)).status).toBe(400);
  });

  it('GET /book takes min size, neg risk and tick from the market', async () => {
    const b = (await getJson(`${ex.urls.clob}/book?token_id=501`)).body as Obj;
    expect(b.min_order_size).toBe('15');
    expect(b.neg_risk).toBe(true);
    expect(b.tick_size).toBe('0.01'); // the book frame said 0.01 and the feed wins over the registry
    // a known token without any book data: an empty book, not a 404
    const e = await getJson(`${ex.urls.clob}/book?token_id=602`);
    expect(e.status).toBe(200);
    expect((e.body as Obj).bids).toEqual([]);
  });

  it('POST /books returns an array in request order, omitting unknown tokens; bad bodies are 400', async () => {
    const r = await getJson(`${ex.urls.clob}/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ token_id: '501' }, { token_id: 'nope' }, { token_id: '101' }]),
    });
    expect(r.status).toBe(200);
    expect((r.body as Obj[]).map((b) => b.asset_id)).toEqual(['501', '101']);
    const bad = await getJson(`${ex.urls.clob}/books`, { method: 'POST', body: '{"token_id":"101"}' });
    expect(bad.status).toBe(400);
  });

  it('GET /markets pages with next_cursor from MA== to LTE=, covering every market once', async () => {
    const seen: string[] = [];
    let cursor = 'MA==';
    let pages = 0;
    while (cursor !== 'LTE=') {
      const r = (await getJson(`${ex.urls.clob}/markets?next_cursor=${encodeURIComponent(cursor)}`)).body as { data: Obj[]; next_cursor: string; count: number; limit: number };
      expect(r.count).toBe(r.data.length);
      expect(r.limit).toBe(4);
      seen.push(...r.data.map((m) => String(m.condition_id)));
      cursor = r.next_cursor;
      if (++pages > 10) throw new Error('pagination does not end');
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(ALL.map((m) => m.conditionId));
    const past = (await getJson(`${ex.urls.clob}/markets?next_cursor=LTE=`)).body as { data: Obj[]; next_cursor: string };
    expect(past).toMatchObject({ data: [], next_cursor: 'LTE=' });
  });

  it('GET /markets/{condition_id}: CLOB shape; 404 when unknown', async () => {
    const m = (await getJson(`${ex.urls.clob}/markets/${String(compact[4]?.conditionId)}`)).body as Obj;
    expect(m.condition_id).toBe(compact[4]?.conditionId);
    expect(m.minimum_tick_size).toBe(0.001);
    expect(m.minimum_order_size).toBe(15);
    expect(m.neg_risk).toBe(true);
    expect(m.tokens).toEqual([
      { token_id: '501', outcome: 'Yes', price: 0.5, winner: false },
      { token_id: '502', outcome: 'No', price: 0.5, winner: false },
    ]);
    expect((await getJson(`${ex.urls.clob}/markets/0xdead`)).status).toBe(404);
  });

  it('GET /time follows the scenario clock; GET /ok answers OK', async () => {
    const t = await fetch(`${ex.urls.clob}/time`);
    const secs = Number(await t.text());
    expect(secs).toBeGreaterThanOrEqual(1_700_000_000);
    expect(secs).toBeLessThan(1_700_000_000 + 3600);
    expect((await getJson(`${ex.urls.clob}/ok`)).body).toBe('OK');
  });
});

describe('Gamma REST', () => {
  it('serves compact markets in the real Gamma shape', async () => {
    const [m] = (await gamma('/markets?slug=test-market-5')).body as Obj[];
    expect(m).toBeDefined();
    const g = m as Obj;
    expect(typeof g.clobTokenIds).toBe('string');
    expect(JSON.parse(String(g.clobTokenIds))).toEqual(['501', '502']);
    expect(g.clobTokenIds).toBe('["501", "502"]');
    expect(JSON.parse(String(g.outcomes))).toEqual(['Yes', 'No']);
    expect(typeof g.outcomePrices).toBe('string');
    expect(g.orderPriceMinTickSize).toBe(0.001);
    expect(g.orderMinSize).toBe(15);
    expect(g.feeSchedule).toEqual({ rate: 0.07, exponent: 1, takerOnly: true, rebateRate: 0.2 });
    expect(g.feesEnabled).toBe(true);
    expect(g.negRisk).toBe(true);
    expect(g.conditionId).toBe(compact[4]?.conditionId);
  });

  it('serves Gamma objects from the scenario verbatim', async () => {
    const r = await gamma(`/markets?slug=${String(verbatimGamma.slug)}`);
    expect(r.body).toEqual([verbatimGamma]);
  });

  it('offset pagination walks all open markets (closed=false by default), no duplicates', async () => {
    const got: string[] = [];
    for (let offset = 0; ; offset += 3) {
      const page = slugs((await gamma(`/markets?limit=3&offset=${offset}`)).body);
      got.push(...page);
      if (page.length < 3) break;
    }
    expect(got).toEqual(OPEN_SLUGS);
  });

  it('keyset pagination: next_cursor until it is omitted; offset -> 422; limit > 100 -> 422', async () => {
    const got: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const q = `/markets/keyset?limit=2&closed=false${cursor === undefined ? '' : `&after_cursor=${encodeURIComponent(cursor)}`}`;
      const body = (await gamma(q)).body as { markets: Obj[]; next_cursor?: string };
      got.push(...slugs(body.markets));
      pages++;
      if (!('next_cursor' in body)) break;
      cursor = body.next_cursor;
      if (pages > 10) throw new Error('keyset pagination does not end');
    }
    expect(pages).toBe(4);
    expect(got).toEqual(OPEN_SLUGS);
    expect((await gamma('/markets/keyset?offset=2')).status).toBe(422);
    expect((await gamma('/markets/keyset?limit=101')).status).toBe(422);
    expect((await gamma('/markets/keyset?after_cursor=garbage!')).status).toBe(422);
  });

  it('filters: slug (repeated and comma lists), condition_ids, clob_token_ids, closed, active', async () => {
    expect(slugs((await gamma('/markets?slug=test-market-1&slug=test-market-2,test-market-6')).body)).toEqual(['test-market-1', 'test-market-2', 'test-market-6']);
    // identifying filters find closed markets too
    expect(slugs((await gamma('/markets?slug=test-market-3')).body)).toEqual(['test-market-3']);
    expect(slugs((await gamma(`/markets?condition_ids=${String(compact[6]?.conditionId)},${String(compact[0]?.conditionId)}`)).body)).toEqual(['test-market-1', 'test-market-7']);
    expect(slugs((await gamma('/markets?clob_token_ids=802&clob_token_ids=201')).body)).toEqual(['test-market-2', 'test-market-8']);
    expect(slugs((await gamma('/markets?closed=true')).body)).toEqual(['test-market-3', 'test-market-7']);
    expect(slugs((await gamma('/markets?active=false')).body)).toEqual(['test-market-4']);
    expect((await gamma('/markets?closed=maybe')).status).toBe(422);
  });

  it('filters: tag_id, end_date window, volume and liquidity minimums, order', async () => {
    expect(slugs((await gamma('/markets?tag_id=21')).body)).toEqual(['test-market-1', 'test-market-5']);
    expect(slugs((await gamma('/markets?end_date_min=2026-01-15T00:00:00Z&end_date_max=2026-02-15T00:00:00Z')).body)).toEqual(['test-market-2']);
    expect(slugs((await gamma('/markets?volume_num_min=80')).body)).toEqual(['test-market-1', 'test-market-2', 'test-market-5', 'test-market-8']);
    expect(slugs((await gamma('/markets?liquidity_num_min=50')).body)).toEqual(['test-market-1', 'test-market-5', String(verbatimGamma.slug)]);
    expect(slugs((await gamma('/markets?order=volumeNum&ascending=false&limit=2')).body)).toEqual(['test-market-2', 'test-market-5']);
    expect((await gamma('/markets?volume_num_min=lots')).status).toBe(422);
  });

  it('GET /events embeds markets; slug and closed filters; limit/offset', async () => {
    const all = (await gamma('/events')).body as Obj[];
    expect(all.map((e) => e.slug)).toEqual(['ev-one', 'ev-two', String((verbatimGamma.events as Obj[])[0]?.slug)]);
    const one = all[0] as Obj;
    expect((one.markets as Obj[]).map((m) => m.slug)).toEqual(['test-market-1', 'test-market-2']);
    expect((one.markets as Obj[])[0]).not.toHaveProperty('events');
    expect(((await gamma('/events?slug=ev-two')).body as Obj[]).map((e) => e.id)).toEqual(['e2']);
    expect(((await gamma('/events?closed=true')).body as Obj[]).map((e) => e.slug)).toEqual(['ev-two']);
    expect(((await gamma('/events?limit=1&offset=2')).body as Obj[]).map((e) => e.slug)).toEqual([String((verbatimGamma.events as Obj[])[0]?.slug)]);
  });
});
