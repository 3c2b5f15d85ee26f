import { parsePx, parseQty, type Cash, type Px, type Qty } from '../../src/core/types/fixed.ts';
import type { MarketMeta } from '../../src/core/types/market.ts';
import type { OrderFilled } from '../../src/core/types/orders.ts';

export const COND = '0x' + 'ab'.repeat(32);
export const YES = '1'.repeat(77);
export const NO = '2'.repeat(77);

export const px = (s: string): Px => {
  const v = parsePx(s);
  if (v === null) throw new Error(`bad px ${s}`);
  return v;
};
export const qty = (s: string): Qty => {
  const v = parseQty(s);
  if (v === null) throw new Error(`bad qty ${s}`);
  return v;
};
/** Dollars as a decimal string -> Cash (1e-10). */
export const usd = (s: string): Cash => {
  const m = /^(-)?(\d+)(?:\.(\d{1,10}))?$/.exec(s);
  if (m === null) throw new Error(`bad usd ${s}`);
  const v = BigInt(m[2]! + (m[3] ?? '').padEnd(10, '0'));
  return m[1] === undefined ? v : -v;
};

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
