import { describe, expect, it } from 'vitest';
import { Portfolio, divRoundHalfEven, markValue, openBuyQty, openSellQty, reservedCash } from '../../src/core/portfolio/portfolio.ts';
import { D, formatCash, type Px } from '../../src/core/types/fixed.ts';
import type { MarketResolved } from '../../src/core/types/events.ts';
import { COND, NO, YES, fill, lookup, meta, px, qty, usd } from './helpers.ts';

const newPortfolio = (cash = '1000') => new Portfolio({ initialCash: usd(cash), markets: lookup(meta()) });
const resolved = (winner: string): MarketResolved => ({
  type: 'market_resolved', recvNs: 9n, source: 'market_ws', seq: 1, sub: 0, conn: 'c', exchMs: null,
  market: COND, assetIds: [YES, NO], winningAssetId: winner, winningOutcome: null,
});
const marksOf = (m: Record<string, Px | D | null>) => (id: string) => m[id] ?? null;

describe('Portfolio fills (average cost)', () => {
  it('a taker BUY pays its fee in shares: cash falls by px*qty, fewer shares arrive, avg cost rises', () => {
    const pf = newPortfolio();
    // 100 sh @ 0.50, fee 100*0.07*0.5*0.5 = $1.75 = 3.5 shares at 0.50
    pf.onFill(fill({ side: 'BUY', px: px('0.5'), qty: qty('100'), liquidity: 'taker', feeCash: usd('1.75'), feeQty: qty('3.5') }));
    expect(pf.cash()).toBe(usd('950'));
    const p = pf.position(YES)!;
    expect(p.qty).toBe(qty('96.5'));
    expect(p.costBasis).toBe(usd('50'));
    expect(p.avgCost!.eq(new D(50).div('96.5'))).toBe(true);
    expect(p.avgCost!.gt('0.5')).toBe(true);
    expect(p.feeShares).toBe(qty('3.5'));
    const t = pf.totals();
    expect(t.feeShares).toBe(qty('3.5'));
    expect(t.feeShareValue).toBe(usd('1.75'));
    expect(t.feeCash).toBe(0n);
    expect(t.fees).toBe(usd('1.75'));
    expect(t.realizedTrading).toBe(0n);
  });

  it('a taker SELL pays its fee in cash and realizes (px - avgCost) * qty - fee, cost released half-even', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ side: 'BUY', px: px('0.5'), qty: qty('100'), liquidity: 'taker', feeCash: usd('1.75'), feeQty: qty('3.5') }));
    // SELL 40 @ 0.60, fee 40*0.07*0.6*0.4 = 0.672
    pf.onFill(fill({ side: 'SELL', px: px('0.6'), qty: qty('40'), liquidity: 'taker', feeCash: usd('0.672') }));
    // released cost = 50 * 40 / 96.5 = 20.72538860103626... -> 20.7253886010 (1e-10, half-even)
    expect(pf.cash()).toBe(usd('973.328'));
    const p = pf.position(YES)!;
    expect(p.qty).toBe(qty('56.5'));
    expect(p.costBasis).toBe(usd('29.274611399'));
    expect(p.realized).toBe(usd('2.602611399')); // 24 - 0.672 - 20.725388601
    expect(pf.totals().fees).toBe(usd('2.422'));
    expect(pf.totals().turnover).toBe(usd('74'));
  });

  it('partial closes keep the average cost; the full close releases all remaining cost and closes a round trip', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ side: 'BUY', px: px('0.4'), qty: qty('10'), tsNs: 10n }));
    pf.onFill(fill({ side: 'BUY', px: px('0.6'), qty: qty('30'), tsNs: 20n }));
    expect(pf.position(YES)!.avgCost!.eq('0.55')).toBe(true);
    pf.onFill(fill({ side: 'SELL', px: px('0.7'), qty: qty('20'), tsNs: 30n }));
    expect(pf.position(YES)!.realized).toBe(usd('3')); // 14 - 11
    expect(pf.position(YES)!.avgCost!.eq('0.55')).toBe(true);
    expect(pf.roundTrips()).toHaveLength(0);
    pf.onFill(fill({ side: 'SELL', px: px('0.5'), qty: qty('20'), tsNs: 40n }));
    const p = pf.position(YES)!;
    expect(p.qty).toBe(0);
    expect(p.avgCost).toBeNull();
    expect(p.costBasis).toBe(0n);
    expect(p.realized).toBe(usd('2')); // 3 + (10 - 11)
    expect(pf.cash()).toBe(usd('1002'));
    expect(pf.roundTrips()).toEqual([{ assetId: YES, market: COND, openNs: 10n, closeNs: 40n, pnl: usd('2'), cost: usd('22'), closedBy: 'sell' }]);
    expect(pf.openPositions()).toHaveLength(0);
    expect(pf.positions()).toHaveLength(1);
  });

  it('rebates are credited to cash on their own line, not to trading P&L', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ side: 'BUY', px: px('0.5'), qty: qty('10'), rebateCash: usd('0.035') }));
    pf.onFill(fill({ side: 'SELL', px: px('0.5'), qty: qty('10'), rebateCash: usd('0.035') }));
    expect(pf.cash()).toBe(usd('1000.07'));
    expect(pf.totals().rebates).toBe(usd('0.07'));
    expect(pf.totals().realizedTrading).toBe(0n);
    expect(pf.position(YES)!.rebates).toBe(usd('0.07'));
    expect(pf.roundTrips()[0]!.pnl).toBe(0n);
  });

  it('a BUY without withheld shares is charged its cash fee, included in cost', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ side: 'BUY', px: px('0.5'), qty: qty('10'), liquidity: 'taker', feeCash: usd('0.1') }));
    expect(pf.cash()).toBe(usd('994.9'));
    expect(pf.position(YES)!.costBasis).toBe(usd('5.1'));
    expect(pf.totals().feeCash).toBe(usd('0.1'));
  });

  it('a SELL beyond the position is corrupt state and throws (no shorts on Polymarket)', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ side: 'BUY', px: px('0.5'), qty: qty('10') }));
    expect(() => pf.onFill(fill({ side: 'SELL', px: px('0.5'), qty: qty('10.000001') }))).toThrow(/exceeds the position 10/);
    expect(() => pf.onFill(fill({ assetId: NO, side: 'SELL', px: px('0.5'), qty: qty('1') }))).toThrow(/no shorts/);
    expect(() => pf.onFill(fill({ side: 'BUY', px: px('0.5'), qty: 0 }))).toThrow(/qty 0/);
    expect(() => pf.onFill(fill({ side: 'BUY', px: px('0.5'), qty: qty('1'), feeQty: qty('2') }))).toThrow(/withholds/);
    expect(pf.position(YES)!.qty).toBe(qty('10'));
  });
});

