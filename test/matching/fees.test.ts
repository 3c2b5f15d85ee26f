import { describe, expect, it } from 'vitest';
import {
  FEE_REGIME_JAN2026_NS, FEE_REGIME_SPORTS_JUL2026_NS, FEE_REGIME_V2_NS, FEE_SCHEDULE_AUTHORITATIVE_NS, feeDollars, flatFees, makerRebate, polymarketFees, roundFee, takerFee,
} from '../../src/core/matching/fees.ts';
import type { FeeTerms } from '../../src/core/matching/fees.ts';
import { D } from '../../src/core/types/fixed.ts';
import { CRYPTO_FEES, meta, px, q, usd } from './harness.ts';

const terms = (rate: string, exponent = '1', rebateRate = '0'): FeeTerms =>
  flatFees(rate, exponent, rebateRate).terms(undefined, 0n)!;

describe('fee formula C x rate x (p(1-p))^exponent', () => {
  const crypto = terms('0.07', '1', '0.2');

  it('uniform curve rate 0.07 at 0.50 / 0.10 / 0.99 (taker SELL pays dollars)', () => {
    // 100 x 0.07 x 0.5 x 0.5 = 1.75
    expect(takerFee(crypto, 'SELL', px('0.5'), q('100'))).toEqual({ feeCash: usd('1.75'), feeQty: 0 });
    // 100 x 0.07 x 0.1 x 0.9 = 0.63
    expect(takerFee(crypto, 'SELL', px('0.1'), q('100'))).toEqual({ feeCash: usd('0.63'), feeQty: 0 });
    // 100 x 0.07 x 0.99 x 0.01 = 0.0693
    expect(takerFee(crypto, 'SELL', px('0.99'), q('100'))).toEqual({ feeCash: usd('0.0693'), feeQty: 0 });
  });

  it('taker BUY pays in shares: fee / p, and no dollars', () => {
    // 1.75 / 0.5 = 3.5 shares; 0.63 / 0.1 = 6.3 shares; 0.0693 / 0.99 = 0.07 shares
    expect(takerFee(crypto, 'BUY', px('0.5'), q('100'))).toEqual({ feeCash: 0n, feeQty: q('3.5') });
    expect(takerFee(crypto, 'BUY', px('0.1'), q('100'))).toEqual({ feeCash: 0n, feeQty: q('6.3') });
    expect(takerFee(crypto, 'BUY', px('0.99'), q('100'))).toEqual({ feeCash: 0n, feeQty: q('0.07') });
    // 7 sh @0.3: 7 x 0.07 x 0.21 = 0.1029 $ -> 0.1029 / 0.3 = 0.343 shares
    expect(takerFee(crypto, 'BUY', px('0.3'), q('7'))).toEqual({ feeCash: 0n, feeQty: q('0.343') });
    // 3 sh @0.7: 3 x 0.07 x 0.21 = 0.0441 $ -> 0.0441 / 0.7 = 0.063 shares
    expect(takerFee(crypto, 'BUY', px('0.7'), q('3'))).toEqual({ feeCash: 0n, feeQty: q('0.063') });
    // 1 sh @0.3: 0.0147 $ / 0.3 = 0.049 shares
    expect(takerFee(crypto, 'BUY', px('0.3'), q('1')).feeQty).toBe(q('0.049'));
    // 1 sh @0.03: 0.07 x 0.0291 = 0.002037 -> 5 dp half-up 0.00204 $ -> / 0.03 = 0.068 shares
    expect(takerFee(crypto, 'BUY', px('0.03'), q('1')).feeQty).toBe(q('0.068'));
  });

  it('Jan-2026 regime C x 0.25 x (p(1-p))^2 reproduces the published examples', () => {
    const jan = terms('0.25', '2');
    // 100 x 0.25 x 0.25^2 = 1.5625 (published "$1.56")
    const f50 = feeDollars(jan, px('0.5'), q('100'));
    expect(f50.toString()).toBe('1.5625');
    expect(f50.toDecimalPlaces(2).toString()).toBe('1.56');
    // 100 x 0.25 x 0.09^2 = 0.2025 (published "$0.20")
    const f10 = feeDollars(jan, px('0.1'), q('100'));
    expect(f10.toString()).toBe('0.2025');
    expect(f10.toDecimalPlaces(2).toFixed(2)).toBe('0.20');
    // 100 x 0.25 x 0.0099^2 = 0.00245025 -> 5 dp 0.00245 (published "$0.0025" = 4 dp of the raw value)
    const f99 = feeDollars(jan, px('0.99'), q('100'));
    expect(f99.toString()).toBe('0.00245');
    expect(new D('0.00245025').toDecimalPlaces(4, D.ROUND_HALF_UP).toString()).toBe('0.0025');
    expect(takerFee(jan, 'SELL', px('0.99'), q('100')).feeCash).toBe(usd('0.00245'));
  });

  it('rounds to 5 dp half-up; below 0.00001 is zero', () => {
    expect(roundFee(new D('0.000025')).toString()).toBe('0.00003'); // half-up, not half-even
    expect(roundFee(new D('0.0000099')).toString()).toBe('0');
    expect(roundFee(new D('0.00001')).toString()).toBe('0.00001');
    const crypto07 = terms('0.07');
    // 0.01 sh @0.99: 0.01 x 0.07 x 0.0099 = 0.00000693 < 0.00001 -> 0
    expect(takerFee(crypto07, 'SELL', px('0.99'), q('0.01'))).toEqual({ feeCash: 0n, feeQty: 0 });
    // 0.02 sh @0.99: 0.00001386 -> 0.00001
    expect(takerFee(crypto07, 'SELL', px('0.99'), q('0.02')).feeCash).toBe(usd('0.00001'));
    // rate 0.04 @0.5, 0.0025 sh: 0.0025 x 0.04 x 0.25 = 0.000025 -> 0.00003 (half-up)
    expect(takerFee(terms('0.04'), 'SELL', px('0.5'), q('0.0025')).feeCash).toBe(usd('0.00003'));
  });

  it('maker rebate = fee-equivalent x rebateRate, 5 dp half-up', () => {
    // 10 @0.48, rate 0.07: 10 x 0.07 x 0.48 x 0.52 = 0.17472 -> x 0.2 = 0.034944 -> 0.03494
    expect(makerRebate(terms('0.07', '1', '0.2'), px('0.48'), q('10'))).toBe(usd('0.03494'));
    // sports 0.03, rebate 0.25: 100 @0.40: 100 x 0.03 x 0.24 = 0.72 -> 0.18
    expect(makerRebate(terms('0.03', '1', '0.25'), px('0.4'), q('100'))).toBe(usd('0.18'));
    expect(makerRebate(terms('0.03', '1', '0'), px('0.4'), q('100'))).toBe(0n);
    expect(makerRebate(null, px('0.4'), q('100'))).toBe(0n);
  });
});

