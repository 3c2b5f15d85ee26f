/**
 * TradingKernel: the one pipeline that replay and live share.
 *
 *   raw record -> normalizer -> books -> market registry (freshness) -> paper exchange -> portfolio -> strategy hooks
 *   strategy commands -> checks (command-check.ts) -> risk check -> paper exchange (after latency) -> order
 *   events -> portfolio -> strategy
 *
 * Ordering: the bus (src/core/bus.ts) owns the clock, the timers and the total order; raw records are its
 * data items (key: recvNs, source rank, seq), order events its derived events. On top of the bus rule:
 * 1. `onRecord(r)` fires every timer due at or before r.recvNs first (timers due at t fire before data
 *    at t), then handles r's normalized events in their order within the record (sub 0, 1, ...).
 * 0. One MarketRegistry (src/core/markets/registry.ts) owns markets, YES/NO pairs, canonical tokens, book
 *    freshness and the book-vs-venue checks; the books, risk, the paper exchange and the portfolio are built
 *    on it and read it, none keeps a copy.
 * 2. For one market event: data-quality counters, market metadata (into the registry), the paper exchange's
 *    look at the sizes before the change (beforeMarketEvent: print attribution), books, the registry's
 *    book freshness (once, read by risk and the exchange alike), paper exchange
 *    (fills of resting orders on this event), portfolio (settlement), then strategy hooks: onBook once
 *    per changed token in the order the book registry reports them, then the event-specific hook.
 * 3. Order events update the journal and the portfolio at once (so the next command sees them), and reach
 *    the strategy as the bus's derived events: after the current unit, FIFO. A strategy is never
 *    re-entered from inside its own call.
 * 4. The paper exchange's next wake-up (order arrival after latency, cancel arrival, GTD expiry) is a
 *    kernel timer, re-armed after every step, so latency is simulated on the same clock.
 * 4a. ctx.merge is a command like an order: it travels the paper exchange's command path (latency, in
 *    submission order) and is checked (risk: both legs held beyond the SELL orders already at the venue)
 *    and applied to the portfolio when it ARRIVES, in order after the fills before it. Until then its
 *    shares are promised: a SELL that would need them is denied.
 * 5. Equity is sampled on a fixed clock grid (`equityIntervalNs`) by timers, never by data arrival, so
 *    the equity series does not depend on replay speed; daily-loss risk is checked at each sample and
 *    after each fill.
 * 6. Reports and economics observe, never decide: after the books apply an event, every changed token's top of
 *    book goes to the bounded price series (reports/series.ts) and the venue's stated top is checked against
 *    ours (reports/observe.ts); feed breaks go to the quality timeline; prints, our fills, resolutions and
 *    locked capital go to the EconomicsTracker (economics/index.ts), whose reward sampler runs on a minute
 *    timer only when some market has reward terms.
 * The kernel never reads the wall clock: live mode feeds it wall-stamped records and advances it from a
 * wall-clock timer driver; replay feeds recorded records. Same inputs, same outputs, byte for byte.
 */
import { BookRegistry } from '../book/index.ts';
import { MarketRegistry } from '../markets/registry.ts';
import { Kernel } from '../bus.ts';
import type { Timer } from '../timers.ts';
import { PaperExchange, type FillEngineConfig } from '../matching/index.ts';
import { takerFee } from '../matching/fees.ts';
import { normalizeRecord } from '../normalize/index.ts';
import { OutageTracker, type Outage } from '../outages.ts';
import { EconomicsTracker, type RewardsTerms } from '../economics/index.ts';
import { Portfolio } from '../portfolio/portfolio.ts';
import { RunJournal } from '../reports/journal.ts';
import { observeBooks } from '../reports/observe.ts';
import { QualityTimeline } from '../reports/quality-timeline.ts';
import { TopOfBookRecorder } from '../reports/series.ts';
import { RiskEngine, type RiskContext, type RiskLimits, type RiskOpenOrder } from '../risk/risk.ts';
import { seededRng, type Rng } from '../rng.ts';
import { checkCancel, checkCancelAll, checkLimitSpec, checkMarketSpec, checkMerge, checkPx, checkQty, readablePlace, shown } from './command-check.ts';
import { brandBook, brandCash, brandLevels, brandMeta, brandMetas, brandPosition, brandPx, brandQty, type KernelHooks } from '../strategy/surface.ts';
import type { BookView, LimitOrderSpec, MarketBuySpec, MarketSellSpec, OpenOrderInfo, PositionInfo, StrategyContext, StrategyDefinition, TimerInfo } from '../strategy/api.ts';
import type { BookReader } from '../book/reader.ts';
import { D, PX_ONE, type Cash, type Px, type Qty } from '../types/fixed.ts';
import type { FeedState, MarketEvent } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';
import type { CancelAll, MergeArrived, MergePositions, OrderCommand, OrderEvent, PlaceOrder, VenueEvent } from '../types/orders.ts';
import type { RawRecord } from '../types/raw.ts';

