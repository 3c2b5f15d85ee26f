/**
 * PaperExchange: Polymarket's matching rules applied to simulated orders against recorded or live books.
 * Pure: time comes in as arguments, randomness from the seeded Rng in the config; no I/O.
 *
 * Driving contract (the engine's job; same in replay and live)
 * - `submit(cmd, now)` never emits: a command reaches the venue at now + latency (entry draw for orders
 *   and merges, cancel draw for cancels). Commands reach the venue in submission order (arrival =
 *   max(now + latency, previous arrival)): a cancel never overtakes the order it cancels, a merge never
 *   overtakes the orders sent before it. Submit returns [] (kept for forward compatibility). A merge that
 *   arrives is emitted by onTime as `merge_arrived` (VenueEvent) at its place in the order: the engine
 *   checks it against the positions then and applies it (the exchange does not hold positions).
 * - `nextWakeNs()` = earliest pending arrival / cancel / taker-delay release / GTD expiry. The engine must
 *   call `onTime(t)` for every due time t BEFORE it applies market data stamped later than t (timers due at
 *   t fire before data at t), so an order acts on the book exactly as it was when it arrived.
 * - For every market event: `beforeMarketEvent(ev, now)` BEFORE the book registry applies `ev` (it reads
 *   the sizes a decrease leaves, for print attribution), then `onMarketEvent(ev, now)` AFTER it; calling
 *   onMarketEvent without its beforeMarketEvent throws.
 *
 * Parts (this file is the orchestrator: the public API, market-state reactions, arrival and release)
 * - in-flight.ts: commands on their way to the venue and the venue's later wake-ups, on one timer heap.
 * - validation.ts: the arrival rules (first failing rule wins, REJECT_CODES).
 * - matching-core.ts: the orders at the venue, the consumed overlay, print attribution, taker walks,
 *   queue positions (through the QueueModel of queue/, chosen from queue/table.ts) and maker fills.
 * - order-state.ts: the order record and canonical-terms helpers they share.
 *
 * Ordering
 * - onTime processes due items by (due time, scheduling sequence); each item's events are stamped with
 *   its due time. Within one item: order_accepted, then fills (best level first), then order_canceled.
 * - beforeMarketEvent records, per canonical level, the decreases the event brings (print attribution);
 *   it changes no order. onMarketEvent: canonical tokens in order of first appearance in the event; per
 *   token: overlay decay, queue updates (levels in creation order; the queue model's `depth`, e.g. one
 *   Rng draw per decreased level in the probabilistic model), then trade-through fills in price-time
 *   priority. Trade prints fill strictly better-priced orders first (price priority), then the print's
 *   level in queue order.
 *
 * Rules (PROTOCOL.md §5)
 * - Validation on arrival (validation.ts) -> OrderRejected with a stable `code: detail` reason (REJECT_CODES),
 *   first failing rule wins: duplicate clientId; sizing (GTC/GTD and FOK/FAK SELL: qty > 0; FOK/FAK BUY:
 *   amount > 0); post-only only with GTC/GTD; GTD needs expireNs > arrival, expireNs only with GTD;
 *   market known (metadata), not resolved/closed/refusing orders; book present, valid (not awaiting a
 *   snapshot after a tick change) and not stale (feed loss); price a multiple of the tick (book's, else
 *   the market's) within [tick, 1 - tick]; GTC/GTD qty >= orderMinSize (default 5 shares); worth >= $1 for
 *   FOK/FAK and for a GTC/GTD BUY that crosses (qty x limit); post-only rejected if any available
 *   (non-consumed) opposite liquidity lies within its limit. A FOK/FAK BUY is worth its dollar amount; a
 *   FOK/FAK SELL what it would sell for against the book at arrival within its limit (available
 *   liquidity, each level at its price), not qty x limit: a market sell with the widest limit into a 0.43
 *   bid is worth qty x 0.43; a SELL with nothing to sell into within its limit is worth $0.
 * - Every accepted order emits order_accepted first. FOK that cannot fully fill: order_canceled fok_killed
 *   (no fills; the venue reports a FOK kill as a CANCELLATION). FAK: fills, then order_canceled
 *   fak_remainder for what is left (also when nothing filled).
 * - Marketable orders walk the displayed book best-first, each level at its own price, up to the limit;
 *   the consumed overlay (overlay.ts) hides liquidity our earlier fills took. INVARIANT: no displayed
 *   share is filled to us twice, by any path (taker walk, trade-through, on either view of a binary
 *   book, across WS and REST snapshots, tick-size changes and feed losses): the overlay only decays as
 *   consumed = min(consumed, displayed) per level and is never cleared (property-tested). FOK/FAK BUY
 *   spend `amount` dollars (shares floored to 1e-6 per level); the order is complete when the unspent rest
 *   cannot buy 1e-6 share at the limit. GTC/GTD that cross fill as taker, the remainder rests.
 * - `quoteMarketable` prices a market order for the strategy context the way Polymarket's client does
 *   (the level where the size is reached, over available liquidity); it never changes state.
 * - Unified YES/NO book: everything that identifies liquidity (overlay keys, resting levels, prints) is
 *   keyed in canonical terms: the lexicographically smaller token id of the pair is canonical, the other
 *   token's (side, price) maps to (mirror side, 1 - price). A BUY NO at q and a SELL YES at 1 - q consume
 *   the same canonical level, so they can never both take the same displayed shares. Book reads go
 *   through each order's own view (mirrored by the book module), so this works with a BinaryBook or
 *   with two standalone books.
 * - Events and cancel-request outcomes: a cancel for an unknown or finished order changes nothing and
 *   emits nothing (OrderEvent has no "cancel rejected"); it is counted in stats().cancelsIgnored.
 * - Dollar-sized orders (FOK/FAK BUY) report `leavesQty` as the shares the unspent amount would buy at
 *   the limit price (floored to 1e-6).
 * - Resting orders: queue position per queue.ts. Fills as maker at the order's own limit price, from
 *   (a) trade prints: a print with taker SELL at P hits canonical bids >= P (taker BUY: asks <= P); orders
 *   strictly better than P were passed by the taker (their venue queue is gone), so they fill first from
 *   the print's size; then the level at P in queue order beyond the shares ahead. A print is ONE trade
 *   with the decrease at P that the book showed up to `printWindowNs` (default 500 ms) before it, on
 *   either token of the pair (attribution.ts): the print walks the queue as it was before that decrease
 *   (each order gets back what the decrease took off its `ahead`), and an order that came to rest after
 *   the decrease gets nothing from the part of the print the decrease showed (that trade happened
 *   before the order existed), at P or at a better price;
 *   (b) trade-through: after a book change, displayed opposite liquidity at or through our price (e.g. a
 *   venue ask <= our bid) would have matched us: we fill from it as maker at our price and consume it in
 *   the overlay. Skipped while the view reports a crossed book (data-quality problem).
 * - GTD: expires at `expireNs` (order_canceled expired). `expireNs` is the effective expiry: the venue's
 *   one-minute security threshold is the order signer's concern, not modelled here.
 * - Taker delay (`takerDelay`, taker-delay.ts; the engine's default follows the market's metadata and the
 *   dated rule: 250 ms, crypto 50 ms from 2026-08-17, or the market's own delay): a marketable order is
 *   accepted at arrival, matched at release against the book then; cancellable while held.
 * - tick_size_changed: if it left the book invalid (a duplicate copy does not), the token is stale until
 *   its next snapshot (no book-driven updates; trade prints still fill); its overlay is kept and decays at
 *   that snapshot. In any case resting/held orders whose price is off the new grid or outside
 *   [tick, 1 - tick] are canceled (tick_size_changed). Others keep their queue state.
 * - market_resolved: resting/held orders of the market are canceled (market_resolved); later arrivals are
 *   rejected. feed_state close/error of market_ws: every token is stale until its next snapshot (the
 *   overlay is kept and decays at that snapshot), and resting/held orders are canceled (feed_lost) unless
 *   `feedLoss: 'keep'`. A REST snapshot (`via: 'rest'`) is treated exactly like a WS `book`.
 * - Ids: fill ids are `${idPrefix}-${n}` from a counter; nothing depends on time or randomness.
 *
 * Known limits
 * - Paper orders never match each other (no self-trade); a paper taker fill at a level where we rest
 *   advances our queue like a print.
 * - No market impact: recorded prints and book changes are what they were, whatever we did.
 * - Size precision rules of the venue (2 dp shares, amount decimals) and balance checks are not applied
 *   here (balances are risk's job).
 * - The token pairing (market registry) must be known before orders of that market arrive.
 * - Which shares of a level are ahead of us is an estimate from an L2 book (queue.ts); a print whose
 *   decrease arrives more than the print window later is not paired with it (attribution.ts).
 */
