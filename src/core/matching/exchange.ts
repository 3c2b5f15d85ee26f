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
 * Ordering
 * - onTime processes due items by (due time, scheduling sequence); each item's events are stamped with
 *   its due time. Within one item: order_accepted, then fills (best level first), then order_canceled.
 * - beforeMarketEvent records, per canonical level, the decreases the event brings (print attribution);
 *   it changes no order. onMarketEvent: canonical tokens in order of first appearance in the event; per
 *   token: overlay decay,
 *   queue updates (levels in creation order; one Rng draw per decreased level in the probabilistic model),
 *   then trade-through fills in price-time priority. Trade prints fill strictly better-priced orders first
 *   (price priority), then the print's level in queue order.
 *
 * Rules (PROTOCOL.md §5)
 * - Validation on arrival -> OrderRejected with a stable `code: detail` reason (codes in REJECT_CODES),
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
 * - The token pairing (`pairOf`) must be known before orders of that market arrive.
 * - Which shares of a level are ahead of us is an estimate from an L2 book (queue.ts); a print whose
 *   decrease arrives more than the print window later is not paired with it (attribution.ts).
 */
import type { Cash, Px, Qty } from '../types/fixed.ts';
import { CASH_SCALE, PX_ONE, formatCash, formatPx, formatQty, notional } from '../types/fixed.ts';
import type { BookDelta, BookSide, BookSnapshot, Level, MarketEvent, MarketResolved, Side, TickSizeChanged, TradePrinted } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';
import type { CancelAll, CancelOrder, CancelReason, Liquidity, MergePositions, OrderEvent, OrderFilled, PlaceOrder, TimeInForce, VenueEvent } from '../types/orders.ts';
import type { Rng } from '../rng.ts';
import type { FeeModel, FeeTerms } from './fees.ts';
import { makerRebate, takerFee } from './fees.ts';
import type { LatencyModel } from './latency.ts';
import { DEFAULT_PRINT_WINDOW_NS, PrintAttribution } from './attribution.ts';
import type { LevelReader } from './overlay.ts';
import { ConsumedOverlay, levelKey } from './overlay.ts';
import type { QueueModel } from './queue.ts';
import type { TakerDelayModel } from './taker-delay.ts';
import { depthChangeAheads, normalizeAheads, tradeAtLevel } from './queue.ts';

/** The read API the engine needs from a book view (L2Book, BinaryBook views and BookView all fit). */
export interface MatchBookView {
  readonly tickSize: Px | null;
  readonly valid: boolean;
  /** Best first. */
  levels(side: BookSide): Iterable<Level>;
  qtyAt(side: BookSide, px: Px): Qty;
  isCrossed(): boolean;
}

/** assetId -> read view: a function, or anything with `book(assetId)` (e.g. BookRegistry). */
export type BookLookup =
  | ((assetId: string) => MatchBookView | undefined)
  | { book(assetId: string): MatchBookView | undefined };

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

export type OpenOrderState = 'in_flight' | 'held' | 'resting';

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

