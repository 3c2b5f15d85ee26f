import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clobMarketToMeta, gammaMarketToMeta, restBookToSnapshot } from '../../src/core/normalize/index.ts';
import type { MarketMeta } from '../../src/core/types/market.ts';
import { NAUTILUS_TEST_DATA as NT } from '../helpers/fixtures.ts';
const load = (f: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(NT, f), 'utf8')) as Record<string, unknown>;

const UP = '104239898038807136052399800151408521467737075933964991162589336683346093173875';
const DOWN = '71183960810705820955071415844881728181970340514894896943812046065452395013351';

function ok(r: MarketMeta | { error: string }): MarketMeta {
  if ('error' in r) throw new Error(r.error);
  return r;
}

describe('gammaMarketToMeta', () => {
  const base = load('gamma_market.json');

  it('reads JSON-encoded list strings and real arrays alike, token order = outcome order', () => {
    const fromStrings = ok(gammaMarketToMeta(base));
    const fromArrays = ok(gammaMarketToMeta({ ...base, outcomes: ['Up', 'Down'], clobTokenIds: [UP, DOWN] }));
    expect(fromStrings.tokens).toEqual([{ tokenId: UP, outcome: 'Up' }, { tokenId: DOWN, outcome: 'Down' }]);
    expect(fromArrays).toEqual(fromStrings);
  });

  it('converts number tick/min sizes exactly through their decimal text', () => {
    const cases: [number, number][] = [[0.1, 1000], [0.01, 100], [0.001, 10], [0.0001, 1]];
    for (const [tick, px] of cases) expect(ok(gammaMarketToMeta({ ...base, orderPriceMinTickSize: tick })).tickSize).toBe(px);
    expect(ok(gammaMarketToMeta({ ...base, orderMinSize: 5 })).minOrderSize).toBe(5_000_000);
    expect(ok(gammaMarketToMeta({ ...base, orderMinSize: 14.97 })).minOrderSize).toBe(14_970_000);
    expect(gammaMarketToMeta({ ...base, orderPriceMinTickSize: 0.00001 })).toEqual({
      error: 'off_grid_price: orderPriceMinTickSize "0.00001" is not a price on the 0.0001 grid within [0, 1]',
    });
  });

  it('reads feeSchedule into exact decimal strings; absent -> null', () => {
    const m = ok(gammaMarketToMeta({ ...base, feeType: 'crypto_fees_v2', feeSchedule: { rate: 0.07, exponent: 1, takerOnly: true, rebateRate: 0.2 } }));
    expect(m.feeSchedule).toEqual({ rate: '0.07', exponent: '1', takerOnly: true, rebateRate: '0.2' });
    expect(m.feesEnabled).toBe(true);
    expect(ok(gammaMarketToMeta(base)).feeSchedule).toBeNull();
    expect(gammaMarketToMeta({ ...base, feeSchedule: { rate: 0.07, exponent: 1, rebateRate: 0.2 } })).toEqual({
      error: 'invalid_field: feeSchedule.takerOnly: Invalid input: expected boolean, received undefined',
    });
  });

  it('keeps 78-digit ids as strings and refuses numbers inside a JSON-encoded list', () => {
    const id78 = '115474063863764126958837769719736461272619491980773624567012766320777398670353';
    expect(ok(gammaMarketToMeta({ ...base, clobTokenIds: `["${id78}", "${DOWN}"]` })).tokens[0]?.tokenId).toBe(id78);
    expect(gammaMarketToMeta({ ...base, clobTokenIds: `[${id78}, ${DOWN}]` })).toEqual({
      error: 'invalid_field: clobTokenIds[0]: Invalid input: expected string, received number',
    });
  });

  it('reports contradictions and bad input as {error}, never throws', () => {
    expect(gammaMarketToMeta({ ...base, outcomes: '["Up"]' })).toEqual({ error: 'inconsistent: clobTokenIds has 2 token(s) but outcomes has 1 outcome(s)' });
    expect(gammaMarketToMeta({ ...base, conditionId: '0xabc' })).toEqual({ error: 'invalid_field: conditionId: "0xabc" is not a condition id (0x + 64 hex)' });
    expect(gammaMarketToMeta({ ...base, outcomes: 'not json' })).toEqual({ error: 'invalid_field: outcomes: "not json" is not a JSON-encoded list' });
    for (const junk of [null, 5, 'x', [], {}]) expect('error' in gammaMarketToMeta(junk)).toBe(true);
  });

  it('takes eventSlug from the embedded event', () => {
    expect(ok(gammaMarketToMeta(base)).eventSlug).toBe('btc-updown-5m-1773307200');
  });
});

describe('clobMarketToMeta', () => {
  it('maps a CLOB /markets/{cid} object', () => {
    const m = ok(clobMarketToMeta(load('clob_market_closed_binary_accepting_false.json')));
    expect(m).toMatchObject({
      conditionId: '0x8ccc3f4951ff02c1d34b87988752b4444ad17228732780a6cf22afefe8478bb6',
      slug: 'katana-fdv-above-1b-one-day-after-launch-395-996',
      tickSize: 10,
      minOrderSize: 5_000_000,
      negRisk: false,
      closed: true,
      acceptingOrders: false,
      feeSchedule: null,
    });
    expect(m.tokens.map((t) => t.outcome)).toEqual(['Yes', 'No']);
  });

  it('a market whose token ids are all empty is listed with no tokens; half-empty is an error', () => {
    const obj = load('clob_market_closed_binary_accepting_false.json');
    const empty = { ...obj, tokens: [{ token_id: '', outcome: 'Yes' }, { token_id: '', outcome: 'No' }] };
    expect(ok(clobMarketToMeta(empty)).tokens).toEqual([]);
    const half = { ...obj, tokens: [{ token_id: '', outcome: 'Yes' }, { token_id: UP, outcome: 'No' }] };
    expect(clobMarketToMeta(half)).toEqual({ error: 'invalid_field: tokens.token_id[0]: token id "" is not a decimal digit string' });
  });
});

describe('restBookToSnapshot', () => {
  it('maps a REST book with the caller origin, or returns {error}', () => {
    const origin = { recvNs: 5n, source: 'clob_rest' as const, seq: 9, conn: 'poll' };
    const b = restBookToSnapshot(load('clob_book_response.json'), origin);
    if ('error' in b) throw new Error(b.error);
    expect(b).toMatchObject({ recvNs: 5n, seq: 9, sub: 0, conn: 'poll', via: 'rest', exchMs: 1_703_875_200_000 });
    expect(b.bids.map((l) => l.px)).toEqual([5000, 4900, 4800]);
    expect(restBookToSnapshot({ asset_id: '1', bids: [{ price: '2', size: '1' }], asks: [] }, origin)).toEqual({
      error: 'off_grid_price: bids[0].price "2" is not a price on the 0.0001 grid within [0, 1]',
    });
    expect(restBookToSnapshot(null, origin)).toEqual({ error: 'invalid_field: (body): Invalid input: expected object, received null' });
  });
});
