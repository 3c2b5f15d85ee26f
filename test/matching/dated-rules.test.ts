// Issue 8 item 8: fee and taker-delay rules as of late 2026 (PROTOCOL.md 6.1 / 6.2). Every regime
// boundary is tested one nanosecond before and at the boundary.
import { describe, expect, it } from 'vitest';
import {
  FEE_REGIME_CRYPTO_5M_NS, FEE_REGIME_JAN2026_NS, FEE_REGIME_NCAAB_SERIE_A_NS, FEE_REGIME_NEW_CRYPTO_NS, FEE_REGIME_SPORTS_JUL2026_NS,
  FEE_REGIME_V2_NS, FEE_SCHEDULE_AUTHORITATIVE_NS, polymarketFees,
} from '../../src/core/matching/fees.ts';
import { polymarketTakerDelay, TAKER_DELAY_CRYPTO_50MS_NS } from '../../src/core/matching/taker-delay.ts';
import { gammaMarketToMeta } from '../../src/core/normalize/polymarket/gamma.ts';
import { clobMarketToMeta } from '../../src/core/normalize/polymarket/clob.ts';
import { isoFromNs } from '../../src/core/time.ts';
import type { MarketMeta } from '../../src/core/types/market.ts';
import { Harness, MS, T0, YES, lv, meta, snapshot } from './harness.ts';

const fees = polymarketFees();
/** [rate, exponent, rebateRate, source] or null. */
const at = (m: MarketMeta, ns: bigint) => {
  const t = fees.terms(m, ns);
  return t === null ? null : [t.rate.toString(), t.exponent.toString(), t.rebateRate.toString(), t.source];
};
const enabled = (over: Partial<MarketMeta>): MarketMeta => meta({ feesEnabled: true, feeSchedule: null, ...over });
const JAN = ['0.25', '2', '1', 'jan2026_crypto'];