describe('Portfolio marks', () => {
  it('unrealized and equity at mid: exact for Px marks, half-even at 1e-10 for half-tick D marks', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ side: 'BUY', px: px('0.4'), qty: qty('10') }));
    // mid of 0.45 / 0.46 = 0.455 -> 10 * 0.455 = 4.55, unrealized 0.55
    const mid = new D('0.455');
    expect(pf.unrealized(marksOf({ [YES]: mid }))).toBe(usd('0.55'));
    expect(pf.equity(marksOf({ [YES]: mid }))).toBe(usd('1000.55'));
    expect(pf.unrealized(marksOf({ [YES]: px('0.45') }))).toBe(usd('0.5'));
    // 1.000001 sh at 0.45005 = 0.45005045005 (11 decimals) -> 0.4500504500|5 rounds half-even to ...4500
    expect(markValue(new D('0.45005'), qty('1.000001'))).toBe(usd('0.45005045'));
    // 1.000003 sh at 0.45005 = 0.45005135015 -> 0.4500513501|5 is a tie, last digit 1 is odd -> up to ...3502
    expect(markValue(new D('0.45005'), qty('1.000003'))).toBe(usd('0.4500513502'));
  });

  it('a held token without a mark is carried at cost and reported', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ side: 'BUY', px: px('0.4'), qty: qty('10') }));
    const v = pf.valuation(() => null);
    expect(v.unrealized).toBe(0n);
    expect(v.positionsValue).toBe(usd('4'));
    expect(v.unmarked).toEqual([YES]);
    expect(pf.valuationExact(marksOf({ [YES]: new D('0.45005') })).unrealized.eq('0.5005')).toBe(true);
  });
});

describe('Portfolio merge', () => {
  it('merging YES + NO pays $1 per pair; P&L = 1 - avgYes - avgNo per pair, on its own line', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ assetId: YES, side: 'BUY', px: px('0.4'), qty: qty('10') }));
    pf.onFill(fill({ assetId: NO, side: 'BUY', px: px('0.55'), qty: qty('12') }));
    const ev = pf.merge(COND, qty('10'), 50n);
    expect(ev).toEqual({ type: 'positions_merged', tsNs: 50n, market: COND, qty: qty('10'), cash: usd('10'), pnl: usd('0.5') }); // pnl = 10 - 4 - 5.5 (10/12 of $6.60)
    expect(pf.cash()).toBe(usd('1000') - usd('4') - usd('6.6') + usd('10'));
    const t = pf.totals();
    expect(t.merges).toEqual({ count: 1, qty: qty('10'), cash: usd('10'), pnl: usd('0.5') }); // 10 * (1 - 0.4 - 0.55)
    expect(t.realizedTrading).toBe(0n);
    // the $10 is split in proportion to released cost 4 : 5.5 -> YES 4.2105263158, NO 5.7894736842
    expect(pf.position(YES)!.merged).toBe(usd('0.2105263158'));
    expect(pf.position(NO)!.merged).toBe(usd('0.2894736842'));
    expect(pf.position(YES)!.qty).toBe(0);
    expect(pf.position(NO)!.qty).toBe(qty('2'));
    expect(pf.position(NO)!.costBasis).toBe(usd('1.1'));
    expect(pf.roundTrips().map((r) => [r.assetId, r.closedBy])).toEqual([[YES, 'merge']]);
  });

  it('a merge without enough of both legs or of an unknown market is refused as a value', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ assetId: YES, side: 'BUY', px: px('0.4'), qty: qty('10') }));
    expect(pf.merge(COND, qty('1'), 1n)).toEqual({ error: expect.stringMatching(/needs 1 of both tokens, holds 10/) });
    expect(pf.merge('0x' + 'cd'.repeat(32), qty('1'), 1n)).toHaveProperty('error');
    expect(pf.merge(COND, 0, 1n)).toHaveProperty('error');
    expect(pf.cash()).toBe(usd('996'));
  });
});

