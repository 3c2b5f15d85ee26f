import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TradingKernel, type KernelConfig } from '../../src/core/kernel/trading-kernel.ts';
import { conservativeQueue, constantLatency, noFees } from '../../src/core/matching/index.ts';
import { defaultRiskLimits } from '../../src/core/risk/risk.ts';
import { defineStrategy, type StrategyHooks, type StrategyContext } from '../../src/core/strategy/api.ts';
import { px, qty, usd } from '../../src/core/strategy/units.ts';
import { formatCash, parsePx, parseQty } from '../../src/core/types/fixed.ts';
import type { MarketMeta } from '../../src/core/types/market.ts';
import { rawRecord, type RawRecord } from '../../src/core/types/raw.ts';

const YES = '1'.repeat(77);
const NO = '2'.repeat(77);
const CID = '0x' + 'ab'.repeat(32);
const market: MarketMeta = {
  conditionId: CID, id: '1', slug: 'test-market', question: 'Test?', tokens: [{ tokenId: YES, outcome: 'Yes' }, { tokenId: NO, outcome: 'No' }],
  tickSize: parsePx('0.01'), minOrderSize: parseQty('5'), negRisk: false, feesEnabled: false, feeSchedule: null,
  endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
};
const T0 = 1_765_450_800_000_000_000n;
const S = 1_000_000_000n;

function frames(list: [bigint, unknown][]): RawRecord[] {
  return list.map(([t, payload], i) => rawRecord({ seq: i, recvNs: T0 + t, source: 'market_ws', conn: 'c1', kind: 'frame', payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }));
}
const book = (asset: string, bids: [string, string][], asks: [string, string][], ts: number) => ({
  market: CID, asset_id: asset, timestamp: String(ts), hash: '0'.repeat(40),
  bids: bids.map(([price, size]) => ({ price, size })), asks: asks.map(([price, size]) => ({ price, size })), tick_size: '0.01', event_type: 'book',
});
const trade = (asset: string, price: string, size: string, side: 'BUY' | 'SELL', ts: number) => ({
  market: CID, asset_id: asset, price, size, side, fee_rate_bps: '0', timestamp: String(ts), event_type: 'last_trade_price',
});

function config(create: (ctx: StrategyContext) => StrategyHooks, latencyNs = 0n): KernelConfig {
  return {
    strategy: defineStrategy({ name: 'probe', params: z.object({}), create }),
    params: {},
    markets: [market],
    initialCash: 1000n * 10n ** 10n,
    seed: 7,
    risk: defaultRiskLimits,
    fill: { latency: constantLatency(latencyNs), queue: conservativeQueue, fees: noFees },
    equityIntervalNs: 10n * S,
  };
}

