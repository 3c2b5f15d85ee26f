// The strategy API's branded units (issue 9 item 3; src/core/strategy/units.ts).
// Type level: compiled by `tsc` in `npm test` (npm run typecheck): each `@ts-expect-error` line must be a type
// error, or tsc fails with "unused @ts-expect-error". Run time: the checked constructors refuse what the types
// cannot see (NaN, fractions, out of range). A cast or a JavaScript strategy that gets past both is denied at
// the API edge: test/kernel/bad-commands.test.ts.
import { describe, expect, it } from 'vitest';
import type { BookView, Cash, Level, OrderEvent, OrderFilled, Px, Qty, StrategyContext, StrategyHooks, TradePrinted } from '../../src/api.ts';
import { notional, px, qty, usd } from '../../src/api.ts';
import { clampPx, complementPx, floorToLot, floorToTick, minQty, offsetPx } from '../../strategies/lib/helpers.ts';

function compileOnly(ctx: StrategyContext, book: BookView): void {
  const assetId = 'tok';
  // from text: accepted everywhere the API takes a unit
  ctx.buy({ assetId, px: px('0.41'), qty: qty('10') });
  ctx.marketBuy({ assetId, spend: usd('5'), worstPx: px('0.60') });
  ctx.marketSell({ assetId, qty: qty('10') });
  ctx.merge('0xcond', qty('1'));
  ctx.takerFee(assetId, 'BUY', px('0.41'), qty('10'));
  // @ts-expect-error a plain number is not a price: px('0.41') or px.ticks(4100)
  ctx.buy({ assetId, px: 4100, qty: qty('10') });
  // @ts-expect-error a dollar figure is not a price either
  ctx.buy({ assetId, px: 0.41, qty: qty('10') });
  // @ts-expect-error a plain number is not a size: qty('10') or qty.micro(10_000_000)
  ctx.buy({ assetId, px: px('0.41'), qty: 10_000_000 });
  // @ts-expect-error text is not a size (qty('10') makes one)
  ctx.sell({ assetId, px: px('0.41'), qty: '10' });
  // @ts-expect-error a plain bigint is not Cash: usd('5') or usd.raw(50_000_000_000n)
  ctx.marketBuy({ assetId, spend: 50_000_000_000n });
  // @ts-expect-error a plain number is not a worst price
  ctx.marketSell({ assetId, qty: qty('10'), worstPx: 5000 });
  // @ts-expect-error a plain number is not a merge size
  ctx.merge('0xcond', 1_000_000);
  // @ts-expect-error nor a fee query's price
  ctx.takerFee(assetId, 'BUY', 4100, qty('10'));
  // @ts-expect-error the units do not mix: a Qty is not a Px
  ctx.buy({ assetId, px: qty('10'), qty: qty('10') });
  // @ts-expect-error nor a Px a Qty
  ctx.marketSell({ assetId, qty: px('0.41') });
  // @ts-expect-error nor Cash a bigint Qty
  ctx.marketSell({ assetId, qty: usd('5') });

  // getters hand out branded values: passed straight back, no constructor needed
  const bid = book.bestBid(), ask = book.bestAsk(), tick = book.tickSize;
  const held = ctx.position(assetId).qty;
  if (bid !== null && ask !== null && tick !== null) {
    ctx.buy({ assetId, px: bid, qty: book.bestBidQty() });
    ctx.sell({ assetId, px: ask, qty: held });
    ctx.marketSell({ assetId, qty: held, worstPx: bid });
    ctx.marketBuy({ assetId, spend: ctx.cash(), worstPx: ask });
    ctx.marketBuy({ assetId, spend: book.sweep('ask', qty('10')).cost });
    ctx.takerFee(assetId, 'SELL', bid, held);
    const top: Level | undefined = ctx.available(assetId, 'ask')[0];
    if (top !== undefined) ctx.buy({ assetId, px: top.px, qty: top.qty });
    for (const o of ctx.openOrders(assetId)) ctx.sell({ assetId, px: o.px, qty: o.leavesQty });
    const fee = ctx.takerFee(assetId, 'BUY', ask, qty('10'));
    ctx.marketSell({ assetId, qty: fee.feeQty });
    // a branded value is still a number for reading and for poly's plain helpers
    const n: number = bid;
    const c: bigint = notional(bid, held);
    void n, c;
    // arithmetic gives a plain number: brand the result with a checked constructor or a helper
    // @ts-expect-error bid + tick is a number, not a Px
    ctx.buy({ assetId, px: bid + tick, qty: held });
    ctx.buy({ assetId, px: px.ticks(bid + tick), qty: qty.micro(held - qty('1')) });
    ctx.buy({ assetId, px: offsetPx(bid, tick), qty: minQty(held, qty('5')) });
    ctx.buy({ assetId, px: complementPx(ask), qty: floorToLot(held / 2) });
    ctx.marketBuy({ assetId, spend: usd.raw(ctx.cash() - usd('1')) });
    // mid() is plain on purpose (it can be a half tick, not a valid order price) ...
    const mid = book.mid();
    // @ts-expect-error ... so it is not accepted as a price
    if (mid !== null) ctx.buy({ assetId, px: mid, qty: held });
    // ... until rounded and clamped (or checked) into one
    if (mid !== null) ctx.buy({ assetId, px: clampPx(floorToTick(mid, tick), tick), qty: held });
  }
  // metadata too: the market's tick is a Px, its minimum size a Qty
  const m = ctx.market(assetId);
  if (m?.tickSize != null && m.minOrderSize !== null) ctx.buy({ assetId, px: m.tickSize, qty: m.minOrderSize });
  // the brand holds in declared types too
  // @ts-expect-error a number literal is not a Px
  const bad: Px = 4100;
  const good: Px = px('0.41');
  // @ts-expect-error nor a Qty
  const badQ: Qty = 1;
  // @ts-expect-error nor a bigint Cash
  const badC: Cash = 1n;
  void bad, good, badQ, badC;
}