export interface KernelConfig {
  readonly strategy: StrategyDefinition;
  /** Already validated against strategy.params. */
  readonly params: unknown;
  readonly markets: readonly MarketMeta[];
  readonly initialCash: Cash;
  readonly seed: number;
  readonly risk: RiskLimits;
  readonly fill: Omit<FillEngineConfig, 'rng'>;
  readonly equityIntervalNs: bigint;
  /** Liquidity-reward terms by condition id (--rewards FILE); metadata supplies the rest. */
  readonly rewards?: ReadonlyMap<string, RewardsTerms>;
  /** Keep every order event in journal.events (default true; the CLI turns it off: reports do not need it). */
  readonly keepEventLog?: boolean;
  /** Where strategy log lines go (the engine writes them to strategy.log.jsonl / stderr). */
  readonly logSink?: (line: StrategyLogLine) => void;
}

/** One ctx.log line: virtual time, the seq of the last raw record the kernel had taken (null before the first). */
export interface StrategyLogLine {
  readonly tsNs: bigint;
  readonly seq: number | null;
  readonly level: 'info' | 'warn';
  readonly msg: string;
  readonly fields?: Record<string, unknown>;
}

export interface DataQuality {
  records: number;
  events: number;
  /** Events per type, keys in order of first sight (a fresh object per read). */
  readonly byType: Record<string, number>;
  normalizationErrors: number;
  errorsByReason: Record<string, number>;
  /** Outages of data connections, one per connection that went down (src/core/outages.ts): error+close of one stale connection is 1, our own clean stop 0, a crashed recorder session 1 per connection it left open. */
  disconnects: number;
  /** Connection opens that were redials (attempt > 1) of a data connection. */
  reconnects: number;
  crossedBooks: number;
  /** Times the venue's stated best bid / ask disagreed with our book right after its update (observe.ts; counted by the market registry). */
  readonly bookMismatches: number;
  /** Times the two tokens of a binary market disagreed (market registry, from the books' checks). */
  readonly mirrorMismatches: number;
  /** Markets whose tokens were already paired otherwise (market registry; the first pairing stays). */
  readonly pairConflicts: number;
  firstRecvNs: bigint | null;
  lastRecvNs: bigint | null;
}

/** Commands one strategy may send at a single clock instant before it is stopped as runaway. */
export const MAX_COMMANDS_PER_INSTANT = 10_000;

type TimerPayload = { kind: 'strategy'; name: string } | { kind: 'exchange' } | { kind: 'equity' } | { kind: 'rewards' };

type BusItem = { readonly kind: 'raw'; readonly raw: RawRecord; readonly events: readonly MarketEvent[] | null } | { readonly kind: 'order'; readonly ev: OrderEvent } | { readonly kind: 'finish' };

function nsArg(call: string, field: string, v: unknown): bigint {
  if (typeof v !== 'bigint') throw new TypeError(`ctx.${call}: ${field} ${shown(v)}${typeof v === 'number' ? ' (a number)' : ''} must be a bigint of nanoseconds, e.g. 5_000_000_000n for 5 s`);
  return v;
}

export class TradingKernel {
  readonly journal: RunJournal;
  /** The one owner of markets, pairs, canonical tokens, book freshness and the book-vs-venue checks. */
  readonly markets = new MarketRegistry();
  readonly books = new BookRegistry(this.markets);
  readonly portfolio: Portfolio;
  readonly risk: RiskEngine;
  readonly exchange: PaperExchange;
  /** Events per type (hot path: a counter per type, not a string-keyed property store per event): names in order of first sight. */
  private readonly typeNames: string[] = [];
  private readonly typeCounts: number[] = [];
  private lastType = -1;

  readonly quality: DataQuality = ((markets: MarketRegistry, names: string[], counts: number[]) => ({
    records: 0,
    events: 0,
    // built when read, keys in order of first sight (as the per-event property writes made it)
    get byType(): Record<string, number> {
      const o: Record<string, number> = {};
      for (let i = 0; i < names.length; i++) o[names[i]!] = counts[i]!;
      return o;
    },
    normalizationErrors: 0,
    errorsByReason: {},
    disconnects: 0,
    reconnects: 0,
    crossedBooks: 0,
    // the book-vs-venue checks are the market registry's: read, never copied
    get bookMismatches() {
      return markets.checks.topMismatches;
    },
    get mirrorMismatches() {
      return markets.checks.mirrorMismatches;
    },
    get pairConflicts() {
      return markets.checks.pairConflicts;
    },
    firstRecvNs: null,
    lastRecvNs: null,
  }))(this.markets, this.typeNames, this.typeCounts);

  /** Bounded top-of-book series per token (price panel). */
  readonly tops = new TopOfBookRecorder();
  /** Data-quality events on the time axis. */
  readonly timeline = new QualityTimeline();
  readonly economics: EconomicsTracker;

  private bus: Kernel<BusItem, TimerPayload> | null = null;
  private rewardsTimer = false;
  private finished = false;
  private exchangeTimer: { id: number; atNs: bigint } | null = null;
  private readonly hooks: KernelHooks;
  private strategyStopped = false;
  private lastSeq: number | null = null;
  private inHook = false;
  private orderSeq = 0;
  private mergeSeq = 0;
  private stormNs = -1n;
  private stormCount = 0;
  private readonly rng: Rng;
  private readonly outages = new OutageTracker();

