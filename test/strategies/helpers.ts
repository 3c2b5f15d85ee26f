/**
 * Test helpers for the bundled strategies: tiny synthetic markets, a script that writes market_ws
 * RawRecords in the real wire format, and a runner that drives a real TradingKernel.
 *
 * Wire format (PROTOCOL.md §1.5, as captured):
 * - `book`: keys market, asset_id, timestamp, hash, bids, asks, tick_size, last_trade_price, event_type;
 *   bids ascending and asks descending (best LAST). The script sends both tokens of a binary market in
 *   one array frame (YES then NO, the NO book mirrored), like the initial dump.
 * - `price_change`: current schema, `price_changes: [{asset_id, price, size, side, hash, best_bid, best_ask}]`
 *   with both legs of a binary market (the NO leg mirrored: BUY <-> SELL, 1 - price); best_bid/best_ask
 *   are the top of book after the change ("0" / "1" for an empty side), from a shadow copy of the book.
 * - `last_trade_price`, `market_resolved`, text `PONG` frames, and open/close records for the feed.
 * Records get strictly increasing seq and non-decreasing recvNs (the clock moves only through at/wait).
 */
import { TradingKernel } from '../../src/core/kernel/trading-kernel.ts';
import { conservativeQueue } from '../../src/core/matching/queue.ts';
import { constantLatency } from '../../src/core/matching/latency.ts';
import { polymarketFees, type FeeModel } from '../../src/core/matching/fees.ts';
import { defaultRiskLimits, type RiskLimits } from '../../src/core/risk/risk.ts';
import type { MarketMeta as StrategyMarketMeta, StrategyDefinition } from '../../src/core/strategy/api.ts';
import { px, qty as q, usd } from '../../src/core/strategy/units.ts';
import { PX_ONE, formatPx, type Cash, type Px, type Qty } from '../../src/core/types/fixed.ts';
import type { FeeSchedule, MarketMeta } from '../../src/core/types/market.ts';
import type { OrderEvent, OrderFilled } from '../../src/core/types/orders.ts';
import { rawRecord, type RawRecord } from '../../src/core/types/raw.ts';
import type { OrderRow } from '../../src/core/reports/journal.ts';

export const MS = 1_000_000n;
export const SEC = 1_000n * MS;
export const MIN = 60n * SEC;
/** 2026-05-28T...Z: in the uniform-fee era (fees only where the market says so). */
export const T0 = 1_780_000_000_000n * MS;

/** Exact values from text: the public API's own constructors (px('0.41'), q('10'), usd('12.5')). */
export { px, q, usd };

export const CRYPTO_FEES: FeeSchedule = { rate: '0.07', exponent: '1', takerOnly: true, rebateRate: '0.2' };

export interface MarketSpec {
  /** Small number that makes the ids unique. */
  readonly n: number;
  readonly endDate?: string | null;
  readonly fees?: FeeSchedule | null;
  readonly negRisk?: boolean;
  readonly eventSlug?: string | null;
  readonly tick?: string;
  readonly minSize?: string;
  readonly question?: string;
}

/** Token ids are decimal digit strings (as on the wire); condition ids 0x + 64 hex. */
export const yesId = (n: number): string => `${7_000_000 + n}0000000000000000000000000000000001`;
export const noId = (n: number): string => `${7_000_000 + n}0000000000000000000000000000000002`;
export const conditionId = (n: number): string => `0x${n.toString(16).padStart(64, 'c')}`;

/** A binary market's metadata (branded, as ctx.market shows it; the kernel's config takes it too). */
export function binaryMarket(s: MarketSpec): StrategyMarketMeta {
  return {
    conditionId: conditionId(s.n),
    id: String(s.n),
    slug: `test-market-${s.n}`,
    question: s.question ?? `Test market ${s.n}?`,
    tokens: [{ tokenId: yesId(s.n), outcome: 'Yes' }, { tokenId: noId(s.n), outcome: 'No' }],
    tickSize: px(s.tick ?? '0.01'),
    minOrderSize: q(s.minSize ?? '5'),
    negRisk: s.negRisk ?? false,
    feesEnabled: (s.fees ?? null) !== null,
    feeSchedule: s.fees ?? null,
    endDate: s.endDate ?? null,
    active: true,
    closed: false,
    acceptingOrders: true,
    eventSlug: s.eventSlug ?? null,
    tags: [],
  };
}

