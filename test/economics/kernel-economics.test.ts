// Economics through the real TradingKernel on a small tape, every figure worked out by hand beside it.
// Market: crypto terms in its own feeSchedule (fee = C x 0.07 x p(1-p), makers get 20%); rewards: v = 3 cents,
// min size 50, 14.4 $ a day (from the kernel's rewards config, as --rewards FILE gives it).
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { TradingKernel } from '../../src/core/kernel/trading-kernel.ts';
import { conservativeQueue, constantLatency, polymarketFees } from '../../src/core/matching/index.ts';
import { renderReports, reportInputFromKernel } from '../../src/core/reports/render.ts';
import { defaultRiskLimits } from '../../src/core/risk/risk.ts';
import { defineStrategy } from '../../src/core/strategy/api.ts';
import { NS_PER_S } from '../../src/core/time.ts';
import { D } from '../../src/core/types/fixed.ts';
import type { MarketMeta } from '../../src/core/types/market.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { at, COND_A, NO_A, px, qty, usd, YES_A } from '../reports/helpers.ts';

const META: MarketMeta = {
  conditionId: COND_A, id: '1', slug: 'econ-test', question: 'Up?',
  tokens: [{ tokenId: YES_A, outcome: 'Up' }, { tokenId: NO_A, outcome: 'Down' }],
  tickSize: 100, minOrderSize: qty('5'), negRisk: false, feesEnabled: true,
  feeSchedule: { rate: '0.07', exponent: '1', takerOnly: true, rebateRate: '0.2' },
  endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
};

let seq = 0;
const frame = (t: number, payload: Record<string, unknown>): RawRecord => {
  seq += 1;
  return { v: 1, seq, recvNs: at(t), source: 'market_ws', conn: 'c1', kind: 'frame', meta: {}, payload: JSON.stringify({ ...payload, timestamp: String(at(t) / 1_000_000n) }) };
};

const strategy = defineStrategy({
  name: 'one-bid',
  params: z.object({}),
  create(ctx) {
    let placed = false;
    return {
      onBook(assetId) {
        if (placed || assetId !== YES_A) return;
        placed = true;
        ctx.buy({ assetId: YES_A, px: px('0.49'), qty: qty('600'), postOnly: true });
      },
    };
  },
});

function run() {
  seq = 0;
  const kernel = new TradingKernel({
    strategy, params: {}, markets: [META], initialCash: usd('1000'), seed: 1, risk: defaultRiskLimits,
    // the tape is dated 2025-12-11, before the venue's fees (and before a market's own feeSchedule became
    // authoritative, 2026-03-31): this regime table makes the market's schedule apply at any date
    fill: { latency: constantLatency(0n), queue: conservativeQueue, fees: polymarketFees([{ name: 'schedule', fromNs: -(2n ** 63n), marketSchedule: true, defaults: () => null }]) },
    equityIntervalNs: 60n * NS_PER_S,
    rewards: new Map([[COND_A, { maxSpreadCents: new D(3), minSize: qty('50'), ratePerDay: new D('14.4'), source: 'file' }]]),
  });
  // 11:00:01 book: bid 0.48 x 100, ask 0.52 x 200; we rest a post-only bid 0.49 x 600 (not in the recorded book)
  kernel.onRecord(frame(1, { event_type: 'book', market: COND_A, asset_id: YES_A, bids: [{ price: '0.48', size: '100' }], asks: [{ price: '0.52', size: '200' }], hash: '0x1' }));
  // 11:01:30 a taker sells 1000 at 0.49: our bid is hit as maker for 600
  kernel.onRecord(frame(90, { event_type: 'last_trade_price', market: COND_A, asset_id: YES_A, price: '0.49', size: '1000', side: 'SELL', fee_rate_bps: '0' }));
  // 11:02:20 Up wins
  kernel.onRecord(frame(140, { event_type: 'market_resolved', market: COND_A, assets_ids: [YES_A, NO_A], winning_asset_id: YES_A, winning_outcome: 'Up', id: '1' }));
  kernel.finish(at(150));
  const files = renderReports(reportInputFromKernel(kernel, { strategyName: 'one-bid', params: {}, initialCash: usd('1000'), equityIntervalNs: 60n * NS_PER_S, startNs: at(1), endNs: at(150) }));
  return { kernel, files, s: JSON.parse(files['summary.json']) as Record<string, any> };
}

