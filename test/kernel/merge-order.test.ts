// Issue 8 item 3: ctx.merge goes through the command path.
//
// A merge reaches the venue like any command: after the latency model's delay, in submission order with
// the orders sent before it (arrival = max(submit + latency, previous arrival)), and it is checked against
// the positions at ARRIVAL (an OrderDenied with the reason when they are not enough then). Before, it hit
// the portfolio at submission, ahead of orders sent earlier in the same hook and of orders in flight.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TradingKernel } from '../../src/core/kernel/trading-kernel.ts';
import { renderMergesCsv, reportInputFromKernel } from '../../src/core/reports/render.ts';
import { isoFromNs } from '../../src/core/time.ts';
import { constantLatency, conservativeQueue, noFees, uniformLatency, type LatencyModel } from '../../src/core/matching/index.ts';
import { defaultRiskLimits } from '../../src/core/risk/risk.ts';
import { defineStrategy, type StrategyContext } from '../../src/core/strategy/api.ts';
import { CASH_SCALE, notional, type Cash, type Qty } from '../../src/core/types/fixed.ts';
import type { OrderEvent } from '../../src/core/types/orders.ts';
import { binaryMarket, MS, px, q, SEC, T0, usd, WireScript } from '../strategies/helpers.ts';

const m = binaryMarket({ n: 3 });
const YES = m.tokens[0]!.tokenId;
const NO = m.tokens[1]!.tokenId;

/** Book: YES bids 0.45 x 1000, asks 0.47 x 1000 (NO mirrored: bids 0.53, asks 0.55). */
function script(): WireScript {
  return new WireScript([m]).book(m, [['0.45', '1000']], [['0.47', '1000']]).wait(SEC).keepAlive(60n * SEC, 5n * SEC);
}

function kernel(create: (ctx: StrategyContext) => { onStart?: () => void; onTimer?: () => void; onOrder?: (ev: OrderEvent) => void }, latency: LatencyModel, seed = 1) {
  return new TradingKernel({
    strategy: defineStrategy({ name: 'merge-probe', params: z.object({}), create }),
    params: {}, markets: [m], initialCash: usd('1000'), seed, risk: defaultRiskLimits,
    fill: { latency, queue: conservativeQueue, fees: noFees }, equityIntervalNs: 60n * SEC,
  });
}

function run(k: TradingKernel, s: WireScript, endNs = T0 + 60n * SEC): TradingKernel {
  for (const r of s.records) k.onRecord(r);
  k.finish(endNs);
  return k;
}

const events = <T extends OrderEvent['type']>(k: TradingKernel, type: T): Extract<OrderEvent, { type: T }>[] =>
  k.journal.events.filter((e): e is Extract<OrderEvent, { type: T }> => e.type === type);


/**
 * A run that buys `yes` dollars of YES at 0.47 and `no` of NO at 0.55 at T0 + 1 s, then calls `go` from one
 * hook at T0 + 2 s; 50 ms latency.
 */
function twoStep(yes: string, no: string, go: (ctx: StrategyContext) => void): TradingKernel {
  return run(
    kernel((ctx) => ({
      onStart() {
        ctx.setTimer('setup', T0 + SEC);
        ctx.setTimer('go', T0 + 2n * SEC);
      },
      onTimer() {
        if (ctx.now() !== T0 + SEC) return go(ctx);
        ctx.marketBuy({ assetId: YES, spend: usd(yes), worstPx: px('0.47') });
        ctx.marketBuy({ assetId: NO, spend: usd(no), worstPx: px('0.55') });
      },
    }), constantLatency(50n * MS)),
    script(),
  );
}