/** ns -> ISO-8601 (tests may use Date; strategies may not). */
export const isoOf = (ns: bigint): string => new Date(Number(ns / MS)).toISOString();

type Lv = readonly [price: string, size: string];

interface Shadow {
  readonly yes: string;
  readonly no: string;
  readonly market: string;
  /** YES-terms levels: px -> size text. */
  readonly bids: Map<Px, string>;
  readonly asks: Map<Px, string>;
}

const mirror = (p: string): string => formatPx(PX_ONE - px(p));
const sizeNum = (s: string): number => q(s);

/** Builds market_ws RawRecords in the real wire format. */
export class WireScript {
  readonly records: RawRecord[] = [];
  private seq = 0;
  private t: bigint;
  private conn = 'market_ws-1';
  private connNo = 1;
  private hashNo = 0;
  private readonly byToken = new Map<string, Shadow>();

  constructor(
    readonly markets: readonly MarketMeta[],
    readonly startNs: bigint = T0,
  ) {
    this.t = startNs;
    for (const m of markets) {
      if (m.tokens.length !== 2) continue;
      const sh: Shadow = { yes: m.tokens[0]!.tokenId, no: m.tokens[1]!.tokenId, market: m.conditionId, bids: new Map(), asks: new Map() };
      this.byToken.set(sh.yes, sh);
      this.byToken.set(sh.no, sh);
    }
    this.open();
  }

  get now(): bigint {
    return this.t;
  }

  /** Moves the clock to startNs + offset (never back). */
  at(offsetNs: bigint): this {
    const t = this.startNs + offsetNs;
    if (t < this.t) throw new Error('WireScript: time goes forward only');
    this.t = t;
    return this;
  }

  wait(ns: bigint): this {
    this.t += ns;
    return this;
  }

  private push(kind: RawRecord['kind'], payload: string, meta: RawRecord['meta'] = {}): this {
    this.records.push(rawRecord({ seq: ++this.seq, recvNs: this.t, source: 'market_ws', conn: this.conn, kind, meta, payload }));
    return this;
  }

  private frame(obj: unknown): this {
    return this.push('frame', JSON.stringify(obj));
  }

  private ms(): string {
    return (this.t / MS).toString();
  }

  private hash(): string {
    this.hashNo += 1;
    return this.hashNo.toString(16).padStart(40, '0');
  }

  private shadow(assetId: string): Shadow {
    const s = this.byToken.get(assetId);
    if (s === undefined) throw new Error(`WireScript: ${assetId} is not a token of a binary market in this script`);
    return s;
  }

  /** Connection open + subscribe (kind 'send'), as the recorder stores them. */
  open(): this {
    this.push('open', '', { url: 'wss://ws-subscriptions-clob.polymarket.com/ws/market', attempt: this.connNo });
    const assets = this.markets.flatMap((m) => m.tokens.map((t) => t.tokenId));
    return this.push('send', JSON.stringify({ assets_ids: assets, type: 'market', custom_feature_enabled: true }), { assets });
  }

  /** The server closes the connection (a feed loss). `reconnect` opens a new connection id. */
  close(): this {
    return this.push('close', '', { code: 1006, reason: 'abnormal closure' });
  }

  reconnect(): this {
    this.connNo += 1;
    this.conn = `market_ws-${this.connNo}`;
    return this.open();
  }

  /** A text PONG: proves the connection alive (keeps books fresh for risk). */
  pong(): this {
    return this.push('frame', 'PONG');
  }

  /** PONG every `every` from now until (not including) startNs + untilOffset: a quiet but live feed. */
  keepAlive(untilOffset: bigint, every: bigint = 30n * SEC): this {
    for (let t = this.t + every; t < this.startNs + untilOffset; t += every) {
      this.t = t;
      this.pong();
    }
    return this;
  }

  /**
   * Snapshot of a binary market, given in YES terms, best first: bids descending, asks ascending.
   * Sends [YES book, NO book] in one array frame, each in wire order (best last).
   */
  book(market: MarketMeta, bids: readonly Lv[], asks: readonly Lv[], opts: { tick?: string } = {}): this {
    const sh = this.shadow(market.tokens[0]!.tokenId);
    sh.bids.clear();
    sh.asks.clear();
    for (const [p, s] of bids) sh.bids.set(px(p), s);
    for (const [p, s] of asks) sh.asks.set(px(p), s);
    const tick = opts.tick ?? formatPx(market.tickSize ?? 100);
    const wire = (levels: readonly Lv[]) => [...levels].reverse().map(([price, size]) => ({ price, size }));
    const noBids: Lv[] = asks.map(([p, s]) => [mirror(p), s]);
    const noAsks: Lv[] = bids.map(([p, s]) => [mirror(p), s]);
    const one = (assetId: string, b: readonly Lv[], a: readonly Lv[]) => ({
      market: market.conditionId,
      asset_id: assetId,
      timestamp: this.ms(),
      hash: this.hash(),
      bids: wire(b),
      asks: wire(a),
      tick_size: tick,
      last_trade_price: '0.5',
      event_type: 'book',
    });
    return this.frame([one(sh.yes, bids, asks), one(sh.no, noBids, noAsks)]);
  }

