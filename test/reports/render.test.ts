import { describe, expect, it } from 'vitest';
import { Portfolio } from '../../src/core/portfolio/portfolio.ts';
import { RunJournal } from '../../src/core/reports/journal.ts';
import { buildSummary, ratio, renderReports, reportInput, REPORT_FILE_NAMES } from '../../src/core/reports/render.ts';
import { D } from '../../src/core/types/fixed.ts';
import { at, COND_A, COND_B, handRun, MARKET_A, META, NO_A, QUALITY, usd, YES_A, YES_B } from './helpers.ts';

const iso = (s: number) => `2025-12-11T11:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000000000Z`;
const lines = (csv: string) => csv.split('\n');
const YES_A_OUT = '"Yes, ""above"""';

describe('renderReports: a hand-built run', () => {
  const { input } = handRun();
  const files = renderReports(input);

  it('renders exactly the report files', () => {
    expect(Object.keys(files).sort()).toEqual([...REPORT_FILE_NAMES].sort());
    for (const name of REPORT_FILE_NAMES) expect(files[name].endsWith('\n')).toBe(true);
  });

  it('orders.csv: one row per order in creation order, exact values, odd strings quoted', () => {
    const l = lines(files['orders.csv']);
    expect(l[0]).toBe('client_id,created_ns,created_at,market,outcome,asset_id,side,tif,post_only,px,qty,amount,status,filled_qty,avg_px,notional,fee_cash,fee_shares,fee_value,rebates,reason,updated_ns,updated_at');
    expect(l.length).toBe(1 + 8 + 1); // header, 8 orders, trailing ''
    expect(l[1]).toBe(`o000001,${at(1)},${iso(1)},${COND_A},${YES_A_OUT},"${YES_A}",BUY,GTC,false,0.4,100,,filled,100,0.4,40,0,4.2,1.68,0,,${at(2)},${iso(2)}`);
    expect(l[2]).toBe(`o000002,${at(3)},${iso(3)},${COND_A},${YES_A_OUT},"${YES_A}",SELL,FAK,false,0.55,50,,filled,50,0.55,27.5,0.86625,0,0.86625,0,,${at(3)},${iso(3)}`);
    expect(l[3]).toBe(`o000003,${at(4)},${iso(4)},${COND_A},${YES_A_OUT},"${YES_A}",SELL,GTC,true,0.6,20,,partially_filled,10,0.6,6,0,0,0,0.0336,,${at(5)},${iso(5)}`);
    expect(l[4]).toBe(`o000004,${at(6)},${iso(6)},${COND_A},No,"${NO_A}",BUY,GTC,false,0.3,1000,,denied,0,,0,0,0,0,0,"max_order_notional: notional 300 > limit 100, ""hard"" cap",${at(6)},${iso(6)}`);
    expect(l[5]).toBe(`o000005,${at(7)},${iso(7)},${COND_A},No,"${NO_A}",BUY,FOK,false,0.99,,5,rejected,0,,0,0,0,0,0,FOK not fully fillable,${at(7)},${iso(7)}`);
    expect(l[6]).toBe(`o000006,${at(8)},${iso(8)},${COND_A},No,"${NO_A}",BUY,GTC,false,0.3,10,,canceled,0,,0,0,0,0,0,user,${at(9)},${iso(9)}`);
    expect(l[7]!.startsWith(`o000007,${at(20)},${iso(20)},${COND_B},Yes,"${YES_B}",BUY,GTC,false,0.5,10,,filled,10,0.5,5,`)).toBe(true);
  });

  it('fills.csv: one row per fill in order', () => {
    const l = lines(files['fills.csv']);
    expect(l[0]).toBe('fill_id,ts_ns,ts,client_id,market,outcome,asset_id,side,px,qty,notional,liquidity,fee_cash,fee_shares,fee_value,rebate');
    expect(l[1]).toBe(`pf1,${at(2)},${iso(2)},o000001,${COND_A},${YES_A_OUT},"${YES_A}",BUY,0.4,100,40,taker,0,4.2,1.68,0`);
    expect(l[2]).toBe(`pf2,${at(3)},${iso(3)},o000002,${COND_A},${YES_A_OUT},"${YES_A}",SELL,0.55,50,27.5,taker,0.86625,0,0.86625,0`);
    expect(l[3]).toBe(`pf3,${at(5)},${iso(5)},o000003,${COND_A},${YES_A_OUT},"${YES_A}",SELL,0.6,10,6,maker,0,0,0,0.0336`);
    expect(l[5]).toBe(`pf5,${at(40)},${iso(40)},o000008,${COND_B},Yes,"${YES_B}",SELL,0.7,10,7,maker,0,0,0,0`);
    expect(l.length).toBe(1 + 5 + 1);
  });

  it('positions.csv: average cost after withheld fee shares, mark, realized and unrealized worked out by hand', () => {
    // 95.8 shares arrive for 40 $; selling 50 releases 40*50/95.8 = 20.8768267223 (half-even at 1e-10):
    // realized 27.5 - 0.86625 - 20.8768267223 = 5.7569232777. Selling 10 more of 45.8 releases 4.1753653445:
    // realized 6 - 4.1753653445 = 1.8246346555. Left: 35.8 shares costing 14.9478079332 (avg 0.41753653444692...).
    // Marked at 0.575: value 20.585, unrealized 5.6371920668.
    const l = lines(files['positions.csv']);
    expect(l[0]).toBe('market,outcome,asset_id,qty,avg_cost,cost_basis,mark,value,realized,unrealized,merged,settlement,fee_cash,fee_shares,fee_value,rebates');
    expect(l[1]).toBe(`${COND_A},${YES_A_OUT},"${YES_A}",35.8,0.4175365344,14.9478079332,0.575,20.585,7.5815579332,5.6371920668,0,0,0.86625,4.2,2.54625,0.0336`);
    expect(l[2]).toBe(`${COND_B},Yes,"${YES_B}",0,,0,,0,2,0,0,0,0,0,0,0`);
    expect(l.length).toBe(4);
  });

  it('equity.csv: samples with ISO time and running drawdown', () => {
    const l = lines(files['equity.csv']);
    expect(l[0]).toBe('ts_ns,ts,cash,positions_value,equity,realized,unrealized,fee_value,exposure,drawdown');
    expect(l[1]).toBe(`${at(0)},${iso(0)},1000,0,1000,0,0,0,0,0`);
    expect(l[2]).toBe(`${at(60)},${iso(60)},1005,0,1005,0,0,0,0,0`);
    expect(l[3]).toBe(`${at(120)},${iso(120)},998,0,998,0,0,0,0,7`);
    expect(l[4]).toBe(`${at(180)},${iso(180)},994.66735,20.585,1015.25235,9.5815579332,5.6371920668,2.54625,20.585,0`);
  });

  it('summary.json: P&L lines, and total equals the sum of the parts exactly', () => {
    const s = JSON.parse(files['summary.json']) as Record<string, any>;
    expect(s.capital).toEqual({ initial: '1000', final_equity: '1015.25235' });
    const p = s.pnl as Record<string, string>;
    expect(p.total).toBe('15.25235');
    expect(p.trading_realized).toBe('9.5815579332'); // 5.7569232777 + 1.8246346555 + 2 (market B)
    expect(p.unrealized).toBe('5.6371920668');
    expect(p.merges).toBe('0');
    expect(p.settlement).toBe('0');
    expect(p.rebates).toBe('0.0336');
    // fee_value = fee_cash 0.86625 + fee_shares 4.2 x 0.40 (their fill price) = 2.54625
    expect([p.fee_cash, p.fee_shares, p.fee_value]).toEqual(['0.86625', '4.2', '2.54625']);
    const sum = [p.trading_realized, p.unrealized, p.merges, p.settlement, p.rebates].reduce((a, x) => a.add(x!), new D(0));
    expect(sum.eq(p.total!)).toBe(true);
    expect(new D(s.capital.final_equity).sub(s.capital.initial).eq(p.total!)).toBe(true);
    expect(s.return).toBe('0.015252'); // 15.25235 / 1000 = 0.01525235, half-even at 6 dp
  });

  it('summary.json: orders, fills, ratios and statistics', () => {
    const s = JSON.parse(files['summary.json']) as Record<string, any>;
    expect(s.orders).toEqual({ placed: 8, filled: 4, partially_filled: 1, canceled: 1, rejected: 1, denied: 1, open: 0 });
    expect(s.fills).toEqual({ count: 5, maker: 3, taker: 2, volume_shares: '180', notional: '85.5' });
    expect(s.fill_ratio).toBe('0.833333'); // 5 of the 6 orders that got past risk and the venue rules
    expect(s.win_rate).toBe('1.000000'); // one closed round trip (market B), a win
    expect(s.turnover).toBe('0.085500'); // 85.5 / 1000
    expect(s.exposure).toBe('0.988889'); // held from 11:00:02 to the end, 178 s of 180 s
    expect(s.max_drawdown).toEqual({ amount: '7', fraction: '0.006965', duration_s: '120', peak_at: iso(60), trough_at: iso(120) });
    expect(s.period).toEqual({ start: iso(0), end: iso(180), duration_s: '180' });
    // three 60 s returns are fewer than the 30 Sharpe / Sortino need: omitted, with the reason and the basis
    expect(s.sharpe).toBeNull();
    expect(s.sortino).toBeNull();
    expect(s.ratio_basis).toEqual({
      sampling_period: '1m', sampling_period_s: '60', returns: 3, min_returns: 30, annualised_by: 'sqrt(525600 periods per year)', risk_free_rate: '0',
      sharpe_omitted: '3 returns at 1m sampling; at least 30 are needed for a meaningful ratio',
      sortino_omitted: '3 returns at 1m sampling; at least 30 are needed for a meaningful ratio',
    });
    expect(s.round_trips).toMatchObject({ closed: 1, wins: 1, losses: 0, breakeven: 0, closed_by: { sell: 1, merge: 0, settle: 0 }, open_at_end: 1 });
    expect(s.risk).toEqual({ denials_by_rule: { insufficient_position: 1, max_order_notional: 1 }, halted: false, halted_by: null });
    expect(s.strategy_error).toBeNull();
    expect(s.data_quality).toEqual({
      records: 12, events: 20, by_type: { book_delta: 13, book_snapshot: 2, trade: 5 }, normalization_errors: 1,
      errors_by_reason: { bad_json: 1 }, disconnects: 1, reconnects: 1, crossed_books: 0, book_mismatches: 0, mirror_mismatches: 0, pair_conflicts: 0, first_record_at: iso(0), last_record_at: iso(180),
      timeline_events: 0, timeline_omitted: {},
    });
  });

  it('summary.json: Sharpe / Sortino when the minimum is met, worked out by hand from the 60 s returns', () => {
    const s = buildSummary(handRun({ minRatioReturns: 3 }).input) as Record<string, any>;
    // annualised by sqrt(365 d / 60 s)
    const eq = ['1000', '1005', '998', '1015.25235'].map((x) => new D(x));
    const r = [1, 2, 3].map((i) => eq[i]!.div(eq[i - 1]!).sub(1));
    const mean = r.reduce((a, x) => a.add(x), new D(0)).div(3);
    const sd = r.reduce((a, x) => a.add(x.sub(mean).pow(2)), new D(0)).div(2).sqrt();
    const ann = new D(365 * 86400).div(60).sqrt();
    expect(s.sharpe).toBe(mean.div(sd).mul(ann).toFixed(6));
    const down = r.reduce((a, x) => (x.isNeg() ? a.add(x.pow(2)) : a), new D(0)).div(3).sqrt();
    expect(s.sortino).toBe(mean.div(down).mul(ann).toFixed(6));
    expect(s.ratio_basis.sharpe_omitted).toBeNull();
    expect(s.ratio_basis.min_returns).toBe(3);
  });

  it('summary.json: per-market lines add up to the totals, questions with commas and quotes survive', () => {
    const s = JSON.parse(files['summary.json']) as Record<string, any>;
    expect(s.per_market).toEqual([
      {
        market: COND_A, slug: 'btc-above-100k', question: MARKET_A.question,
        pnl: { total: '13.25235', trading_realized: '7.5815579332', unrealized: '5.6371920668', merges: '0', settlement: '0', fee_cash: '0.86625', fee_shares: '4.2', fee_value: '2.54625', rebates: '0.0336' },
        fills: 3, volume: '160', notional: '73.5',
      },
      {
        market: COND_B, slug: 'eth-up', question: 'ETH up?',
        pnl: { total: '2', trading_realized: '2', unrealized: '0', merges: '0', settlement: '0', fee_cash: '0', fee_shares: '0', fee_value: '0', rebates: '0' },
        fills: 2, volume: '20', notional: '12',
      },
    ]);
    const total = (s.per_market as { pnl: { total: string } }[]).reduce((a, m) => a.add(m.pnl.total), new D(0));
    expect(total.eq(s.pnl.total)).toBe(true);
  });

  it('summary.json keeps a fixed key order and money as strings', () => {
    const s = JSON.parse(files['summary.json']) as Record<string, unknown>;
    expect(Object.keys(s)).toEqual([
      'strategy', 'params', 'period', 'capital', 'pnl', 'return', 'orders', 'fills', 'merges', 'fill_ratio', 'win_rate', 'round_trips', 'sharpe', 'sortino',
      'ratio_basis', 'max_drawdown', 'exposure', 'turnover', 'per_market', 'risk', 'strategy_error', 'data_quality', 'price_series', 'economics',
    ]);
    expect(s.strategy).toBe(META.strategyName);
    expect(s.params).toEqual({ spread: '0.02', size: '10' });
    // no money or ratio is a JSON number: every number left is a count
    const numbers: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (typeof v === 'number') numbers.push(path);
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    };
    walk(s, '');
    const counts = [
      /^\.(orders|fills|merges|data_quality|risk\.denials_by_rule|round_trips)\./, /^\.per_market\.\d+\.fills$/, /^\.ratio_basis\.(returns|min_returns)$/,
      /^\.price_series\.\d+\.points$/, /^\.economics\..*\.(prints|our_maker_fills|samples|samples_without_midpoint|samples_scored|fills)$/,
    ];
    for (const path of numbers) expect(counts.some((re) => re.test(path)), path).toBe(true);
  });
});