import type { Cash, Px, Qty } from '../types/fixed.ts';
import { CASH_SCALE, PX_ONE } from '../types/fixed.ts';
import type { BookSide, Level, MarketEvent, MarketResolved, Side, TickSizeChanged } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';
import { MarketRegistry } from '../markets/registry.ts';
import type { CancelAll, CancelOrder, CancelReason, MergePositions, OrderEvent, PlaceOrder, TimeInForce, VenueEvent } from '../types/orders.ts';
import type { Rng } from '../rng.ts';
import type { FeeModel, FeeTerms } from './fees.ts';
import type { LatencyModel } from './latency.ts';
import { DEFAULT_PRINT_WINDOW_NS } from './attribution.ts';
import type { QueueModel } from './queue/model.ts';
import type { TakerDelayModel } from './taker-delay.ts';
import { InFlight } from './in-flight.ts';
import { MatchingCore } from './matching-core.ts';
import type { BookLookup, Canonical, HandleReads, MatchBookView, OpenOrderState, OrderRec } from './order-state.ts';
import { leaves } from './order-state.ts';
import { validateOrder, type ValidationContext } from './validation.ts';

export type { BookLookup, MatchBookView, OpenOrderState } from './order-state.ts';
export { REJECT_CODES, type RejectCode } from './validation.ts';

