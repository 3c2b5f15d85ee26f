// The engine's own terms on the strategy context (issue 9 item 3): ctx.feeTerms / ctx.takerFee are the
// FeeModel the paper exchange charges (so a plan's fee equals the fill's), ctx.available is the displayed
// book minus what our own taker fills consumed (the exchange's overlay, shared by the YES and NO views),
// and BookView.mid() is in ticks like every other price, with the exact dollars under midDollars().
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { noFees } from '../../src/core/matching/fees.ts';
import { defineStrategy, type StrategyContext } from '../../src/core/strategy/api.ts';
import type { Level } from '../../src/core/types/events.ts';
import type { OrderFilled } from '../../src/core/types/orders.ts';
import { binaryMarket, CRYPTO_FEES, MS, px, q, SEC, StrategyRun, T0, usd, WireScript } from '../strategies/helpers.ts';

const m = binaryMarket({ n: 1, fees: CRYPTO_FEES });
const YES = m.tokens[0]!.tokenId, NO = m.tokens[1]!.tokenId;
// the same book shown again after our fill: the recorded book does not react to paper orders
const script = new WireScript([m]).book(m, [['0.40', '100']], [['0.45', '100'], ['0.46', '50']]).wait(SEC).book(m, [['0.40', '100']], [['0.45', '100'], ['0.46', '50']]).keepAlive(10n * SEC);

interface Seen {
  terms: string | null;
  planned: { feeQty: number; feeCash: bigint } | null;
  sellFee: { feeQty: number; feeCash: bigint } | null;
  before: Level[];
  after: Level[];
  noBidsAfter: Level[];
  mid: number | null;
  midDollars: string | null;
  fills: OrderFilled[];
}

function probe(seen: Seen) {
  return defineStrategy({
    name: 'probe',
    params: z.object({}),
    create(ctx: StrategyContext) {
      let sent = false;
      return {
        onBook(assetId, book) {
          if (assetId !== YES) return;
          if (!sent) {
            sent = true;
            const t = ctx.feeTerms(YES);
            seen.terms = t === null ? null : `${t.rate.toString()} x (p(1-p))^${t.exponent.toString()} from ${t.source}`;
            seen.planned = ctx.takerFee(YES, 'BUY', px('0.45'), q('40'));
            seen.sellFee = ctx.takerFee(YES, 'SELL', px('0.40'), q('40'));
            seen.before = ctx.available(YES, 'ask');
            seen.mid = book.mid();
            seen.midDollars = book.midDollars()?.toString() ?? null;
            ctx.marketBuy({ assetId: YES, spend: usd('18'), worstPx: px('0.45'), tif: 'FAK' }); // 40 shares at 0.45
          } else if (seen.fills.length > 0 && seen.after.length === 0) {
            seen.after = ctx.available(YES, 'ask');
            seen.noBidsAfter = ctx.available(NO, 'bid');
          }
        },
        onFill: (f) => void seen.fills.push(f),
      };
    },
  });
}

const fresh = (): Seen => ({ terms: null, planned: null, sellFee: null, before: [], after: [], noBidsAfter: [], mid: null, midDollars: null, fills: [] });

describe('the engine terms on the strategy context', () => {
  it("ctx.takerFee is the fee the fill is charged; ctx.available drops what we took, in the YES and the NO view", () => {
    const seen = fresh();
    new StrategyRun({ strategy: probe(seen), markets: [m] }, script.records).finish(T0 + 10n * SEC);
    expect(seen.terms).toBe('0.07 x (p(1-p))^1 from market');
    // 40 x 0.07 x 0.45 x 0.55 = $0.693 -> 0.693 / 0.45 = 1.54 shares withheld on a BUY; dollars on a SELL
    expect(seen.planned).toEqual({ feeQty: q('1.54'), feeCash: 0n });
    expect(seen.sellFee).toEqual({ feeQty: 0, feeCash: usd('0.672') });
    expect(seen.fills.map((f) => [f.px, f.qty, f.feeQty])).toEqual([[px('0.45'), q('40'), seen.planned!.feeQty]]);
    expect(seen.before).toEqual([{ px: px('0.45'), qty: q('100') }, { px: px('0.46'), qty: q('50') }]);
    expect(seen.after).toEqual([{ px: px('0.45'), qty: q('60') }, { px: px('0.46'), qty: q('50') }]);
    // the NO bid at 0.55 is the YES ask at 0.45: one book, one overlay
    expect(seen.noBidsAfter).toEqual([{ px: px('0.55'), qty: q('60') }, { px: px('0.54'), qty: q('50') }]);
    expect(seen.mid).toBe(4250);
    expect(seen.midDollars).toBe('0.425');
  });

  it('ctx.feeTerms follows the run fee model: --fees none gives null and a zero fee', () => {
    const seen = fresh();
    new StrategyRun({ strategy: probe(seen), markets: [m], fees: noFees }, script.records).finish(T0 + 10n * SEC);
    expect(seen.terms).toBeNull();
    expect(seen.planned).toEqual({ feeQty: 0, feeCash: 0n });
    expect(seen.fills[0]!.feeQty).toBe(0);
  });

  it('a bad value given to ctx.takerFee stops the strategy with a message naming the field', () => {
    const bad = defineStrategy({
      name: 'bad-fee',
      params: z.object({}),
      create: (ctx) => ({ onBook: () => void ctx.takerFee(YES, 'BUY', 0.45 as never, q('1')) }),
    });
    // StrategyRun turns a stopped strategy into a thrown error carrying the kernel's failure message
    expect(() => new StrategyRun({ strategy: bad, markets: [m] }, script.records).finish(T0 + 10n * SEC)).toThrow(/in onBook at \d+: ctx\.takerFee: px 0\.45 looks like dollars/);
  });

  it('half-tick mids are exact in ticks', () => {
    const h = binaryMarket({ n: 2 });
    let mid: number | null = null;
    const s = defineStrategy({ name: 'mid', params: z.object({}), create: () => ({ onBook: (_a, b) => void (mid ??= b.mid()) }) });
    new StrategyRun({ strategy: s, markets: [h] }, new WireScript([h]).book(h, [['0.4901', '1']], [['0.4902', '1']], { tick: '0.0001' }).wait(MS).records).finish();
    expect(mid).toBe(4901.5);
  });
});