describe('TradingKernel', () => {
  const data = frames([
    [0n, [book(YES, [['0.40', '100'], ['0.45', '50']], [['0.55', '30'], ['0.50', '20']], 1), book(NO, [['0.45', '30'], ['0.50', '20']], [['0.60', '100'], ['0.55', '50']], 1)]],
    [2n * S, trade(YES, '0.45', '60', 'SELL', 2)],
    [5n * S, 'PONG'],
    [30n * S, { event_type: 'market_resolved', market: CID, assets_ids: [YES, NO], winning_asset_id: YES, winning_outcome: 'Yes', timestamp: '30', id: '1' }],
  ]);

  it('walks the book for a taker buy, fills a resting bid from trades, settles, and keeps exact cash', () => {
    const seen: string[] = [];
    const k = new TradingKernel(config((ctx) => {
      let sent = false;
      return {
        onBook(assetId) {
          if (sent || assetId !== YES) return;
          sent = true;
          // $15 of YES: 20 @0.50 would cost $10, then 10 @0.55 = $5.5 -> only 9.090909 shares fit in the last $5
          ctx.marketBuy({ assetId: YES, spend: usd('15'), tif: 'FAK' });
          ctx.buy({ assetId: YES, px: px('0.45'), qty: qty('20') });
        },
        onOrder(ev) { seen.push(ev.type); },
      };
    }));
    for (const r of data) k.onRecord(r);
    k.finish();
    const fills = k.journal.fills.map((f) => `${f.clientId} ${f.side} ${f.px} ${f.qty} ${f.liquidity}`);
    // taker: 20 @ 0.50 and 9.090909 @ 0.55 ($4.99999995); maker: 50 ahead at 0.45, the 60-share print leaves 10 for us
    expect(fills).toEqual(['o000001 BUY 5000 20000000 taker', 'o000001 BUY 5500 9090909 taker', 'o000002 BUY 4500 10000000 maker']);
    expect(seen.slice(0, 2)).toEqual(['order_accepted', 'order_filled']);
    // cash: 1000 - 10 - 4.99999995 - 4.5 = 980.50000005, then the 39.090909 YES shares settle at $1
    expect(formatCash(k.portfolio.cash())).toBe('1019.59090905');
    expect(k.quality.records).toBe(4);
    expect(k.quality.normalizationErrors).toBe(0);
  });

  it('is deterministic and samples equity on a fixed clock grid', () => {
    const run = () => {
      const k = new TradingKernel(config((ctx) => ({ onBook: (a) => void (a === YES && ctx.openOrders().length === 0 && ctx.buy({ assetId: YES, px: px('0.40'), qty: qty('5') })) })));
      for (const r of data) k.onRecord(r);
      k.finish();
      return JSON.stringify({ eq: k.journal.equity, ev: k.journal.events }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    };
    const a = run();
    expect(run()).toBe(a);
    const k = new TradingKernel(config(() => ({})));
    for (const r of data) k.onRecord(r);
    k.finish();
    expect(k.journal.equity.map((p) => (p.tsNs - T0) / S)).toEqual([0n, 10n, 20n, 30n, 30n]);
  });

  it('fires strategy timers due at t before data at t, and delays orders by the latency model', () => {
    const trace: string[] = [];
    const k = new TradingKernel(config((ctx) => ({
      onStart() { ctx.setTimer('at-2s', T0 + 2n * S); },
      onTimer(t) { trace.push(`timer ${t.name} ${(ctx.now() - T0) / S}`); ctx.marketBuy({ assetId: YES, spend: usd('5') }); },
      onTrade(t) { trace.push(`trade ${(t.recvNs - T0) / S}`); },
      onFill(f) { trace.push(`fill ${(f.tsNs - T0) / 1_000_000n}ms`); },
    }), 250_000_000n));
    for (const r of data) k.onRecord(r);
    k.finish();
    expect(trace).toEqual(['timer at-2s 2', 'trade 2', 'fill 2250ms']);
  });

  it('stops a strategy that throws, cancels its orders, and keeps running', () => {
    const k = new TradingKernel(config((ctx) => ({
      onBook(a) { if (a === YES && ctx.openOrders().length === 0) ctx.buy({ assetId: YES, px: px('0.30'), qty: qty('5') }); },
      onTrade() { throw new Error('boom'); },
    })));
    for (const r of data) k.onRecord(r);
    k.finish();
    expect(k.journal.strategyFailure).toMatchObject({ hook: 'onTrade', message: 'boom' });
    expect([...k.journal.orders.values()].map((o) => o.status)).toEqual(['canceled']);
    expect(k.quality.records).toBe(4);
  });

  it('stops a strategy that re-sends a refused order forever at one instant, instead of hanging', () => {
    let sent = 0;
    const k = new TradingKernel(config((ctx) => {
      const send = () => { sent += 1; ctx.buy({ assetId: YES, px: px('0.40'), qty: qty('5000') }); };
      return { onBook: (a) => void (a === YES && sent === 0 && send()), onOrder: (ev) => void (ev.type === 'order_denied' && send()) };
    }));
    k.onRecord(data[0]!);
    k.finish();
    expect(k.journal.strategyFailure?.message).toMatch(/^more than 10000 commands at one instant/);
    expect(sent).toBe(10_001);
  });

  it('counts abnormal closes as disconnects and redials as reconnects, not a clean stop or a second shard', () => {
    const life = (seq: number, t: bigint, conn: string, kind: 'open' | 'close' | 'error', meta: Record<string, unknown>) =>
      rawRecord({ seq, recvNs: T0 + t, source: 'market_ws', conn, kind, payload: '', meta });
    const k = new TradingKernel(config(() => ({})));
    const recs = [
      life(1, 0n, 'mws-1', 'open', { attempt: 1 }),
      life(2, 0n, 'mws-2', 'open', { attempt: 1 }), // a second shard, not a reconnect
      life(3, S, 'mws-1', 'close', { code: 1006 }),
      life(4, 2n * S, 'mws-3', 'open', { attempt: 2 }),
      life(5, 3n * S, 'mws-3', 'close', { code: 1000, reason: 'client stop' }),
      life(6, 3n * S, 'mws-2', 'error', {}),
    ];
    for (const r of recs) k.onRecord(r);
    k.finish();
    expect({ disconnects: k.quality.disconnects, reconnects: k.quality.reconnects }).toEqual({ disconnects: 2, reconnects: 1 });
  });

  it('can drop the order-event log (flat memory) without changing fills, orders or equity', () => {
    const run = (keepEventLog: boolean) => {
      const k = new TradingKernel({ ...config((ctx) => ({ onBook: (a) => void (a === YES && ctx.openOrders().length === 0 && ctx.buy({ assetId: YES, px: px('0.45'), qty: qty('5') })) })), keepEventLog });
      for (const r of data) k.onRecord(r);
      k.finish();
      return k;
    };
    const on = run(true), off = run(false);
    expect(on.journal.events.length).toBeGreaterThan(0);
    expect(off.journal.events).toEqual([]);
    expect(off.journal.fills).toEqual(on.journal.fills);
    expect([...off.journal.orders.values()]).toEqual([...on.journal.orders.values()]);
    expect(off.journal.equity).toEqual(on.journal.equity);
  });

  it('halts on the daily-loss limit right after the fill that breaches it, not at the next equity sample', () => {
    const k = new TradingKernel({
      ...config((ctx) => ({
        onBook(a) {
          if (a !== YES || ctx.openOrders().length > 0 || k.journal.fills.length > 0) return;
          ctx.buy({ assetId: YES, px: px('0.30'), qty: qty('5') });
          // $15 of YES at 0.50/0.55 is worth 29.090909 x mid 0.475 = $13.82: a $1.18 loss against a $1 limit
          ctx.marketBuy({ assetId: YES, spend: usd('15'), tif: 'FAK' });
        },
      })),
      risk: { ...defaultRiskLimits, maxDailyLoss: 10n ** 10n },
    });
    k.onRecord(data[0]!);
    const halt = k.journal.events.find((e) => e.type === 'trading_halted');
    expect(halt).toMatchObject({ type: 'trading_halted', rule: 'daily_loss', tsNs: T0 });
    k.finish();
    expect([...k.journal.orders.values()].map((o) => o.status)).toEqual(['canceled', 'filled']);
  });

  it('turns a risk breach into a denial event, not a throw', () => {
    const k = new TradingKernel({ ...config((ctx) => ({ onBook: (a) => void (a === YES && ctx.buy({ assetId: YES, px: px('0.40'), qty: qty('5000') })) })) });
    for (const r of data.slice(0, 1)) k.onRecord(r);
    k.finish();
    expect(k.journal.denials[0]?.rule).toBe('insufficient_cash');
  });
});
