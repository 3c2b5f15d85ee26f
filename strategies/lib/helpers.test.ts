// Tests of the strategies' shared helpers (lib/) and of the test script builder (test/strategies/helpers.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { L2Book } from '../../src/core/book/l2.ts';
import { takerFee, type FeeTerms as EngineTerms } from '../../src/core/matching/fees.ts';
import { D } from '../../src/core/types/fixed.ts';
import type { Level, Px } from '../../src/api.ts';
import noop from '../noop.ts';
import { SEC, WireScript, binaryMarket, noId, px, q, runScript, usd, yesId } from '../../test/strategies/helpers.ts';
import { ceilToTick, clampPx, complementPx, endDateNs, floorToLot, floorToTick, isoToNs, minQty, offsetPx, planBuy, sweepLevels, sweepLevelsCash } from './helpers.ts';

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

describe('branded results', () => {
  it('are checked through poly\'s constructors (px.ticks, qty.micro): never a NaN, a fraction or an out-of-range Px', () => {
    const tick = px('0.01');
    expect(offsetPx(px('0.41'), tick)).toBe(px('0.42'));
    expect(offsetPx(px('0.41'), -tick)).toBe(px('0.40'));
    expect(() => offsetPx(px('0.995'), tick)).toThrow(/px\.ticks\(10050\)/);
    expect(complementPx(px('0.41'))).toBe(px('0.59'));
    expect(clampPx(-250, tick)).toBe(px('0.01'));
    expect(clampPx(10_400, tick)).toBe(px('0.99'));
    expect(() => clampPx(Number.NaN, tick)).toThrow(RangeError);
    expect(floorToTick(4950.5, tick)).toBe(4900);
    expect(minQty(q('3'), q('2'), q('5'))).toBe(q('2'));
    expect(() => minQty()).toThrow(/qty\.micro\(Infinity\)/);
    expect(floorToLot(12_345_678)).toBe(q('12.34'));
  });
});

describe('planBuy', () => {
  const terms: EngineTerms = { rate: new D('0.07'), exponent: new D(1), rebateRate: new D(0), source: 'test' };
  const engineFee = (p: Px, n: number) => q.micro(takerFee(terms, 'BUY', p, n).feeQty);

  it('walks the depth and reports cost, worst price and shares after the fee it is given, level by level', () => {
    const asks: Level[] = [{ px: px('0.40'), qty: q('10') }, { px: px('0.50'), qty: q('10') }];
    const plan = planBuy('t', asks, q('15'), engineFee)!;
    expect(plan.cost).toBe(usd('6.5'));
    expect(plan.worstPx).toBe(px('0.50'));
    // the engine's fee per level: 10 x 0.07 x 0.24 = $0.168 -> 0.42 sh; 5 x 0.07 x 0.25 = $0.0875 -> 0.175 sh
    expect(plan.netQty).toBe(q('15') - q('0.42') - q('0.175'));
    expect(planBuy('t', asks, q('15'), () => q('0'))!.netQty).toBe(q('15'));
    expect(planBuy('t', asks, q('21'), () => q('0'))).toBeNull();
    // a fee that takes every share plans nothing (never a plan with a negative size)
    expect(planBuy('t', asks, q('15'), (_p, n) => n)).toBeNull();
  });
});

describe('ladder sweeps', () => {
  const book = (asks: Level[]) => {
    const b = new L2Book('t');
    b.applySnapshot([], asks, px('0.01'));
    return b;
  };

  it('sweepLevels / sweepLevelsCash agree with the book module on an untouched book (property)', () => {
    const ladder = fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { minLength: 1, maxLength: 6 }).chain((pxs) =>
      fc.tuple(fc.constant([...pxs].sort((a, b) => a - b)), fc.array(fc.integer({ min: 1, max: 1_000_000_000 }), { minLength: pxs.length, maxLength: pxs.length })),
    );
    fc.assert(
      fc.property(ladder, fc.integer({ min: 1, max: 3_000_000_000 }), fc.bigInt({ min: 1n, max: 50n * 10n ** 10n }), ([pxs, qtys], qty, cash) => {
        const levels = pxs.map((p, i) => ({ px: px.ticks(p), qty: q.micro(qtys[i]!) }));
        const b = book(levels);
        const limit = pxs[Math.floor(pxs.length / 2)]!;
        const a = sweepLevels(levels, 'ask', q.micro(qty), px.ticks(limit)), e = b.sweep('ask', qty, limit);
        expect([a.filledQty, a.cost, a.fills, a.complete]).toEqual([e.filledQty, e.cost, e.fills, e.complete]);
        const c = sweepLevelsCash(levels, 'ask', usd.raw(cash), px.ticks(limit)), f = b.sweepCash('ask', cash, limit);
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
