/**
 * The resting-order matching core of the paper exchange: the orders at the venue (held by the taker delay
 * or resting), the consumed-liquidity overlay, print attribution and the queue model. It matches an
 * accepted order against the book (taker walk, then rest / kill / cancel the remainder), keeps each
 * resting order's place in the queue through book changes and prints, and fills resting orders on trade
 * prints and trade-throughs. It never validates and never schedules: the orchestrator (exchange.ts) does.
 *
 * Ordering
 * - beforeEvent records, per canonical level, the decreases the event brings (print attribution); it
 *   changes no order. onBook: canonical tokens in order of first appearance in the event; per token:
 *   overlay decay, queue updates (levels in creation order; the queue model's `depth`, e.g. one Rng draw
 *   per decreased level in the probabilistic model), then trade-through fills in price-time priority.
 *   Trade prints fill strictly better-priced orders first (price priority), then the print's level in
 *   queue order (the model's `trade` / `filled`).
 * - Within one order's execution: fills best level first, then order_canceled for a remainder.
 *
 * Rules (see exchange.ts for the whole list)
 * - Marketable orders walk the displayed book best-first, each level at its own price, up to the limit;
 *   the overlay (overlay.ts) hides liquidity our earlier fills took. INVARIANT: no displayed share is
 *   filled to us twice, by any path (property-tested).
 * - Everything that identifies liquidity (overlay keys, resting levels, prints) is keyed in canonical
 *   terms (order-state.ts), so a BUY NO at q and a SELL YES at 1 - q consume the same canonical level.
 * - Resting orders fill as maker at their own limit price from (a) prints at or through their price after
 *   the shares ahead (a print paired with a decrease the book showed before it walks the queue as it was
 *   before that decrease, attribution.ts), (b) trade-through: displayed opposite liquidity at or through
 *   our price after a book change, skipped while the view reports a crossed book.
 */
import type { Cash, Px, Qty } from '../types/fixed.ts';
import { PX_ONE, formatCash, formatQty, notional } from '../types/fixed.ts';
import type { BookDelta, BookSide, BookSnapshot, MarketEvent, Side, TradePrinted } from '../types/events.ts';
import type { CancelReason, Liquidity, OrderFilled, VenueEvent } from '../types/orders.ts';
import type { Rng } from '../rng.ts';
import type { FeeModel } from './fees.ts';
import { makerRebate, takerFee } from './fees.ts';
import { PrintAttribution } from './attribution.ts';
import type { LevelReader } from './overlay.ts';
import { ConsumedOverlay, LevelKeys, type LevelKey } from './overlay.ts';
import type { QueueModel } from './queue/model.ts';
import { normalizeAheads } from './queue/model.ts';
import type { Canonical, HandleReads, MatchBookView, OrderRec } from './order-state.ts';
import { flipSide, flipTaker, leaves, toCanon } from './order-state.ts';

interface LevelQueue {
  readonly key: LevelKey;
  readonly canon: string;
  readonly canonSide: BookSide;
  readonly canonPx: Px;
  readonly reader: LevelReader;
  orders: OrderRec[];
  lastQty: Qty;
}

interface PlannedFill {
  readonly px: Px;
  readonly qty: Qty;
  readonly key: LevelKey;
  readonly reader: LevelReader;
}

/** What the core reads from the orchestrator: books, canonical terms, staleness; and whom it tells that an order is done. */
export interface MatchingHost {
  book(assetId: string): MatchBookView | undefined;
  /** The same reads by token handle (the per-event path's legs), or null when the host has no handles. */
  readonly byHandle: HandleReads | null;
  canonicalOf(assetId: string): Canonical;
  isStale(canon: string): boolean;
  /** The order left the venue (filled, killed, canceled): forget it. */
  onDone(rec: OrderRec): void;
}

export interface MatchingCoreConfig {
  readonly queue: QueueModel;
  readonly fees: FeeModel;
  readonly rng: Rng;
  readonly printWindowNs: bigint;
  readonly idPrefix: string;
}