// hook events carry branded fields: a fill's size and price go straight back into an order
const hooks = (ctx: StrategyContext): StrategyHooks => ({
  onFill(f: OrderFilled) {
    ctx.marketSell({ assetId: f.assetId, qty: f.qty, worstPx: f.px });
    ctx.sell({ assetId: f.assetId, px: f.px, qty: f.leavesQty });
    // @ts-expect-error feeCash is Cash, not a size
    ctx.marketSell({ assetId: f.assetId, qty: f.feeCash });
  },
  onTrade(t: TradePrinted) {
    ctx.buy({ assetId: t.assetId, px: t.px, qty: t.qty });
  },
  onBestBidAsk(ev) {
    if (ev.bestBid !== null) ctx.buy({ assetId: ev.assetId, px: ev.bestBid, qty: qty('5') });
  },
  onOrder(ev: OrderEvent) {
    if (ev.type === 'order_filled') ctx.marketSell({ assetId: ev.assetId, qty: ev.qty });
    if (ev.type === 'order_accepted' && ev.order.qty !== null) ctx.merge('0xcond', ev.order.qty);
    if (ev.type === 'positions_merged') ctx.marketBuy({ assetId: 'tok', spend: ev.cash });
  },
  onMarket(ev) {
    if (ev.meta.tickSize !== null) ctx.buy({ assetId: ev.meta.tokens[0]!.tokenId, px: ev.meta.tickSize, qty: qty('5') });
  },
});

describe('branded units', () => {
  it('compile as intended (checked by tsc; this keeps the file in the suite)', () => {
    expect(typeof compileOnly).toBe('function');
    expect(typeof hooks).toBe('function');
  });

  it('are the core integers at run time: same values, no wrapper', () => {
    expect(px('0.41')).toBe(4100);
    expect(qty('10')).toBe(10_000_000);
    expect(usd('5')).toBe(50_000_000_000n);
    expect(px.ticks(4100)).toBe(px('0.41'));
    expect(qty.micro(10_000_000)).toBe(qty('10'));
    expect(usd.raw(-5n)).toBe(usd('-0.0000000005'));
  });

  it('checked constructors refuse what the types cannot see, naming the value', () => {
    expect(() => px.ticks(Number.NaN)).toThrow(/px\.ticks\(NaN\): a price is an integer number of 1e-4 dollar ticks in 0\.\.10000/);
    expect(() => px.ticks(0.41)).toThrow(/px\.ticks\(0\.41\)/);
    expect(() => px.ticks(4100.5)).toThrow(RangeError);
    expect(() => px.ticks(-1)).toThrow(RangeError);
    expect(() => px.ticks(10_001)).toThrow(RangeError);
    expect(px.ticks(0)).toBe(0);
    expect(px.ticks(10_000)).toBe(10_000);
    expect(() => qty.micro(-1)).toThrow(/qty\.micro\(-1\): a quantity is a whole, non-negative number of 1e-6 shares/);
    expect(() => qty.micro(2.5)).toThrow(RangeError);
    expect(() => qty.micro(2 ** 53)).toThrow(RangeError);
    expect(() => qty.micro(10n as unknown as number)).toThrow(/qty\.micro\(10n\)/);
    expect(() => usd.raw(5 as unknown as bigint)).toThrow(/usd\.raw\(5\): dollars are a bigint of 1e-10 dollars/);
    expect(() => px('0.41235')).toThrow(/px\('0\.41235'\): not a price in \[0, 1\] with at most 4 decimals/);
    expect(() => px(4100 as unknown as string)).toThrow(/px\(\) takes text such as px\('0\.41'\), got number 4100/);
    expect(() => qty('-1')).toThrow(RangeError);
    expect(() => usd('5$')).toThrow(RangeError);
  });
});
