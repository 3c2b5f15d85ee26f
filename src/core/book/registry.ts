/**
 * BookRegistry: every book of a run, keyed by token id, fed with normalized MarketEvents.
 *
 * Routing
 * - Binary pairs are the market registry's (src/core/markets/registry.ts: the one owner of markets and
 *   pairings; shared with the kernel, or private when the registry is built from a market list): a
 *   market learned through `addMarket` or a `market_meta` event goes to the market registry, and when
 *   it pairs tokens[0] (YES) with tokens[1] (NO) both route into ONE BinaryBook (liquidity is never
 *   counted twice). Tokens without a known pairing get a standalone L2Book, created by their first
 *   snapshot (or tick-size change).
 * - A pairing that arrives after standalone books exist adopts the YES book's state (else the NO
 *   book's, mirrored); a token already paired differently is left alone (the market registry counts it
 *   in `pairConflicts`).
 * - Books are created with `requireSnapshot`: level sets for a token with no snapshot yet, or after
 *   a tick-size change, are dropped and counted in `ignoredSets` (PROTOCOL.md §1.6).
 *
 * Ordering and the return value of `apply`
 * - Changes of one `book_delta` are applied in message order; the registry's checks run after each
 *   change (venue top of book) and after the whole event (crossed book), never in between legs.
 * - `apply` returns the token ids whose book changed, each once, in order of first change; for a
 *   binary market the pair token follows the token that was touched (its view changed too).
 *   A snapshot always counts as a change (an authoritative refresh); a level set only if it altered
 *   the book (a resent or mirrored leg that sets the same size is not a change); a tick-size change
 *   only if it invalidated the book. A `market_meta` event returns both tokens only when the new
 *   pairing adopted an existing standalone book. Other event types return [] and touch nothing.
 *
 * Token handles (the per-event hot path): books are also held in an array indexed by the market registry's
 * token handles (`bookAt`); `applyLegs(ev, legs)` takes the event's leg handles, resolved once by the
 * caller (MarketRegistry.legs), and leaves the changed tokens in `changedIds` / `changedHandles` (scratch,
 * valid until the next apply) instead of a fresh array. `apply(ev)` is the same with a fresh array.
 *
 * Data-quality counters (never exceptions): `crossed` = (event, book) pairs leaving a valid book
 * with bestBid >= bestAsk; `topMismatch` = level changes after which the venue's reported best_bid /
 * best_ask ("0" / "1" meaning an empty side) differ from ours; `mirrorMismatch` = the two tokens of
 * a binary market disagreeing (twin snapshots with the same exchange timestamp, or the two legs of
 * one price_change setting one level to different sizes; the later one wins), also reported to the
 * market registry, which owns the book-vs-venue figures of the run's reports.
 *
 * Known limits: books are never dropped (a resolved market's book stays readable); markets with more
 * or fewer than two tokens get standalone books per token.
 */
import type { BookDelta, BookSnapshot, MarketEvent, TickSizeChanged } from '../types/events.ts';
import type { Px } from '../types/fixed.ts';
import { PX_ONE } from '../types/fixed.ts';
import type { MarketMeta } from '../types/market.ts';
import { MarketRegistry, type TokenHandle } from '../markets/registry.ts';
import { BinaryBook } from './binary.ts';
import { L2Book } from './l2.ts';
import { mirrorSide } from './mirror.ts';
import type { BookReader } from './reader.ts';

export interface BookRegistryStats {
  /** Book events applied (snapshots, deltas, tick-size changes). */
  readonly events: number;
  readonly snapshots: number;
  /** Level changes applied to a valid book (including no-op sets). */
  readonly levelSets: number;
  /** Level changes dropped: unknown token or invalid book (no snapshot yet / after a tick change). */
  readonly ignoredSets: number;
  readonly tickSizeChanges: number;
  readonly crossed: number;
  readonly topMismatch: number;
  readonly mirrorMismatch: number;
  readonly pairConflicts: number;
}

