// Type-level tests of the order specs (issue 9 item 3), compiled by `tsc` in `npm test` (npm run typecheck):
// each `@ts-expect-error` line must be a type error, or tsc fails with "unused @ts-expect-error". The runtime
// side of the same rules (a cast or a JavaScript strategy) is in test/kernel/bad-commands.test.ts.
import { describe, expect, it } from 'vitest';
import type { StrategyContext } from '../../src/api.ts';
import { px, qty, usd } from '../../src/api.ts';

function compileOnly(ctx: StrategyContext): void {
  const assetId = 'tok';
  const p = px('0.41'), q = qty('10');
  // accepted
  ctx.buy({ assetId, px: p, qty: q });
  ctx.buy({ assetId, px: p, qty: q, tif: 'GTC', postOnly: true });
  ctx.sell({ assetId, px: p, qty: q, tif: 'GTD', expireNs: ctx.now() + 60_000_000_000n });
  ctx.marketBuy({ assetId, spend: usd('5') });
  ctx.marketBuy({ assetId, spend: usd('5'), worstPx: p, tif: 'FAK' });
  ctx.marketSell({ assetId, qty: q, tif: 'FOK' });
  // @ts-expect-error a GTD order needs its expiry
  ctx.buy({ assetId, px: p, qty: q, tif: 'GTD' });
  // @ts-expect-error an expiry on a GTC order (it never expires)
  ctx.buy({ assetId, px: p, qty: q, expireNs: 5n });
  // @ts-expect-error FOK is for market orders
  ctx.buy({ assetId, px: p, qty: q, tif: 'FOK' });
  // @ts-expect-error FAK is for market orders
  ctx.sell({ assetId, px: p, qty: q, tif: 'FAK' });
  // @ts-expect-error a market BUY is sized in dollars (spend), not amount
  ctx.marketBuy({ assetId, amount: usd('5') });
  // @ts-expect-error a market BUY is sized in dollars, not shares
  ctx.marketBuy({ assetId, qty: q });
  // @ts-expect-error a market SELL is sized in shares, not dollars
  ctx.marketSell({ assetId, spend: usd('5') });
  // @ts-expect-error market orders are FOK or FAK
  ctx.marketSell({ assetId, qty: q, tif: 'GTC' });
  // @ts-expect-error spend is Cash (bigint 1e-10 dollars), not a number
  ctx.marketBuy({ assetId, spend: 5 });
}

describe('order spec types', () => {
  it('compile as intended (checked by tsc; this test only keeps the file in the suite)', () => {
    expect(typeof compileOnly).toBe('function');
  });
});