export interface FillEngineConfig {
  readonly latency: LatencyModel;
  readonly queue: QueueModel;
  readonly fees: FeeModel;
  /** How long the venue holds a marketable order before matching (taker-delay.ts); default: none. */
  readonly takerDelay?: TakerDelayModel;
  readonly rng: Rng;
  /** Minimum GTC/GTD size when the market does not say (default 5 shares). */
  readonly defaultMinOrderSize?: Qty;
  /** Minimum worth of a marketable order (default $1). */
  readonly minMarketableNotional?: Cash;
  /**
   * A level decrease and a trade print at that level within this time are one trade (attribution.ts;
   * default 500 ms).
   */
  readonly printWindowNs?: bigint;
  /** What a market_ws disconnect does to resting orders (default 'cancel'). */
  readonly feedLoss?: 'cancel' | 'keep';
  /** Prefix of fill ids (default 'pf'). */
  readonly idPrefix?: string;
}

export interface OpenOrderView {
  readonly clientId: string;
  readonly assetId: string;
  readonly side: Side;
  readonly px: Px;
  readonly tif: TimeInForce;
  readonly postOnly: boolean;
  readonly qty: Qty | null;
  readonly amount: Cash | null;
  readonly filledQty: Qty;
  /** Shares still open; for dollar-sized orders, the shares the unspent amount buys at the limit. */
  readonly leavesQty: Qty;
  readonly state: OpenOrderState;
  /** Venue shares ahead in the queue (resting orders only). */
  readonly queueAhead: Qty | null;
  readonly expireNs: bigint | null;
  /** Arrival at the venue (scheduled, for in-flight orders). */
  readonly arrivalNs: bigint;
}

export interface ExchangeStats {
  readonly takerFills: number;
  readonly makerPrintFills: number;
  readonly makerTradeThroughFills: number;
  readonly rejected: number;
  readonly cancelsIgnored: number;
  readonly overlayLevels: number;
  readonly restingOrders: number;
}

