import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Portfolio } from '../../src/core/portfolio/portfolio.ts';
import { D, type Px } from '../../src/core/types/fixed.ts';
import { COND, NO, YES, fill, lookup, meta } from './helpers.ts';

const SEED = 20_251_211;
const ASSETS = [YES, NO] as const;

const opArb = fc.record({
  kind: fc.constantFrom('buy', 'sell', 'sell', 'merge', 'mark'),
  asset: fc.integer({ min: 0, max: 1 }),
  px: fc.integer({ min: 1, max: 9999 }),
  qty: fc.integer({ min: 1, max: 50_000_000 }),
  frac: fc.integer({ min: 0, max: 1000 }),
  fee: fc.integer({ min: 0, max: 2_000_000 }),
  rebate: fc.integer({ min: 0, max: 3 }),
});

describe('Portfolio properties (fast-check, fixed seed)', () => {
  it('zero fees: a fill moves no value when its token is marked at the fill price (cash + marked positions conserved)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 0, max: 10_000 }), (ops, otherMark) => {
        const pf = new Portfolio({ initialCash: 10n ** 14n, markets: lookup(meta()) });
        for (const op of ops) {
          const assetId = ASSETS[op.asset]!;
          const held = pf.position(assetId)?.qty ?? 0;
          const size = op.kind === 'buy' ? op.qty : Math.floor((held * op.frac) / 1000);
          if ((op.kind !== 'buy' && op.kind !== 'sell') || size === 0) continue;
          const marks = (id: string): Px => (id === assetId ? op.px : otherMark);
          const before = pf.equity(marks);
          pf.onFill(fill({ assetId, side: op.kind === 'buy' ? 'BUY' : 'SELL', px: op.px, qty: size }));
          expect(pf.equity(marks)).toBe(before);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('with fees, rebates, merges and settlement: equity - initial = realized + merges + settlement + rebates + unrealized, exactly', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.boolean(), fc.integer({ min: 0, max: 2 }), (ops, settle, winner) => {
        const initial = 10n ** 14n;
        const pf = new Portfolio({ initialCash: initial, markets: lookup(meta()) });
        const lastPx: Record<string, Px> = { [YES]: 5000, [NO]: 5000 };
        const check = () => {
          const t = pf.totals();
          for (const marks of [(id: string): Px => lastPx[id]!, (id: string) => new D(lastPx[id]!).add('0.5').div(10_000)]) {
            const equity = pf.equity(marks);
            expect(equity - initial).toBe(t.realizedTrading + t.merges.pnl + t.settlement + t.rebates + pf.unrealized(marks));
          }
          let cost = 0n;
          for (const p of pf.positions()) {
            expect(p.qty).toBeGreaterThanOrEqual(0);
            expect(p.costBasis >= 0n).toBe(true);
            if (p.qty === 0) expect(p.costBasis).toBe(0n);
            cost += p.costBasis;
          }
          expect(pf.cash() + cost).toBe(initial + t.realizedTrading + t.merges.pnl + t.settlement + t.rebates);
        };
        for (const op of ops) {
          const assetId = ASSETS[op.asset]!;
          const held = pf.position(assetId)?.qty ?? 0;
          const rebateCash = BigInt(op.rebate) * 1000n;
          if (op.kind === 'buy') {
            const feeQty = Math.floor((op.qty * op.frac) / 20_000); // up to 5 % of the shares withheld
            pf.onFill(fill({ assetId, side: 'BUY', px: op.px, qty: op.qty, feeQty, feeCash: 0n, rebateCash, liquidity: feeQty > 0 ? 'taker' : 'maker' }));
          } else if (op.kind === 'sell') {
            const size = Math.floor((held * op.frac) / 1000);
            if (size === 0) continue;
            pf.onFill(fill({ assetId, side: 'SELL', px: op.px, qty: size, feeCash: BigInt(op.fee) * 100n, rebateCash }));
          } else if (op.kind === 'merge') {
            const both = Math.min(pf.position(YES)?.qty ?? 0, pf.position(NO)?.qty ?? 0);
            const size = Math.floor((both * op.frac) / 1000);
            const r = pf.merge(COND, size, 1n);
            expect('error' in r).toBe(size === 0);
          } else {
            lastPx[assetId] = op.px;
          }
          check();
        }
        if (settle) {
          const payouts = winner === 2 ? new Map([[YES, 5000], [NO, 5000]]) : new Map([[ASSETS[winner]!, 10_000]]);
          pf.settlePayouts(COND, payouts, 2n);
          expect(pf.openPositions()).toHaveLength(0);
          check();
          // once flat, the round trips account for every P&L line but rebates
          const t = pf.totals();
          const trips = pf.roundTrips().reduce((a, r) => a + r.pnl, 0n);
          expect(trips).toBe(t.realizedTrading + t.merges.pnl + t.settlement);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