describe('merge through the command path (hand-computed)', () => {
  it('BUY YES 5 then merge 15 in one hook, 50 ms latency: the buy arrives first, then the merge succeeds', () => {
    // Held before: YES 10 @0.47 ($4.70), NO 20 @0.55 ($11). At t (timer at T0 + 2 s) one hook sends:
    //   1. BUY YES 5 FOK up to 0.47 ($2.35): arrives t + 50 ms, fills 5 @0.47 -> YES 15, cost $4.70 + $2.35 = $7.05
    //   2. merge 15: arrives at max(t + 50 ms, arrival of 1) = t + 50 ms, after 1 -> YES 15, NO 20: enough.
    // Merge: 15 YES + 15 NO -> $15. Released: YES all $7.05; NO 15/20 x $11 = $8.25. P&L = 15 - 7.05 - 8.25 = -$0.30.
    // (Before: the merge hit the portfolio at t, when YES was 10 < 15: denied.)
    let mergeId = '';
    const k = twoStep('4.7', '11', (ctx) => {
      ctx.marketBuy({ assetId: YES, spend: usd('2.35'), worstPx: px('0.47') });
      mergeId = ctx.merge(m.conditionId, q('15'));
    });
    const merged = events(k, 'positions_merged');
    expect(merged).toEqual([{ type: 'positions_merged', tsNs: T0 + 2n * SEC + 50n * MS, clientId: mergeId, market: m.conditionId, qty: q('15'), cash: usd('15'), pnl: -usd('0.3') }]);
    expect(mergeId).toBe('m000001');
    expect(k.portfolio.totals().merges).toEqual({ count: 1, qty: q('15'), cash: usd('15'), pnl: -usd('0.3') });
    expect([k.portfolio.position(YES)!.qty, k.portfolio.position(NO)!.qty]).toEqual([0, q('5')]);
    // cash: 1000 - 4.70 - 11 - 2.35 + 15 = 996.95
    expect(k.portfolio.cash()).toBe(usd('996.95'));
    // merges.csv: one row per merge command, stamped at submission and at arrival
    const csv = renderMergesCsv(reportInputFromKernel(k, { strategyName: 'merge-probe', params: {}, initialCash: usd('1000'), equityIntervalNs: 60n * SEC, startNs: T0, endNs: T0 + 60n * SEC }));
    const sent = T0 + 2n * SEC;
    const arrived = sent + 50n * MS;
    expect(csv.trim().split('\n')).toEqual([
      'merge_id,created_ns,created_at,market,slug,qty,status,cash,pnl,reason,updated_ns,updated_at',
      `m000001,${sent},${isoFromNs(sent)},${m.conditionId},test-market-3,15,merged,15,-0.3,,${arrived},${isoFromNs(arrived)}`,
    ]);
  });

  it('SELL YES 10 then merge 10 in one hook: the sell arrives first; the merge is denied at arrival, naming what was held then', () => {
    const k = twoStep('4.7', '5.5', (ctx) => {
      ctx.marketSell({ assetId: YES, qty: q('10'), worstPx: px('0.45') });
      ctx.merge(m.conditionId, q('10'));
    });
    const denied = events(k, 'order_denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ tsNs: T0 + 2n * SEC + 50n * MS, clientId: 'm000001', command: 'merge', rule: 'insufficient_position' });
    expect((denied[0] as { reason: string }).reason).toMatch(/holds 0, of which 0 are in open SELL orders$/);
    expect(k.journal.merges.get('m000001')).toMatchObject({ status: 'denied', qty: q('10') });
  });

  it('merge then SELL in one hook: the SELL is denied at submission, the shares are promised to the merge in flight', () => {
    const k = twoStep('4.7', '5.5', (ctx) => {
      ctx.merge(m.conditionId, q('10'));
      ctx.marketSell({ assetId: YES, qty: q('10'), worstPx: px('0.45') });
    });
    expect(events(k, 'positions_merged').map((e) => e.tsNs)).toEqual([T0 + 2n * SEC + 50n * MS]);
    const denied = events(k, 'order_denied');
    expect(denied.map((d) => [d.tsNs, d.command, d.rule])).toEqual([[T0 + 2n * SEC, 'place', 'insufficient_position']]);
    expect((denied[0] as { reason: string }).reason).toContain('10 in merges in flight');
  });
});

// ------------------------------------------------------------------------------------------------
// randomized: scripts where order matters

type Action =
  | { k: 'buy'; yes: boolean; dollars: number }
  | { k: 'sell'; yes: boolean; shares: number }
  | { k: 'merge'; shares: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ k: fc.constant('buy' as const), yes: fc.boolean(), dollars: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ k: fc.constant('sell' as const), yes: fc.boolean(), shares: fc.integer({ min: 1, max: 15 }) }),
  fc.record({ k: fc.constant('merge' as const), shares: fc.integer({ min: 1, max: 15 }) }),
);
const scriptArb = fc.record({
  // batches of actions, each sent from one hook at its own time (10 ms apart or more)
  batches: fc.array(fc.tuple(fc.integer({ min: 10, max: 400 }), fc.array(actionArb, { minLength: 1, maxLength: 4 })), { minLength: 3, maxLength: 12 }),
  latencyMs: fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 120 })),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

interface Sent {
  readonly id: string;
  readonly kind: 'order' | 'merge';
  readonly atNs: bigint;
}

