// Tests of the strategies' shared helpers (lib/) and of the test script builder (test/strategies/helpers.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { L2Book } from '../../src/core/book/l2.ts';
import { takerFee, type FeeTerms as EngineTerms } from '../../src/core/matching/fees.ts';
import { D, type Px } from '../../src/core/types/fixed.ts';
import type { Level } from '../../src/core/types/events.ts';
import type { OrderFilled } from '../../src/core/types/orders.ts';
import noop from '../noop.ts';
import { SEC, WireScript, binaryMarket, CRYPTO_FEES, noId, px, q, runScript, usd, yesId } from '../../test/strategies/helpers.ts';
import { WORST_CASE_FEES, buyFeeSharesBound, ceilToTick, clampPx, endDateNs, feeTermsOf, floorToLot, floorToTick, isoToNs, planBuy } from './helpers.ts';
import { TakenLiquidity, sweepLevels, sweepLevelsCash } from './taken.ts';

const SEED = { seed: 20260601, numRuns: 300 };

describe('isoToNs / endDateNs', () => {
  it('agrees with Date.parse on every instant from 1970 to 2199 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7_258_118_399_999 }), (ms) => {
        const text = new Date(ms).toISOString();
        expect(isoToNs(text)).toBe(BigInt(ms) * 1_000_000n);
      }),
      SEED,
    );
  });

  it('reads the forms Polymarket publishes, offsets, and refuses junk', () => {
    expect(isoToNs('2026-01-30T21:00:00Z')).toBe(BigInt(Date.parse('2026-01-30T21:00:00Z')) * 1_000_000n);
    expect(isoToNs('2026-01-30T23:00:00+02:00')).toBe(isoToNs('2026-01-30T21:00:00Z'));
    expect(isoToNs('2026-01-30T16:30:00-0430')).toBe(isoToNs('2026-01-30T21:00:00Z'));
    expect(isoToNs('2026-01-30')).toBe(isoToNs('2026-01-30T00:00:00Z'));
    expect(isoToNs('2025-12-11T11:15:00.123456789Z')).toBe(isoToNs('2025-12-11T11:15:00Z')! + 123_456_789n);
    for (const bad of ['', 'soon', '2026-13-01', '2026-01-30T25:00:00Z', '30/01/2026']) expect(isoToNs(bad)).toBeNull();
    expect(endDateNs(binaryMarket({ n: 1 }))).toBeNull();
    expect(endDateNs(binaryMarket({ n: 1, endDate: '2026-01-30T21:00:00Z' }))).toBe(isoToNs('2026-01-30T21:00:00Z'));
  });
});

describe('ticks and lots', () => {
  it('rounds to the tick and keeps prices inside [tick, 1 - tick]', () => {
    expect(floorToTick(px('0.4875'), px('0.01'))).toBe(px('0.48'));
    expect(ceilToTick(px('0.4801'), px('0.01'))).toBe(px('0.49'));
    expect(ceilToTick(px('0.48'), px('0.01'))).toBe(px('0.48'));
    expect(clampPx(0, px('0.01'))).toBe(px('0.01'));
    expect(clampPx(px('1'), px('0.001'))).toBe(px('0.999'));
    expect(floorToLot(q('12.345678'))).toBe(q('12.34'));
  });
});

