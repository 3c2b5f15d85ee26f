// Every bundled strategy over one busy, pseudo-random script (books, level changes on both legs, prints,
// a feed loss, crossed moments, resolutions): no hook throws, no order breaks a venue rule the strategy
// is responsible for, no risk denial, and two runs with the same inputs give the same journal.
import { describe, expect, it } from 'vitest';
import type { StrategyDefinition } from '../src/core/strategy/api.ts';
import { formatPx } from '../src/core/types/fixed.ts';
import arb from './sum-to-one-arb.ts';
import clipper from './top-of-book-clipper.ts';
import maker from './market-maker.ts';
import fade from './spike-fade.ts';
import endgame from './endgame-sweep.ts';
import basket from './neg-risk-basket.ts';
import noop from './noop.ts';
import joinTheBid from './join-the-bid.ts';
import { CRYPTO_FEES, MIN, MS, SEC, StrategyRun, T0, WireScript, binaryMarket, isoOf } from '../test/strategies/helpers.ts';

/** A small deterministic generator (LCG) so the script is the same on every run. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return (n: number): number => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s % n;
  };
}

const markets = [
  binaryMarket({ n: 1, endDate: isoOf(T0 + 12n * MIN), fees: CRYPTO_FEES }),
  binaryMarket({ n: 2 }),
  ...[3, 4, 5].map((n) => binaryMarket({ n, negRisk: true, eventSlug: 'busy-event' })),
];

function busyScript(seed: number): WireScript {
  const r = lcg(seed);
  const s = new WireScript(markets);
  const mids = new Map(markets.map((m, i) => [m.conditionId, 30 + 10 * i]));
  const price = (c: number) => formatPx(Math.min(99, Math.max(1, c)) * 100);
  const snapshot = (m: (typeof markets)[number]) => {
    let mid = mids.get(m.conditionId)! + r(11) - 5;
    if (m.endDate !== null && s.now > T0 + 6n * MIN) mid = 96 + r(3); // market 1 becomes a favourite near its end
    mid = Math.min(97, Math.max(3, mid));
    mids.set(m.conditionId, mid);
    const spread = 1 + r(3);
    const cross = r(25) === 0 ? 3 : 0; // now and then a crossed (bad-data) moment
    const uniq = (lv: [string, string][]) => lv.filter(([p], i) => lv.findIndex(([q]) => q === p) === i);
    const bids = uniq([[price(mid - 1 + cross), String(10 + r(200))], [price(mid - 2 - spread), '50']]);
    const asks = uniq([[price(mid + spread - 1), String(10 + r(200))], [price(mid + spread + 2), '80']]);
    s.book(m, bids, asks);
  };
  for (const m of markets) snapshot(m);
  for (let i = 0; i < 500; i++) {
    s.wait(BigInt(100 + r(2500)) * MS);
    const m = markets[r(markets.length)]!;
    const tok = m.tokens[r(2)]!.tokenId;
    const mid = mids.get(m.conditionId)!;
    switch (r(10)) {
      case 0:
      case 1:
        snapshot(m);
        break;
      case 2:
      case 3:
      case 4:
        s.set(tok, r(2) === 0 ? 'BUY' : 'SELL', price(mid - 4 + r(9)), r(4) === 0 ? '0' : String(5 + r(100)));
        break;
      case 5:
      case 6:
        s.trade(tok, price(mid - 2 + r(5)), String(1 + r(150)), r(2) === 0 ? 'BUY' : 'SELL');
        break;
      case 7:
        s.pong();
        break;
      default:
        if (i === 250) s.close().wait(2n * SEC).reconnect();
        for (const mm of markets) snapshot(mm);
    }
  }
  s.wait(SEC).resolve(markets[0]!, 0).resolve(markets[2]!, 0).resolve(markets[3]!, 1).resolve(markets[4]!, 1);
  return s;
}

const strategies: [StrategyDefinition, Record<string, unknown>][] = [
  [arb, {}],
  [clipper, { size: '5' }],
  [maker, { size: '5', skewPerShare: '0.001', stopBefore: '2m' }],
  [fade, { threshold: '0.04', window: '20s', hold: '30s' }],
  [endgame, { window: '4m', budget: '20' }],
  [basket, { maxBaskets: '3' }],
  [joinTheBid, { size: '5' }],
  [noop, {}],
];

const json = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
const STRATEGY_BUGS = ['invalid_size', 'post_only_not_allowed', 'expiry', 'price_off_tick', 'price_out_of_range', 'below_min_size', 'below_min_notional', 'duplicate_client_id'];

describe('bundled strategies over a busy script', () => {
  const script = busyScript(7);

  it.each(strategies.map(([s, p]) => [s.name, s, p] as const))('%s: no failure, no self-inflicted rejection or denial, deterministic', (_, strategy, params) => {
    const a = new StrategyRun({ strategy, markets, params }, script.records).finish(script.now + MIN);
    const b = new StrategyRun({ strategy, markets, params }, script.records).finish(script.now + MIN);
    expect(json(b.journal.events)).toBe(json(a.journal.events));
    expect(a.kernel.quality.errorsByReason).toEqual({});
    const rejected = a.events('order_rejected').map((e) => e.reason);
    expect(rejected.filter((r) => STRATEGY_BUGS.some((code) => r.startsWith(code)))).toEqual([]);
    expect(a.journal.denials.map((d) => `${d.rule}: ${d.reason}`)).toEqual([]);
    for (const pos of a.kernel.portfolio.positions()) expect(pos.qty).toBeGreaterThanOrEqual(0);
  });

  it('the script exercises every trading strategy', () => {
    const traded = strategies.filter(([strategy, params]) => new StrategyRun({ strategy, markets, params }, script.records).finish(script.now + MIN).fills().length > 0);
    expect(traded.map(([s]) => s.name)).toEqual(['sum-to-one-arb', 'top-of-book-clipper', 'market-maker', 'spike-fade', 'endgame-sweep', 'neg-risk-basket', 'join-the-bid']);
  });
});