  constructor(private readonly config: KernelConfig) {
    this.journal = new RunJournal(config.keepEventLog ?? true);
    const master = seededRng(config.seed);
    this.rng = master.fork();
    for (const m of config.markets) this.addMarket(m);
    this.portfolio = new Portfolio({ initialCash: config.initialCash, markets: (id) => this.markets.market(id) });
    this.economics = new EconomicsTracker({ fees: config.fill.fees, market: (id) => this.market(id), ...(config.rewards !== undefined ? { rewards: config.rewards } : {}) });
    for (const m of config.markets) this.economics.addMarket(m);
    this.risk = new RiskEngine(config.risk, this.markets);
    // the book registry itself (not a lookup function): the exchange then reads books by token handle per event
    this.exchange = new PaperExchange({ ...config.fill, rng: master.fork() }, this.books, this.markets);
    this.hooks = config.strategy.create(this.makeContext());
  }

  now(): bigint {
    return this.bus?.now() ?? 0n;
  }

  /** Earliest pending timer, for the live timer driver. */
  nextDueNs(): bigint | null {
    return this.bus?.nextDueNs() ?? null;
  }

  /** Feeds one raw record (replay: from the recording; live: as received). Records must come in recorded order. */
  onRecord(raw: RawRecord): void {
    if (this.finished) throw new Error('TradingKernel: record after finish()');
    (this.bus ?? this.start(raw.recvNs)).push({ kind: 'raw', raw, events: null });
  }

  /**
   * Feeds one record whose events were already normalized (the tape, src/tape/): `events` must be exactly
   * `normalizeRecord(raw)`. The record's header fields (seq, recvNs, source, conn, kind, meta) are read as
   * onRecord reads them; its payload only by the outage rule (src/core/outages.ts), so a JSON data frame's
   * payload may be elided to '{}'. After normalization both entries run the same code.
   */
  onNormalized(raw: RawRecord, events: readonly MarketEvent[]): void {
    if (this.finished) throw new Error('TradingKernel: record after finish()');
    const bus = this.bus ?? this.start(raw.recvNs);
    // one reused bus item (hot path): a data item is dispatched at once, never queued, and the bus has no compare
    const item = this.rawItem;
    item.raw = raw;
    item.events = events;
    try {
      bus.push(item);
    } finally {
      item.events = null;
    }
  }

  private readonly rawItem: { kind: 'raw'; raw: RawRecord; events: readonly MarketEvent[] | null } = { kind: 'raw', raw: null as unknown as RawRecord, events: null };

  /** Fires every timer due at or before t and moves the clock to t (end of data; live wake-ups). */
  advanceTo(t: bigint): void {
    this.bus?.advanceTo(t);
  }

  /**
   * Cancels every open paper order from outside the strategy (live shutdown): a cancel_all through the
   * paper exchange at the clock, like a risk halt's. The cancels arrive after the cancel latency, as kernel
   * timers: advance the clock past exchange.nextWakeNs() to apply them. No-op before the first record or
   * after finish().
   */
  cancelAllOrders(): void {
    if (this.bus === null || this.finished) return;
    this.deliver(this.exchange.submit({ type: 'cancel_all', market: null, assetId: null }, this.clockNs));
    this.armExchangeTimer();
  }

  /** Ends the run at endNs (default: the last record's time): final equity sample, onStop. */
  finish(endNs?: bigint): void {
    if (this.finished) return;
    const bus = this.bus;
    this.finished = true;
    if (bus === null) return;
    const end = endNs ?? bus.now();
    bus.advanceTo(end < bus.now() ? bus.now() : end);
    this.timeline.finish(bus.now());
    // the final steps run as one derived unit, after every pending order event has reached the strategy
    bus.emit({ kind: 'finish' });
  }

  /** A market the live feed learned about outside the records (series round, newly listed market); known ones are kept. */
  learnMarket(meta: MarketMeta): void {
    if (!this.markets.hasCondition(meta.conditionId)) this.addMarket(meta);
  }

  market(id: string): MarketMeta | undefined {
    return this.markets.market(id);
  }

  allMarkets(): MarketMeta[] {
    return this.markets.all();
  }

  /** Mark of a token for P&L: the book's mid, exact (may be a half tick); null when no two-sided book. */
  markOf(assetId: string): D | null {
    return this.books.book(assetId)?.midDollars() ?? null;
  }

  /** The book's mid now, else the mid of the token's last two-sided top of book (null when it never had one). */
  lastMid(assetId: string): D | null {
    const m = this.markOf(assetId);
    if (m !== null) return m;
    const t = this.tops.get(assetId)?.lastTwoSided();
    return t == null || t.bid === null || t.ask === null ? null : new D(t.bid + t.ask).div(2 * PX_ONE);
  }

  // ---------------------------------------------------------------------------------------------