describe('merge through the command path (randomized)', () => {
  it('merges arrive in submission order with the orders, after the latency, and are checked against the positions then', () => {
    let changedVsSubmission = 0;
    fc.assert(
      fc.property(scriptArb, (sc) => {
        const [a, b] = sc.latencyMs;
        const latency = uniformLatency({ minNs: BigInt(Math.min(a, b)) * MS, maxNs: BigInt(Math.max(a, b)) * MS });
        const sent: Sent[] = [];
        const k = kernel(
          (ctx) => {
            let batch = 0;
            return {
              onStart() {
                let t = T0 + SEC;
                for (const [gap] of sc.batches) ctx.setTimer('batch', (t += BigInt(gap) * MS));
              },
              onTimer() {
                for (const act of sc.batches[batch++]![1]) {
                  const asset = 'yes' in act && !act.yes ? NO : YES;
                  if (act.k === 'buy') sent.push({ id: ctx.marketBuy({ assetId: asset, spend: usd(String(act.dollars)), worstPx: px(asset === YES ? '0.47' : '0.55'), tif: 'FAK' }), kind: 'order', atNs: ctx.now() });
                  else if (act.k === 'sell') {
                    const held = ctx.position(asset).qty;
                    if (held > 0) sent.push({ id: ctx.marketSell({ assetId: asset, qty: q.micro(Math.min(held, q(String(act.shares)))), worstPx: px(asset === YES ? '0.45' : '0.53'), tif: 'FAK' }), kind: 'order', atNs: ctx.now() });
                  } else sent.push({ id: ctx.merge(m.conditionId, q(String(act.shares))), kind: 'merge', atNs: ctx.now() });
                }
              },
            };
          },
          latency,
          sc.seed,
        );
        run(k, script());
        const evs = k.journal.events;
        // (1) every command's venue outcome (accepted/rejected for orders, merged/denied-at-arrival for
        // merges) comes in submission order; risk denials at submission are stamped at submission
        const firstAt = new Map<string, { i: number; ev: OrderEvent }>();
        evs.forEach((ev, i) => {
          const id = ev.type === 'order_accepted' ? ev.order.clientId : 'clientId' in ev ? ev.clientId : null;
          if (id !== null && !firstAt.has(id)) firstAt.set(id, { i, ev });
        });
        let last = -1;
        for (const s of sent) {
          const f = firstAt.get(s.id);
          expect(f, s.id).toBeDefined();
          if (f!.ev.type === 'order_denied' && f!.ev.tsNs === s.atNs && s.kind === 'order') continue; // refused by risk at submission
          if (s.kind === 'merge') expect(f!.ev.tsNs >= s.atNs, `${s.id} arrives after it was sent`).toBe(true);
          expect(f!.i, `${s.id} in submission order`).toBeGreaterThan(last);
          last = f!.i;
        }
        // (2) an independent share ledger, replayed in event order: a merge succeeds exactly when both legs
        // are held then (no resting orders in these scripts: FAK only), and moves $1 per pair
        const held = new Map<string, Qty>([[YES, 0], [NO, 0]]);
        let cash: Cash = usd('1000');
        for (const ev of evs) {
          if (ev.type === 'order_filled') {
            const d = ev.side === 'BUY' ? ev.qty - ev.feeQty : -ev.qty;
            held.set(ev.assetId, held.get(ev.assetId)! + d);
            cash += ev.side === 'BUY' ? -notional(ev.px, ev.qty) : notional(ev.px, ev.qty);
          } else if (ev.type === 'positions_merged') {
            expect(Math.min(held.get(YES)!, held.get(NO)!)).toBeGreaterThanOrEqual(ev.qty);
            held.set(YES, held.get(YES)! - ev.qty);
            held.set(NO, held.get(NO)! - ev.qty);
            cash += BigInt(ev.qty) * (CASH_SCALE / 1_000_000n);
            expect(ev.cash).toBe(BigInt(ev.qty) * (CASH_SCALE / 1_000_000n));
          } else if (ev.type === 'order_denied' && ev.command === 'merge') {
            const qty = k.journal.merges.get(ev.clientId!)!.qty;
            expect(Math.min(held.get(YES)!, held.get(NO)!), ev.reason).toBeLessThan(qty);
          }
        }
        expect(k.portfolio.cash()).toBe(cash);
        expect([k.portfolio.position(YES)?.qty ?? 0, k.portfolio.position(NO)?.qty ?? 0]).toEqual([held.get(YES), held.get(NO)]);
        // how often the old rule (merge at submission) would have seen different positions
        if (evs.some((e) => e.type === 'positions_merged' && sent.find((s) => s.id === e.clientId)!.atNs !== e.tsNs)) changedVsSubmission++;
      }),
      { seed: 20260709, numRuns: 80 },
    );
    expect(changedVsSubmission).toBeGreaterThan(10);
  });
});