export class MatchingCore {
  private readonly overlay = new ConsumedOverlay();
  private readonly levelQueues = new Map<LevelKey, LevelQueue>();
  /** The level queues of each canonical token, in order of creation (hot path: iterated on every book change, no key lookups). */
  private readonly levelsByCanon = new Map<string, LevelQueue[]>();
  private readonly attribution: PrintAttribution;
  /** Unexplained decreases of the current market event per level key (set by beforeEvent). */
  private readonly eventDrops = new Map<LevelKey, Qty>();
  /** Canonical level keys (small integers) for the maps above. */
  private readonly keys = new LevelKeys();
  /** Market events seen (beforeEvent calls). */
  private mseq = 0;
  private fillSeq = 0;
  readonly counts = { takerFills: 0, makerPrintFills: 0, makerTradeThroughFills: 0 };

  constructor(
    private readonly config: MatchingCoreConfig,
    private readonly host: MatchingHost,
  ) {
    this.attribution = new PrintAttribution(config.printWindowNs);
  }

  get overlayLevels(): number {
    return this.overlay.size;
  }

  // ---------------------------------------------------------------- before a market event

  /** Records the level decreases `ev` brings, before the books apply it (print attribution). */
  /** `legs`: the event's token handles (host.byHandle's), when the host has them. */
  beforeEvent(ev: MarketEvent, nowNs: bigint, legs?: readonly number[]): void {
    this.mseq++;
    if (this.eventDrops.size !== 0) this.eventDrops.clear(); // clear() of an empty Map still reallocates its table
    if (ev.type === 'book_snapshot') this.snapshotDrops(ev, nowNs);
    else if (ev.type === 'book_delta') this.deltaDrops(ev, nowNs, legs !== undefined ? this.host.byHandle : null, legs);
  }

  /** The level's view before the change, or null when it cannot be trusted (no book, invalid, stale). */
  private preView(assetId: string): { view: MatchBookView; canon: string; mirrored: boolean } | null {
    const c = this.host.canonicalOf(assetId);
    if (this.host.isStale(c.canon)) return null;
    const view = this.host.book(assetId);
    return view === undefined || !view.valid ? null : { view, canon: c.canon, mirrored: c.mirrored };
  }