describe('Portfolio settlement', () => {
  it('winner pays $1, loser $0; settlement P&L is kept apart from trading P&L', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ assetId: YES, side: 'BUY', px: px('0.4'), qty: qty('10') }));
    pf.onFill(fill({ assetId: YES, side: 'SELL', px: px('0.5'), qty: qty('2') })); // realized 0.2
    pf.onFill(fill({ assetId: NO, side: 'BUY', px: px('0.55'), qty: qty('5') }));
    const evs = pf.settle(resolved(YES), 99n);
    expect(evs).toEqual([
      { type: 'position_settled', tsNs: 99n, market: COND, assetId: YES, qty: qty('8'), payoutPx: 10000, cash: usd('8') },
      { type: 'position_settled', tsNs: 99n, market: COND, assetId: NO, qty: qty('5'), payoutPx: 0, cash: 0n },
    ]);
    const t = pf.totals();
    expect(t.realizedTrading).toBe(usd('0.2'));
    expect(t.settlement).toBe(usd('8') - usd('3.2') - usd('2.75')); // 2.05
    expect(t.settlementCash).toBe(usd('8'));
    expect(pf.position(YES)!.settlement).toBe(usd('4.8'));
    expect(pf.position(NO)!.settlement).toBe(usd('-2.75'));
    expect(pf.cash()).toBe(usd('1000') - usd('4') + usd('1') - usd('2.75') + usd('8'));
    expect(pf.openPositions()).toHaveLength(0);
    expect(pf.isSettled(COND)).toBe(true);
    expect(pf.settle(resolved(YES), 100n)).toEqual([]);
  });

  it('a loser-only holding settles at 0', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ assetId: YES, side: 'BUY', px: px('0.7'), qty: qty('10') }));
    const evs = pf.settle(resolved(NO), 5n);
    expect(evs.map((e) => [e.assetId, e.payoutPx, e.cash])).toEqual([[YES, 0, 0n]]);
    expect(pf.totals().settlement).toBe(usd('-7'));
    expect(pf.cash()).toBe(usd('993'));
  });

  it('a 50/50 resolution pays 0.5 per share of each token', () => {
    const pf = newPortfolio();
    pf.onFill(fill({ assetId: YES, side: 'BUY', px: px('0.4'), qty: qty('10') }));
    pf.onFill(fill({ assetId: NO, side: 'BUY', px: px('0.55'), qty: qty('5') }));
    const evs = pf.settlePayouts(COND, new Map([[YES, 5000], [NO, 5000]]), 7n);
    expect(evs.map((e) => [e.assetId, e.cash])).toEqual([[YES, usd('5')], [NO, usd('2.5')]]);
    expect(pf.totals().settlement).toBe(usd('0.75')); // 5 - 4 + 2.5 - 2.75
  });
});

describe('reserve helpers', () => {
  const orders = [
    { assetId: YES, side: 'BUY' as const, px: px('0.4'), leavesQty: qty('10') },
    { assetId: YES, side: 'BUY' as const, px: px('0.5'), leavesQty: 0, amount: usd('3') },
    { assetId: YES, side: 'SELL' as const, px: px('0.6'), leavesQty: qty('4') },
    { assetId: NO, side: 'SELL' as const, px: px('0.6'), leavesQty: qty('1') },
  ];
  it('reserve cash for open BUYs (amount for amount-sized buys) and count open shares', () => {
    expect(reservedCash(orders)).toBe(usd('7'));
    expect(openSellQty(orders, YES)).toBe(qty('4'));
    expect(openBuyQty(orders, YES)).toBe(qty('16')); // 10 + 3 / 0.5
    const pf = newPortfolio('10');
    expect(pf.available(orders)).toBe(usd('3'));
  });
  it('divRoundHalfEven rounds ties to even in both signs', () => {
    expect([5n, 15n, 25n, -5n, -15n, 7n, -7n].map((n) => divRoundHalfEven(n, 10n))).toEqual([0n, 2n, 2n, 0n, -2n, 1n, -1n]);
    expect(formatCash(divRoundHalfEven(usd('50') * BigInt(qty('40')), BigInt(qty('96.5'))))).toBe('20.725388601');
  });
});
