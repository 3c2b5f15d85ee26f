// Market metadata's reward program (Gamma rewardsMaxSpread / rewardsMinSize, CLOB rewards{...}) -> MarketMeta.rewards.
import { describe, expect, it } from 'vitest';
import { clobMarketToMeta } from '../../src/core/normalize/polymarket/clob.ts';
import { gammaMarketToMeta } from '../../src/core/normalize/polymarket/gamma.ts';
import { rewardsOf } from '../../src/core/normalize/polymarket/meta.ts';
import { rewardsTermsFromMeta } from '../../src/core/economics/index.ts';

const CID = '0x' + 'ab'.repeat(32);

describe('reward programs in market metadata', () => {
  it('Gamma: cents and shares as published; no daily rate unless clobRewards lists one', () => {
    const m = gammaMarketToMeta({ conditionId: CID, outcomes: '["Yes","No"]', clobTokenIds: '["1","2"]', rewardsMaxSpread: 4.5, rewardsMinSize: 50 });
    expect('error' in m).toBe(false);
    expect((m as { rewards?: unknown }).rewards).toEqual({ maxSpread: '4.5', minSize: '50', ratePerDay: null });
    const r = gammaMarketToMeta({ conditionId: CID, rewardsMaxSpread: 3, rewardsMinSize: 20, clobRewards: [{ rewardsDailyRate: 10 }, { rewardsDailyRate: '2.5' }] });
    expect((r as { rewards?: unknown }).rewards).toEqual({ maxSpread: '3', minSize: '20', ratePerDay: '12.5' });
  });

  it('CLOB: rewards {max_spread, min_size, rates[].rewards_daily_rate}; a zero spread is no program', () => {
    const m = clobMarketToMeta({ condition_id: CID, rewards: { max_spread: 3.5, min_size: 200, rates: [{ asset_address: '0x', rewards_daily_rate: 30 }] } });
    expect((m as { rewards?: unknown }).rewards).toEqual({ maxSpread: '3.5', minSize: '200', ratePerDay: '30' });
    const none = clobMarketToMeta({ condition_id: CID, rewards: { rates: null, min_size: 0, max_spread: 0 } });
    expect('rewards' in (none as object)).toBe(false);
  });

  it('malformed reward fields are ignored, never an error; terms for the estimate', () => {
    expect(rewardsOf('x', 50, null, 'r')).toBeUndefined();
    expect(rewardsOf(2, 'bad', [{ r: 'nope' }, 7], 'r')).toEqual({ maxSpread: '2', minSize: '0', ratePerDay: null });
    const m = gammaMarketToMeta({ conditionId: CID, rewardsMaxSpread: 'wide', rewardsMinSize: 50 });
    expect('error' in m).toBe(false);
    const meta = clobMarketToMeta({ condition_id: CID, rewards: { max_spread: 3.5, min_size: 200, rates: [{ rewards_daily_rate: 30 }] } });
    const t = rewardsTermsFromMeta(meta as never)!;
    expect([t.maxSpreadCents.toFixed(), t.minSize, t.ratePerDay!.toFixed(), t.source]).toEqual(['3.5', 200_000_000, '30', 'metadata']);
  });
});