describe('polymarketFees: schedule first, then the regime table', () => {
  const model = polymarketFees();
  const enabledNoSchedule = meta({ feesEnabled: true, feeSchedule: null, slug: 'btc-updown-15m-1767700000' });

  it('zero before 2026-01-06 for a fee-enabled market without a schedule', () => {
    expect(model.terms(enabledNoSchedule, FEE_REGIME_JAN2026_NS - 1n)).toBeNull();
  });

  it('Jan-2026 regime: 0.25, exponent 2, full rebate share', () => {
    const t = model.terms(enabledNoSchedule, FEE_REGIME_JAN2026_NS)!;
    expect([t.rate.toString(), t.exponent.toString(), t.rebateRate.toString(), t.source]).toEqual(['0.25', '2', '1', 'jan2026_crypto']);
  });

  it('Fee Structure V2: crypto by slug/tag 0.07, sports 0.03, unknown category 0.05, geopolitics free', () => {
    const at = FEE_REGIME_V2_NS;
    expect(model.terms(enabledNoSchedule, at)!.rate.toString()).toBe('0.07');
    expect(model.terms(meta({ feesEnabled: true, tags: ['Sports'] }), at)!.rate.toString()).toBe('0.03');
    expect(model.terms(meta({ feesEnabled: true, tags: [] }), at)!.rate.toString()).toBe('0.05');
    expect(model.terms(meta({ feesEnabled: true, tags: ['geopolitics'] }), at)).toBeNull();
  });

  it("a market's own feeSchedule wins from 2026-03-31; a zero rate means free; disabled markets pay nothing", () => {
    const own = meta({}, { rate: '0.03', exponent: '1', takerOnly: true, rebateRate: '0.25' });
    for (const t of [FEE_SCHEDULE_AUTHORITATIVE_NS, FEE_REGIME_SPORTS_JUL2026_NS]) {
      expect(model.terms(own, t)!.rate.toString()).toBe('0.03');
      expect(model.terms(own, t)!.source).toBe('market');
    }
    // before 2026-03-31 the dated table applies (this market is not fee-enabled: free)
    expect(model.terms(own, FEE_REGIME_JAN2026_NS)).toBeNull();
    expect(model.terms(meta({}, { ...CRYPTO_FEES, rate: '0' }), FEE_SCHEDULE_AUTHORITATIVE_NS)).toBeNull();
    expect(model.terms(meta({ feesEnabled: false }), FEE_SCHEDULE_AUTHORITATIVE_NS)).toBeNull();
    expect(model.terms(undefined, FEE_SCHEDULE_AUTHORITATIVE_NS)).toBeNull();
  });
});