const DEFAULT_MIN_SIZE: Qty = 5_000_000;

/** onMarketEvent's answer when the event made no order event (shared, frozen: most events). */
const NO_EVENTS: OrderEvent[] = [];
Object.freeze(NO_EVENTS);

export class PaperExchange {
  private readonly lookup: (assetId: string) => MatchBookView | undefined;
  private readonly minSize: Qty;
  private readonly minNotional: Cash;
  private readonly inFlight: InFlight;
  private readonly core: MatchingCore;
  private readonly live = new Map<string, OrderRec>();
  private readonly seen = new Set<string>();
  private readonly resolved = new Set<string>();
  /** Markets, pairs, canonical tokens and book freshness: the shared market registry, or this exchange's own. */
  private readonly reg: MarketRegistry;
  private readonly ownsMarkets: boolean;
  private readonly metaOf: (assetId: string) => MarketMeta | undefined;
  /** With a registry of its own: where pairs come from (looked up when a token is first used). */
  private readonly pairSource: ((assetId: string) => string | undefined) | null;
  /** The event beforeMarketEvent prepared (onMarketEvent must get the same one). */
  private prepared: MarketEvent | null = null;
  private counts = { rejected: 0, cancelsIgnored: 0 };
  private readonly validation: ValidationContext;
  /** Reads by token handle, when the books take the shared registry's handles (else null: by id). */
  private readonly byHandle: HandleReads | null;
  /** Scratch of onMarketEvent's answer (empty between calls). */
  private readonly marketOut: OrderEvent[] = [];

  /**
   * `markets`: the shared MarketRegistry (its owner, the kernel, feeds it before onMarketEvent), or a metadata
   * lookup plus `pairOf`, for an exchange with a registry of its own that onMarketEvent feeds (tests, tools).
   */
  constructor(
    private readonly config: FillEngineConfig,
    books: BookLookup,
    markets: MarketRegistry | ((assetId: string) => MarketMeta | undefined),
    pairOf?: (assetId: string) => string | undefined,
  ) {
    this.lookup = typeof books === 'function' ? books : (id) => books.book(id);
    if (markets instanceof MarketRegistry) {
      this.reg = markets;
      this.ownsMarkets = false;
      this.metaOf = (id) => markets.marketOf(id);
      this.pairSource = null;
      const bookAt = typeof books !== 'function' && books.markets === markets ? books.bookAt?.bind(books) : undefined;
      this.byHandle = bookAt === undefined ? null : { canonAt: (h) => markets.canonAt(h), waitingAt: (h) => markets.waitingAt(h), bookAt };
    } else {
      this.byHandle = null;
      this.reg = new MarketRegistry();
      this.ownsMarkets = true;
      this.metaOf = markets;
      this.pairSource = pairOf ?? null;
    }
    this.minSize = config.defaultMinOrderSize ?? DEFAULT_MIN_SIZE;
    this.minNotional = config.minMarketableNotional ?? CASH_SCALE;
    this.inFlight = new InFlight(config.latency, config.rng);
    this.validation = {
      minSize: this.minSize,
      minNotional: this.minNotional,
      book: this.lookup,
      isResolved: (id) => this.resolved.has(id),
      isStale: (canon) => this.isStale(canon),
      crossingPx: (rec) => this.core.crossingPx(rec),
      worthNow: (rec, view) => this.core.worthNow(rec, view),
    };
    this.core = new MatchingCore(
      { queue: config.queue, fees: config.fees, rng: config.rng, printWindowNs: config.printWindowNs ?? DEFAULT_PRINT_WINDOW_NS, idPrefix: config.idPrefix ?? 'pf' },
      {
        book: this.lookup,
        byHandle: this.byHandle,
        canonicalOf: (id) => this.canonicalOf(id),
        isStale: (canon) => this.isStale(canon),
        onDone: (rec) => {
          this.inFlight.cancel(rec.expireTimer);
          this.inFlight.cancel(rec.releaseTimer);
          if (this.live.get(rec.cmd.clientId) === rec) this.live.delete(rec.cmd.clientId);
        },
      },
    );
  }