describe('dated fee regimes: one ns before and at each boundary', () => {
  it('the boundaries are the documented UTC dates', () => {
    expect([FEE_REGIME_JAN2026_NS, FEE_REGIME_CRYPTO_5M_NS, FEE_REGIME_NCAAB_SERIE_A_NS, FEE_REGIME_NEW_CRYPTO_NS, FEE_REGIME_V2_NS, FEE_SCHEDULE_AUTHORITATIVE_NS, FEE_REGIME_SPORTS_JUL2026_NS].map(isoFromNs).map((s) => s.slice(0, 10))).toEqual([
      '2026-01-06', '2026-02-12', '2026-02-18', '2026-03-06', '2026-03-30', '2026-03-31', '2026-07-10',
    ]);
    expect(isoFromNs(TAKER_DELAY_CRYPTO_50MS_NS).slice(0, 10)).toBe('2026-08-17');
  });

  it('2026-01-06: 15-minute crypto pays C x 0.25 x (p(1-p))^2', () => {
    const m = enabled({ slug: 'btc-updown-15m-1767657600' });
    expect(at(m, FEE_REGIME_JAN2026_NS - 1n)).toBeNull();
    expect(at(m, FEE_REGIME_JAN2026_NS)).toEqual(JAN);
  });

  it('2026-02-12: 5-minute crypto too (free the ns before; the old table charged it from 01-06)', () => {
    const m = enabled({ slug: 'btc-updown-5m-1770854400' });
    expect(at(m, FEE_REGIME_CRYPTO_5M_NS - 1n)).toBeNull();
    expect(at(m, FEE_REGIME_CRYPTO_5M_NS)).toEqual(JAN);
  });

  it('2026-02-18: NCAAB and Serie A at 0.0175, exponent 1', () => {
    for (const tag of ['NCAAB', 'Serie A']) {
      const m = enabled({ tags: ['Sports', tag] });
      expect(at(m, FEE_REGIME_NCAAB_SERIE_A_NS - 1n), tag).toBeNull();
      expect(at(m, FEE_REGIME_NCAAB_SERIE_A_NS), tag).toEqual(['0.0175', '1', '0.25', 'ncaab_serie_a']);
    }
    // other sports stay free until Fee Structure V2
    expect(at(enabled({ tags: ['Sports', 'NBA'] }), FEE_REGIME_NCAAB_SERIE_A_NS)).toBeNull();
  });

  it('2026-03-06: every new crypto market (created from that date, or of unknown creation)', () => {
    const fresh = enabled({ tags: ['Crypto'], createdAt: '2026-03-06T00:00:00Z' });
    const unknown = enabled({ tags: ['Crypto'] });
    const old = enabled({ tags: ['Crypto'], createdAt: '2026-01-20T12:00:00Z' });
    for (const m of [fresh, unknown]) {
      expect(at(m, FEE_REGIME_NEW_CRYPTO_NS - 1n)).toBeNull();
      expect(at(m, FEE_REGIME_NEW_CRYPTO_NS)).toEqual(JAN);
    }
    expect(at(old, FEE_REGIME_NEW_CRYPTO_NS)).toBeNull();
  });

  it('2026-03-30: Fee Structure V2, C x rate x p(1-p) by category', () => {
    const crypto = enabled({ tags: ['Crypto'] });
    expect(at(crypto, FEE_REGIME_V2_NS - 1n)).toEqual(JAN);
    expect(at(crypto, FEE_REGIME_V2_NS)).toEqual(['0.07', '1', '0.2', 'v2_crypto']);
    const politics = enabled({ tags: ['Politics'] });
    expect(at(politics, FEE_REGIME_V2_NS - 1n)).toBeNull();
    expect(at(politics, FEE_REGIME_V2_NS)).toEqual(['0.04', '1', '0.25', 'v2_politics']);
    expect(at(enabled({ tags: ['Sports'] }), FEE_REGIME_V2_NS)).toEqual(['0.03', '1', '0.25', 'v2_sports']);
    expect(at(enabled({ tags: [] }), FEE_REGIME_V2_NS)).toEqual(['0.05', '1', '0.25', 'v2_other']);
    expect(at(enabled({ tags: ['Geopolitics'] }), FEE_REGIME_V2_NS)).toBeNull();
  });

  it("2026-03-31: the market's own feeSchedule becomes authoritative (before, the table applies)", () => {
    const own = meta({ feesEnabled: true, tags: [] }, { rate: '0.03', exponent: '1', takerOnly: true, rebateRate: '0.25' });
    expect(at(own, FEE_SCHEDULE_AUTHORITATIVE_NS - 1n)).toEqual(['0.05', '1', '0.25', 'v2_other']);
    expect(at(own, FEE_SCHEDULE_AUTHORITATIVE_NS)).toEqual(['0.03', '1', '0.25', 'market']);
    // a schedule with rate 0 is fee-free from then on
    expect(at(meta({ feesEnabled: true }, { rate: '0', exponent: '1', takerOnly: true, rebateRate: '0' }), FEE_SCHEDULE_AUTHORITATIVE_NS)).toBeNull();
  });

  it('2026-07-10: sports 0.03 -> 0.05 and its rebate 25% -> 15%', () => {
    const sports = enabled({ tags: ['Sports'] });
    expect(at(sports, FEE_REGIME_SPORTS_JUL2026_NS - 1n)).toEqual(['0.03', '1', '0.25', 'v2_sports']);
    expect(at(sports, FEE_REGIME_SPORTS_JUL2026_NS)).toEqual(['0.05', '1', '0.15', 'v2_sports_jul2026']);
    // crypto is not touched by it
    expect(at(enabled({ tags: ['Crypto'] }), FEE_REGIME_SPORTS_JUL2026_NS)).toEqual(['0.07', '1', '0.2', 'v2_crypto']);
  });
});

