import type { MarketMeta } from '../../src/core/types/market.ts';
import type { OrderFilled } from '../../src/core/types/orders.ts';

export const COND = '0x' + 'ab'.repeat(32);
export const YES = '1'.repeat(77);
export const NO = '2'.repeat(77);

import { px, qty, usd } from '../helpers/exact.ts';

export { px, qty, usd };

export function meta(conditionId = COND, yes = YES, no = NO): MarketMeta {
  return {
    conditionId, id: null, slug: null, question: null,
    tokens: [{ tokenId: yes, outcome: 'Yes' }, { tokenId: no, outcome: 'No' }],
    tickSize: 100, minOrderSize: 5_000_000, negRisk: false, feesEnabled: false, feeSchedule: null,
    endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
  };
}

/** Market lookup by token id or condition id for a set of binary markets. */
export function lookup(...metas: MarketMeta[]): (id: string) => MarketMeta | undefined {
  return (id) => metas.find((m) => m.conditionId === id || m.tokens.some((t) => t.tokenId === id));
}

let fillSeq = 0;
export function fill(f: Partial<OrderFilled> & Pick<OrderFilled, 'side' | 'px' | 'qty'>): OrderFilled {
  fillSeq += 1;
  return {
    type: 'order_filled', tsNs: 1n, fillId: `f${fillSeq}`, clientId: `c${fillSeq}`, assetId: YES,
    liquidity: 'maker', feeCash: 0n, feeQty: 0, rebateCash: 0n, leavesQty: 0, ...f,
  };
}
