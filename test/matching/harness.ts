// Test harness for the paper fill engine: a real BookRegistry, a PaperExchange wired to it, event
// builders, and a driver that honours the engine contract (timers due at t fire before data at t).
import { BookRegistry } from '../../src/core/book/index.ts';
import type { FillEngineConfig } from '../../src/core/matching/exchange.ts';
import { PaperExchange } from '../../src/core/matching/exchange.ts';
import { noFees } from '../../src/core/matching/fees.ts';
import { constantLatency } from '../../src/core/matching/latency.ts';
import { conservativeQueue } from '../../src/core/matching/queue.ts';
import { seededRng } from '../../src/core/rng.ts';
import type { BookDelta, BookSide, BookSnapshot, FeedState, Level, MarketEvent, MarketResolved, Side, TickSizeChanged, TradePrinted } from '../../src/core/types/events.ts';
import type { Cash, Px, Qty } from '../../src/core/strategy/units.ts';
import { CASH_SCALE, parsePx, parseQty } from '../../src/core/types/fixed.ts';
import type { FeeSchedule, MarketMeta } from '../../src/core/types/market.ts';
import type { MergeArrived, OrderEvent, OrderFilled, PlaceOrder, TimeInForce } from '../../src/core/types/orders.ts';

export const YES = 'yes-token';
export const NO = 'no-token';
export const MARKET = '0xmarket';
export const MS = 1_000_000n;
export const T0 = 1_780_000_000_000n * MS; // 2026-05-28, in the uniform-fee era

export function px(s: string): Px {
  const v = parsePx(s);
  if (v === null) throw new Error(`bad px ${s}`);
  return v as Px;
}
export function q(s: string): Qty {
  const v = parseQty(s);
  if (v === null) throw new Error(`bad qty ${s}`);
  return v as Qty;
}
/** Dollars "1.5" -> Cash (1e-10 units). */
export function usd(s: string): Cash {
  const [i = '0', f = ''] = s.split('.');
  return (BigInt(i) * CASH_SCALE + BigInt((f + '0000000000').slice(0, 10))) as Cash;
}
export const lv = (p: string, size: string): Level => ({ px: px(p), qty: q(size) });

export function meta(over: Partial<MarketMeta> = {}, fee: FeeSchedule | null = null): MarketMeta {
  return {
    conditionId: MARKET, id: '1', slug: 'test-market', question: 'Test?',
    tokens: [{ tokenId: YES, outcome: 'Yes' }, { tokenId: NO, outcome: 'No' }],
    tickSize: px('0.01'), minOrderSize: q('5'), negRisk: false, feesEnabled: fee !== null, feeSchedule: fee,
    endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
    ...over,
  };
}

export const CRYPTO_FEES: FeeSchedule = { rate: '0.07', exponent: '1', takerOnly: true, rebateRate: '0.2' };

let seq = 0;
const origin = (t: bigint) => ({ recvNs: t, source: 'market_ws' as const, seq: ++seq, sub: 0, conn: 'c1', exchMs: null });

export function snapshot(t: bigint, assetId: string, bids: Level[], asks: Level[], tick: Px | null = px('0.01'), via: 'ws' | 'rest' = 'ws'): BookSnapshot {
  return { ...origin(t), type: 'book_snapshot', market: MARKET, assetId, bids, asks, tickSize: tick, minOrderSize: null, negRisk: null, lastTradePx: null, hash: null, via };
}
export function delta(t: bigint, changes: { assetId?: string; side: BookSide; px: string; qty: string }[]): BookDelta {
  return {
    ...origin(t), type: 'book_delta', market: MARKET,
    changes: changes.map((c) => ({ assetId: c.assetId ?? YES, side: c.side, px: px(c.px), qty: q(c.qty), hash: null, bestBid: null, bestAsk: null })),
  };
}
export function trade(t: bigint, p: string, size: string, takerSide: Side, assetId = YES): TradePrinted {
  return { ...origin(t), type: 'trade', market: MARKET, assetId, px: px(p), qty: q(size), takerSide, feeRateBps: null, txHash: null };
}
export function tickChange(t: bigint, oldTick: string, newTick: string, assetId = YES): TickSizeChanged {
  return { ...origin(t), type: 'tick_size_changed', market: MARKET, assetId, oldTick: px(oldTick), newTick: px(newTick) };
}
export function resolved(t: bigint): MarketResolved {
  return { ...origin(t), type: 'market_resolved', market: MARKET, assetIds: [YES, NO], winningAssetId: YES, winningOutcome: 'Yes' };
}
export function feedClosed(t: bigint): FeedState {
  return { ...origin(t), type: 'feed_state', state: 'close', detail: 'test' };
}

