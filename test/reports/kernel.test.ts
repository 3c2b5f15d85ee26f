// End to end through the real TradingKernel: a few synthetic market_ws frames, a strategy that buys at the ask
// (taker, fee withheld in shares) and sells at the bid later, then the reports rendered from the finished kernel.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { TradingKernel } from '../../src/core/kernel/trading-kernel.ts';
import { conservativeQueue, constantLatency, flatFees } from '../../src/core/matching/index.ts';
import { renderReports, reportInputFromKernel, type ReportFiles } from '../../src/core/reports/render.ts';
import { defaultRiskLimits } from '../../src/core/risk/risk.ts';
import { defineStrategy } from '../../src/core/strategy/api.ts';
import { NS_PER_S } from '../../src/core/time.ts';
import { D } from '../../src/core/types/fixed.ts';
import type { MarketMeta } from '../../src/core/types/market.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { at, COND_A, NO_A, qty, usd, YES_A } from './helpers.ts';

const META: MarketMeta = {
  conditionId: COND_A, id: '1', slug: 'kernel-test', question: 'Up, or "down"?',
  tokens: [{ tokenId: YES_A, outcome: 'Up' }, { tokenId: NO_A, outcome: 'Down' }],
  tickSize: 100, minOrderSize: qty('5'), negRisk: false, feesEnabled: true, feeSchedule: null,
  endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
};

let seq = 0;
function book(t: number, bids: [string, string][], asks: [string, string][]): RawRecord {
  seq += 1;
  const payload = {
    event_type: 'book', market: COND_A, asset_id: YES_A,
    bids: bids.map(([price, size]) => ({ price, size })), asks: asks.map(([price, size]) => ({ price, size })),
    timestamp: String(at(t) / 1_000_000n), hash: `0x${seq}`,
  };
  return { v: 1, seq, recvNs: at(t), source: 'market_ws', conn: 'c1', kind: 'frame', meta: {}, payload: JSON.stringify(payload) };
}

const strategy = defineStrategy({
  name: 'buy-then-sell',
  params: z.object({}),
  create(ctx) {
    let step = 0;
    return {
      onBook(assetId, view) {
        if (assetId !== YES_A) return;
        const ask = view.bestAsk();
        const bid = view.bestBid();
        if (step === 0 && ask !== null) {
          ctx.buy({ assetId: YES_A, px: ask, qty: qty('10') }); // marketable GTC: a taker fill
          step = 1;
        } else if (step === 2 && bid !== null && bid >= 6000) {
          ctx.sell({ assetId: YES_A, px: bid, qty: ctx.position(YES_A).qty });
          step = 3;
        }
      },
      onFill(f) {
        if (step === 1 && f.side === 'BUY') step = 2;
      },
    };
  },
});

function run(): { kernel: TradingKernel; files: ReportFiles } {
  seq = 0;
  const kernel = new TradingKernel({
    strategy, params: {}, markets: [META], initialCash: usd('100'), seed: 1, risk: defaultRiskLimits,
    fill: { latency: constantLatency(0n), queue: conservativeQueue, fees: flatFees('0.07', '1', '0.2') },
    equityIntervalNs: 10n * NS_PER_S,
  });
  kernel.onRecord(book(1, [['0.48', '100']], [['0.52', '100']]));
  kernel.onRecord(book(12, [['0.60', '100']], [['0.62', '100']]));
  kernel.onRecord(book(30, [['0.55', '100']], [['0.57', '100']]));
  kernel.finish(at(60));
  const files = renderReports(reportInputFromKernel(kernel, { strategyName: strategy.name, params: {}, initialCash: usd('100'), equityIntervalNs: 10n * NS_PER_S, startNs: at(0), endNs: at(60) }));
  return { kernel, files };
}

describe('reports from a finished TradingKernel', () => {
  const { kernel, files } = run();
  const summary = JSON.parse(files['summary.json']) as Record<string, any>;

  it('lists what the kernel did', () => {
    expect(kernel.journal.fills.length).toBe(2);
    const fills = files['fills.csv'].trim().split('\n').slice(1);
    expect(fills).toHaveLength(2);
    expect(fills[0]).toContain(',Up,');
    expect(fills[0]).toContain(',BUY,0.52,10,5.2,taker,');
    expect(fills[1]).toContain(',SELL,0.6,');
    const orders = files['orders.csv'].trim().split('\n').slice(1);
    expect(orders.map((l) => l.split(',')[0])).toEqual([...kernel.journal.orders.keys()]);
    expect(summary.orders.placed).toBe(2);
    expect(summary.orders.filled).toBe(2);
    expect(summary.fills.taker).toBe(2);
    expect(summary.per_market[0].question).toBe('Up, or "down"?');
  });

  it('P&L: the parts add up to final equity - initial, and match the last equity sample', () => {
    const p = summary.pnl as Record<string, string>;
    const parts = [p.trading_realized, p.unrealized, p.merges, p.settlement, p.rebates].reduce((a, x) => a.add(x!), new D(0));
    expect(parts.eq(p.total!)).toBe(true);
    expect(new D(summary.capital.final_equity).sub('100').eq(p.total!)).toBe(true);
    const last = files['equity.csv'].trim().split('\n').at(-1)!.split(',');
    expect(last[4]).toBe(summary.capital.final_equity);
    // By hand: the taker BUY of 10 at 0.52 pays 10 x 0.07 x 0.52 x 0.48 = 0.17472 $ as 0.336 shares, so 9.664
    // arrive for 5.2 $. Selling 9.664 at 0.60 (taker) pays 9.664 x 0.07 x 0.6 x 0.4 = 0.1623552 -> 0.16236 $ (5 dp).
    // Realized = 5.7984 - 0.16236 - 5.2 = 0.43604; fees = 0.16236 + 0.336 x 0.52 = 0.33708.
    expect([p.fee_cash, p.fee_shares, p.fee_value]).toEqual(['0.16236', '0.336', '0.33708']);
    expect(p.trading_realized).toBe('0.43604');
    expect(p.total).toBe('0.43604');
    expect(summary.capital.final_equity).toBe('100.43604');
    // the 11:00:11 sample marks 9.664 shares at the 0.50 mid: 94.8 + 4.832 = 99.632, 0.368 below the start
    expect(files['equity.csv']).toContain(',94.8,4.832,99.632,0,-0.368,0.17472,4.832,0.368\n');
    expect(summary.max_drawdown.amount).toBe('0.368');
    expect(summary.exposure).toBe('0.183333'); // held from 11:00:01 to 11:00:12 of a 60 s period
    const pos = files['positions.csv'].trim().split('\n')[1]!.split(',');
    expect(pos[3]).toBe('0'); // flat after the sell
    expect(new D(pos[8]!).eq(p.trading_realized!)).toBe(true);
  });

  it('is byte-identical across two runs', () => {
    expect(run().files).toEqual(files);
  });
});
