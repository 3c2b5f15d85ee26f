// Issue 8 item 5: bad numbers from a strategy are denials, not crashes.
//
// Every command a strategy sends is checked once, at the strategy-context edge (the kernel's command
// path): a wrong type, NaN, dollars instead of ticks, a negative or fractional size, a bigint where a
// number belongs or a number where a bigint belongs becomes an OrderDenied (rule invalid_order) whose
// reason names the call, the field, the value and the fix. The run goes on and its reports render.
import { describe, expect, it } from 'vitest';
import { renderReports, reportInputFromKernel } from '../../src/core/reports/render.ts';
import { z } from 'zod';
import { TradingKernel } from '../../src/core/kernel/trading-kernel.ts';
import { constantLatency, conservativeQueue, noFees } from '../../src/core/matching/index.ts';
import { defaultRiskLimits } from '../../src/core/risk/risk.ts';
import { defineStrategy, type StrategyContext, type StrategyHooks } from '../../src/core/strategy/api.ts';
import { qty, type Px } from '../../src/core/strategy/units.ts';
import type { OrderDenied } from '../../src/core/types/orders.ts';
import badNumbers from '../fixtures/strategies/bad-numbers.ts';
import { binaryMarket, SEC, StrategyRun, T0, WireScript } from '../strategies/helpers.ts';

