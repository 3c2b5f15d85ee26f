import { describe, expect, it } from 'vitest';
import type { MarketMeta } from '../../src/core/types/market.ts';
import { parseSeries, SeriesFollower, seriesRounds, type SeriesSpec } from '../../src/sources/series.ts';

const btc15 = parseSeries('btc-updown-15m') as SeriesSpec;
const eth5 = parseSeries('eth-updown-5m') as SeriesSpec;
// 2025-12-11T11:00:00Z
const T11 = 1_765_450_800_000;
const slugs = (s: SeriesSpec, now: number): string[] => seriesRounds(s, now).map((r) => r.slug);

describe('parseSeries', () => {
  it('accepts the four assets and both periods, and nothing else', () => {
    expect(btc15).toEqual({ name: 'btc-updown-15m', asset: 'btc', period: '15m', periodMs: 900_000 });
    expect(parseSeries('XRP-updown-5m')?.periodMs).toBe(300_000);
    expect(parseSeries('doge-updown-15m')).toBeNull();
    expect(parseSeries('btc-updown-1h')).toBeNull();
    expect(parseSeries('btc-updown-15m-1765450800')).toBeNull();
  });
});

describe('seriesRounds (hand-computed times)', () => {
  it('holds only the current round in the middle of a round', () => {
    // 11:07:00 -> round 11:00-11:15
    expect(seriesRounds(btc15, T11 + 7 * 60_000)).toEqual([{ slug: 'btc-updown-15m-1765450800', startMs: T11, endMs: T11 + 900_000 }]);
  });

  it('adds the next round exactly 60 s before it opens', () => {
    expect(slugs(btc15, T11 + 13 * 60_000 + 59_999)).toEqual(['btc-updown-15m-1765450800']); // 11:13:59.999
    expect(slugs(btc15, T11 + 14 * 60_000)).toEqual(['btc-updown-15m-1765450800', 'btc-updown-15m-1765451700']); // 11:14:00
  });

  it('keeps the finished round for the 60 s grace, then drops it', () => {
    expect(slugs(btc15, T11 + 15 * 60_000 + 30_000)).toEqual(['btc-updown-15m-1765450800', 'btc-updown-15m-1765451700']); // 11:15:30
    expect(slugs(btc15, T11 + 15 * 60_000 + 59_999)).toEqual(['btc-updown-15m-1765450800', 'btc-updown-15m-1765451700']);
    expect(slugs(btc15, T11 + 16 * 60_000)).toEqual(['btc-updown-15m-1765451700']); // 11:16:00
  });

  it('5-minute rounds: at an exact boundary the previous round is in grace and the new one is current', () => {
    expect(slugs(eth5, T11)).toEqual(['eth-updown-5m-1765450500', 'eth-updown-5m-1765450800']);
    expect(slugs(eth5, T11 + 4 * 60_000)).toEqual(['eth-updown-5m-1765450800', 'eth-updown-5m-1765451100']); // 11:04 -> next at 11:05
  });

  it('honours custom lead and grace, including leads longer than a period', () => {
    expect(seriesRounds(eth5, T11 + 60_000, { leadMs: 0, graceMs: 0 }).map((r) => r.startMs)).toEqual([T11]);
    expect(seriesRounds(eth5, T11 + 60_000, { leadMs: 600_000, graceMs: 0 }).map((r) => r.startMs)).toEqual([T11, T11 + 300_000, T11 + 600_000]);
  });
});

function meta(slug: string, tokens: string[]): MarketMeta {
  return {
    conditionId: `0x${slug.length.toString(16).padStart(64, '0')}`,
    id: null, slug, question: slug, tokens: tokens.map((tokenId, i) => ({ tokenId, outcome: i === 0 ? 'Up' : 'Down' })),
    tickSize: 100, minOrderSize: 5_000_000, negRisk: false, feesEnabled: false, feeSchedule: null, endDate: null,
    active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
  };
}

describe('SeriesFollower', () => {
  it('subscribes upcoming rounds, retries unlisted ones, and unsubscribes finished ones', async () => {
    let now = T11 + 13 * 60_000; // 11:13
    const listed = new Set(['btc-updown-15m-1765450800']);
    const lookups: string[] = [];
    const subs: string[][] = [];
    const unsubs: string[][] = [];
    const f = new SeriesFollower({
      series: btc15,
      now: () => now,
      retryMs: 5_000,
      resolve: (slug) => {
        lookups.push(slug);
        return Promise.resolve(listed.has(slug) ? meta(slug, [`${slug}-up`, `${slug}-down`]) : null);
      },
      subscribe: (ids) => subs.push([...ids]),
      unsubscribe: (ids) => unsubs.push([...ids]),
    });
    await f.tick();
    expect(f.holding).toEqual(['btc-updown-15m-1765450800']);
    expect(subs).toEqual([['btc-updown-15m-1765450800-up', 'btc-updown-15m-1765450800-down']]);
    now = T11 + 14 * 60_000; // 11:14: next round planned, not listed yet
    await f.tick();
    expect(lookups).toEqual(['btc-updown-15m-1765450800', 'btc-updown-15m-1765451700']);
    now += 1_000; // inside retryMs: no new lookup
    await f.tick();
    expect(lookups).toHaveLength(2);
    listed.add('btc-updown-15m-1765451700');
    now += 5_000; // retry window passed: listed now
    await f.tick();
    expect(f.holding).toEqual(['btc-updown-15m-1765450800', 'btc-updown-15m-1765451700']);
    expect(subs[1]).toEqual(['btc-updown-15m-1765451700-up', 'btc-updown-15m-1765451700-down']);
    now = T11 + 16 * 60_000; // 11:16: the 11:00 round left its grace window
    await f.tick();
    expect(f.holding).toEqual(['btc-updown-15m-1765451700']);
    expect(unsubs).toEqual([['btc-updown-15m-1765450800-up', 'btc-updown-15m-1765450800-down']]);
  });

  it('keeps going when a lookup throws', async () => {
    const logs: string[] = [];
    const f = new SeriesFollower({
      series: eth5,
      now: () => T11 + 60_000,
      resolve: () => Promise.reject(new Error('boom')),
      subscribe: () => undefined,
      unsubscribe: () => undefined,
      onLog: (_l, msg) => logs.push(msg),
    });
    await f.tick();
    expect(f.holding).toEqual([]);
    expect(logs.some((m) => m.includes('lookup failed'))).toBe(true);
  });
});