describe('fee bound', () => {
  const engineTerms = (t: { rate: D; exponent: D }): EngineTerms => ({ rate: t.rate, exponent: t.exponent, rebateRate: new D(0), source: 'test' });

  it('is never below the shares the paper exchange withholds, and at most a rounding step above (property)', () => {
    const schedules = [WORST_CASE_FEES, { rate: new D('0.25'), exponent: new D(2) }, { rate: new D('0.03'), exponent: new D(1) }];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 5_000_000_000 }), fc.constantFrom(...schedules), (p: Px, qty, t) => {
        const engine = takerFee(engineTerms(t), 'BUY', p, qty).feeQty;
        const bound = buyFeeSharesBound(t, p, qty);
        expect(bound).toBeGreaterThanOrEqual(engine);
        // The dollar fee is rounded up instead of half-up: at most $0.00001 more, i.e. 1e-5 / price shares
        // = 1e5 / p micro-shares (p in 1e-4 units); the share rounding adds at most one more micro-share.
        expect(bound - engine).toBeLessThanOrEqual(Math.ceil(1e5 / p) + 1);
      }),
      SEED,
    );
  });

  it('follows the market schedule; a fee-enabled market without one is planned at the worst published curve', () => {
    expect(feeTermsOf(binaryMarket({ n: 1 }))).toBeNull();
    expect(feeTermsOf(binaryMarket({ n: 1, fees: { ...CRYPTO_FEES, rate: '0' } }))).toBeNull();
    expect(feeTermsOf(binaryMarket({ n: 1, fees: CRYPTO_FEES }))!.rate.toString()).toBe('0.07');
    expect(feeTermsOf({ ...binaryMarket({ n: 1 }), feesEnabled: true })).toBe(WORST_CASE_FEES);
    // 100 shares at 0.50, 0.07 x 0.25 = $1.75 -> 3.5 shares
    expect(buyFeeSharesBound(WORST_CASE_FEES, px('0.5'), q('100'))).toBe(q('3.5'));
  });

  it('planBuy walks the depth and reports cost, worst price and shares after fees', () => {
    const asks: Level[] = [{ px: px('0.40'), qty: q('10') }, { px: px('0.50'), qty: q('10') }];
    const plan = planBuy('t', asks, q('15'), WORST_CASE_FEES)!;
    expect(plan.cost).toBe(usd('6.5'));
    expect(plan.worstPx).toBe(px('0.50'));
    // fees: 10 x 0.07 x 0.24 = 0.168 -> 0.42 sh; 5 x 0.07 x 0.25 = 0.0875 -> 0.175 sh
    expect(plan.netQty).toBe(q('15') - q('0.42') - q('0.175'));
    expect(planBuy('t', asks, q('21'), null)).toBeNull();
  });
});

describe('TakenLiquidity and ladder sweeps', () => {
  const book = (asks: Level[]) => {
    const b = new L2Book('t');
    b.applySnapshot([], asks, px('0.01'));
    return b;
  };
  const fill = (p: string, n: string, liquidity: 'taker' | 'maker' = 'taker'): OrderFilled => ({
    type: 'order_filled', tsNs: 0n, fillId: 'f', clientId: 'c', assetId: 't', side: 'BUY', px: px(p), qty: q(n),
    liquidity, feeCash: 0n, feeQty: 0, rebateCash: 0n, leavesQty: 0,
  });

  it('hides what we took until the level shrinks below it or goes; growth is new liquidity', () => {
    const b = book([{ px: px('0.40'), qty: q('50') }, { px: px('0.41'), qty: q('20') }]);
    const t = new TakenLiquidity();
    t.onFill(fill('0.40', '30'));
    t.onFill(fill('0.41', '5', 'maker')); // a maker fill took nothing from the displayed asks
    expect(t.levels(b, 'ask')).toEqual([{ px: px('0.40'), qty: q('20') }, { px: px('0.41'), qty: q('20') }]);
    b.applySnapshot([], [{ px: px('0.40'), qty: q('10') }, { px: px('0.41'), qty: q('20') }]);
    t.onBook(b);
    expect(t.at('t', 'ask', px('0.40'))).toBe(q('10'));
    b.applySnapshot([], [{ px: px('0.40'), qty: q('25') }, { px: px('0.41'), qty: q('20') }]);
    t.onBook(b);
    expect(t.levels(b, 'ask')[0]).toEqual({ px: px('0.40'), qty: q('15') });
    b.applySnapshot([], [{ px: px('0.41'), qty: q('20') }]);
    t.onBook(b);
    b.applySnapshot([], [{ px: px('0.40'), qty: q('25') }, { px: px('0.41'), qty: q('20') }]);
    expect(t.levels(b, 'ask')[0]).toEqual({ px: px('0.40'), qty: q('25') });
  });

  it('sweepLevels / sweepLevelsCash agree with the book module on an untouched book (property)', () => {
    const ladder = fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { minLength: 1, maxLength: 6 }).chain((pxs) =>
      fc.tuple(fc.constant([...pxs].sort((a, b) => a - b)), fc.array(fc.integer({ min: 1, max: 1_000_000_000 }), { minLength: pxs.length, maxLength: pxs.length })),
    );
    fc.assert(
      fc.property(ladder, fc.integer({ min: 1, max: 3_000_000_000 }), fc.bigInt({ min: 1n, max: 50n * 10n ** 10n }), ([pxs, qtys], qty, cash) => {
        const levels = pxs.map((p, i) => ({ px: p, qty: qtys[i]! }));
        const b = book(levels);
        const limit = pxs[Math.floor(pxs.length / 2)]!;
        const a = sweepLevels(levels, 'ask', qty, limit), e = b.sweep('ask', qty, limit);
        expect([a.filledQty, a.cost, a.fills, a.complete]).toEqual([e.filledQty, e.cost, e.fills, e.complete]);
        const c = sweepLevelsCash(levels, 'ask', cash, limit), f = b.sweepCash('ask', cash, limit);
        expect([c.filledQty, c.cost, c.fills, c.complete]).toEqual([f.filledQty, f.cost, f.fills, f.complete]);
      }),
      SEED,
    );
  });
});