  /**
   * One level set on `assetId` (side BUY = bid, SELL = ask; size = new total, '0' removes), sent as a
   * current-schema price_change with both legs of the binary market.
   */
  set(assetId: string, side: 'BUY' | 'SELL', price: string, size: string): this {
    return this.sets([{ assetId, side, price, size }]);
  }

  /** Several level sets in one price_change message. */
  sets(changes: readonly { assetId: string; side: 'BUY' | 'SELL'; price: string; size: string }[]): this {
    const out: Record<string, string>[] = [];
    let market: string | null = null;
    for (const c of changes) {
      const sh = this.shadow(c.assetId);
      market = sh.market;
      const isYes = c.assetId === sh.yes;
      // In YES terms: a NO bid at p is a YES ask at 1 - p.
      const yesSide = isYes ? c.side : c.side === 'BUY' ? 'SELL' : 'BUY';
      const yesPx = isYes ? px(c.price) : PX_ONE - px(c.price);
      const book = yesSide === 'BUY' ? sh.bids : sh.asks;
      if (sizeNum(c.size) === 0) book.delete(yesPx);
      else book.set(yesPx, c.size);
      const top = this.top(sh);
      const yesLeg = { asset_id: sh.yes, price: formatPx(yesPx), size: c.size, side: yesSide, hash: this.hash(), best_bid: top.yesBid, best_ask: top.yesAsk };
      const noLeg = {
        asset_id: sh.no, price: formatPx(PX_ONE - yesPx), size: c.size, side: yesSide === 'BUY' ? 'SELL' : 'BUY', hash: this.hash(),
        best_bid: top.noBid, best_ask: top.noAsk,
      };
      if (isYes) out.push(yesLeg, noLeg);
      else out.push(noLeg, yesLeg);
    }
    return this.frame({ market, price_changes: out, timestamp: this.ms(), event_type: 'price_change' });
  }

  private top(sh: Shadow): { yesBid: string; yesAsk: string; noBid: string; noAsk: string } {
    const bb = sh.bids.size > 0 ? Math.max(...sh.bids.keys()) : null;
    const ba = sh.asks.size > 0 ? Math.min(...sh.asks.keys()) : null;
    return {
      yesBid: bb === null ? '0' : formatPx(bb),
      yesAsk: ba === null ? '1' : formatPx(ba),
      noBid: ba === null ? '0' : formatPx(PX_ONE - ba),
      noAsk: bb === null ? '1' : formatPx(PX_ONE - bb),
    };
  }

  /** A `last_trade_price` print; side = taker side (SELL hits the bids of assetId). */
  trade(assetId: string, price: string, size: string, side: 'BUY' | 'SELL'): this {
    const sh = this.shadow(assetId);
    return this.frame({
      market: sh.market, asset_id: assetId, price, size, fee_rate_bps: '0', side, timestamp: this.ms(),
      event_type: 'last_trade_price', transaction_hash: `0x${this.hash()}`,
    });
  }

  /** `market_resolved`: `winner` 0 = tokens[0] (Yes), 1 = tokens[1]. */
  resolve(market: MarketMeta, winner: 0 | 1): this {
    const w = market.tokens[winner]!;
    return this.frame({
      event_type: 'market_resolved', id: market.id, market: market.conditionId, assets_ids: market.tokens.map((t) => t.tokenId),
      winning_asset_id: w.tokenId, winning_outcome: w.outcome, timestamp: this.ms(), tags: [],
    });
  }
}