  private noteDrop(canon: string, side: BookSide, px: Px, x: Qty, t: bigint): void {
    const key = this.keys.key(canon, side, px);
    // the attribution history sees every decrease, orders or not (a later print and fill depend on it)
    const u = this.attribution.decrease(key, x, t, this.mseq);
    // eventDrops is read only by updateQueues for this event's level queues, which no order can join before
    // the event's onBook (arrivals are timers, before the data): with none, it would never be read
    if (u > 0 && this.levelQueues.size !== 0) this.eventDrops.set(key, (this.eventDrops.get(key) ?? 0) + u);
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
          const [cs, cp] = toCanon(pre.mirrored, side, l.px);
          this.noteDrop(pre.canon, cs, cp, l.qty - now, t);
        }
      }
    }
  }

  /** Scratch of deltaDrops (reused per event): the decreased canonical levels of the current delta. */
  private readonly dropCanon: string[] = [];
  private readonly dropSide: BookSide[] = [];
  private readonly dropPx: Px[] = [];
  private readonly dropBefore: Qty[] = [];
  private readonly dropAfter: Qty[] = [];

  private deltaDrops(ev: BookDelta, t: bigint, at: HandleReads | null, legs: readonly number[] | undefined): void {
    // Hot path (every price_change): no allocation (scratch arrays); with `at`, each leg's token is read by
    // its handle (legs[i]), never by a string-keyed lookup. Both legs of a binary price_change name the same
    // canonical level: it is counted once (size before the first leg, after the last).
    const changes = ev.changes;
    const host = this.host;
    const dCanon = this.dropCanon, dSide = this.dropSide, dPx = this.dropPx, dBefore = this.dropBefore, dAfter = this.dropAfter;
    let nDrops = 0;
    let lastAsset: string | null = null;
    let lastH = -1;
    let view: MatchBookView | null = null;
    let canon = '';
    let mirrored = false;
    let staleCanon: string | null = null;
    let stale = false;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      if (at !== null ? legs![i] !== lastH : c.assetId !== lastAsset) {
        lastAsset = c.assetId;
        const h = at !== null ? legs![i]! : -1;
        lastH = h;
        const cn = at !== null ? at.canonAt(h) : host.canonicalOf(c.assetId);
        canon = cn.canon;
        mirrored = cn.mirrored;
        view = null;
        // the two legs of a binary price_change share one canonical book: its staleness is asked once
        if (canon !== staleCanon) {
          staleCanon = canon;
          stale = at !== null ? at.waitingAt(h) : host.isStale(canon);
        }
        if (!stale) {
          const v = at !== null ? at.bookAt(h) : host.book(c.assetId);
          if (v !== undefined && v.valid) view = v;
        }
      }
      if (view === null) continue;
      const side = mirrored ? flipSide(c.side) : c.side;
      const px = mirrored ? PX_ONE - c.px : c.px;
      let seen = -1;
      for (let j = 0; j < nDrops; j++) if (dPx[j] === px && dSide[j] === side && dCanon[j] === canon) seen = j;
      if (seen >= 0) {
        dAfter[seen] = c.qty;
        continue;
      }
      const before = view.qtyAt(c.side, c.px);
      // not shrinking: no drop (a later leg of the same level is compared with the same size before)
      if (c.qty >= before) continue;
      dCanon[nDrops] = canon;
      dSide[nDrops] = side;
      dPx[nDrops] = px;
      dBefore[nDrops] = before;
      dAfter[nDrops] = c.qty;
      nDrops++;
    }
    for (let j = 0; j < nDrops; j++) if (dAfter[j]! < dBefore[j]!) this.noteDrop(dCanon[j]!, dSide[j]!, dPx[j]!, dBefore[j]! - dAfter[j]!, t);
    // entries past nDrops are stale and never read (the count is local); they hold only canonical token ids the registry keeps anyway
  }

  // ---------------------------------------------------------------- reads

  /** Liquidity our fills consumed at a level, in the given token's own terms. */
  consumedAt(assetId: string, side: BookSide, px: Px): Qty {
    const c = this.host.canonicalOf(assetId);
    const [cs, cp] = toCanon(c.mirrored, side, px);
    return this.overlay.consumed(this.keys.key(c.canon, cs, cp));
  }

  /** Price of the first level with available (non-consumed) liquidity within the limit, or null. */
  crossingPx(rec: OrderRec): Px | null {
    const view = this.host.book(rec.cmd.assetId);
    if (view === undefined) return null;
    const buy = rec.cmd.side === 'BUY';
    const opp: BookSide = buy ? 'ask' : 'bid';
    for (const lv of view.levels(opp)) {
      if (buy ? lv.px > rec.cmd.px : lv.px < rec.cmd.px) break;
      const [cs, cp] = toCanon(rec.mirrored, opp, lv.px);
      if (lv.qty - this.overlay.consumed(this.keys.key(rec.canon, cs, cp)) > 0) return lv.px;
    }
    return null;
  }

  /**
   * What a FOK/FAK is worth for the $1 rule: a BUY its dollar amount (what it signs and never exceeds); a
   * SELL what it would sell for against the book now, within its limit (available = displayed - consumed).
   */
  worthNow(rec: OrderRec, view: MatchBookView): Cash {
    if (rec.cmd.amount !== null) return rec.cmd.amount;
    const { fills } = this.plan(rec, view);
    let worth = 0n;
    for (const f of fills) worth += notional(f.px, f.qty);
    return worth;
  }

  /** See PaperExchange.quoteMarketable. */
  quoteMarketable(assetId: string, side: Side, size: { readonly qty?: Qty; readonly amount?: Cash }, tif: 'FOK' | 'FAK'): { px: Px } | { noMatch: string } | null {
    const view = this.host.book(assetId);
    if (view === undefined || !view.valid) return null;
    const { canon, mirrored } = this.host.canonicalOf(assetId);
    const opp: BookSide = side === 'BUY' ? 'ask' : 'bid';
    let shares = 0;
    let dollars = 0n;
    let worst: Px | null = null;
    for (const lv of view.levels(opp)) {
      const [cs, cp] = toCanon(mirrored, opp, lv.px);
      const avail = lv.qty - this.overlay.consumed(this.keys.key(canon, cs, cp));
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

  // ---------------------------------------------------------------- matching an accepted order

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
      const [cs, cp] = toCanon(rec.mirrored, opp, lv.px);
      const key = this.keys.key(rec.canon, cs, cp);
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
  execute(rec: OrderRec, t: bigint, out: VenueEvent[]): void {
    const c = rec.cmd;
    const view = this.host.book(c.assetId);
    if (view === undefined) throw new Error(`paper exchange: book of ${c.assetId} vanished after validation`);
    const { fills, complete } = this.plan(rec, view);
    if (c.tif === 'FOK' && !complete) return this.cancel(rec, 'fok_killed', t, out);
    for (const f of fills) {
      this.overlay.add(rec.canon, f.key, f.reader, f.qty);
      const lq = this.levelQueues.get(f.key);
      if (lq !== undefined) for (const o of lq.orders) o.ahead = Math.max(0, o.ahead - f.qty);
      this.counts.takerFills++;
      out.push(this.fillEvent(rec, f.px, f.qty, 'taker', t));
    }
    if (c.tif === 'FOK' || c.tif === 'FAK') {
      if (!complete) return this.cancel(rec, 'fak_remainder', t, out);
      return this.finish(rec);
    }
    if (leaves(rec) > 0) this.rest(rec, view);
    else this.finish(rec);
  }

  private rest(rec: OrderRec, view: MatchBookView): void {
    const c = rec.cmd;
    const side: BookSide = c.side === 'BUY' ? 'bid' : 'ask';
    const [cs, cp] = toCanon(rec.mirrored, side, c.px);
    const key = this.keys.key(rec.canon, cs, cp);
    const shown = view.qtyAt(side, c.px);
    rec.restKey = key;
    rec.status = 'resting';
    rec.restSeq = this.mseq;
    let lq = this.levelQueues.get(key);
    if (lq === undefined) {
      lq = { key, canon: rec.canon, canonSide: cs, canonPx: cp, reader: { assetId: c.assetId, side, px: c.px }, orders: [], lastQty: shown };
      this.levelQueues.set(key, lq);
      let list = this.levelsByCanon.get(rec.canon);
      if (list === undefined) this.levelsByCanon.set(rec.canon, (list = []));
      list.push(lq);
    }
    const last = lq.orders[lq.orders.length - 1];
    rec.ahead = this.config.queue.join(shown - this.overlay.consumed(key), last === undefined ? null : last.ahead);
    lq.orders.push(rec);
  }

  // ---------------------------------------------------------------- market data

  /** After the books applied a snapshot or delta of these tokens (the orchestrator skips stale ones). */
  onBook(canon: string, t: bigint, out: VenueEvent[]): void {
    // nothing consumed and no resting order anywhere: decay, queues and trade-through have nothing to do
    if (this.overlay.size === 0 && this.levelQueues.size === 0) return;
    this.overlay.decay(canon, this.readLevel);
    this.updateQueues(canon, t);
    this.tradeThrough(canon, t, out);
  }

  private updateQueues(canon: string, t: bigint): void {
    const list = this.levelsByCanon.get(canon);
    if (list === undefined) return;
    for (let q = 0; q < list.length; q++) {
      const lq = list[q]!;
      const key = lq.key;
      const shown = this.readLevel(lq.reader);
      if (shown === null) continue;
      const cap = shown - this.overlay.consumed(key);
      const orders = lq.orders;
      // the part of this event's decrease at the level that no earlier print explains (attribution.ts)
      const unexplained = this.eventDrops.size === 0 ? 0 : (this.eventDrops.get(key) ?? 0);
      if (shown === lq.lastQty && unexplained === 0 && aheadsNormal(orders, cap)) continue; // nothing moves (normalizeAheads would return them as they are)
      const aheads: Qty[] = [];
      for (let i = 0; i < orders.length; i++) aheads.push(orders[i]!.ahead);
      let next: Qty[];
      if (shown !== lq.lastQty) {
        const explained = shown < lq.lastQty ? Math.max(0, lq.lastQty - shown - unexplained) : 0;
        next = this.config.queue.depth(aheads, lq.lastQty, shown, explained, cap, this.config.rng);
        lq.lastQty = shown;
      } else {
        next = normalizeAheads(aheads, cap);
      }
      const run = unexplained > 0 ? this.attribution.runAt(key, t) : null;
      for (let i = 0; i < orders.length; i++) {
        const o = orders[i]!;
        const a = next[i] ?? o.ahead;
        if (run !== null) {
          // remember how far this decrease moved the order: a matching print gives it back (one event)
          if (o.ghostRun !== run) {
            o.ghost = 0;
            o.ghostRun = run;
          }
          o.ghost += Math.min(Math.max(0, o.ahead - a), unexplained);
        }
        o.ahead = a;
      }
    }
  }

  /** Resting orders of a canonical token in price-time priority (bids best first, then asks). */
  private restingByPriority(canon: string): OrderRec[] {
    const list = this.levelsByCanon.get(canon);
    if (list === undefined) return [];
    const qs = [...list];
    qs.sort((a, b) =>
      a.canonSide !== b.canonSide ? (a.canonSide === 'bid' ? -1 : 1) : a.canonSide === 'bid' ? b.canonPx - a.canonPx : a.canonPx - b.canonPx,
    );
    return qs.flatMap((q) => q.orders);
  }

  /** Could any resting order of `canon` trade through now (opposite best at or through its limit)? No allocation. */
  private anyThrough(canon: string): boolean {
    const list = this.levelsByCanon.get(canon);
    if (list === undefined) return false;
    for (let q = 0; q < list.length; q++) {
      const orders = list[q]!.orders;
      for (let i = 0; i < orders.length; i++) {
        const rec = orders[i]!;
        if (rec.status !== 'resting') continue;
        const view = this.host.book(rec.cmd.assetId);
        if (view === undefined || !view.valid || view.isCrossed()) continue;
        const best = rec.cmd.side === 'BUY' ? view.bestAsk() : view.bestBid();
        if (best !== null && (rec.cmd.side === 'BUY' ? best <= rec.cmd.px : best >= rec.cmd.px)) return true;
      }
    }
    return false;
  }

  private tradeThrough(canon: string, t: bigint, out: VenueEvent[]): void {
    // the usual case: nothing crosses a resting order, so the priority order need not be built
    if (!this.anyThrough(canon)) return;
    for (const rec of this.restingByPriority(canon)) {
      if (rec.status !== 'resting') continue;
      const view = this.host.book(rec.cmd.assetId);
      if (view === undefined || !view.valid || view.isCrossed()) continue;
      const buy = rec.cmd.side === 'BUY';
      const opp: BookSide = buy ? 'ask' : 'bid';
      for (const lv of view.levels(opp)) {
        if (buy ? lv.px > rec.cmd.px : lv.px < rec.cmd.px) break;
        const [cs, cp] = toCanon(rec.mirrored, opp, lv.px);
        const key = this.keys.key(rec.canon, cs, cp);
        const avail = lv.qty - this.overlay.consumed(key);
        if (avail <= 0) continue;
        const take = Math.min(avail, leaves(rec));
        this.overlay.add(rec.canon, key, { assetId: rec.cmd.assetId, side: opp, px: lv.px }, take);
        rec.ahead = 0;
        this.counts.makerTradeThroughFills++;
        out.push(this.fillEvent(rec, rec.cmd.px, take, 'maker', t));
        if (leaves(rec) === 0) {
          this.finish(rec);
          break;
        }
      }
    }
  }

  onTrade(ev: TradePrinted, t: bigint, out: VenueEvent[]): void {
    if (!(ev.qty > 0)) return;
    const { canon, mirrored } = this.host.canonicalOf(ev.assetId);
    const P = mirrored ? PX_ONE - ev.px : ev.px;
    const taker = mirrored ? flipTaker(ev.takerSide) : ev.takerSide;
    const hit: BookSide = taker === 'SELL' ? 'bid' : 'ask';
    // the part of this print the book already showed as a decrease at P (one event, attribution.ts)
    const { attributed, run } = this.attribution.print(this.keys.key(canon, hit, P), ev.qty, t);
    const list = this.levelsByCanon.get(canon);
    if (list === undefined) return;
    // hot path (every print on a canonical token we rest on): no closure or array unless a level is hit
    let better: LevelQueue[] | null = null;
    let atLevel: LevelQueue | undefined;
    for (let q = 0; q < list.length; q++) {
      const lq = list[q]!;
      if (lq.canonSide !== hit) continue;
      if (lq.canonPx === P) atLevel = lq;
      else if (hit === 'bid' ? lq.canonPx > P : lq.canonPx < P) (better ??= []).push(lq);
    }
    let budget = ev.qty;
    if (better !== null) {
      better.sort(hit === 'bid' ? byPxDesc : byPxAsc);
      let fresh = ev.qty - attributed;
      for (const lq of better) {
        for (const rec of [...lq.orders]) {
          const late = joinedAfter(rec, attributed, run);
          if (!late || fresh > 0) rec.ahead = 0; // the taker went through this price after the order was there
          const f = Math.min(late ? fresh : budget, leaves(rec));
          budget -= f;
          fresh = Math.max(0, fresh - f);
          this.makerPrintFill(rec, f, t, out);
        }
      }
    }
    if (atLevel === undefined) return;
    // the print walks the queue as it was before the decrease it explains
    const orders = [...atLevel.orders];
    const slots: { ahead: Qty; leaves: Qty }[] = [];
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i]!;
      const ahead = attributed === 0 ? o.ahead : o.ahead + (joinedAfter(o, attributed, run) ? attributed : o.ghostRun === run ? Math.min(o.ghost, attributed) : 0);
      slots.push({ ahead, leaves: leaves(o) });
    }
    const fills = this.config.queue.filled(slots, budget);
    const walked = this.config.queue.trade(slots, budget);
    const shown = this.readLevel(atLevel.reader);
    const cap = shown === null ? Infinity : shown - this.overlay.consumed(atLevel.key);
    const aheads = normalizeAheads(walked, cap);
    for (let i = 0; i < orders.length; i++) {
      const rec = orders[i]!;
      rec.ahead = aheads[i] ?? rec.ahead;
      if (attributed > 0 && rec.ghostRun === run) rec.ghost -= Math.min(rec.ghost, attributed);
      this.makerPrintFill(rec, fills[i] ?? 0, t, out);
    }
  }

  private makerPrintFill(rec: OrderRec, qty: Qty, t: bigint, out: VenueEvent[]): void {
    if (qty <= 0) return;
    this.counts.makerPrintFills++;
    out.push(this.fillEvent(rec, rec.cmd.px, qty, 'maker', t));
    if (leaves(rec) === 0) this.finish(rec);
  }

  // ---------------------------------------------------------------- bookkeeping

  private readonly readLevel = (r: LevelReader): Qty | null => {
    const v = this.host.book(r.assetId);
    return v !== undefined && v.valid ? v.qtyAt(r.side, r.px) : null;
  };

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
      type: 'order_filled', tsNs: t, fillId: `${this.config.idPrefix}-${++this.fillSeq}`, clientId: c.clientId,
      assetId: c.assetId, side: c.side, px, qty, liquidity, feeCash: fee.feeCash, feeQty: fee.feeQty,
      rebateCash: liquidity === 'maker' ? makerRebate(terms, px, qty) : 0n, leavesQty: leaves(rec),
    };
  }

  /** The order is done: off its level queue, and the orchestrator forgets it. */
  finish(rec: OrderRec): void {
    if (rec.status === 'resting') {
      const lq = this.levelQueues.get(rec.restKey);
      if (lq !== undefined) {
        lq.orders = lq.orders.filter((o) => o !== rec);
        if (lq.orders.length === 0) {
          this.levelQueues.delete(lq.key);
          const list = this.levelsByCanon.get(lq.canon);
          if (list !== undefined) {
            const i = list.indexOf(lq);
            if (i >= 0) list.splice(i, 1);
            if (list.length === 0) this.levelsByCanon.delete(lq.canon);
          }
        }
      }
    }
    rec.status = 'done';
    this.host.onDone(rec);
  }

  cancel(rec: OrderRec, reason: CancelReason, t: bigint, out: VenueEvent[]): void {
    const leavesQty = leaves(rec);
    this.finish(rec);
    out.push({ type: 'order_canceled', tsNs: t, clientId: rec.cmd.clientId, reason, leavesQty });
  }
}

/**
 * An order that came to rest after the decrease a print explains (`attributed` of it, decrease run `run`)
 * joined after the trade: the shown part is not its to fill.
 */
function joinedAfter(rec: OrderRec, attributed: Qty, run: number): boolean {
  return attributed > 0 && rec.restSeq >= run;
}

/** Level queues best first: bids by price descending, asks ascending. */
const byPxDesc = (a: LevelQueue, b: LevelQueue): number => b.canonPx - a.canonPx;
const byPxAsc = (a: LevelQueue, b: LevelQueue): number => a.canonPx - b.canonPx;

/** True when normalizeAheads(orders' aheads, cap) would return them unchanged (non-decreasing, each <= max(0, cap)). */
function aheadsNormal(orders: readonly OrderRec[], cap: Qty): boolean {
  const c = Math.max(0, cap);
  let prev = 0;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i]!.ahead;
    if (a < prev || a > c) return false;
    prev = a;
  }
  return true;
}