  private start(t: bigint): Kernel<BusItem, TimerPayload> {
    const bus = new Kernel<BusItem, TimerPayload>({ startNs: t, tsOf: (item) => (item.kind === 'raw' ? item.raw.recvNs : 0n) });
    this.bus = bus;
    bus.onEvent((item) => {
      if (item.kind === 'raw') this.onRaw(item.raw, item.events);
      else if (item.kind === 'order') this.onOrderEvent(item.ev);
      else this.onFinish();
    });
    bus.onTimer((timer) => this.onTimer(timer));
    bus.schedule(t, 'equity', { kind: 'equity' });
    this.economics.start(t);
    this.armRewardsTimer(t);
    this.callHook('onStart', this.hooks.onStart, undefined, undefined);
    return bus;
  }

  private get clockNs(): bigint {
    return this.bus!.now();
  }

  private onRaw(raw: RawRecord, normalized: readonly MarketEvent[] | null): void {
    const q = this.quality;
    q.records += 1;
    q.firstRecvNs ??= raw.recvNs;
    q.lastRecvNs = raw.recvNs;
    this.lastSeq = raw.seq;
    // one outage = one disconnect (src/core/outages.ts); a crashed recorder session is a feed loss too
    const outages = this.outages.observe(raw); // usually the shared empty answer (indexed loop: no iterator per record)
    for (let i = 0; i < outages.length; i++) {
      const o = outages[i]!;
      q.disconnects += 1;
      this.timeline.disconnect(this.clockNs, o.source, `${o.cause}: ${o.detail}`);
      if (o.cause === 'crash') this.onEvent(crashFeedLoss(o, raw));
    }
    const events = normalized ?? normalizeRecord(raw);
    for (let i = 0; i < events.length; i++) this.onEvent(events[i]!);
    this.armExchangeTimer();
  }

  private addMarket(meta: MarketMeta): void {
    this.markets.add(meta);
    this.books.addMarket(meta);
  }

  private onEvent(ev: MarketEvent): void {
    const q = this.quality;
    q.events += 1;
    this.countType(ev.type);
    switch (ev.type) {
      case 'normalization_error':
        q.normalizationErrors += 1;
        q.errorsByReason[ev.reason] = (q.errorsByReason[ev.reason] ?? 0) + 1;
        this.timeline.add(this.clockNs, 'normalization_error', ev.source, ev.reason);
        return;
      case 'feed_state':
        if ((ev.source === 'market_ws' || ev.source === 'rtds_ws' || ev.source === 'user_ws') && ev.state === 'open') {
          if ((ev.attempt ?? 1) > 1) q.reconnects += 1;
          this.timeline.opened(this.clockNs, ev.source, (ev.attempt ?? 1) > 1);
        }
        break;
      case 'market_meta':
        if (!this.markets.hasCondition(ev.meta.conditionId)) this.addMarket(ev.meta);
        break;
      default:
        break;
    }
    // the marks before a resolution are what mark-to-market last said (the books may change with it)
    if (ev.type === 'market_resolved') this.economics.beforeSettle(ev, this.clockNs, this.portfolio.positions(), (id) => this.lastMid(id));
    const t = this.clockNs;
    // the event's token legs as handles, resolved once (the only string-keyed lookups of the event) and
    // read by the exchange, the books, the reports and the freshness (arrays by handle; hot path)
    const legs = this.legs;
    this.markets.legs(ev, legs);
    this.exchange.beforeMarketEvent(ev, t, legs);
    const books = this.books;
    const nChanged = books.applyLegs(ev, legs);
    // the changed tokens (the books' scratch, valid until the next apply, which no hook can reach) and their
    // views, looked up once for the checks, the reports and the hooks below (a view is fixed once apply
    // returned: only apply re-routes books)
    const changed = books.changedIds;
    const changedH = books.changedHandles;
    const views = this.views; // slots [0, nChanged) are this event's (no length writes: hot path)
    for (let i = 0; i < nChanged; i++) {
      const id = changed[i]!;
      const v = books.bookAt(changedH[i]!);
      views[i] = v;
      if (v?.isCrossed() === true) {
        q.crossedBooks += 1;
        this.timeline.add(t, 'crossed_book', id, 'best bid >= best ask after an update');
      }
    }
    const mismatches = observeBooks(ev, nChanged, changed, changedH, views, legs, books, t, this.tops, this.timeline);
    if (mismatches !== 0) this.markets.noteTopMismatch(mismatches);
    // book freshness, once, for risk and the paper exchange alike
    this.markets.onBookEvent(ev, this.bookOf, legs);
    this.economics.onMarketEvent(ev, t);
    if (ev.type === 'market_meta') this.armRewardsTimer(t);
    const fills = this.exchange.onMarketEvent(ev, t, legs);
    if (fills.length !== 0) this.deliver(fills);
    if (ev.type === 'market_resolved') this.deliver(this.portfolio.settle(ev, t));
    if (this.strategyStopped) return;
    // hooks are called without a closure per call (hot path); `this` is the hooks object, as a method call
    const hooks = this.hooks;
    for (let i = 0; i < nChanged; i++) {
      const view = views[i];
      if (view !== undefined) this.callHook('onBook', hooks.onBook, changed[i]!, brandBook(view));
    }
    switch (ev.type) {
      case 'trade':
        this.callHook('onTrade', hooks.onTrade, ev, undefined);
        break;
      case 'best_bid_ask':
        this.callHook('onBestBidAsk', hooks.onBestBidAsk, ev, undefined);
        break;
      case 'tick_size_changed':
        this.callHook('onTickSize', hooks.onTickSize, ev, undefined);
        break;
      case 'market_meta':
        this.callHook('onMarket', hooks.onMarket, ev, undefined);
        break;
      case 'market_resolved':
        this.callHook('onResolved', hooks.onResolved, ev, undefined);
        break;
      case 'reference_price':
        this.callHook('onReferencePrice', hooks.onReferencePrice, ev, undefined);
        break;
      case 'feed_state':
        this.callHook('onFeed', hooks.onFeed, ev, undefined);
        break;
      default:
        break;
    }
  }