interface Entry {
  /** The stored book (for a binary market: the YES book). */
  readonly core: L2Book;
  readonly binary: BinaryBook | null;
  /** What `book(assetId)` returns for this token. */
  readonly view: BookReader;
  /** The token's handle (market registry). */
  readonly h: TokenHandle;
  /** The other token of a binary book (its id and handle), or null / -1. */
  readonly pairId: string | null;
  readonly pairH: TokenHandle;
}

const validTick = (tick: Px | null | undefined): Px | null =>
  tick != null && Number.isInteger(tick) && tick > 0 && tick <= PX_ONE ? tick : null;

export class BookRegistry {
  private readonly entries = new Map<string, Entry>();
  /** The same entries by token handle (hot path). */
  private readonly byH: (Entry | undefined)[] = [];
  private readonly binaries: BinaryBook[] = [];
  private nEvents = 0;
  private nSnapshots = 0;
  private nSets = 0;
  private nIgnored = 0;
  private nTick = 0;
  private nCrossed = 0;
  private nTopMismatch = 0;
  /** The market registry (shared with the kernel, or this registry's own). */
  readonly markets: MarketRegistry;
  /** Scratch for onDelta's mirror check (reused per event). */
  private readonly legBins: BinaryBook[] = [];
  private readonly legKeys: number[] = [];
  private readonly legQtys: number[] = [];
  private readonly legFromNo: boolean[] = [];
  /**
   * The current event's changed books, in order (token id, entry): the first `chN` slots, read and reset by
   * finish(). Counters, not length writes: setting an array's length is a runtime call (hot path).
   */
  private readonly chIds: TokenHandle[] = [];
  private readonly chEntries: Entry[] = [];
  private chN = 0;
  private readonly chBooks: L2Book[] = [];
  /** applyLegs' answer: the first `n` slots (n = its return value) are the changed tokens, in order. */
  readonly changedIds: string[] = [];
  readonly changedHandles: TokenHandle[] = [];

  /** `markets`: a shared MarketRegistry, or market metadata for a registry of its own. */
  constructor(markets: Iterable<MarketMeta> | MarketRegistry = []) {
    if (markets instanceof MarketRegistry) {
      this.markets = markets;
      for (const m of markets.all()) this.addMarket(m);
    } else {
      this.markets = new MarketRegistry();
      for (const m of markets) this.addMarket(m);
    }
  }

  /** Learns a market (into the market registry) and routes its pair into one book. Returns the ids whose view changed. */
  addMarket(meta: MarketMeta): string[] {
    this.markets.add(meta);
    const [t0, t1] = meta.tokens;
    if (meta.tokens.length !== 2 || t0 === undefined || t1 === undefined || t0.tokenId === t1.tokenId) return [];
    const yes = t0.tokenId;
    const no = t1.tokenId;
    const yn = this.markets.yesNo(yes);
    // paired otherwise (a conflict, counted by the market registry) or not at all: nothing to route
    if (yn === undefined || yn[0] !== yes || yn[1] !== no) return [];
    const ey = this.entries.get(yes);
    const en = this.entries.get(no);
    if (ey?.binary != null || en?.binary != null) return [];
    const tickSize = validTick(meta.tickSize) ?? ey?.core.tickSize ?? en?.core.tickSize ?? null;
    const bin = new BinaryBook(yes, no, { requireSnapshot: true, tickSize });
    const seed = ey?.core.valid === true ? ey.core : en?.core.valid === true ? en.core : undefined;
    if (seed !== undefined) {
      bin.applySnapshot(seed.assetId, seed.depth('bid', Infinity), seed.depth('ask', Infinity), seed.tickSize);
    }
    this.binaries.push(bin);
    const hy = this.markets.handle(yes);
    const hn = this.markets.handle(no);
    this.put(yes, { core: bin.yesBook, binary: bin, view: bin.yesBook, h: hy, pairId: no, pairH: hn });
    this.put(no, { core: bin.yesBook, binary: bin, view: bin.noView, h: hn, pairId: yes, pairH: hy });
    return seed !== undefined ? [yes, no] : [];
  }

  private put(id: string, e: Entry): void {
    this.entries.set(id, e);
    this.byH[e.h] = e;
  }

  /** Read-only view of a token's book; undefined until the registry has heard of the token. */
  book(assetId: string): BookReader | undefined {
    return this.entries.get(assetId)?.view;
  }