export interface RunOptions {
  readonly strategy: StrategyDefinition;
  /** Raw parameter values (as from --param), validated by the strategy's schema. */
  readonly params?: Record<string, unknown>;
  readonly markets: readonly MarketMeta[];
  readonly initialCash?: Cash;
  readonly seed?: number;
  readonly risk?: Partial<RiskLimits>;
  readonly fees?: FeeModel;
  /** Entry and cancel latency of the paper exchange (default 0). */
  readonly latencyNs?: bigint;
  /** Most commands (orders, cancels, merges) the strategy may send in the run (default 20 000): a guard
   *  against a strategy that loops at one instant, which would otherwise hang the test. */
  readonly maxCommands?: number;
}

/** Wraps a strategy so that its context throws after `limit` commands (the kernel then stops it and records why). */
export function guarded(def: StrategyDefinition, limit: number): StrategyDefinition {
  return {
    ...def,
    create(ctx) {
      let n = 0;
      const count = (): void => {
        n += 1;
        if (n > limit) throw new Error(`runaway strategy: more than ${limit} commands (last at ${ctx.now()} ns)`);
      };
      return def.create({
        ...ctx,
        buy: (s) => (count(), ctx.buy(s)),
        sell: (s) => (count(), ctx.sell(s)),
        marketBuy: (s) => (count(), ctx.marketBuy(s)),
        marketSell: (s) => (count(), ctx.marketSell(s)),
        cancel: (id) => (count(), ctx.cancel(id)),
        cancelAll: (f) => (count(), ctx.cancelAll(f)),
        merge: (m, qty) => (count(), ctx.merge(m, qty)),
      });
    },
  };
}

export interface LogLine {
  readonly tsNs: bigint;
  readonly level: 'info' | 'warn';
  readonly msg: string;
  readonly fields?: Record<string, unknown>;
}

/** A real TradingKernel with a zero-latency, conservative-queue paper exchange, fed record by record. */
export class StrategyRun {
  readonly kernel: TradingKernel;
  readonly logs: LogLine[] = [];
  private fed = 0;

  constructor(o: RunOptions, private readonly records: readonly RawRecord[] = []) {
    this.kernel = new TradingKernel({
      strategy: guarded(o.strategy, o.maxCommands ?? 20_000),
      params: o.strategy.params.parse(o.params ?? {}),
      markets: o.markets,
      initialCash: o.initialCash ?? usd('1000'),
      seed: o.seed ?? 42,
      risk: { ...defaultRiskLimits, ...o.risk },
      fill: { latency: constantLatency(o.latencyNs ?? 0n), queue: conservativeQueue, fees: o.fees ?? polymarketFees() },
      equityIntervalNs: MIN,
      logSink: (line) => this.logs.push(line),
    });
  }

  /** Feeds every remaining record stamped at or before t, then lets time reach t (timers, order arrivals). */
  feedTo(t: bigint): this {
    while (this.fed < this.records.length && this.records[this.fed]!.recvNs <= t) this.kernel.onRecord(this.records[this.fed++]!);
    if (this.fed > 0) this.kernel.advanceTo(t);
    return this.checked();
  }

  /** Feeds everything and finishes the run (at endNs when given). */
  finish(endNs?: bigint): this {
    while (this.fed < this.records.length) this.kernel.onRecord(this.records[this.fed++]!);
    this.kernel.finish(endNs);
    return this.checked();
  }

  /** The kernel stops a strategy whose hook throws and carries on; a test must not. */
  private checked(): this {
    const f = this.kernel.journal.strategyFailure;
    if (f !== null) throw new Error(`strategy failed in ${f.hook} at ${f.tsNs}: ${f.message}`);
    return this;
  }

  get journal() {
    return this.kernel.journal;
  }

  /** Orders in creation order. */
  orders(): OrderRow[] {
    return [...this.kernel.journal.orders.values()];
  }

  fills(): OrderFilled[] {
    return this.kernel.journal.fills;
  }

  events<T extends OrderEvent['type']>(type: T): Extract<OrderEvent, { type: T }>[] {
    return this.kernel.journal.events.filter((e): e is Extract<OrderEvent, { type: T }> => e.type === type);
  }

  openOrders() {
    return this.kernel.exchange.openOrders();
  }

  position(assetId: string): Qty {
    return this.kernel.portfolio.position(assetId)?.qty ?? 0;
  }

  cash(): Cash {
    return this.kernel.portfolio.cash();
  }
}

/** Runs a whole script through a fresh kernel; the run ends at endNs (default: one second after the script's last record). */
export function runScript(o: RunOptions, script: WireScript, endNs: bigint = script.now + SEC): StrategyRun {
  return new StrategyRun(o, script.records).finish(endNs);
}