  private countType(type: string): void {
    const names = this.typeNames;
    let i = this.lastType;
    if (i < 0 || names[i] !== type) {
      i = names.indexOf(type);
      if (i < 0) {
        i = names.length;
        names.push(type);
        this.typeCounts.push(0);
      }
      this.lastType = i;
    }
    this.typeCounts[i]!++;
  }

  /** Scratch of onEvent: the current event's leg handles, and the views of the tokens it changed. */
  private readonly legs: number[] = [];
  private readonly views: (BookReader | undefined)[] = [];

  /** The books' lookup as a function, made once (passed on every event). */
  private readonly bookOf = (id: string): BookReader | undefined => this.books.book(id);

  private onTimer(timer: Timer<TimerPayload>): void {
    const { id, name, dueNs: atNs, payload } = timer;
    if (payload === undefined) return;
    switch (payload.kind) {
      case 'exchange':
        if (this.exchangeTimer?.id === id) this.exchangeTimer = null;
        this.deliver(this.exchange.onTime(atNs));
        break;
      case 'equity': {
        this.sampleEquity(atNs);
        const next = atNs + this.config.equityIntervalNs;
        this.bus!.schedule(next, 'equity', { kind: 'equity' });
        break;
      }
      case 'rewards':
        this.economics.sampleRewards(atNs, this.exchange.openOrders(), (id) => this.books.book(id));
        this.bus!.schedule(atNs + 60_000_000_000n, 'rewards', { kind: 'rewards' });
        break;
      case 'strategy': {
        if (this.strategyStopped) break;
        const info: TimerInfo = { id, name, atNs };
        this.callHook('onTimer', this.hooks.onTimer, info, undefined);
        break;
      }
    }
    this.armExchangeTimer();
  }

  /** Starts the minute reward sampler once some market has reward terms (never otherwise). */
  private armRewardsTimer(t: bigint): void {
    if (this.rewardsTimer || this.bus === null || !this.economics.hasRewards()) return;
    this.rewardsTimer = true;
    this.bus.schedule(EconomicsTracker.nextSampleNs(t), 'rewards', { kind: 'rewards' });
  }

  private armExchangeTimer(): void {
    const wake = this.exchange.nextWakeNs();
    if (wake === null) {
      if (this.exchangeTimer !== null) this.bus!.cancel(this.exchangeTimer.id);
      this.exchangeTimer = null;
      return;
    }
    const bus = this.bus!;
    if (this.exchangeTimer !== null) {
      if (this.exchangeTimer.atNs === wake) return;
      bus.cancel(this.exchangeTimer.id);
    }
    this.exchangeTimer = { id: bus.schedule(wake, 'exchange', { kind: 'exchange' }), atNs: wake };
  }

  private sampleEquity(tsNs: bigint): void {
    const marks = (assetId: string): D | null => this.markOf(assetId);
    const cash = this.portfolio.cash();
    const equity = this.portfolio.equity(marks);
    const totals = this.portfolio.totals();
    const unrealized = this.portfolio.unrealized(marks);
    let exposure = 0n;
    for (const p of this.portfolio.positions()) {
      const m = marks(p.assetId);
      if (m !== null && p.qty > 0) exposure += BigInt(m.mul(p.qty).mul(PX_ONE).toFixed(0));
    }
    this.journal.equity.push({
      tsNs,
      cash,
      positionsValue: equity - cash,
      equity,
      // everything realized, so that equity - initial cash = realized + unrealized exactly
      realized: totals.realizedTrading + totals.merges.pnl + totals.settlement + totals.rebates,
      unrealized,
      fees: totals.fees,
      exposure,
    });
    this.checkDailyLoss(tsNs, equity);
  }

  private checkDailyLoss(tsNs: bigint, equity: Cash): void {
    const halt = this.risk.onEquity(tsNs, equity);
    if (halt !== null) this.halt(halt);
  }

  private halt(ev: OrderEvent): void {
    this.deliver([ev]);
    this.deliver(this.exchange.submit({ type: 'cancel_all', market: null, assetId: null }, this.clockNs));
  }

