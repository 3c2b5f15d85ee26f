// Issue 8 item 9: fee columns mean one thing.
//
// A taker BUY pays its fee in shares (withheld), a taker SELL in dollars. Every report states fees the
// same way: fee_cash (dollars charged to cash), fee_shares (shares withheld) and fee_value (one dollar
// value: fee_cash + fee_shares valued at the fill price), and they add up across reports.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderReports, reportInputFromKernel } from '../../src/core/reports/render.ts';
import { defineStrategy } from '../../src/core/strategy/api.ts';
import { binaryMarket, CRYPTO_FEES, px, q, SEC, StrategyRun, T0, usd, WireScript } from '../strategies/helpers.ts';

const m = binaryMarket({ n: 9, fees: CRYPTO_FEES });
const YES = m.tokens[0]!.tokenId;

const buyThenSell = defineStrategy({
  name: 'fees-probe', params: z.object({}),
  create(ctx) {
    let sent = false;
    return {
      onBook() {
        if (sent) return;
        sent = true;
        ctx.marketBuy({ assetId: YES, spend: usd('47'), worstPx: px('0.47') });
      },
      onFill(f) {
        if (f.side === 'BUY') ctx.marketSell({ assetId: YES, qty: q('50'), worstPx: px('0.45') });
      },
    };
  },
});

const csvRows = (text: string): Record<string, string>[] => {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])));
};

describe('fee columns', () => {
  it('fills, orders, positions, equity and summary state fee_cash, fee_shares and fee_value, and they agree', () => {
    const s = new WireScript([m]).book(m, [['0.45', '1000']], [['0.47', '1000']]).wait(SEC).keepAlive(60n * SEC);
    const run = new StrategyRun({ strategy: buyThenSell, markets: [m] }, s.records).finish(T0 + 60n * SEC);
    const files = renderReports(reportInputFromKernel(run.kernel, { strategyName: 'fees-probe', params: {}, initialCash: usd('1000'), equityIntervalNs: 60n * SEC, startNs: T0, endNs: T0 + 60n * SEC }));
    // BUY $47 at 0.47 = 100 sh: fee = 100 x 0.07 x 0.47 x 0.53 = $1.7437, withheld as 1.7437 / 0.47 = 3.71 shares
    //   -> fee_cash 0, fee_shares 3.71, fee_value 3.71 x 0.47 = 1.7437
    // SELL 50 at 0.45: fee = 50 x 0.07 x 0.45 x 0.55 = $0.86625 in cash -> fee_cash 0.86625, fee_shares 0, fee_value 0.86625
    // total: fee_cash 0.86625, fee_shares 3.71, fee_value 2.60995
    const fills = csvRows(files['fills.csv']).map((r) => [r['side'], r['fee_cash'], r['fee_shares'], r['fee_value']]);
    expect(fills).toEqual([['BUY', '0', '3.71', '1.7437'], ['SELL', '0.86625', '0', '0.86625']]);
    const orders = csvRows(files['orders.csv']).map((r) => [r['side'], r['fee_cash'], r['fee_shares'], r['fee_value']]);
    expect(orders).toEqual([['BUY', '0', '3.71', '1.7437'], ['SELL', '0.86625', '0', '0.86625']]);
    const pos = csvRows(files['positions.csv']).map((r) => [r['fee_cash'], r['fee_shares'], r['fee_value']]);
    expect(pos).toEqual([['0.86625', '3.71', '2.60995']]);
    const equity = csvRows(files['equity.csv']);
    expect(equity.at(-1)!['fee_value']).toBe('2.60995');
    const summary = JSON.parse(files['summary.json']) as { pnl: Record<string, string>; per_market: { pnl: Record<string, string> }[] };
    expect([summary.pnl['fee_cash'], summary.pnl['fee_shares'], summary.pnl['fee_value']]).toEqual(['0.86625', '3.71', '2.60995']);
    expect([summary.per_market[0]!.pnl['fee_cash'], summary.per_market[0]!.pnl['fee_shares'], summary.per_market[0]!.pnl['fee_value']]).toEqual(['0.86625', '3.71', '2.60995']);
    // no report keeps an ambiguous "fee"/"fees" column
    for (const f of ['fills.csv', 'orders.csv', 'positions.csv', 'equity.csv'] as const) {
      expect(files[f].split('\n')[0]!.split(','), f).not.toContain('fee');
      expect(files[f].split('\n')[0]!.split(','), f).not.toContain('fees');
    }
    expect(Object.keys(summary.pnl)).not.toContain('fees');
  });
});