describe('bad numbers from a strategy', () => {
  const m = binaryMarket({ n: 1 });
  const script = new WireScript([m]).book(m, [['0.40', '100']], [['0.45', '100']]).wait(2n * SEC).keepAlive(90n * SEC);

  it('each becomes an OrderDenied naming the field, the value and the fix; the run goes on and reports render', () => {
    const run = new StrategyRun({ strategy: badNumbers, markets: [m] }, script.records).finish(T0 + 90n * SEC);
    const denials = run.journal.denials;
    const reasons = denials.map((d: OrderDenied) => `${d.command} ${d.rule}: ${d.reason}`);
    expect(reasons).toEqual([
      "place invalid_order: ctx.buy: px NaN is not a number of ticks: prices are integer 1e-4 dollar ticks (Px) in 1..9999, e.g. px('0.45') = 4500",
      "place invalid_order: ctx.buy: px 0.45 looks like dollars: prices are integer 1e-4 dollar ticks (Px), so write px('0.45') = 4500",
      'place invalid_order: ctx.buy: px -100 is outside 1..9999 ticks (Px = 1e-4 dollars; 0.0001 to 0.9999 dollars)',
      'place invalid_order: ctx.buy: px 4500.5 is not a whole number of ticks (Px = 1e-4 dollars): round it to the market tick',
      "place invalid_order: ctx.buy: px Infinity is not a number of ticks: prices are integer 1e-4 dollar ticks (Px) in 1..9999, e.g. px('0.45') = 4500",
      "place invalid_order: ctx.buy: px 4500n is a bigint: prices are numbers (Px, integer 1e-4 dollar ticks), e.g. px('0.45') = 4500 or px.ticks(4500)",
      "place invalid_order: ctx.buy: qty 10n is a bigint: sizes are numbers (Qty, integer 1e-6 shares), e.g. qty('10') = 10000000",
      'place invalid_order: ctx.buy: qty 0 must be more than 0 shares',
      "place invalid_order: ctx.sell: qty 2.5 is not a whole number of 1e-6 shares (Qty): write qty('2.5') = 2500000 for 2.5 shares",
      'place invalid_order: ctx.buy: assetId 123 (a number) must be a token id string, e.g. ctx.market(id).tokens[0].tokenId',
      'place invalid_order: ctx.buy: expireNs 1900000000000000000 (a number) must be a bigint of nanoseconds since the epoch, e.g. ctx.now() + 60_000_000_000n',
      "place invalid_order: ctx.buy: tif \"IOC\" must be one of 'GTC', 'GTD'",
      "place invalid_order: ctx.buy: tif 'FOK' is for market orders: a limit order rests (GTC or GTD); to take liquidity now use ctx.marketBuy({ assetId, spend, worstPx, tif })",
      'place invalid_order: ctx.buy: a GTD order needs expireNs, its expiry in ns since the epoch, e.g. ctx.now() + 60_000_000_000n',
      "place invalid_order: ctx.sell: expireNs 5n is only for tif 'GTD' (this order is GTC, which never expires): add tif: 'GTD' or drop expireNs",
      'place invalid_order: ctx.marketBuy: amount 50000000000n: the field is called spend (dollars, Cash)',
      "place invalid_order: ctx.marketBuy: spend 5 (a number) must be a bigint of 1e-10 dollars (Cash), e.g. usd('5') or usd.raw(50_000_000_000n)",
      'place invalid_order: ctx.marketBuy: spend -1n must be more than 0 dollars',
      "place invalid_order: ctx.marketSell: qty 10n is a bigint: sizes are numbers (Qty, integer 1e-6 shares), e.g. qty('10') = 10000000",
      "place invalid_order: ctx.marketSell: worstPx 0.45 looks like dollars: prices are integer 1e-4 dollar ticks (Px), so write px('0.45') = 4500",
      "merge invalid_order: ctx.merge: qty 10n is a bigint: sizes are numbers (Qty, integer 1e-6 shares), e.g. qty('10') = 10000000",
      'cancel invalid_order: ctx.cancel: clientId 42 (a number) must be the string a command returned',
    ]);
    // the run went on: the good order after the bad ones was accepted and rests
    expect(run.kernel.exchange.openOrders().map((o) => o.px)).toEqual([100]);
    // the reports render (bad values never reach them: the orders rows show what could be read)
    const files = renderReports(reportInputFromKernel(run.kernel, { strategyName: 'bad-numbers', params: {}, initialCash: 1000n * 10n ** 10n, equityIntervalNs: 60n * SEC, startNs: T0, endNs: T0 + 90n * SEC }));
    expect(files['orders.csv'].split('\n').filter((l) => l.includes(',denied,'))).toHaveLength(20);
    expect(JSON.parse(files['summary.json']).risk.denials_by_rule).toEqual({ invalid_order: 22 });
  });

  const raw = (create: (ctx: StrategyContext) => StrategyHooks) =>
    new TradingKernel({
      strategy: defineStrategy({ name: 'probe', params: z.object({}), create }),
      params: {}, markets: [m], initialCash: 1000n * 10n ** 10n, seed: 1, risk: defaultRiskLimits,
      fill: { latency: constantLatency(0n), queue: conservativeQueue, fees: noFees }, equityIntervalNs: 60n * SEC,
    });

  it('a hook that re-sends a refused order forever is stopped at the per-instant command limit, not hung', () => {
    const k = raw((ctx) => ({
      onStart: () => void ctx.buy({ assetId: m.tokens[0]!.tokenId, px: 0.4 as Px, qty: qty('10') }),
      onOrder: (ev) => void (ev.type === 'order_denied' && ctx.buy({ assetId: m.tokens[0]!.tokenId, px: 0.4 as Px, qty: qty('10') })),
    }));
    for (const r of script.records) k.onRecord(r);
    k.finish();
    expect(k.journal.strategyFailure?.message).toMatch(/^more than 10000 commands at one instant/);
  });

  it('a timer with a number instead of a bigint stops the strategy with a message naming the fix', () => {
    const k = raw((ctx) => ({ onStart: () => void ctx.setTimeout('x', 5 as unknown as bigint) }));
    for (const r of script.records) k.onRecord(r);
    k.finish();
    expect(k.journal.strategyFailure).toMatchObject({ hook: 'onStart', message: 'ctx.setTimeout: delayNs 5 (a number) must be a bigint of nanoseconds, e.g. 5_000_000_000n for 5 s' });
  });
});