  /** Records order events and applies fills to the portfolio now; the strategy hears of them as derived events. */
  private deliver(events: readonly VenueEvent[]): void {
    let filled = false;
    // settlements of one resolution arrive already applied: cash after each = final cash - the later ones
    let laterSettled = 0n;
    for (const ev of events) if (ev.type === 'position_settled') laterSettled += ev.cash;
    for (const venue of events) {
      // a merge that reached the venue is checked and applied here, in order after the fills before it
      const ev = venue.type === 'merge_arrived' ? this.mergeArrived(venue) : venue;
      this.journal.record(ev);
      if (ev.type === 'order_filled') {
        this.portfolio.onFill(ev);
        this.economics.onFill(ev);
        filled = true;
      }
      if (ev.type === 'order_filled' || ev.type === 'positions_merged' || ev.type === 'position_settled') {
        if (ev.type === 'position_settled') laterSettled -= ev.cash;
        this.journal.recordLedger(ev, this.ledgerSource, this.portfolio.cash() - laterSettled);
        let locked = 0n;
        for (const p of this.portfolio.openPositions()) locked += p.costBasis;
        this.economics.onLocked(ev.tsNs, locked);
      }
      this.bus!.emit({ kind: 'order', ev });
    }
    // a fill can breach the daily loss between equity samples
    if (filled && this.config.risk.maxDailyLoss !== null && !this.risk.halted) {
      this.checkDailyLoss(this.clockNs, this.portfolio.equity((assetId) => this.markOf(assetId)));
    }
  }

  /** A merge at the venue: checked against the positions and the SELL orders already there, then applied. */
  private mergeArrived(ev: MergeArrived): OrderEvent {
    const cmd = ev.cmd;
    const ctx = this.riskContext(this.exchange.openOrders().filter((o) => o.state !== 'in_flight'));
    const denied = this.risk.check(cmd, ctx, ev.tsNs);
    if (denied !== null) return denied;
    const r = this.portfolio.merge(cmd.market, cmd.qty, ev.tsNs);
    if ('error' in r) return { type: 'order_denied', tsNs: ev.tsNs, clientId: cmd.clientId, command: 'merge', rule: 'insufficient_position', reason: r.error };
    return { ...r, clientId: cmd.clientId };
  }

  private readonly ledgerSource = {
    positionQty: (assetId: string): Qty => this.portfolio.position(assetId)?.qty ?? 0,
    legsOf: (market: string): readonly [string, string] | undefined => {
      const t = this.markets.hasCondition(market) ? this.markets.market(market)?.tokens : undefined;
      return t !== undefined && t.length === 2 ? [t[0]!.tokenId, t[1]!.tokenId] : undefined;
    },
  };

  private onFinish(): void {
    this.callHook('onStop', this.hooks.onStop, undefined, undefined);
    this.sampleEquity(this.clockNs);
  }

  private onOrderEvent(ev: OrderEvent): void {
    if (ev.type === 'order_filled') this.callHook('onFill', this.hooks.onFill, ev, undefined);
    this.callHook('onOrder', this.hooks.onOrder, ev, undefined);
  }

  /**
   * Runs a strategy hook as a method of the hooks object (`this` = hooks), without a closure per call (hot
   * path): a throw stops the strategy (stopStrategy), and once the outermost hook returns the exchange timer
   * is re-armed, also when the strategy has no such hook. Hooks of fewer parameters ignore the extra ones.
   */
  private callHook<A, B>(hook: string, f: ((a: A, b: B) => void) | undefined, a: A, b: B): void {
    if (this.strategyStopped) return;
    if (f === undefined) {
      if (!this.inHook) this.armExchangeTimer();
      return;
    }
    const outer = this.inHook;
    this.inHook = true;
    try {
      f.call(this.hooks, a, b);
    } catch (err) {
      this.stopStrategy(hook, err);
    } finally {
      this.inHook = outer;
    }
    if (!outer) this.armExchangeTimer();
  }

  private stopStrategy(hook: string, err: unknown): void {
    this.strategyStopped = true;
    const message = err instanceof Error ? err.message : String(err);
    const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : undefined;
    this.journal.strategyFailure = stack === undefined ? { tsNs: this.clockNs, hook, message } : { tsNs: this.clockNs, hook, message, stack };
    this.deliver(this.exchange.submit({ type: 'cancel_all', market: null, assetId: null }, this.clockNs));
  }

  /** Counts a strategy command at clock t; throws (stopping the strategy) on a runaway storm at one instant. */
  private countCommand(t: bigint): void {
    if (t === this.stormNs) {
      this.stormCount += 1;
      if (this.stormCount > MAX_COMMANDS_PER_INSTANT) {
        // a strategy re-sending a refused order from onOrder at one instant would otherwise loop forever
        throw new Error(`more than ${MAX_COMMANDS_PER_INSTANT} commands at one instant (${t}): is a hook re-sending a refused order?`);
      }
    } else {
      this.stormNs = t;
      this.stormCount = 1;
    }
  }

  /** Risk check, then the paper exchange. A denial is an event, never a throw. */
  private command(cmd: OrderCommand): void {
    const t = this.clockNs;
    if (this.strategyStopped) return;
    this.countCommand(t);
    if (cmd.type === 'place') this.journal.orderCreated(cmd, t);
    if (cmd.type === 'merge') {
      // checked against the positions when it arrives (mergeArrived), not now
      this.journal.mergeCreated(cmd, t);
      this.deliver(this.exchange.submit(cmd, t));
      return;
    }
    const denied = this.risk.check(cmd, this.riskContext(), t);
    if (denied !== null) {
      this.deliver([denied]);
      return;
    }
    this.deliver(this.exchange.submit(cmd, t));
  }

