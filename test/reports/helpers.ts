// A small run built by hand: a journal and a portfolio fed the same order events the kernel would feed them,
// with numbers chosen so every report value can be worked out on paper (see render.test.ts).
import type { DataQuality } from '../../src/core/kernel/trading-kernel.ts';
import { Portfolio } from '../../src/core/portfolio/portfolio.ts';
import { reportInput, type ReportInput, type ReportMeta } from '../../src/core/reports/render.ts';
import { RunJournal } from '../../src/core/reports/journal.ts';
import { nsFromIso, NS_PER_S } from '../../src/core/time.ts';
import { D, type Cash, type Qty } from '../../src/core/types/fixed.ts';
import type { MarketMeta } from '../../src/core/types/market.ts';
import type { OrderEvent, OrderFilled, PlaceOrder, TradingHalted } from '../../src/core/types/orders.ts';

import { px, qty, usd } from '../helpers/exact.ts';

export { px, qty, usd };

export const T0 = nsFromIso('2025-12-11T11:00:00Z')!;
export const at = (s: number): bigint => T0 + BigInt(s) * NS_PER_S;

export const COND_A = '0x' + 'aa'.repeat(32);
export const COND_B = '0x' + 'bb'.repeat(32);
export const YES_A = '1'.repeat(70);
export const NO_A = '2'.repeat(70);
export const YES_B = '3'.repeat(70);
export const NO_B = '4'.repeat(70);

function market(conditionId: string, yes: string, no: string, over: Partial<MarketMeta>): MarketMeta {
  return {
    conditionId, id: null, slug: null, question: null,
    tokens: [{ tokenId: yes, outcome: 'Yes' }, { tokenId: no, outcome: 'No' }],
    tickSize: 100, minOrderSize: 5_000_000, negRisk: false, feesEnabled: true, feeSchedule: null,
    endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
    ...over,
  };
}

export const MARKET_A = market(COND_A, YES_A, NO_A, {
  slug: 'btc-above-100k',
  question: 'Will BTC close above $100,000, or "not"?',
  tokens: [{ tokenId: YES_A, outcome: 'Yes, "above"' }, { tokenId: NO_A, outcome: 'No' }],
});
export const MARKET_B = market(COND_B, YES_B, NO_B, { slug: 'eth-up', question: 'ETH up?' });

export const QUALITY: DataQuality = {
  records: 12,
  events: 20,
  byType: { trade: 5, book_snapshot: 2, book_delta: 13 },
  normalizationErrors: 1,
  errorsByReason: { bad_json: 1 },
  disconnects: 1,
  reconnects: 1,
  crossedBooks: 0,
  bookMismatches: 0,
  mirrorMismatches: 0,
  pairConflicts: 0,
  firstRecvNs: at(0),
  lastRecvNs: at(180),
};

export const META: ReportMeta = {
  strategyName: 'hand "made", test',
  params: { spread: '0.02', size: '10' },
  initialCash: usd('1000'),
  equityIntervalNs: 60n * NS_PER_S,
  startNs: at(0),
  endNs: at(180),
};

export interface HandRun {
  journal: RunJournal;
  portfolio: Portfolio;
  input: ReportInput;
}

/**
 * The run:
 *  o000001 BUY  A-Yes GTC 0.40 x 100 -> taker fill, fee 1.68 $ withheld as 4.2 shares (95.8 arrive, cost 40)
 *  o000002 SELL A-Yes FAK 0.55 x 50  -> taker fill, fee 0.86625 $
 *  o000003 SELL A-Yes GTC 0.60 x 20 post-only -> maker fill of 10, rebate 0.0336 $, 10 left open
 *  o000004 BUY  A-No  GTC 0.30 x 1000 -> denied (max_order_notional)
 *  o000005 BUY  A-No  FOK $5 -> rejected by the venue rules
 *  o000006 BUY  A-No  GTC 0.30 x 10 -> canceled by the user
 *  o000007 BUY  B-Yes GTC 0.50 x 10 -> maker fill
 *  o000008 SELL B-Yes GTC 0.70 x 10 -> maker fill (a winning round trip of 2 $)
 *  a merge denied (no client id); A-Yes marked at 0.575, B unmarked.
 */