/** Stable reject codes (the part of OrderRejected.reason before ':'). */
export const REJECT_CODES = [
  'duplicate_client_id', 'invalid_size', 'post_only_not_allowed', 'expiry_not_in_future', 'expiry_without_gtd',
  'unknown_asset', 'market_resolved', 'market_closed', 'not_accepting_orders', 'no_book', 'book_invalid',
  'book_stale', 'unknown_tick_size', 'price_off_tick', 'price_out_of_range', 'below_min_size',
  'below_min_notional', 'post_only_would_cross',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

type Status = OpenOrderState | 'done';

interface OrderRec {
  readonly cmd: PlaceOrder;
  readonly duplicate: boolean;
  status: Status;
  arrivalNs: bigint;
  filledQty: Qty;
  spent: Cash;
  ahead: Qty;
  /** Market-event sequence when the order came to rest (print attribution: joined before or after a decrease). */
  restSeq: number;
  /** Shares of `ahead` the current decrease run at the order's level removed (given back to a matching print). */
  ghost: Qty;
  /** The decrease run `ghost` belongs to (attribution.ts `run`); -1 = none. */
  ghostRun: number;
  canon: string;
  mirrored: boolean;
  restKey: string;
  meta: MarketMeta | undefined;
}

interface LevelQueue {
  readonly key: string;
  readonly canon: string;
  readonly canonSide: BookSide;
  readonly canonPx: Px;
  readonly reader: LevelReader;
  orders: OrderRec[];
  lastQty: Qty;
}

type Pending =
  | { readonly atNs: bigint; readonly seq: number; readonly kind: 'arrive' | 'release' | 'expire'; readonly rec: OrderRec }
  | { readonly atNs: bigint; readonly seq: number; readonly kind: 'cancel'; readonly cmd: CancelOrder }
  | { readonly atNs: bigint; readonly seq: number; readonly kind: 'cancel_all'; readonly cmd: CancelAll }
  | { readonly atNs: bigint; readonly seq: number; readonly kind: 'merge'; readonly cmd: MergePositions };

interface PlannedFill {
  readonly px: Px;
  readonly qty: Qty;
  readonly key: string;
  readonly reader: LevelReader;
}

const before = (a: Pending, b: Pending): boolean => (a.atNs !== b.atNs ? a.atNs < b.atNs : a.seq < b.seq);

/** Min-heap of pending items ordered by (atNs, seq). */
class PendingHeap {
  private readonly h: Pending[] = [];
  get size(): number {
    return this.h.length;
  }
  peek(): Pending | undefined {
    return this.h[0];
  }
  push(p: Pending): void {
    const h = this.h;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }
  pop(): Pending | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

const flipSide = (s: BookSide): BookSide => (s === 'bid' ? 'ask' : 'bid');
const flipTaker = (s: Side): Side => (s === 'BUY' ? 'SELL' : 'BUY');
const DEFAULT_MIN_SIZE: Qty = 5_000_000;

export class PaperExchange {
  private readonly lookup: (assetId: string) => MatchBookView | undefined;
  private readonly rng: Rng;
  private readonly minSize: Qty;
  private readonly minNotional: Cash;
  private readonly prefix: string;
  private readonly pending = new PendingHeap();
  private readonly live = new Map<string, OrderRec>();
  /** Merges submitted and not yet arrived, in submission order. */
  private readonly merges = new Map<string, MergePositions>();
  private readonly seen = new Set<string>();
  private readonly overlay = new ConsumedOverlay();
  private readonly levelQueues = new Map<string, LevelQueue>();
  private readonly levelsByCanon = new Map<string, Set<string>>();
  private readonly resolved = new Set<string>();
  private readonly tickStale = new Set<string>();
  private readonly snapEpoch = new Map<string, number>();
  private readonly attribution: PrintAttribution;
  private readonly canonCache = new Map<string, { readonly canon: string; readonly mirrored: boolean }>();
  /** Unexplained decreases of the current market event per level key (set by beforeMarketEvent). */
  private readonly eventDrops = new Map<string, Qty>();
  /** The event beforeMarketEvent prepared (onMarketEvent must get the same one). */
  private prepared: MarketEvent | null = null;
  /** Market events seen (beforeMarketEvent calls). */
  private mseq = 0;
  private lossCount = 0;
  private seq = 0;
  private fillSeq = 0;
  private lastArrival: bigint | null = null;
  private counts = { takerFills: 0, makerPrintFills: 0, makerTradeThroughFills: 0, rejected: 0, cancelsIgnored: 0 };

  constructor(
    private readonly config: FillEngineConfig,
    books: BookLookup,
    private readonly markets: (assetId: string) => MarketMeta | undefined,
    private readonly pairOf: (assetId: string) => string | undefined,
  ) {
    this.lookup = typeof books === 'function' ? books : (id) => books.book(id);
    this.rng = config.rng;
    this.minSize = config.defaultMinOrderSize ?? DEFAULT_MIN_SIZE;
    this.minNotional = config.minMarketableNotional ?? CASH_SCALE;
    this.prefix = config.idPrefix ?? 'pf';
    this.attribution = new PrintAttribution(config.printWindowNs ?? DEFAULT_PRINT_WINDOW_NS);
  }

  // ---------------------------------------------------------------- commands and time

  /** Schedules the command's arrival at the venue (see header). Always returns []. */
  submit(cmd: PlaceOrder | CancelOrder | CancelAll | MergePositions, nowNs: bigint): OrderEvent[] {
    const lat = cmd.type === 'place' || cmd.type === 'merge' ? this.config.latency.entryNs(this.rng) : this.config.latency.cancelNs(this.rng);
    if (lat < 0n) throw new RangeError(`latency model returned a negative delay (${lat} ns)`);
    let at = nowNs + lat;
    if (this.lastArrival !== null && at < this.lastArrival) at = this.lastArrival;
    this.lastArrival = at;
    const seq = ++this.seq;
    if (cmd.type === 'place') {
      const duplicate = this.seen.has(cmd.clientId);
      this.seen.add(cmd.clientId);
      const rec: OrderRec = {
        cmd, duplicate, status: 'in_flight', arrivalNs: at, filledQty: 0, spent: 0n, ahead: 0, restSeq: 0, ghost: 0,
        ghostRun: -1, canon: cmd.assetId, mirrored: false, restKey: '', meta: undefined,
      };
      if (!duplicate) this.live.set(cmd.clientId, rec);
      this.pending.push({ atNs: at, seq, kind: 'arrive', rec });
    } else if (cmd.type === 'cancel') {
      this.pending.push({ atNs: at, seq, kind: 'cancel', cmd });
    } else if (cmd.type === 'merge') {
      this.pending.push({ atNs: at, seq, kind: 'merge', cmd });
      this.merges.set(cmd.clientId, cmd);
    } else {
      this.pending.push({ atNs: at, seq, kind: 'cancel_all', cmd });
    }
    return [];
  }

  /** Earliest time something is due, or null. */
  nextWakeNs(): bigint | null {
    for (;;) {
      const p = this.pending.peek();
      if (p === undefined) return null;
      if (this.obsolete(p)) {
        this.pending.pop();
        continue;
      }
      return p.atNs;
    }
  }

  /**
   * Processes everything due at or before nowNs, in (due time, sequence) order. A merge that arrives is
   * emitted as `merge_arrived` in that order: the engine applies it to the portfolio there.
   */
  onTime(nowNs: bigint): VenueEvent[] {
    const out: VenueEvent[] = [];
    for (;;) {
      const p = this.pending.peek();
      if (p === undefined || p.atNs > nowNs) break;
      this.pending.pop();
      if (this.obsolete(p)) continue;
      const t = p.atNs;
      switch (p.kind) {
        case 'arrive':
          this.arrive(p.rec, t, out);
          break;
        case 'release':
          this.release(p.rec, t, out);
          break;
        case 'expire':
          this.cancelRec(p.rec, 'expired', t, out);
          break;
        case 'cancel': {
          const rec = this.live.get(p.cmd.clientId);
          if (rec === undefined || rec.status === 'in_flight') this.counts.cancelsIgnored++;
          else this.cancelRec(rec, 'user', t, out);
          break;
        }
        case 'merge':
          this.merges.delete(p.cmd.clientId);
          out.push({ type: 'merge_arrived', tsNs: t, cmd: p.cmd });
          break;
        case 'cancel_all':
          for (const rec of [...this.live.values()]) {
            if (rec.status === 'in_flight') continue;
            if (p.cmd.assetId !== null && rec.cmd.assetId !== p.cmd.assetId) continue;
            if (p.cmd.market !== null && rec.meta?.conditionId !== p.cmd.market) continue;
            this.cancelRec(rec, 'cancel_all', t, out);
          }
          break;
      }
    }
    return out;
  }

  private obsolete(p: Pending): boolean {
    if (p.kind === 'expire') return p.rec.status !== 'resting' && p.rec.status !== 'held';
    if (p.kind === 'release') return p.rec.status !== 'held';
    return false;
  }

  // ---------------------------------------------------------------- market data

  /**
   * Sees a market event BEFORE the book registry applies it: records the level decreases it brings
   * (print attribution needs the sizes before the change). Call once per event, then onMarketEvent.
   */
  beforeMarketEvent(ev: MarketEvent, nowNs: bigint): void {
    this.mseq++;
    this.prepared = ev;
    this.eventDrops.clear();
    if (ev.type === 'book_snapshot') this.snapshotDrops(ev, nowNs);
    else if (ev.type === 'book_delta') this.deltaDrops(ev, nowNs);
  }

  /** Reacts to a market event the book registry has already applied (after beforeMarketEvent(ev)). */
  onMarketEvent(ev: MarketEvent, nowNs: bigint): OrderEvent[] {
    if (this.prepared !== ev) throw new Error(`paper exchange: onMarketEvent(${ev.type}) without beforeMarketEvent first (see the driving contract)`);
    this.prepared = null;
    const out: OrderEvent[] = [];
    switch (ev.type) {
      case 'book_snapshot':
        this.onBook([ev.assetId], nowNs, true, out);
        break;
      case 'book_delta':
        this.onBook(ev.changes.map((c) => c.assetId), nowNs, false, out);
        break;
      case 'trade':
        this.onTrade(ev, nowNs, out);
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
    return out;
  }

  /** The level's view before the change, or null when it cannot be trusted (no book, invalid, stale). */
  private preView(assetId: string): { view: MatchBookView; canon: string; mirrored: boolean } | null {
    const c = this.canonicalOf(assetId);
    if (this.isStale(c.canon)) return null;
    const view = this.lookup(assetId);
    return view === undefined || !view.valid ? null : { view, canon: c.canon, mirrored: c.mirrored };
  }

  private noteDrop(canon: string, side: BookSide, px: Px, x: Qty, t: bigint): void {
    const key = levelKey(canon, side, px);
    const u = this.attribution.decrease(key, x, t, this.mseq);
    if (u > 0) this.eventDrops.set(key, (this.eventDrops.get(key) ?? 0) + u);
  }

  private snapshotDrops(ev: BookSnapshot, t: bigint): void {
    const pre = this.preView(ev.assetId);
    if (pre === null) return;
    for (const side of ['bid', 'ask'] as const) {
      const next = new Map<Px, Qty>();
      for (const l of side === 'bid' ? ev.bids : ev.asks) next.set(l.px, l.qty);
      for (const l of pre.view.levels(side)) {
        const now = next.get(l.px) ?? 0;
        if (now < l.qty) {
          const [cs, cp] = this.toCanon(pre.mirrored, side, l.px);
          this.noteDrop(pre.canon, cs, cp, l.qty - now, t);
        }
      }
    }
  }

  private deltaDrops(ev: BookDelta, t: bigint): void {
    // Hot path (every price_change): no allocation unless a level decreases. Both legs of a binary
    // price_change name the same canonical level: it is counted once (size before the first leg, after the last).
    const changes = ev.changes;
    let lastAsset: string | null = null;
    let pre: { view: MatchBookView; canon: string; mirrored: boolean } | null = null;
    let drops: { canon: string; side: BookSide; px: Px; before: Qty; after: Qty }[] | null = null;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      if (c.assetId !== lastAsset) {
        lastAsset = c.assetId;
        pre = this.preView(c.assetId);
      }
      if (pre === null) continue;
      const side = pre.mirrored ? flipSide(c.side) : c.side;
      const px = pre.mirrored ? PX_ONE - c.px : c.px;
      let seen = -1;
      if (drops !== null) for (let j = 0; j < drops.length; j++) if (drops[j]!.px === px && drops[j]!.side === side && drops[j]!.canon === pre.canon) seen = j;
      if (seen >= 0) {
        drops![seen]!.after = c.qty;
        continue;
      }
      const before = pre.view.qtyAt(c.side, c.px);
      // not shrinking: no drop (a later leg of the same level is compared with the same size before)
      if (c.qty >= before) continue;
      (drops ??= []).push({ canon: pre.canon, side, px, before, after: c.qty });
    }
    if (drops !== null) for (const l of drops) if (l.after < l.before) this.noteDrop(l.canon, l.side, l.px, l.before - l.after, t);
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
        leavesQty: this.leaves(r), state: r.status, queueAhead: r.status === 'resting' ? r.ahead : null,
        expireNs: r.cmd.expireNs, arrivalNs: r.arrivalNs,
      });
    }
    return out;
  }

  /** Merge commands in flight (submitted, not yet at the venue), in submission order. */
  pendingMerges(): readonly MergePositions[] {
    return [...this.merges.values()];
  }

  stats(): ExchangeStats {
    let resting = 0;
    for (const r of this.live.values()) if (r.status === 'resting') resting++;
    return { ...this.counts, overlayLevels: this.overlay.size, restingOrders: resting };
  }

  /** Liquidity our fills consumed at a level, in the given token's own terms (for tests and diagnostics). */
  consumedAt(assetId: string, side: BookSide, px: Px): Qty {
    const c = this.canonicalOf(assetId);
    const [cs, cp] = this.toCanon(c.mirrored, side, px);
    return this.overlay.consumed(levelKey(c.canon, cs, cp));
  }

  /**
   * One side of a token's book as this exchange would fill against it now: displayed levels best first,
   * minus what our own taker fills consumed (the overlay, in the unified YES/NO terms), empty ones skipped.
   * [] when the token has no valid book. Read-only (the strategy context's `available`).
   */
  availableLevels(assetId: string, side: BookSide): Level[] {
    const view = this.lookup(assetId);
    if (view === undefined || !view.valid) return [];
    const { canon, mirrored } = this.canonicalOf(assetId);
    const out: Level[] = [];
    for (const lv of view.levels(side)) {
      const [cs, cp] = this.toCanon(mirrored, side, lv.px);
      const avail = lv.qty - this.overlay.consumed(levelKey(canon, cs, cp));
      if (avail > 0) out.push({ px: lv.px, qty: avail });
    }
    return out;
  }

  /** The fee terms a taker fill of this token at `nowNs` is charged with (the configured FeeModel); null = fee-free. */
  feeTermsAt(assetId: string, nowNs: bigint): FeeTerms | null {
    return this.config.fees.terms(this.markets(assetId), nowNs);
  }

  // ---------------------------------------------------------------- canonical terms

  /** Canonical token of a pair; cached once the pairing is known (a known pairing never changes). */
  private canonicalOf(assetId: string): { readonly canon: string; readonly mirrored: boolean } {
    const hit = this.canonCache.get(assetId);
    if (hit !== undefined) return hit;
    const pair = this.pairOf(assetId);
    const c = pair === undefined || pair === assetId || assetId < pair ? { canon: assetId, mirrored: false } : { canon: pair, mirrored: true };
    if (pair !== undefined) this.canonCache.set(assetId, c);
    return c;
  }

  private toCanon(mirrored: boolean, side: BookSide, px: Px): [BookSide, Px] {
    return mirrored ? [flipSide(side), PX_ONE - px] : [side, px];
  }

  private isStale(canon: string): boolean {
    if (this.tickStale.has(canon)) return true;
    return this.lossCount > 0 && (this.snapEpoch.get(canon) ?? -1) < this.lossCount;
  }

  private readonly readLevel = (r: LevelReader): Qty | null => {
    const v = this.lookup(r.assetId);
    return v !== undefined && v.valid ? v.qtyAt(r.side, r.px) : null;
  };

  // ---------------------------------------------------------------- arrival and matching

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
    rec.meta = this.markets(c.assetId);
    const problem = this.validate(rec, t);
    if (problem !== null) {
      this.finish(rec);
      this.reject(c.clientId, problem, t, out);
      return;
    }
    out.push({ type: 'order_accepted', tsNs: t, order: c });
    // From here the order is 'held' until execute() decides: filled, killed, canceled or resting.
    if (c.tif === 'GTD' && c.expireNs !== null) this.pending.push({ atNs: c.expireNs, seq: ++this.seq, kind: 'expire', rec });
    const delay = rec.meta === undefined || this.config.takerDelay === undefined ? 0n : this.config.takerDelay(rec.meta, t);
    if (delay > 0n && this.crossingPx(rec) !== null) {
      rec.status = 'held';
      this.pending.push({ atNs: t + delay, seq: ++this.seq, kind: 'release', rec });
      return;
    }
    rec.status = 'held';
    this.execute(rec, t, out);
  }

  private release(rec: OrderRec, t: bigint, out: VenueEvent[]): void {
    const view = this.lookup(rec.cmd.assetId);
    if (this.resolved.has(rec.cmd.assetId)) return this.cancelRec(rec, 'market_resolved', t, out);
    if (view === undefined || !view.valid || this.isStale(rec.canon)) {
      const reason: CancelReason = this.tickStale.has(rec.canon) || (view !== undefined && !view.valid) ? 'tick_size_changed' : 'feed_lost';
      return this.cancelRec(rec, reason, t, out);
    }
    this.execute(rec, t, out);
  }

  private validate(rec: OrderRec, t: bigint): string | null {
    const c = rec.cmd;
    const resting = c.tif === 'GTC' || c.tif === 'GTD';
    if (resting) {
      if (c.qty === null || !(c.qty > 0) || c.amount !== null) return `invalid_size: ${c.tif} orders are sized in shares (qty > 0, amount null)`;
    } else if (c.side === 'BUY') {
      if (c.amount === null || c.amount <= 0n || c.qty !== null) return `invalid_size: ${c.tif} BUY orders are sized in dollars (amount > 0, qty null)`;
    } else if (c.qty === null || !(c.qty > 0) || c.amount !== null) {
      return `invalid_size: ${c.tif} SELL orders are sized in shares (qty > 0, amount null)`;
    }
    if (c.postOnly && !resting) return `post_only_not_allowed: post-only needs GTC or GTD, got ${c.tif}`;
    if (c.tif === 'GTD') {
      if (c.expireNs === null || c.expireNs <= t) return `expiry_not_in_future: GTD expireNs ${c.expireNs ?? 'null'} <= arrival ${t}`;
    } else if (c.expireNs !== null) {
      return `expiry_without_gtd: expireNs is only valid with GTD, got ${c.tif}`;
    }
    const meta = rec.meta;
    if (meta === undefined) return `unknown_asset: no market metadata for token ${c.assetId}`;
    if (this.resolved.has(c.assetId)) return `market_resolved: market ${meta.conditionId} is resolved`;
    if (meta.closed === true) return `market_closed: market ${meta.conditionId} is closed`;
    if (meta.acceptingOrders === false) return `not_accepting_orders: market ${meta.conditionId} is not accepting orders`;
    const view = this.lookup(c.assetId);
    if (view === undefined) return `no_book: no book for token ${c.assetId}`;
    if (!view.valid) return `book_invalid: book of ${c.assetId} awaits a snapshot after a tick-size change`;
    if (this.isStale(rec.canon)) return `book_stale: book of ${c.assetId} awaits a snapshot after a feed loss`;
    const tick = view.tickSize ?? meta.tickSize;
    if (tick === null || !(tick > 0)) return `unknown_tick_size: tick size of ${c.assetId} unknown`;
    if (c.px % tick !== 0) return `price_off_tick: ${formatPx(c.px)} is not a multiple of tick ${formatPx(tick)}`;
    if (c.px < tick || c.px > PX_ONE - tick) return `price_out_of_range: ${formatPx(c.px)} outside [${formatPx(tick)}, ${formatPx(PX_ONE - tick)}]`;
    if (resting) {
      const min = meta.minOrderSize ?? this.minSize;
      if ((c.qty ?? 0) < min) return `below_min_size: ${formatQty(c.qty ?? 0)} shares < minimum ${formatQty(min)}`;
    }
    const cross = this.crossingPx(rec);
    if (!resting) {
      const worth = this.worthNow(rec, view);
      if (worth < this.minNotional) {
        return `below_min_notional: marketable order worth $${formatCash(worth)} against the book within its limit < $${formatCash(this.minNotional)}`;
      }
    } else if (c.side === 'BUY' && cross !== null) {
      const worth = notional(c.px, c.qty ?? 0);
      if (worth < this.minNotional) return `below_min_notional: marketable order worth $${formatCash(worth)} < $${formatCash(this.minNotional)}`;
    }
    if (c.postOnly && cross !== null) return `post_only_would_cross: available liquidity at ${formatPx(cross)} within limit ${formatPx(c.px)}`;
    return null;
  }

  /**
   * What a FOK/FAK is worth for the $1 rule: a BUY its dollar amount (what it signs and never exceeds); a
   * SELL what it would sell for against the book now, within its limit (available = displayed - consumed).
   */
  private worthNow(rec: OrderRec, view: MatchBookView): Cash {
    if (rec.cmd.amount !== null) return rec.cmd.amount;
    const { fills } = this.plan(rec, view);
    let worth = 0n;
    for (const f of fills) worth += notional(f.px, f.qty);
    return worth;
  }

  /**
   * Prices a market order the way Polymarket's client does (py-clob-client `calculate_market_price`):
   * walk the opposite side best first, summing shares (SELL) or dollars (BUY), and take the price of the
   * level where the size is reached. Liquidity our fills already took is not counted. Not reachable: FAK ->
   * the worst displayed price; FOK (or an empty side) -> `noMatch` (the client raises "no match" and sends
   * nothing). null when the token has no readable book (the venue rules then decide at arrival).
   */
  quoteMarketable(assetId: string, side: Side, size: { readonly qty?: Qty; readonly amount?: Cash }, tif: 'FOK' | 'FAK'): { px: Px } | { noMatch: string } | null {
    const view = this.lookup(assetId);
    if (view === undefined || !view.valid) return null;
    const { canon, mirrored } = this.canonicalOf(assetId);
    const opp: BookSide = side === 'BUY' ? 'ask' : 'bid';
    let shares = 0;
    let dollars = 0n;
    let worst: Px | null = null;
    for (const lv of view.levels(opp)) {
      const [cs, cp] = this.toCanon(mirrored, opp, lv.px);
      const avail = lv.qty - this.overlay.consumed(levelKey(canon, cs, cp));
      if (avail <= 0) continue;
      shares += avail;
      dollars += notional(lv.px, avail);
      worst = lv.px;
      if (side === 'BUY' ? dollars >= (size.amount ?? 0n) : shares >= (size.qty ?? 0)) return { px: lv.px };
    }
    if (tif === 'FAK' && worst !== null) return { px: worst };
    const what = side === 'BUY' ? `BUY of $${formatCash(size.amount ?? 0n)}` : `SELL of ${formatQty(size.qty ?? 0)} shares`;
    const has = side === 'BUY' ? `offers $${formatCash(dollars)}` : `shows ${formatQty(shares)}`;
    return { noMatch: `${tif} market ${what}: the book ${has} within reach (Polymarket's client refuses such an order: no match)` };
  }

  /** Price of the first level with available (non-consumed) liquidity within the limit, or null. */
  private crossingPx(rec: OrderRec): Px | null {
    const view = this.lookup(rec.cmd.assetId);
    if (view === undefined) return null;
    const buy = rec.cmd.side === 'BUY';
    const opp: BookSide = buy ? 'ask' : 'bid';
    for (const lv of view.levels(opp)) {
      if (buy ? lv.px > rec.cmd.px : lv.px < rec.cmd.px) break;
      const [cs, cp] = this.toCanon(rec.mirrored, opp, lv.px);
      if (lv.qty - this.overlay.consumed(levelKey(rec.canon, cs, cp)) > 0) return lv.px;
    }
    return null;
  }

  /** Walks the opposite side for a marketable order (no mutation). */
  private plan(rec: OrderRec, view: MatchBookView): { fills: PlannedFill[]; complete: boolean } {
    const c = rec.cmd;
    const buy = c.side === 'BUY';
    const opp: BookSide = buy ? 'ask' : 'bid';
    const byCash = c.amount !== null;
    let remQty: Qty = c.qty !== null ? c.qty - rec.filledQty : 0;
    let remCash: Cash = c.amount !== null ? c.amount - rec.spent : 0n;
    const limitCash = BigInt(c.px);
    const fills: PlannedFill[] = [];
    for (const lv of view.levels(opp)) {
      if (buy ? lv.px > c.px : lv.px < c.px) break;
      if (!(lv.px > 0)) continue;
      const [cs, cp] = this.toCanon(rec.mirrored, opp, lv.px);
      const key = levelKey(rec.canon, cs, cp);
      const avail = lv.qty - this.overlay.consumed(key);
      if (avail <= 0) continue;
      let take: Qty;
      if (byCash) {
        const afford = remCash / BigInt(lv.px);
        take = Number(afford < BigInt(avail) ? afford : BigInt(avail));
        if (take <= 0) break;
        remCash -= notional(lv.px, take);
      } else {
        take = Math.min(avail, remQty);
        remQty -= take;
      }
      fills.push({ px: lv.px, qty: take, key, reader: { assetId: c.assetId, side: opp, px: lv.px } });
      if (byCash ? remCash < limitCash : remQty === 0) break;
    }
    return { fills, complete: byCash ? remCash < limitCash : remQty === 0 };
  }

  /** Matches an accepted order against the book now: taker part, then rest / kill / cancel remainder. */
  private execute(rec: OrderRec, t: bigint, out: VenueEvent[]): void {
    const c = rec.cmd;
    const view = this.lookup(c.assetId);
    if (view === undefined) throw new Error(`paper exchange: book of ${c.assetId} vanished after validation`);
    const { fills, complete } = this.plan(rec, view);
    if (c.tif === 'FOK' && !complete) return this.cancelRec(rec, 'fok_killed', t, out);
    for (const f of fills) {
      this.overlay.add(rec.canon, f.key, f.reader, f.qty);
      const lq = this.levelQueues.get(f.key);
      if (lq !== undefined) for (const o of lq.orders) o.ahead = Math.max(0, o.ahead - f.qty);
      this.counts.takerFills++;
      out.push(this.fillEvent(rec, f.px, f.qty, 'taker', t));
    }
    if (c.tif === 'FOK' || c.tif === 'FAK') {
      if (!complete) return this.cancelRec(rec, 'fak_remainder', t, out);
      return this.finish(rec);
    }
    if (this.leaves(rec) > 0) this.rest(rec, view);
    else this.finish(rec);
  }

  private rest(rec: OrderRec, view: MatchBookView): void {
    const c = rec.cmd;
    const side: BookSide = c.side === 'BUY' ? 'bid' : 'ask';
    const [cs, cp] = this.toCanon(rec.mirrored, side, c.px);
    const key = levelKey(rec.canon, cs, cp);
    const shown = view.qtyAt(side, c.px);
    rec.restKey = key;
    rec.status = 'resting';
    rec.restSeq = this.mseq;
    rec.ahead = Math.max(0, shown - this.overlay.consumed(key));
    let lq = this.levelQueues.get(key);
    if (lq === undefined) {
      lq = { key, canon: rec.canon, canonSide: cs, canonPx: cp, reader: { assetId: c.assetId, side, px: c.px }, orders: [], lastQty: shown };
      this.levelQueues.set(key, lq);
      let set = this.levelsByCanon.get(rec.canon);
      if (set === undefined) this.levelsByCanon.set(rec.canon, (set = new Set()));
      set.add(key);
    }
    const last = lq.orders[lq.orders.length - 1];
    if (last !== undefined) rec.ahead = Math.max(rec.ahead, last.ahead);
    lq.orders.push(rec);
  }

  // ---------------------------------------------------------------- market-data handlers

  private onBook(assetIds: readonly string[], t: bigint, snapshot: boolean, out: VenueEvent[]): void {
    const canons: string[] = [];
    for (const a of assetIds) {
      const c = this.canonicalOf(a).canon;
      if (!canons.includes(c)) canons.push(c);
    }
    for (const canon of canons) {
      if (snapshot) {
        this.tickStale.delete(canon);
        this.snapEpoch.set(canon, this.lossCount);
      }
      if (this.isStale(canon)) continue;
      this.overlay.decay(canon, this.readLevel);
      this.updateQueues(canon, t);
      this.tradeThrough(canon, t, out);
    }
  }

  private updateQueues(canon: string, t: bigint): void {
    const set = this.levelsByCanon.get(canon);
    if (set === undefined) return;
    for (const key of set) {
      const lq = this.levelQueues.get(key);
      if (lq === undefined) continue;
      const shown = this.readLevel(lq.reader);
      if (shown === null) continue;
      const cap = shown - this.overlay.consumed(key);
      const aheads = lq.orders.map((o) => o.ahead);
      // the part of this event's decrease at the level that no earlier print explains (attribution.ts)
      const unexplained = this.eventDrops.get(key) ?? 0;
      let next: Qty[];
      if (shown !== lq.lastQty) {
        const explained = shown < lq.lastQty ? Math.max(0, lq.lastQty - shown - unexplained) : 0;
        next = depthChangeAheads(this.config.queue, aheads, lq.lastQty, shown, explained, cap, this.rng);
        lq.lastQty = shown;
      } else {
        next = normalizeAheads(aheads, cap);
      }
      const run = unexplained > 0 ? this.attribution.runAt(key, t) : null;
      lq.orders.forEach((o, i) => {
        const a = next[i] ?? o.ahead;
        if (run !== null) {
          // remember how far this decrease moved the order: a matching print gives it back (one event)
          if (o.ghostRun !== run) [o.ghost, o.ghostRun] = [0, run];
          o.ghost += Math.min(Math.max(0, o.ahead - a), unexplained);
        }
        o.ahead = a;
      });
    }
  }

  /** Resting orders of a canonical token in price-time priority (bids best first, then asks). */
  private restingByPriority(canon: string): OrderRec[] {
    const set = this.levelsByCanon.get(canon);
    if (set === undefined) return [];
    const qs = [...set].map((k) => this.levelQueues.get(k)).filter((q): q is LevelQueue => q !== undefined);
    qs.sort((a, b) =>
      a.canonSide !== b.canonSide ? (a.canonSide === 'bid' ? -1 : 1) : a.canonSide === 'bid' ? b.canonPx - a.canonPx : a.canonPx - b.canonPx,
    );
    return qs.flatMap((q) => q.orders);
  }

  private tradeThrough(canon: string, t: bigint, out: VenueEvent[]): void {
    for (const rec of this.restingByPriority(canon)) {
      if (rec.status !== 'resting') continue;
      const view = this.lookup(rec.cmd.assetId);
      if (view === undefined || !view.valid || view.isCrossed()) continue;
      const buy = rec.cmd.side === 'BUY';
      const opp: BookSide = buy ? 'ask' : 'bid';
      for (const lv of view.levels(opp)) {
        if (buy ? lv.px > rec.cmd.px : lv.px < rec.cmd.px) break;
        const [cs, cp] = this.toCanon(rec.mirrored, opp, lv.px);
        const key = levelKey(rec.canon, cs, cp);
        const avail = lv.qty - this.overlay.consumed(key);
        if (avail <= 0) continue;
        const take = Math.min(avail, this.leaves(rec));
        this.overlay.add(rec.canon, key, { assetId: rec.cmd.assetId, side: opp, px: lv.px }, take);
        rec.ahead = 0;
        this.counts.makerTradeThroughFills++;
        out.push(this.fillEvent(rec, rec.cmd.px, take, 'maker', t));
        if (this.leaves(rec) === 0) {
          this.finish(rec);
          break;
        }
      }
    }
  }

  private onTrade(ev: TradePrinted, t: bigint, out: VenueEvent[]): void {
    if (!(ev.qty > 0)) return;
    const { canon, mirrored } = this.canonicalOf(ev.assetId);
    const P = mirrored ? PX_ONE - ev.px : ev.px;
    const taker = mirrored ? flipTaker(ev.takerSide) : ev.takerSide;
    const hit: BookSide = taker === 'SELL' ? 'bid' : 'ask';
    // the part of this print the book already showed as a decrease at P (one event, attribution.ts)
    const { attributed, run } = this.attribution.print(levelKey(canon, hit, P), ev.qty, t);
    const set = this.levelsByCanon.get(canon);
    if (set === undefined) return;
    // an order that came to rest after that decrease joined after the trade: the shown part is not its to fill
    const joinedAfter = (rec: OrderRec): boolean => attributed > 0 && rec.restSeq >= run;
    const better: LevelQueue[] = [];
    let atLevel: LevelQueue | undefined;
    for (const key of set) {
      const lq = this.levelQueues.get(key);
      if (lq === undefined || lq.canonSide !== hit) continue;
      if (lq.canonPx === P) atLevel = lq;
      else if (hit === 'bid' ? lq.canonPx > P : lq.canonPx < P) better.push(lq);
    }
    better.sort((a, b) => (hit === 'bid' ? b.canonPx - a.canonPx : a.canonPx - b.canonPx));
    let budget = ev.qty;
    let fresh = ev.qty - attributed;
    for (const lq of better) {
      for (const rec of [...lq.orders]) {
        const late = joinedAfter(rec);
        if (!late || fresh > 0) rec.ahead = 0; // the taker went through this price after the order was there
        const f = Math.min(late ? fresh : budget, this.leaves(rec));
        budget -= f;
        fresh = Math.max(0, fresh - f);
        this.makerPrintFill(rec, f, t, out);
      }
    }
    if (atLevel === undefined) return;
    // the print walks the queue as it was before the decrease it explains
    const orders = [...atLevel.orders];
    const pre = (o: OrderRec): Qty =>
      attributed === 0 ? o.ahead : o.ahead + (joinedAfter(o) ? attributed : o.ghostRun === run ? Math.min(o.ghost, attributed) : 0);
    const res = tradeAtLevel(orders.map((o) => ({ ahead: pre(o), leaves: this.leaves(o) })), budget);
    const shown = this.readLevel(atLevel.reader);
    const cap = shown === null ? Infinity : shown - this.overlay.consumed(atLevel.key);
    const aheads = normalizeAheads(res.aheads, cap);
    orders.forEach((rec, i) => {
      rec.ahead = aheads[i] ?? rec.ahead;
      if (attributed > 0 && rec.ghostRun === run) rec.ghost -= Math.min(rec.ghost, attributed);
      this.makerPrintFill(rec, res.fills[i] ?? 0, t, out);
    });
  }

  private makerPrintFill(rec: OrderRec, qty: Qty, t: bigint, out: VenueEvent[]): void {
    if (qty <= 0) return;
    this.counts.makerPrintFills++;
    out.push(this.fillEvent(rec, rec.cmd.px, qty, 'maker', t));
    if (this.leaves(rec) === 0) this.finish(rec);
  }

  private onTickSize(ev: TickSizeChanged, t: bigint, out: VenueEvent[]): void {
    const { canon } = this.canonicalOf(ev.assetId);
    // A duplicate (the pair token's copy, or a resend) leaves the book valid: nothing to resync.
    const view = this.lookup(ev.assetId);
    // The overlay is kept: the next snapshot decays it like any refresh (see overlay.ts).
    if (view === undefined || !view.valid) this.tickStale.add(canon);
    const tick = ev.newTick;
    for (const rec of [...this.live.values()]) {
      if ((rec.status !== 'resting' && rec.status !== 'held') || rec.canon !== canon) continue;
      const px = rec.cmd.px;
      if (px % tick !== 0 || px < tick || px > PX_ONE - tick) this.cancelRec(rec, 'tick_size_changed', t, out);
    }
  }

  private onResolved(ev: MarketResolved, t: bigint, out: VenueEvent[]): void {
    const ids = new Set(ev.assetIds);
    for (const id of ev.assetIds) {
      const pair = this.pairOf(id);
      if (pair !== undefined) ids.add(pair);
    }
    for (const id of ids) this.resolved.add(id);
    for (const rec of [...this.live.values()]) {
      if (rec.status !== 'resting' && rec.status !== 'held') continue;
      if (ids.has(rec.cmd.assetId) || rec.meta?.conditionId === ev.market) {
        this.resolved.add(rec.cmd.assetId);
        this.cancelRec(rec, 'market_resolved', t, out);
      }
    }
  }

  private onFeedLoss(t: bigint, out: VenueEvent[]): void {
    this.lossCount++;
    if ((this.config.feedLoss ?? 'cancel') === 'keep') return;
    for (const rec of [...this.live.values()]) {
      if (rec.status === 'resting' || rec.status === 'held') this.cancelRec(rec, 'feed_lost', t, out);
    }
  }

  // ---------------------------------------------------------------- bookkeeping

  private leaves(rec: OrderRec): Qty {
    const c = rec.cmd;
    if (c.qty !== null) return c.qty - rec.filledQty;
    const rem = (c.amount ?? 0n) - rec.spent;
    return rem > 0n && c.px > 0 ? Number(rem / BigInt(c.px)) : 0;
  }

  private fillEvent(rec: OrderRec, px: Px, qty: Qty, liquidity: Liquidity, t: bigint): OrderFilled {
    const c = rec.cmd;
    if (!(qty > 0) || (c.qty !== null && qty > c.qty - rec.filledQty)) {
      throw new Error(`paper exchange: corrupt fill of ${qty} for ${c.clientId} (filled ${rec.filledQty} of ${c.qty})`);
    }
    rec.filledQty += qty;
    rec.spent += notional(px, qty);
    if (c.amount !== null && rec.spent > c.amount) throw new Error(`paper exchange: ${c.clientId} overspent its amount`);
    const terms = this.config.fees.terms(rec.meta, t);
    const fee = liquidity === 'taker' ? takerFee(terms, c.side, px, qty) : { feeCash: 0n, feeQty: 0 };
    return {
      type: 'order_filled', tsNs: t, fillId: `${this.prefix}-${++this.fillSeq}`, clientId: c.clientId,
      assetId: c.assetId, side: c.side, px, qty, liquidity, feeCash: fee.feeCash, feeQty: fee.feeQty,
      rebateCash: liquidity === 'maker' ? makerRebate(terms, px, qty) : 0n, leavesQty: this.leaves(rec),
    };
  }

  private finish(rec: OrderRec): void {
    if (rec.status === 'resting') {
      const lq = this.levelQueues.get(rec.restKey);
      if (lq !== undefined) {
        lq.orders = lq.orders.filter((o) => o !== rec);
        if (lq.orders.length === 0) {
          this.levelQueues.delete(lq.key);
          const set = this.levelsByCanon.get(lq.canon);
          set?.delete(lq.key);
          if (set !== undefined && set.size === 0) this.levelsByCanon.delete(lq.canon);
        }
      }
    }
    rec.status = 'done';
    if (this.live.get(rec.cmd.clientId) === rec) this.live.delete(rec.cmd.clientId);
  }

  private cancelRec(rec: OrderRec, reason: CancelReason, t: bigint, out: VenueEvent[]): void {
    const leavesQty = this.leaves(rec);
    this.finish(rec);
    out.push({ type: 'order_canceled', tsNs: t, clientId: rec.cmd.clientId, reason, leavesQty });
  }

  private reject(clientId: string, reason: string, t: bigint, out: VenueEvent[]): void {
    this.counts.rejected++;
    out.push({ type: 'order_rejected', tsNs: t, clientId, reason });
  }
}