  // ---------------------------------------------------------------- commands and time

  /** Schedules the command's arrival at the venue (see header). Always returns []. */
  submit(cmd: PlaceOrder | CancelOrder | CancelAll | MergePositions, nowNs: bigint): OrderEvent[] {
    const at = this.inFlight.arrivalOf(cmd, nowNs);
    if (cmd.type === 'place') {
      const duplicate = this.seen.has(cmd.clientId);
      this.seen.add(cmd.clientId);
      const rec: OrderRec = {
        cmd, duplicate, status: 'in_flight', arrivalNs: at, filledQty: 0, spent: 0n, ahead: 0, restSeq: 0, ghost: 0,
        ghostRun: -1, canon: cmd.assetId, mirrored: false, restKey: -1, meta: undefined, expireTimer: null, releaseTimer: null,
      };
      if (!duplicate) this.live.set(cmd.clientId, rec);
      this.inFlight.schedule(at, { kind: 'arrive', rec });
    } else if (cmd.type === 'cancel') {
      this.inFlight.schedule(at, { kind: 'cancel', cmd });
    } else if (cmd.type === 'merge') {
      this.inFlight.schedule(at, { kind: 'merge', cmd });
    } else {
      this.inFlight.schedule(at, { kind: 'cancel_all', cmd });
    }
    return [];
  }

  /** Earliest time something is due, or null. */
  nextWakeNs(): bigint | null {
    return this.inFlight.nextWakeNs();
  }

