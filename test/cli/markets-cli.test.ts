/**
 * `poly markets`, tested by spawning the real CLI (bin/poly.mjs) against the simulator on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarketMeta } from '../../src/core/types/market.ts';
import { marketTable } from '../../src/cli/markets.ts';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { closedPort, compactMarket, conditionId, tokenId } from '../sources/helpers.ts';
import { poly, polyIn } from '../helpers/cli.ts';




let ex: Exchange;
let urls: string[];
beforeAll(async () => {
  ex = await startExchange({
    scenario: {
      markets: [
        compactMarket({ n: 1, slug: 'btc-updown-15m-1765450800', question: 'Bitcoin Up or Down - 11:00', volume: '5000', endDate: '2025-12-11T11:15:00Z', feeSchedule: { rate: 0.07, exponent: 1, takerOnly: true, rebateRate: 0.2 } }),
        compactMarket({ n: 2, slug: 'eth-updown-15m-1765450800', question: 'Ethereum Up or Down - 11:00', volume: '50', endDate: '2025-12-11T11:15:00Z' }),
        compactMarket({ n: 3, slug: 'election-winner', question: 'Who wins?', negRisk: true, volume: '9000', tickSize: '0.001', endDate: '2026-11-03T00:00:00Z' }),
        compactMarket({ n: 4, slug: 'old-bitcoin-market', question: 'Bitcoin above 100k?', closed: true, volume: '100' }),
      ],
    },
  });
  urls = ['--gamma-url', ex.urls.gamma, '--clob-url', ex.urls.clob];
});
afterAll(async () => {
  await ex.close();
});

describe('poly markets', () => {
  it('lists, filters and prints a table or JSON', async () => {
    const table = await poly('markets', 'up', 'or', 'down', '--min-volume', '100', ...urls); // unquoted words
    const json = await polyIn('markets', '--json', '--end-before', '2025-12-31', ...urls);
    const closed = await polyIn('markets', 'bitcoin', '--closed', '--json', ...urls);
    const keyset = await polyIn('markets', '--keyset', '--limit', '2', '--json', ...urls);
    const quoted = await polyIn('markets', 'up or down', '--min-volume', '100', ...urls);
    expect(table.code, table.stderr).toBe(0);
    expect(quoted.stdout).toBe(table.stdout);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^QUESTION\s+SLUG\s+CONDITION\s+END\s+TICK\s+MIN\s+NEGRISK\s+FEE\s+OUTCOMES=TOKEN IDS$/);
    expect(lines[1]).toContain('btc-updown-15m-1765450800');
    expect(lines[1]).toContain('2025-12-11T11:15Z');
    expect(lines[1]).toContain('0.07 taker');
    expect(lines[1]).toContain(`Yes=${tokenId(2)} No=${tokenId(3)}`);
    expect(lines[1]).toContain(`${conditionId(1).slice(0, 8)}…${conditionId(1).slice(-4)}`);

    expect(json.code, json.stderr).toBe(0);
    const metas = JSON.parse(json.stdout) as MarketMeta[];
    expect(metas.map((m) => m.slug)).toEqual(['btc-updown-15m-1765450800', 'eth-updown-15m-1765450800']);
    expect(metas[0]?.tokens).toEqual([{ tokenId: tokenId(2), outcome: 'Yes' }, { tokenId: tokenId(3), outcome: 'No' }]);

    expect((JSON.parse(closed.stdout) as MarketMeta[]).map((m) => m.slug)).toEqual(['old-bitcoin-market']);
    expect((JSON.parse(keyset.stdout) as MarketMeta[]).map((m) => m.slug)).toEqual(['btc-updown-15m-1765450800', 'eth-updown-15m-1765450800']);
  });

  it('resolves slugs, condition ids and token ids', async () => {
    const ok = await polyIn('markets', '--resolve', 'election-winner', conditionId(1), tokenId(5), '--json', ...urls);
    const unknown = await poly('markets', '--resolve', 'no-such-slug', ...urls);
    expect(ok.code, ok.stderr).toBe(0);
    const metas = JSON.parse(ok.stdout) as MarketMeta[];
    expect(metas.map((m) => m.conditionId)).toEqual([conditionId(3), conditionId(1), conditionId(2)]);
    expect(metas[0]?.negRisk).toBe(true);
    expect(metas[0]?.tickSize).toBe(10);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("poly: unknown market 'no-such-slug': Gamma does not know this slug\n");
  });

  it('fails with one line on bad flags and unreachable endpoints', async () => {
    const port = await closedPort();
    const badNum = await poly('markets', '--min-volume', 'lots', ...urls);
    const badDate = await polyIn('markets', '--end-after', 'yesterday', ...urls);
    const both = await polyIn('markets', '--active', '--closed', ...urls);
    const down = await polyIn('markets', '--gamma-url', `http://127.0.0.1:${port}/gamma`);
    expect([badNum.code, badDate.code, both.code]).toEqual([2, 2, 2]);
    expect(badNum.stderr).toBe("poly: --min-volume 'lots' is not a dollar amount (e.g. 1000 or 250.50)\n");
    expect(badDate.stderr).toBe("poly: --end-after 'yesterday' is not an ISO-8601 UTC time (e.g. 2026-05-01, 2026-05-01T13 or 2026-05-01T13:30:00Z)\n");
    expect(both.stderr).toContain('--active and --closed exclude each other');
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`poly: cannot reach Gamma at http://127.0.0.1:${port}/gamma/markets?limit=100&offset=0 (ECONNREFUSED) after 3 attempts; check --gamma-url and the network\n`);
  });
});

describe('marketTable', () => {
  it('aligns columns and prints full token ids', () => {
    const m: MarketMeta = {
      conditionId: conditionId(9), id: '9', slug: 's', question: 'Q?', tokens: [{ tokenId: '1', outcome: 'Up' }], tickSize: 100, minOrderSize: 5_500_000,
      negRisk: false, feesEnabled: true, feeSchedule: null, endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
    };
    const out = marketTable([m, { ...m, question: 'A much longer question?', tokens: [] }]).trimEnd().split('\n');
    expect(out).toHaveLength(3);
    const header = out[0] as string;
    const row = out[1] as string;
    // every cell starts exactly under its header label
    const cells = ['Q?', 's', `${conditionId(9).slice(0, 8)}…${conditionId(9).slice(-4)}`, '-', '0.01', '5.5', 'no', 'yes', 'Up=1'];
    const labels = ['QUESTION', 'SLUG', 'CONDITION', 'END', 'TICK', 'MIN', 'NEGRISK', 'FEE', 'OUTCOMES=TOKEN IDS'];
    labels.forEach((label, i) => expect(row.slice(header.indexOf(label)).startsWith(cells[i] as string), label).toBe(true));
    expect(out[2]?.endsWith('(no tokens)')).toBe(true);
  });
});