  private riskContext(openOrders: readonly RiskOpenOrder[] | null = null): RiskView {
    return new RiskView(this.portfolio, this.exchange, this.markets, this.books, openOrders);
  }

  private liveBus(what: string): Kernel<BusItem, TimerPayload> {
    if (this.bus === null) throw new Error(`ctx.${what}() called before the run started: call it from onStart or a later hook, not from create()`);
    return this.bus;
  }

  private nextClientId(): string {
    this.orderSeq += 1;
    return `o${this.orderSeq.toString().padStart(6, '0')}`;
  }

  private place(side: 'BUY' | 'SELL', spec: LimitOrderSpec): string {
    const clientId = this.nextClientId();
    const problem = checkLimitSpec(side === 'BUY' ? 'buy' : 'sell', spec);
    if (problem !== null) {
      this.refuse(readablePlace(clientId, side, spec, false), 'invalid_order', problem);
      return clientId;
    }
    this.command({
      type: 'place',
      clientId,
      assetId: spec.assetId,
      side,
      tif: spec.tif ?? 'GTC',
      px: spec.px,
      qty: spec.qty,
      amount: null,
      postOnly: spec.postOnly ?? false,
      expireNs: spec.expireNs ?? null,
    });
    return clientId;
  }

  /**
   * A market order: without `worstPx` it is priced the way Polymarket's client prices it (walk the book to
   * the level that fills the size; see PaperExchange.quoteMarketable). A FOK the book cannot fill is
   * refused here, as the client refuses to send it ('no_match').
   */
  private marketOrder(side: 'BUY' | 'SELL', spec: MarketBuySpec | MarketSellSpec): string {
    const clientId = this.nextClientId();
    const problem = checkMarketSpec(side === 'BUY' ? 'marketBuy' : 'marketSell', spec);
    if (problem !== null) {
      this.refuse(readablePlace(clientId, side, spec, true), 'invalid_order', problem);
      return clientId;
    }
    const tif = spec.tif ?? 'FOK';
    const spend = 'spend' in spec ? spec.spend : null;
    const shares = 'qty' in spec ? spec.qty : null;
    const size = spend !== null ? { amount: spend } : { qty: shares ?? 0 };
    let px: Px | undefined = spec.worstPx;
    let refusal: string | null = null;
    if (px === undefined) {
      const quote = this.exchange.quoteMarketable(spec.assetId, side, size, tif);
      if (quote !== null && 'px' in quote) px = quote.px;
      else {
        px = this.defaultWorst(spec.assetId, side);
        if (quote !== null) refusal = quote.noMatch;
      }
    }
    const cmd: PlaceOrder = {
      type: 'place', clientId, assetId: spec.assetId, side, tif, px, qty: side === 'SELL' ? (shares ?? 0) : null,
      amount: side === 'BUY' ? (spend ?? 0n) : null, postOnly: false, expireNs: null,
    };
    if (refusal === null) this.command(cmd);
    else this.refuse(cmd, 'no_match', refusal);
    return clientId;
  }

  /** A command refused at the strategy-context edge (never reaches risk or the venue): an OrderDenied. */
  private refuse(cmd: OrderCommand, rule: string, reason: string): void {
    if (this.strategyStopped) return;
    const t = this.clockNs;
    this.countCommand(t);
    if (cmd.type === 'place') this.journal.orderCreated(cmd, t);
    if (cmd.type === 'merge') this.journal.mergeCreated(cmd, t);
    const clientId = cmd.type === 'place' || cmd.type === 'merge' || (cmd.type === 'cancel' && cmd.clientId !== '') ? cmd.clientId : null;
    this.deliver([{ type: 'order_denied', tsNs: t, clientId, command: cmd.type, rule, reason }]);
  }

  private defaultWorst(assetId: string, side: 'BUY' | 'SELL'): Px {
    const tick = this.books.book(assetId)?.tickSize ?? this.markets.marketOf(assetId)?.tickSize ?? 100;
    return side === 'BUY' ? PX_ONE - tick : tick;
  }