describe('renderReports: determinism and snapshots', () => {
  it('the same run gives the same bytes, twice and from an independent rebuild', () => {
    const a = renderReports(handRun().input);
    const b = renderReports(handRun().input);
    const run = handRun();
    expect(renderReports(run.input)).toEqual(renderReports(run.input));
    for (const name of REPORT_FILE_NAMES) expect(a[name]).toBe(b[name]);
  });

  it('the input is a snapshot: later journal and portfolio changes do not leak in', () => {
    const run = handRun();
    const before = renderReports(run.input);
    run.journal.orders.get('o000003')!.status = 'canceled';
    run.journal.equity.push({ ...run.journal.equity[0]!, tsNs: at(200) });
    run.portfolio.onFill({ type: 'order_filled', tsNs: at(190), fillId: 'late', clientId: 'x', assetId: YES_A, side: 'SELL', px: 5000, qty: 1_000_000, liquidity: 'maker', feeCash: 0n, feeQty: 0, rebateCash: 0n, leavesQty: 0 });
    expect(renderReports(run.input)).toEqual(before);
  });

  it('a broken P&L identity is corrupt state and throws', () => {
    const { input } = handRun();
    const bad = { ...input, totals: { ...input.totals, rebates: input.totals.rebates + 1n } };
    expect(() => renderReports(bad)).toThrow(/identity/);
  });

  it('reports a halt and a strategy failure', () => {
    const halted = { type: 'trading_halted' as const, tsNs: at(150), rule: 'daily_loss', reason: 'lost 50, "limit" 40' };
    const s = buildSummary(handRun({ halted, failure: true }).input) as Record<string, any>;
    expect(s.risk.halted).toBe(true);
    expect(s.risk.halted_by).toEqual({ at: iso(150), rule: 'daily_loss', reason: 'lost 50, "limit" 40' });
    expect(s.strategy_error).toEqual({ at: iso(170), hook: 'onBook', message: 'boom, "bad"', location: null, stack: [] });
    // with the engine's location and stack (src/engine/strategy-errors.ts), both are reported
    const run = handRun({ halted, failure: true }).input;
    const located = { ...run, strategyFailure: { ...run.strategyFailure!, location: 'strategies/x.ts:3:9', stack: 'Error: boom\n    at onBook (strategies/x.ts:3:9)' } };
    expect((buildSummary(located) as Record<string, any>).strategy_error).toMatchObject({ location: 'strategies/x.ts:3:9', stack: ['Error: boom', '    at onBook (strategies/x.ts:3:9)'] });
  });

  it('an empty run renders with nulls where a ratio is undefined', () => {
    const journal = new RunJournal();
    const portfolio = new Portfolio({ initialCash: usd('50'), markets: () => undefined });
    const input = reportInput(
      { journal, portfolio, markets: [], markOf: () => null, risk: { halted: false, haltedBy: null }, quality: { ...QUALITY, byType: {}, errorsByReason: {}, firstRecvNs: null, lastRecvNs: null } },
      { ...META, initialCash: usd('50') },
    );
    const f = renderReports(input);
    expect(f['orders.csv']).toBe('client_id,created_ns,created_at,market,outcome,asset_id,side,tif,post_only,px,qty,amount,status,filled_qty,avg_px,notional,fee_cash,fee_shares,fee_value,rebates,reason,updated_ns,updated_at\n');
    expect(lines(f['positions.csv']).length).toBe(2);
    const s = JSON.parse(f['summary.json']) as Record<string, any>;
    expect(s.pnl.total).toBe('0');
    expect(s.return).toBe('0.000000');
    expect([s.fill_ratio, s.win_rate, s.sharpe, s.sortino, s.max_drawdown.fraction, s.data_quality.first_record_at]).toEqual([null, null, null, null, null, null]);
    expect(s.exposure).toBe('0.000000');
    expect(f['equity.svg']).toContain('no equity samples');
  });

  it('ratio() prints 6 fixed decimals, half-even, never -0', () => {
    expect(ratio(new D('0.0000005'))).toBe('0.000000');
    expect(ratio(new D('0.0000015'))).toBe('0.000002');
    expect(ratio(new D('-0.0000001'))).toBe('0.000000');
    expect(ratio(new D('-1.5'))).toBe('-1.500000');
    expect(ratio(null)).toBeNull();
  });
});