describe('economics of a run, from the tape', () => {
  const { kernel, files, s } = run();
  const e = s.economics;

  it('the run itself: one maker fill of 600 at 0.49, settled as the winner', () => {
    expect(kernel.journal.fills).toHaveLength(1);
    expect(kernel.journal.fills[0]).toMatchObject({ liquidity: 'maker', qty: qty('600'), px: 4900 });
    // per-fill rebate the engine credits: 600 x 0.07 x 0.49 x 0.51 = 10.4958 fee-equivalent x 0.2 = 2.09916
    expect(s.pnl.rebates).toBe('2.09916');
    // settlement: 600 x $1 - 600 x 0.49 = 600 - 294 = 306; total = 306 + 2.09916
    expect(s.pnl.settlement).toBe('306');
    expect(s.pnl.total).toBe('308.09916');
    expect(files['ledger.csv']).toContain(',fill,');
    expect(files['ledger.csv']).toContain(',settle,');
  });

  it('maker rebates as paid', () => {
    const [d] = e.maker_rebates.by_market_day;
    // the print: 1000 x 0.07 x 0.49 x 0.51 = 17.493 (fee-equivalent = the taker fee it paid); pool = 0.2 x 17.493
    expect(d).toMatchObject({ market: COND_A, slug: 'econ-test', day: '2025-12-11', prints: 1, print_shares: '1000', print_fee_equivalent: '17.493', taker_fees: '17.493', rebate_rate: '0.2', pool: '3.4986', our_maker_fills: 1 });
    // ours 10.4958; share = 10.4958 / (17.493 + 10.4958) = 600 / 1600 = 0.375; estimate = 0.375 x 3.4986 = 1.311975
    expect(d.our_fee_equivalent).toBe('10.4958');
    expect(d.share).toBe('0.375000');
    expect(d.estimate).toBe('1.311975');
    expect(d.paid).toBe('1.311975'); // >= $1
    expect(d.per_fill_estimate).toBe('2.09916'); // the flattering per-fill credit, beside it
    expect(e.maker_rebates.total_paid).toBe('1.311975');
  });

  it('liquidity rewards', () => {
    const [d] = e.liquidity_rewards.by_market_day;
    // samples at 11:01:00 and 11:02:00 (before the resolution at 11:02:20)
    // 11:01:00: mid 0.50; ours: bid 0.49 x 600, s = 1c -> (300 - 100)^2 x 600 = 24,000,000 (ticks^2 x shares),
    //   one-sided: 3 x Q_min = 24,000,000; book: bid 0.48 x 100 -> 100^2 x 100 = 1e6, ask 0.52 x 200 -> 2e6,
    //   others' 3 x bound = 1e6 + 2e6 + 1e6 = 4e6; share = 24 / (4 + 24) = 6/7 = 0.857142...
    // 11:02:00: our bid was filled at 11:01:30: share 0
    expect(d).toMatchObject({ samples: 2, samples_without_midpoint: 0, samples_scored: 1, share_sum: '0.857143', mean_share: '0.428571', rate_per_day: '14.4' });
    // reward = 6/7 x 14.4 / 1440 = 0.0085714... floored -> 0.008571, under $1: not paid
    expect(d.estimate).toBe('0.008571');
    expect(d.paid).toBe('0');
    expect(e.liquidity_rewards.markets).toEqual([{ market: COND_A, slug: 'econ-test', source: 'file', max_spread_cents: '3', min_size: '50', rate_per_day: '14.4' }]);
    expect(e.liquidity_rewards.status).toBeNull();
  });

  it('resolution metrics and locked capital', () => {
    const r = e.resolution;
    expect(r.markets).toEqual([{ market: COND_A, slug: 'econ-test', resolved_at: '2025-12-11T11:02:20.000000000Z', winner: YES_A, winner_outcome: 'Up' }]);
    // one fill of 600 at 0.49 on the winner: (0.49 - 1)^2 = 0.2601
    expect(r.brier).toMatchObject({ fills: 1, shares: '600', score: '0.260100' });
    expect(r.calibration[4]).toEqual({ from: '0.4', to: '0.5', fills: 1, shares: '600', mean_price: '0.490000', win_rate: '1.000000' });
    // held 600 at cost 294, last mark 0.50 (300): MtM +6, payout 600, settlement +306, jump +300
    expect(r.settlement_vs_mark).toEqual([{ market: COND_A, asset_id: YES_A, outcome: 'Up', resolved_at: '2025-12-11T11:02:20.000000000Z', qty: '600', cost_basis: '294', mark: '0.5', value_at_mark: '300', payout: '600', settlement_pnl: '306', mark_to_market_pnl: '6', resolution_jump: '300' }]);
    // 294 $ locked from 11:01:30 to 11:02:20 (50 s) of the 149 s run: 294 x 50 / 149 = 98.6577181208...
    expect(e.capital.average_locked).toBe('98.6577181208');
    expect(e.capital.peak_locked).toBe('294');
    // return on locked = 308.09916 / (14700 / 149) = 308.09916 x 149 / 14700 = 3.1228...
    expect(e.capital.return_on_locked).toBe(new D('308.09916').mul(149).div(14700).toFixed(6));
  });

  it('is byte-identical across two runs', () => {
    expect(run().files).toEqual(files);
  });
});