  private makeContext(): StrategyContext {
    const k = this;
    // the portfolio's fresh answer object is the PositionInfo (strategies ask on every book change: one object, not two)
    const position = (assetId: string): PositionInfo => brandPosition(k.portfolio.positionInfo(assetId));
    const log = (level: 'info' | 'warn') => (msg: string, fields?: Record<string, unknown>) => {
      k.config.logSink?.(fields === undefined ? { tsNs: k.now(), seq: k.lastSeq, level, msg } : { tsNs: k.now(), seq: k.lastSeq, level, msg, fields });
    };
    return {
      params: this.config.params,
      rng: this.rng,
      log: { info: log('info'), warn: log('warn') },
      now: () => k.now(),
      markets: () => brandMetas(k.allMarkets()),
      market: (id) => brandMeta(k.market(id)),
      pairOf: (assetId) => k.markets.pairOf(assetId),
      book: (assetId): BookView | undefined => brandBook(k.books.book(assetId)),
      available: (assetId, side) => brandLevels(k.exchange.availableLevels(assetId, side)),
      feeTerms: (assetId) => k.exchange.feeTermsAt(assetId, k.now()),
      takerFee: (assetId, side, px, qty) => {
        // a query, not a command: a bad value stops the strategy with this message (as timers do)
        const problem = checkPx('px', px) ?? checkQty('qty', qty) ?? (side === 'BUY' || side === 'SELL' ? null : `side ${shown(side)} must be 'BUY' or 'SELL'`);
        if (problem !== null) throw new TypeError(`ctx.takerFee: ${problem}`);
        const fee = takerFee(k.exchange.feeTermsAt(assetId, k.now()), side, px, qty);
        return { feeCash: brandCash(fee.feeCash), feeQty: brandQty(fee.feeQty) };
      },
      position,
      positions: () => k.portfolio.positions().map((p) => position(p.assetId)),
      cash: () => brandCash(k.portfolio.cash()),
      openOrders: (assetId?: string): OpenOrderInfo[] =>
        k.exchange
          .openOrders()
          .filter((o) => assetId === undefined || o.assetId === assetId)
          .map((o) => ({ clientId: o.clientId, assetId: o.assetId, side: o.side, px: brandPx(o.px), tif: o.tif, leavesQty: brandQty(o.leavesQty), postOnly: o.postOnly })),
      canTrade: (assetId) => !k.risk.halted && !k.strategyStopped && k.risk.isFresh(assetId, k.now()),
      buy: (spec) => k.place('BUY', spec),
      sell: (spec) => k.place('SELL', spec),
      marketBuy: (spec) => k.marketOrder('BUY', spec),
      marketSell: (spec) => k.marketOrder('SELL', spec),
      cancel: (clientId) => {
        const problem = checkCancel(clientId);
        if (problem === null) k.command({ type: 'cancel', clientId });
        else k.refuse({ type: 'cancel', clientId: '' }, 'invalid_order', problem);
      },
      cancelAll: (filter) => {
        const problem = checkCancelAll(filter);
        const cmd: CancelAll = { type: 'cancel_all', market: filter?.market ?? null, assetId: filter?.assetId ?? null };
        if (problem === null) k.command(cmd);
        else k.refuse(cmd, 'invalid_order', problem);
      },
      merge: (market, qty) => {
        const clientId = `m${(++k.mergeSeq).toString().padStart(6, '0')}`;
        const problem = checkMerge(market, qty);
        if (problem === null) k.command({ type: 'merge', clientId, market, qty });
        else k.refuse({ type: 'merge', clientId, market: typeof market === 'string' ? market : shown(market), qty: 0 }, 'invalid_order', problem);
        return clientId;
      },
      // timers are not commands: a bad argument is a programming error that stops the strategy, with a clear message
      setTimer: (name, atNs) => k.liveBus('setTimer').schedule(nsArg('setTimer', 'atNs', atNs), name, { kind: 'strategy', name }),
      setTimeout: (name, delayNs) => {
        const d = nsArg('setTimeout', 'delayNs', delayNs);
        return k.liveBus('setTimeout').schedule(k.now() + (d < 0n ? 0n : d), name, { kind: 'strategy', name });
      },
      cancelTimer: (id) => void k.liveBus('cancelTimer').cancel(id),
    };
  }
}

/**
 * The risk check's view of the kernel for one command. Made per command without a closure (hot path), and
 * the open orders and pending merges are listed on first use only, once: a cancel reads neither. Nothing
 * changes during one check, so these are the lists an eager context would hold.
 */
class RiskView implements RiskContext {
  private merges: readonly MergePositions[] | null = null;
  constructor(
    readonly portfolio: Portfolio,
    private readonly exchange: PaperExchange,
    private readonly markets: MarketRegistry,
    private readonly books: BookRegistry,
    private open: readonly RiskOpenOrder[] | null,
  ) {}
  get openOrders(): readonly RiskOpenOrder[] {
    return (this.open ??= this.exchange.openOrders());
  }
  get pendingMerges(): readonly MergePositions[] {
    return (this.merges ??= this.exchange.pendingMerges());
  }
  marketOf(assetId: string): string | undefined {
    return this.markets.marketOf(assetId)?.conditionId;
  }
  pairOf(assetId: string): string | undefined {
    return this.markets.pairOf(assetId);
  }
  book(assetId: string): BookReader | undefined {
    return this.books.book(assetId);
  }
}

/**
 * The feed loss a crashed recorder session implies, as the connection's `error` would have said it: put
 * before the new session's first record (sub -1), so resting orders meet the --feed-loss rule and books
 * go stale before any new data applies. Derived on read, never stored.
 */
function crashFeedLoss(o: Outage, raw: RawRecord): FeedState {
  return { type: 'feed_state', recvNs: raw.recvNs, source: o.source, seq: raw.seq, sub: -1, conn: o.conn, exchMs: null, state: 'error', detail: `crash: ${o.detail}` };
}
