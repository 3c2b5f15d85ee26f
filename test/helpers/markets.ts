/** Market metadata for registry tests (test/markets): a binary or standalone market with the given tokens. */
import type { MarketMeta } from '../../src/core/types/market.ts';

export function meta(cond: string, tokens: readonly string[]): MarketMeta {
  return {
    conditionId: cond, id: null, slug: null, question: null, tokens: tokens.map((t, i) => ({ tokenId: t, outcome: i === 0 ? 'Yes' : 'No' })),
    tickSize: 100, minOrderSize: null, negRisk: false, feesEnabled: false, feeSchedule: null,
    endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
  };
}
export const C1 = '0x' + '11'.repeat(32);
export const C2 = '0x' + '22'.repeat(32);