  /** book() by the market registry's token handle (hot path). */
  bookAt(h: TokenHandle): BookReader | undefined {
    return this.byH[h]?.view;
  }

  /** The BinaryBook holding this token, if it is paired. */
  binary(assetId: string): BinaryBook | undefined {
    return this.entries.get(assetId)?.binary ?? undefined;
  }

  /** The other token of a known binary market (the market registry's pairing, once its book is routed). */
  pairOf(assetId: string): string | undefined {
    return this.entries.get(assetId)?.binary?.pairOf(assetId);
  }

  /** Every token with a book or a known pairing, in insertion order. */
  assetIds(): string[] {
    return [...this.entries.keys()];
  }

  get stats(): BookRegistryStats {
    let mirrorMismatch = 0;
    for (const b of this.binaries) mirrorMismatch += b.mirrorMismatch;
    return {
      events: this.nEvents,
      snapshots: this.nSnapshots,
      levelSets: this.nSets,
      ignoredSets: this.nIgnored,
      tickSizeChanges: this.nTick,
      crossed: this.nCrossed,
      topMismatch: this.nTopMismatch,
      mirrorMismatch,
      pairConflicts: this.markets.pairConflicts,
    };
  }

  /** Applies one event; returns the token ids whose book changed (see module notes). */
  apply(ev: MarketEvent): string[] {
    const n = this.applyLegs(ev);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(this.changedIds[i]!);
    return ids;
  }

  /**
   * apply() for the hot path: `legs` are the event's leg handles (MarketRegistry.legs of this registry's
   * market registry; looked up here when not given). Returns n: the changed tokens are the first n slots
   * of `changedIds` / `changedHandles`, in apply's order, until the next call.
   */
  applyLegs(ev: MarketEvent, legs?: readonly TokenHandle[]): number {
    // a previous apply that threw half-way (a caller bug) is forgotten: its partial changes are overwritten
    this.chN = 0;
    switch (ev.type) {
      case 'book_snapshot':
        this.onSnapshot(ev, legs !== undefined ? legs[0]! : this.markets.handle(ev.assetId));
        return this.finish();
      case 'book_delta':
        this.onDelta(ev, legs);
        return this.finish();
      case 'tick_size_changed':
        this.onTick(ev, legs !== undefined ? legs[0]! : this.markets.handle(ev.assetId));
        return this.finish();
      case 'market_meta': {
        const ids = this.addMarket(ev.meta);
        for (let i = 0; i < ids.length; i++) {
          this.changedIds[i] = ids[i]!;
          this.changedHandles[i] = this.markets.handle(ids[i]!);
        }
        return ids.length;
      }
      default:
        return 0;
    }
  }

  private entry(assetId: string, h: TokenHandle): Entry {
    let e = this.byH[h];
    if (e === undefined) {
      const book = new L2Book(assetId, { requireSnapshot: true });
      e = { core: book, binary: null, view: book, h, pairId: null, pairH: -1 };
      this.put(assetId, e);
    }
    return e;
  }

  /** Records that a token's book (entry `e`) changed in the current event; finish() reads and clears. */
  private touched(e: Entry): void {
    this.chIds[this.chN] = e.h;
    this.chEntries[this.chN] = e;
    this.chN++;
  }

  private onSnapshot(ev: BookSnapshot, h: TokenHandle): void {
    const e = this.entry(ev.assetId, h);
    const tick = validTick(ev.tickSize);
    if (e.binary !== null) {
      const before = e.binary.mirrorMismatch;
      e.binary.applySnapshot(ev.assetId, ev.bids, ev.asks, tick, ev.exchMs);
      if (e.binary.mirrorMismatch !== before) this.markets.noteMirrorMismatch(e.binary.mirrorMismatch - before);
    } else {
      e.core.applySnapshot(ev.bids, ev.asks, tick);
    }
    this.nSnapshots++;
    this.touched(e);
  }