export function handRun(opts: { halted?: TradingHalted | null; failure?: boolean; minRatioReturns?: number } = {}): HandRun {
  const markets = [MARKET_A, MARKET_B];
  const journal = new RunJournal();
  const portfolio = new Portfolio({ initialCash: META.initialCash, markets: (id) => markets.find((m) => m.conditionId === id || m.tokens.some((t) => t.tokenId === id)) });
  const deliver = (ev: OrderEvent) => {
    journal.record(ev);
    if (ev.type === 'order_filled') portfolio.onFill(ev);
  };
  const place = (t: bigint, o: Omit<PlaceOrder, 'type' | 'postOnly' | 'expireNs' | 'amount' | 'qty'> & { qty?: Qty; amount?: Cash; postOnly?: boolean }): PlaceOrder => {
    const order: PlaceOrder = { type: 'place', postOnly: false, expireNs: null, ...o, qty: o.qty ?? null, amount: o.amount ?? null };
    journal.orderCreated(order, t);
    return order;
  };
  const accept = (t: bigint, order: PlaceOrder) => deliver({ type: 'order_accepted', tsNs: t, order });
  let fillSeq = 0;
  const fill = (t: bigint, f: Omit<OrderFilled, 'type' | 'tsNs' | 'fillId' | 'feeCash' | 'feeQty' | 'rebateCash'> & Partial<Pick<OrderFilled, 'feeCash' | 'feeQty' | 'rebateCash'>>) => {
    fillSeq += 1;
    deliver({ type: 'order_filled', tsNs: t, fillId: `pf${fillSeq}`, feeCash: 0n, feeQty: 0, rebateCash: 0n, ...f });
  };

  const o1 = place(at(1), { clientId: 'o000001', assetId: YES_A, side: 'BUY', tif: 'GTC', px: px('0.40'), qty: qty('100') });
  accept(at(1), o1);
  fill(at(2), { clientId: 'o000001', assetId: YES_A, side: 'BUY', px: px('0.40'), qty: qty('100'), liquidity: 'taker', feeCash: usd('1.68'), feeQty: qty('4.2'), leavesQty: 0 });

  const o2 = place(at(3), { clientId: 'o000002', assetId: YES_A, side: 'SELL', tif: 'FAK', px: px('0.55'), qty: qty('50') });
  accept(at(3), o2);
  fill(at(3), { clientId: 'o000002', assetId: YES_A, side: 'SELL', px: px('0.55'), qty: qty('50'), liquidity: 'taker', feeCash: usd('0.86625'), leavesQty: 0 });

  const o3 = place(at(4), { clientId: 'o000003', assetId: YES_A, side: 'SELL', tif: 'GTC', px: px('0.60'), qty: qty('20'), postOnly: true });
  accept(at(4), o3);
  fill(at(5), { clientId: 'o000003', assetId: YES_A, side: 'SELL', px: px('0.60'), qty: qty('10'), liquidity: 'maker', rebateCash: usd('0.0336'), leavesQty: qty('10') });

  place(at(6), { clientId: 'o000004', assetId: NO_A, side: 'BUY', tif: 'GTC', px: px('0.30'), qty: qty('1000') });
  deliver({ type: 'order_denied', tsNs: at(6), clientId: 'o000004', command: 'place', rule: 'max_order_notional', reason: 'notional 300 > limit 100, "hard" cap' });

  place(at(7), { clientId: 'o000005', assetId: NO_A, side: 'BUY', tif: 'FOK', px: px('0.99'), amount: usd('5') });
  deliver({ type: 'order_rejected', tsNs: at(7), clientId: 'o000005', reason: 'FOK not fully fillable' });

  const o6 = place(at(8), { clientId: 'o000006', assetId: NO_A, side: 'BUY', tif: 'GTC', px: px('0.30'), qty: qty('10') });
  accept(at(8), o6);
  deliver({ type: 'order_canceled', tsNs: at(9), clientId: 'o000006', reason: 'user', leavesQty: qty('10') });

  const o7 = place(at(20), { clientId: 'o000007', assetId: YES_B, side: 'BUY', tif: 'GTC', px: px('0.50'), qty: qty('10') });
  accept(at(20), o7);
  fill(at(20), { clientId: 'o000007', assetId: YES_B, side: 'BUY', px: px('0.50'), qty: qty('10'), liquidity: 'maker', leavesQty: 0 });
  const o8 = place(at(30), { clientId: 'o000008', assetId: YES_B, side: 'SELL', tif: 'GTC', px: px('0.70'), qty: qty('10') });
  accept(at(30), o8);
  fill(at(40), { clientId: 'o000008', assetId: YES_B, side: 'SELL', px: px('0.70'), qty: qty('10'), liquidity: 'maker', leavesQty: 0 });

  deliver({ type: 'order_denied', tsNs: at(50), clientId: null, command: 'merge', rule: 'insufficient_position', reason: 'needs 5 of both tokens' });

  const eqPoint = (t: number, equity: string) => ({
    tsNs: at(t), cash: usd(equity), positionsValue: 0n, equity: usd(equity), realized: 0n, unrealized: 0n, fees: 0n, exposure: 0n,
  });
  journal.equity.push(eqPoint(0, '1000'), eqPoint(60, '1005'), eqPoint(120, '998'));
  journal.equity.push({
    tsNs: at(180), cash: usd('994.66735'), positionsValue: usd('20.585'), equity: usd('1015.25235'),
    realized: usd('9.5815579332'), unrealized: usd('5.6371920668'), fees: usd('2.54625'), exposure: usd('20.585'),
  });
  if (opts.failure === true) journal.strategyFailure = { tsNs: at(170), hook: 'onBook', message: 'boom, "bad"' };

  const marks = new Map<string, D | null>([[YES_A, new D('0.575')], [YES_B, null]]);
  const halt = opts.halted ?? null;
  const input = reportInput(
    { journal, portfolio, markets, markOf: (id) => marks.get(id) ?? null, risk: { halted: halt !== null, haltedBy: halt }, quality: QUALITY },
    opts.minRatioReturns === undefined ? META : { ...META, minRatioReturns: opts.minRatioReturns },
  );
  return { journal, portfolio, input };
}