  /**
   * Processes everything due at or before nowNs, in (due time, sequence) order. A merge that arrives is
   * emitted as `merge_arrived` in that order: the engine applies it to the portfolio there.
   */
  onTime(nowNs: bigint): VenueEvent[] {
    const out: VenueEvent[] = [];
    for (let due = this.inFlight.popDue(nowNs); due !== null; due = this.inFlight.popDue(nowNs)) {
      const { atNs: t, item: p } = due;
      switch (p.kind) {
        case 'arrive':
          this.arrive(p.rec, t, out);
          break;
        case 'release':
          p.rec.releaseTimer = null;
          this.release(p.rec, t, out);
          break;
        case 'expire':
          p.rec.expireTimer = null;
          this.core.cancel(p.rec, 'expired', t, out);
          break;
        case 'cancel': {
          const rec = this.live.get(p.cmd.clientId);
          if (rec === undefined || rec.status === 'in_flight') this.counts.cancelsIgnored++;
          else this.core.cancel(rec, 'user', t, out);
          break;
        }
        case 'merge':
          out.push({ type: 'merge_arrived', tsNs: t, cmd: p.cmd });
          break;
        case 'cancel_all':
          for (const rec of [...this.live.values()]) {
            if (rec.status === 'in_flight') continue;
            if (p.cmd.assetId !== null && rec.cmd.assetId !== p.cmd.assetId) continue;
            if (p.cmd.market !== null && rec.meta?.conditionId !== p.cmd.market) continue;
            this.core.cancel(rec, 'cancel_all', t, out);
          }
          break;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- market data

  /**
   * Sees a market event BEFORE the book registry applies it: records the level decreases it brings
   * (print attribution needs the sizes before the change). Call once per event, then onMarketEvent.
   */
  beforeMarketEvent(ev: MarketEvent, nowNs: bigint, legs?: readonly number[]): void {
    this.prepared = ev;
    this.core.beforeEvent(ev, nowNs, this.byHandle !== null ? legs : undefined);
  }

  /**
   * Reacts to a market event the book registry has already applied (after beforeMarketEvent(ev)). `legs`:
   * the event's token handles in the shared market registry (MarketRegistry.legs), as given to
   * beforeMarketEvent. The answer is a fresh array, or a shared frozen empty one when nothing happened.
   */
  onMarketEvent(ev: MarketEvent, nowNs: bigint, legs?: readonly number[]): OrderEvent[] {
    if (this.prepared !== ev) throw new Error(`paper exchange: onMarketEvent(${ev.type}) without beforeMarketEvent first (see the driving contract)`);
    this.prepared = null;
    if (this.ownsMarkets) {
      if (ev.type === 'tick_size_changed') this.canonicalOf(ev.assetId); // learn its pair first
      this.reg.onBookEvent(ev, this.lookup);
    }
    // hot path: no array per event; the scratch is emptied here (a throw half-way may have left some in it)
    const out = this.marketOut;
    if (out.length !== 0) out.length = 0;
    switch (ev.type) {
      case 'book_snapshot':
        this.onBook([ev.assetId], nowNs, out);
        break;
      case 'book_delta':
        if (legs !== undefined && this.byHandle !== null) this.onDeltaLegs(this.byHandle, legs, ev.changes.length, nowNs, out);
        else this.onDeltaBooks(ev.changes, nowNs, out);
        break;
      case 'trade':
        this.core.onTrade(ev, nowNs, out);
        break;
      case 'tick_size_changed':
        this.onTickSize(ev, nowNs, out);
        break;
      case 'market_resolved':
        this.onResolved(ev, nowNs, out);
        break;
      case 'feed_state':
        if (ev.source === 'market_ws' && ev.state !== 'open') this.onFeedLoss(nowNs, out);
        break;
      default:
        break;
    }
    if (out.length === 0) return NO_EVENTS;
    const events = out.slice();
    out.length = 0;
    return events;
  }

  /** onDeltaBooks by token handle (hot path: every price_change of the kernel's replay). */
  private onDeltaLegs(at: HandleReads, legs: readonly number[], n: number, t: bigint, out: VenueEvent[]): void {
    if (n === 0) return;
    const h0 = legs[0]!;
    const c0 = at.canonAt(h0).canon;
    let single = true;
    for (let i = 1; i < n && single; i++) if (legs[i] !== h0 && at.canonAt(legs[i]!).canon !== c0) single = false;
    if (single) {
      if (!at.waitingAt(h0)) this.core.onBook(c0, t, out);
      return;
    }
    const canons: string[] = [];
    const first: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = at.canonAt(legs[i]!).canon;
      if (!canons.includes(c)) {
        canons.push(c);
        first.push(legs[i]!);
      }
    }
    for (let i = 0; i < canons.length; i++) {
      // a snapshot ended any wait (market registry); a stale book drives nothing
      if (at.waitingAt(first[i]!)) continue;
      this.core.onBook(canons[i]!, t, out);
    }
  }

  /** onBook for a delta's changes, without building the id list (hot path: every price_change). */
  private onDeltaBooks(changes: readonly { readonly assetId: string }[], t: bigint, out: VenueEvent[]): void {
    const n = changes.length;
    if (n === 0) return;
    const c0 = this.canonicalOf(changes[0]!.assetId).canon;
    let single = true;
    for (let i = 1; i < n && single; i++) if (changes[i]!.assetId !== changes[0]!.assetId && this.canonicalOf(changes[i]!.assetId).canon !== c0) single = false;
    if (single) {
      if (!this.isStale(c0)) this.core.onBook(c0, t, out);
      return;
    }
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(changes[i]!.assetId);
    this.onBook(ids, t, out);
  }

  private onBook(assetIds: readonly string[], t: bigint, out: VenueEvent[]): void {
    const canons: string[] = [];
    for (const a of assetIds) {
      const c = this.canonicalOf(a).canon;
      if (!canons.includes(c)) canons.push(c);
    }
    for (const canon of canons) {
      // a snapshot ended any wait (market registry); a stale book drives nothing
      if (this.isStale(canon)) continue;
      this.core.onBook(canon, t, out);
    }
  }

  private onTickSize(ev: TickSizeChanged, t: bigint, out: VenueEvent[]): void {
    const { canon } = this.canonicalOf(ev.assetId);
    // The market registry marked the book as waiting for a snapshot if the change invalidated it (a duplicate
    // does not). The overlay is kept: the next snapshot decays it like any refresh (see overlay.ts).
    const tick = ev.newTick;
    for (const rec of [...this.live.values()]) {
      if ((rec.status !== 'resting' && rec.status !== 'held') || rec.canon !== canon) continue;
      const px = rec.cmd.px;
      if (px % tick !== 0 || px < tick || px > PX_ONE - tick) this.core.cancel(rec, 'tick_size_changed', t, out);
    }
  }

  private onResolved(ev: MarketResolved, t: bigint, out: VenueEvent[]): void {
    const ids = new Set(ev.assetIds);
    for (const id of ev.assetIds) {
      const pair = this.reg.pairOf(id) ?? this.pairSource?.(id);
      if (pair !== undefined) ids.add(pair);
    }
    for (const id of ids) this.resolved.add(id);
    for (const rec of [...this.live.values()]) {
      if (rec.status !== 'resting' && rec.status !== 'held') continue;
      if (ids.has(rec.cmd.assetId) || rec.meta?.conditionId === ev.market) {
        this.resolved.add(rec.cmd.assetId);
        this.core.cancel(rec, 'market_resolved', t, out);
      }
    }
  }

  private onFeedLoss(t: bigint, out: VenueEvent[]): void {
    // every book now waits for a snapshot (market registry)
    if ((this.config.feedLoss ?? 'cancel') === 'keep') return;
    for (const rec of [...this.live.values()]) {
      if (rec.status === 'resting' || rec.status === 'held') this.core.cancel(rec, 'feed_lost', t, out);
    }
  }

  // ---------------------------------------------------------------- views

  /** Open orders (in flight, held by the taker delay, resting) in submission order. */
  openOrders(): readonly OpenOrderView[] {
    const out: OpenOrderView[] = [];
    for (const r of this.live.values()) {
      if (r.status === 'done') continue;
      out.push({
        clientId: r.cmd.clientId, assetId: r.cmd.assetId, side: r.cmd.side, px: r.cmd.px, tif: r.cmd.tif,
        postOnly: r.cmd.postOnly, qty: r.cmd.qty, amount: r.cmd.amount, filledQty: r.filledQty,
        leavesQty: leaves(r), state: r.status, queueAhead: r.status === 'resting' ? r.ahead : null,
        expireNs: r.cmd.expireNs, arrivalNs: r.arrivalNs,
      });
    }
    return out;
  }

  /** Merge commands in flight (submitted, not yet at the venue), in submission order. */
  pendingMerges(): readonly MergePositions[] {
    return this.inFlight.pendingMerges();
  }

  stats(): ExchangeStats {
    let resting = 0;
    for (const r of this.live.values()) if (r.status === 'resting') resting++;
    const c = this.core.counts;
    return {
      takerFills: c.takerFills, makerPrintFills: c.makerPrintFills, makerTradeThroughFills: c.makerTradeThroughFills,
      rejected: this.counts.rejected, cancelsIgnored: this.counts.cancelsIgnored, overlayLevels: this.core.overlayLevels, restingOrders: resting,
    };
  }

  /** Liquidity our fills consumed at a level, in the given token's own terms (for tests and diagnostics). */
  consumedAt(assetId: string, side: BookSide, px: Px): Qty {
    return this.core.consumedAt(assetId, side, px);
  }

  /**
   * One side of a token's book as this exchange would fill against it now: displayed levels best first,
   * minus what our own taker fills consumed (the overlay, in the unified YES/NO terms), empty ones skipped.
   * [] when the token has no valid book. Read-only (the strategy context's `available`).
   */
  availableLevels(assetId: string, side: BookSide): Level[] {
    const view = this.lookup(assetId);
    if (view === undefined || !view.valid) return [];
    const out: Level[] = [];
    for (const lv of view.levels(side)) {
      const avail = lv.qty - this.core.consumedAt(assetId, side, lv.px);
      if (avail > 0) out.push({ px: lv.px, qty: avail });
    }
    return out;
  }

  /** The fee terms a taker fill of this token at `nowNs` is charged with (the configured FeeModel); null = fee-free. */
  feeTermsAt(assetId: string, nowNs: bigint): FeeTerms | null {
    return this.config.fees.terms(this.metaOf(assetId), nowNs);
  }

  /**
   * Prices a market order the way Polymarket's client does (py-clob-client `calculate_market_price`):
   * walk the opposite side best first, summing shares (SELL) or dollars (BUY), and take the price of the
   * level where the size is reached. Liquidity our fills already took is not counted. Not reachable: FAK ->
   * the worst displayed price; FOK (or an empty side) -> `noMatch` (the client raises "no match" and sends
   * nothing). null when the token has no readable book (the venue rules then decide at arrival).
   */
  quoteMarketable(assetId: string, side: Side, size: { readonly qty?: Qty; readonly amount?: Cash }, tif: 'FOK' | 'FAK'): { px: Px } | { noMatch: string } | null {
    return this.core.quoteMarketable(assetId, side, size, tif);
  }

  // ---------------------------------------------------------------- canonical terms and staleness

  /** Canonical terms of a token (market registry); with a registry of its own, a pair is looked up once first needed. */
  private canonicalOf(assetId: string): Canonical {
    if (this.pairSource !== null && this.reg.pairOf(assetId) === undefined) {
      const pair = this.pairSource(assetId);
      if (pair !== undefined && pair !== assetId) this.reg.pair(assetId, pair);
    }
    return this.reg.canonicalOf(assetId);
  }

  /** The book waits for a snapshot (after a feed loss, or a tick-size change that invalidated it). */
  private isStale(canon: string): boolean {
    return this.reg.isAwaitingSnapshot(canon);
  }

  // ---------------------------------------------------------------- arrival and release

  private arrive(rec: OrderRec, t: bigint, out: VenueEvent[]): void {
    rec.arrivalNs = t;
    const c = rec.cmd;
    if (rec.duplicate) {
      this.reject(c.clientId, `duplicate_client_id: ${c.clientId} was already used`, t, out);
      return;
    }
    const canon = this.canonicalOf(c.assetId);
    rec.canon = canon.canon;
    rec.mirrored = canon.mirrored;
    rec.meta = this.metaOf(c.assetId);
    const problem = validateOrder(rec, t, this.validation);
    if (problem !== null) {
      this.core.finish(rec);
      this.reject(c.clientId, problem, t, out);
      return;
    }
    out.push({ type: 'order_accepted', tsNs: t, order: c });
    // From here the order is 'held' until execute() decides: filled, killed, canceled or resting.
    if (c.tif === 'GTD' && c.expireNs !== null) rec.expireTimer = this.inFlight.schedule(c.expireNs, { kind: 'expire', rec });
    const delay = rec.meta === undefined || this.config.takerDelay === undefined ? 0n : this.config.takerDelay(rec.meta, t);
    if (delay > 0n && this.core.crossingPx(rec) !== null) {
      rec.status = 'held';
      rec.releaseTimer = this.inFlight.schedule(t + delay, { kind: 'release', rec });
      return;
    }
    rec.status = 'held';
    this.core.execute(rec, t, out);
  }

  private release(rec: OrderRec, t: bigint, out: VenueEvent[]): void {
    const view = this.lookup(rec.cmd.assetId);
    if (this.resolved.has(rec.cmd.assetId)) return this.core.cancel(rec, 'market_resolved', t, out);
    if (view === undefined || !view.valid || this.isStale(rec.canon)) {
      const reason: CancelReason = this.reg.tickWait(rec.canon) !== null || (view !== undefined && !view.valid) ? 'tick_size_changed' : 'feed_lost';
      return this.core.cancel(rec, reason, t, out);
    }
    this.core.execute(rec, t, out);
  }

  private reject(clientId: string, reason: string, t: bigint, out: VenueEvent[]): void {
    this.counts.rejected++;
    out.push({ type: 'order_rejected', tsNs: t, clientId, reason });
  }
}