export interface OrderSpec {
  id: string;
  asset?: string;
  side: Side;
  tif?: TimeInForce;
  px: string;
  qty?: string;
  amount?: string;
  postOnly?: boolean;
  expireNs?: bigint;
}
export function order(s: OrderSpec): PlaceOrder {
  return {
    type: 'place', clientId: s.id, assetId: s.asset ?? YES, side: s.side, tif: s.tif ?? 'GTC', px: px(s.px),
    qty: s.qty !== undefined ? q(s.qty) : null, amount: s.amount !== undefined ? usd(s.amount) : null,
    postOnly: s.postOnly ?? false, expireNs: s.expireNs ?? null,
  };
}

export class Harness {
  readonly registry: BookRegistry;
  readonly ex: PaperExchange;
  readonly events: OrderEvent[] = [];
  /** Merge commands that reached the venue (the kernel applies them; the harness only records them). */
  readonly merges: MergeArrived[] = [];
  readonly metas = new Map<string, MarketMeta>();
  now: bigint = T0;

  constructor(cfg: Partial<FillEngineConfig> = {}, m: MarketMeta | null = meta()) {
    this.registry = new BookRegistry(m !== null ? [m] : []);
    if (m !== null) for (const t of m.tokens) this.metas.set(t.tokenId, m);
    const full: FillEngineConfig = {
      latency: constantLatency(0n), queue: conservativeQueue, fees: noFees, rng: seededRng(7), ...cfg,
    };
    this.ex = new PaperExchange(full, this.registry, (id) => this.metas.get(id), (id) => this.registry.pairOf(id));
  }

  /** Fires every engine timer due at or before t, then sets the clock to t. Returns the new events. */
  run(t: bigint): OrderEvent[] {
    const out: OrderEvent[] = [];
    for (;;) {
      const w = this.ex.nextWakeNs();
      if (w === null || w > t) break;
      for (const ev of this.ex.onTime(w)) {
        if (ev.type === 'merge_arrived') this.merges.push(ev);
        else out.push(ev);
      }
    }
    if (t > this.now) this.now = t;
    this.events.push(...out);
    return out;
  }

  /** Timers due <= ev time, the engine sees ev, the book applies it, the engine reacts. Returns timer + event output. */
  feed(ev: MarketEvent): OrderEvent[] {
    const out = this.run(ev.recvNs);
    this.ex.beforeMarketEvent(ev, ev.recvNs);
    this.registry.apply(ev);
    const more = this.ex.onMarketEvent(ev, ev.recvNs);
    this.events.push(...more);
    return [...out, ...more];
  }

  /** Submits at the current time and runs due timers (zero latency acts at once). */
  submit(cmd: Parameters<PaperExchange['submit']>[0], at: bigint = this.now): OrderEvent[] {
    if (at > this.now) this.run(at);
    const immediate = this.ex.submit(cmd, at);
    this.events.push(...immediate);
    return [...immediate, ...this.run(at)];
  }

  place(s: OrderSpec, at: bigint = this.now): OrderEvent[] {
    return this.submit(order(s), at);
  }

  fills(clientId?: string): OrderFilled[] {
    return this.events.filter((e): e is OrderFilled => e.type === 'order_filled' && (clientId === undefined || e.clientId === clientId));
  }
}

export const types = (evs: readonly OrderEvent[]): string[] => evs.map((e) => e.type);
export const sumQty = (fs: readonly OrderFilled[]): number => fs.reduce((a, f) => a + f.qty, 0);