  private onTick(ev: TickSizeChanged, h: TokenHandle): void {
    const tick = validTick(ev.newTick);
    if (tick === null) return;
    const e = this.entry(ev.assetId, h);
    this.nTick++;
    const invalidated = e.binary !== null ? e.binary.onTickSizeChange(ev.assetId, tick) : e.core.onTickSizeChange(tick);
    if (invalidated) this.touched(e);
  }

  private onDelta(ev: BookDelta, legs: readonly TokenHandle[] | undefined): void {
    const chIds = this.chIds;
    const changes = ev.changes;
    const n = changes.length;
    // Binary legs of this event, for the mirror check: parallel arrays scanned from the latest (a Map per
    // event cost more than the check on the usual 2-leg price_change); the latest entry per (book, key)
    // is what a map would hold.
    const legBins = this.legBins;
    const legKeys = this.legKeys;
    const legQtys = this.legQtys;
    const legFromNo = this.legFromNo;
    let nLegs = 0;
    for (let i = 0; i < n; i++) {
      const c = changes[i]!;
      const e = legs !== undefined ? this.byH[legs[i]!] : this.entries.get(c.assetId);
      if (e === undefined || !e.core.valid) {
        this.nIgnored++;
        continue;
      }
      const before = e.core.version;
      const bin = e.binary;
      if (bin !== null) {
        const fromNo = c.assetId === bin.noAssetId;
        if (n > 1) {
          const ySide = fromNo ? mirrorSide(c.side) : c.side;
          const yPx = fromNo ? PX_ONE - c.px : c.px;
          const key = (ySide === 'bid' ? 0 : PX_ONE + 1) + yPx;
          for (let j = nLegs - 1; j >= 0; j--) {
            if (legKeys[j] === key && legBins[j] === bin) {
              if (legFromNo[j] !== fromNo && legQtys[j] !== c.qty) {
                bin.recordMirrorMismatch();
                this.markets.noteMirrorMismatch();
              }
              break;
            }
          }
          legBins[nLegs] = bin;
          legKeys[nLegs] = key;
          legQtys[nLegs] = c.qty;
          legFromNo[nLegs] = fromNo;
          nLegs++;
        }
        bin.setLevel(c.assetId, c.side, c.px, c.qty);
      } else {
        e.core.setLevel(c.side, c.px, c.qty);
      }
      this.nSets++;
      // consecutive changes of one token are one entry (finish keeps first occurrences anyway)
      if (e.core.version !== before && (this.chN === 0 || chIds[this.chN - 1] !== e.h)) this.touched(e);
      const view = e.view;
      if ((c.bestBid !== null && c.bestBid !== (view.bestBid() ?? 0)) ||
          (c.bestAsk !== null && c.bestAsk !== (view.bestAsk() ?? PX_ONE))) {
        this.nTopMismatch++;
      }
    }
    // legBins keeps the last event's books referenced: they are this registry's own books, alive anyway
  }

  /** Dedupes changed ids (pair token after the touched one) and runs the crossed-book check once per book. */
  private finish(): number {
    this.nEvents++;
    const chEntries = this.chEntries;
    const m = this.chN;
    if (m === 0) return 0;
    this.chN = 0;
    // arrays, not Sets: an event touches one or two tokens (and books) almost always
    const ids = this.changedIds;
    const hs = this.changedHandles;
    let n = 0;
    const books = this.chBooks;
    let nb = 0;
    for (let i = 0; i < m; i++) {
      const e = chEntries[i]!;
      if (!includes(hs, n, e.h)) {
        ids[n] = e.view.assetId;
        hs[n++] = e.h;
      }
      if (e.pairId !== null && !includes(hs, n, e.pairH)) {
        ids[n] = e.pairId;
        hs[n++] = e.pairH;
      }
      let seen = false;
      for (let j = 0; j < nb; j++) if (books[j] === e.core) seen = true;
      if (!seen) books[nb++] = e.core;
    }
    for (let i = 0; i < nb; i++) if (books[i]!.valid && books[i]!.isCrossed()) this.nCrossed++;
    return n;
  }
}

/** h among the first n slots of xs. */
function includes(xs: readonly TokenHandle[], n: number, h: TokenHandle): boolean {
  for (let i = 0; i < n; i++) if (xs[i] === h) return true;
  return false;
}