describe('dated taker delay', () => {
  const delay = polymarketTakerDelay();

  it('2026-08-17: a delayed crypto market holds 250 ms the ns before, 50 ms at; others keep 250 ms', () => {
    const crypto = meta({ slug: 'btc-updown-5m-1786924800', takerDelayed: true });
    expect(delay(crypto, TAKER_DELAY_CRYPTO_50MS_NS - 1n)).toBe(250n * MS);
    expect(delay(crypto, TAKER_DELAY_CRYPTO_50MS_NS)).toBe(50n * MS);
    const sports = meta({ tags: ['Sports'], takerDelayed: true });
    expect(delay(sports, TAKER_DELAY_CRYPTO_50MS_NS - 1n)).toBe(250n * MS);
    expect(delay(sports, TAKER_DELAY_CRYPTO_50MS_NS)).toBe(250n * MS);
  });

  it("the market's own delay from its metadata wins; no metadata, no delay", () => {
    expect(delay(meta({ takerDelayMs: 3000, takerDelayed: true }), TAKER_DELAY_CRYPTO_50MS_NS)).toBe(3000n * MS);
    expect(delay(meta({}), TAKER_DELAY_CRYPTO_50MS_NS)).toBe(0n);
  });

  it('through the paper exchange: a marketable order on a delayed crypto market is released 250 ms / 50 ms after arrival', () => {
    for (const [t, held] of [[TAKER_DELAY_CRYPTO_50MS_NS - 1n, 250n * MS], [TAKER_DELAY_CRYPTO_50MS_NS, 50n * MS]] as const) {
      const h = new Harness({ takerDelay: delay }, meta({ slug: 'btc-updown-5m-1786924800', takerDelayed: true }));
      h.now = t;
      h.feed(snapshot(t, YES, [lv('0.48', '100')], [lv('0.50', '100')]));
      h.place({ id: 'a', side: 'BUY', tif: 'FAK', px: '0.50', amount: '10' }, t);
      expect(h.ex.openOrders().map((o) => o.state)).toEqual(['held']);
      expect(h.ex.nextWakeNs()).toBe(t + held);
    }
  });
});

describe('market metadata: version, positionIds, createdAt, per-market delay', () => {
  const base = { conditionId: '0x' + 'ef'.repeat(32), outcomes: '["Yes", "No"]', slug: 'x' };

  it('a v2 Gamma market lists its tokens in positionIds; version and createdAt are kept', () => {
    const m = gammaMarketToMeta({ ...base, version: 'v2', positionIds: ['111', '222'], createdAt: '2026-05-01T10:00:00Z' });
    expect(m).toMatchObject({ version: 'v2', createdAt: '2026-05-01T10:00:00Z', tokens: [{ tokenId: '111', outcome: 'Yes' }, { tokenId: '222', outcome: 'No' }] });
    const v1 = gammaMarketToMeta({ ...base, version: 'v1', clobTokenIds: '["333", "444"]' });
    expect(v1).toMatchObject({ version: 'v1', tokens: [{ tokenId: '333' }, { tokenId: '444' }] });
    // absent fields stay absent (older metadata is unchanged)
    const plain = gammaMarketToMeta({ ...base, clobTokenIds: '["333", "444"]' });
    expect(Object.keys(plain)).not.toContain('version');
    expect(gammaMarketToMeta({ ...base, version: 'v3' })).toEqual({ error: expect.stringMatching(/version: "v3" is not a market version/) });
  });

  it('Gamma secondsDelay and CLOB seconds_delay become takerDelayMs (0 = none)', () => {
    expect(gammaMarketToMeta({ ...base, clobTokenIds: '["1", "2"]', secondsDelay: 3 })).toMatchObject({ takerDelayMs: 3000 });
    expect(Object.keys(gammaMarketToMeta({ ...base, clobTokenIds: '["1", "2"]', secondsDelay: 0 }))).not.toContain('takerDelayMs');
    expect(clobMarketToMeta({ condition_id: base.conditionId, tokens: [{ token_id: '1', outcome: 'Yes' }, { token_id: '2', outcome: 'No' }], seconds_delay: 3 })).toMatchObject({ takerDelayMs: 3000 });
  });

  it('the delay reaches the exchange: a sports market with secondsDelay 3 holds a taker order 3 s', () => {
    const m = gammaMarketToMeta({ ...base, clobTokenIds: '["1", "2"]', secondsDelay: 3 });
    if ('error' in m) throw new Error(m.error);
    expect(polymarketTakerDelay()(m, T0)).toBe(3000n * MS);
  });
});