describe('WireScript (test/strategies/helpers.ts)', () => {
  it('writes real-format frames: books and both-leg price changes agree with the kernel, no errors, no mismatches', () => {
    const m = binaryMarket({ n: 1 });
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.48', '100'], ['0.47', '50']], [['0.52', '100'], ['0.53', '10']])
      .at(2n * SEC).set(yesId(1), 'BUY', '0.49', '10')
      .at(3n * SEC).set(noId(1), 'BUY', '0.50', '7') // a NO bid at 0.50 is a YES ask at 0.50
      .at(4n * SEC).sets([{ assetId: yesId(1), side: 'BUY', price: '0.49', size: '0' }, { assetId: yesId(1), side: 'SELL', price: '0.52', size: '0' }])
      .at(5n * SEC).trade(yesId(1), '0.50', '7', 'BUY')
      .pong()
      .close()
      .reconnect();
    const first = JSON.parse(s.records.find((r) => r.kind === 'frame')!.payload) as { bids: { price: string }[]; asks: { price: string }[] }[];
    expect(first[0]!.bids.map((l) => l.price)).toEqual(['0.47', '0.48']); // best last, as on the wire
    expect(first[0]!.asks.map((l) => l.price)).toEqual(['0.53', '0.52']);
    expect(first[1]!.asks.map((l) => l.price)).toEqual(['0.53', '0.52']); // NO asks = 1 - YES bids
    expect(s.records.map((r) => r.seq)).toEqual(s.records.map((_, i) => i + 1));
    const run = runScript({ strategy: noop, markets: [m] }, s);
    const k = run.kernel;
    expect(k.quality.normalizationErrors).toBe(0);
    expect(k.books.stats.topMismatch).toBe(0);
    expect(k.books.stats.mirrorMismatch).toBe(0);
    expect(k.quality.disconnects).toBe(1);
    expect(k.quality.reconnects).toBe(1);
    const yes = k.books.book(yesId(1))!;
    expect([yes.bestBid(), yes.bestAsk(), yes.qtyAt('ask', px('0.50'))]).toEqual([px('0.48'), px('0.50'), q('7')]);
    expect(k.books.book(noId(1))!.bestBid()).toBe(px('0.50'));
  });
});
