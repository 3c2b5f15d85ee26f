/**
 * MarketRegistry: the one owner of what a run knows about its markets. The books (src/core/book), risk
 * (src/core/risk), the paper exchange (src/core/matching), the portfolio (src/core/portfolio) and the
 * kernel read it; none keeps its own copy of these facts.
 *
 * Facts
 * - Markets: MarketMeta by condition id (first one wins) and by token id.
 * - Pairing: a market with exactly two distinct tokens is a binary pair, tokens[0] YES, tokens[1] NO. The
 *   first pairing of a token wins for the run; a later market that would pair it differently is left
 *   unpaired and counted in `pairConflicts` (a data-quality figure). `pair(a, b)` pairs two tokens
 *   without metadata (a = YES), the same way.
 * - Canonical token: the lexicographically smaller token id of a pair; the other token's (side, price) is
 *   the canonical (mirror side, 1 - price) (the paper exchange keys liquidity this way). An unpaired token
 *   is its own canonical token.
 * - Book freshness (both tokens of a pair are ONE book, PROTOCOL.md §1.6, so they share one state):
 *   - last update: the receive time of the last book_snapshot / book_delta (a delta does not refresh a
 *     book that waits for a snapshot), its connection, and the last inbound market_ws heartbeat per
 *     connection (a quiet market sends no deltas; a PONG proves the connection current).
 *   - waiting for a snapshot: after a tick_size_changed that left the book invalid (the book module
 *     decides; without a book lookup every tick change counts, the reading that cannot flatter), and
 *     after a market_ws close/error for EVERY book, seen or not, until that book's next snapshot (WS or
 *     REST). `awaitingSnapshot` says why (feed loss first) and since when.
 *   - `staleReason(id, now, staleAfterNs)`: risk's question (waiting, never seen, or older than the limit).
 *   - A pairing learned after both tokens had their own state merges them: the latest update wins, the
 *     latest snapshot counts for both, and a wait that began after that snapshot is kept.
 * - Book-vs-venue checks (counted here, reported in summary.json `data_quality.book_checks`):
 *   `topMismatches` = times the venue's stated best bid / ask disagreed with our book after its message
 *   (src/core/reports/observe.ts), `mirrorMismatches` = the two tokens of a pair disagreeing (twin
 *   snapshots of one venue instant, or the two legs of one price_change; src/core/book/registry.ts).
 *
 * - Token handles (the per-event hot path): `handle(id)` interns a token id as a small integer (first seen
 *   first, never reused, never forgotten), so the parts that handle one event resolve each leg's id ONCE
 *   (`legs`) and then read arrays indexed by handle (`canonAt`, `waitingAt`, the books' `bookAt`) instead
 *   of one string-keyed Map lookup per part and leg. Handles are this registry's: a part built on it may
 *   index its own arrays by them. Queries by id never create a handle (an unknown id has no state).
 *
 * Ordering: the kernel adds markets before their events are handled (`add` for market_meta, before the
 * books apply it) and calls `onBookEvent(ev, book)` right AFTER the books applied `ev` and before risk and
 * the paper exchange react to it, so they all read one state. Standalone users (tests, a BookRegistry or
 * RiskEngine built without a shared registry) own a private registry and feed it themselves.
 * Pure: no clock, no I/O.
 */
import type { MarketEvent } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';

/** A token's canonical terms: the pair's canonical token, and whether this token is its mirror. */
export interface Canonical {
  readonly canon: string;
  readonly mirrored: boolean;
}

export interface BookWait {
  readonly why: 'feed' | 'tick';
  /** Receive time of the loss / tick change the book waits since. */
  readonly ns: bigint;
}

export interface BookChecks {
  readonly topMismatches: number;
  readonly mirrorMismatches: number;
  readonly pairConflicts: number;
}

interface Pair {
  readonly yes: string;
  readonly no: string;
}

interface Fresh {
  /** Last update (receive time). */
  ns: bigint;
  /** Last snapshot (null when only deltas were seen). */
  snapNs: bigint | null;
  conn: string;
  viaWs: boolean;
}

interface BookState {
  fresh: Fresh | null;
  /** Waiting for a snapshot after a tick change that invalidated the book (receive time), or null. */
  tickNs: bigint | null;
  /** Feed losses before this book's last snapshot (-1: never had one). */
  snapEpoch: number;
}

/** A token id interned by a MarketRegistry (`handle`): an index, 0, 1, 2, ... in order of first sight. */
export type TokenHandle = number;

/** Something that says whether a token's book is usable (BookRegistry, a BookView lookup). */
export type BookValidity = (assetId: string) => { readonly valid: boolean } | undefined;

export class MarketRegistry {
  private readonly byCondition = new Map<string, MarketMeta>();
  private readonly byToken = new Map<string, MarketMeta>();
  private readonly pairs = new Map<string, Pair>();
  /** Token handles: id -> handle, and per handle its id, canonical terms and canonical token's handle. */
  private readonly handles = new Map<string, TokenHandle>();
  private readonly ids: string[] = [];
  private readonly canonTerms: Canonical[] = [];
  private readonly canonH: TokenHandle[] = [];
  /** Freshness per canonical token, indexed by the canonical token's handle (undefined: never touched). */
  private readonly states: (BookState | undefined)[] = [];
  /** Receive times of the market_ws feed losses, in order. */
  private readonly losses: bigint[] = [];
  private readonly alive = new Map<string, bigint>();
  private nPairConflicts = 0;
  private nTopMismatches = 0;
  private nMirrorMismatches = 0;

  constructor(markets: Iterable<MarketMeta> = []) {
    for (const m of markets) this.add(m);
  }

  // ---------------------------------------------------------------- markets

  /**
   * Learns a market (and its pairing). False when its condition id was already known: the first metadata
   * wins, but different tokens under a known condition id still meet the pairing rule (a conflict is counted).
   */
  add(meta: MarketMeta): boolean {
    const known = this.byCondition.get(meta.conditionId);
    if (known !== undefined) {
      const same = known.tokens.length === meta.tokens.length && known.tokens.every((t, i) => t.tokenId === meta.tokens[i]?.tokenId);
      const [t0, t1] = meta.tokens;
      if (!same && meta.tokens.length === 2 && t0 !== undefined && t1 !== undefined) this.pair(t0.tokenId, t1.tokenId);
      return false;
    }
    this.byCondition.set(meta.conditionId, meta);
    for (const t of meta.tokens) this.byToken.set(t.tokenId, meta);
    const [t0, t1] = meta.tokens;
    if (meta.tokens.length === 2 && t0 !== undefined && t1 !== undefined) this.pair(t0.tokenId, t1.tokenId);
    return true;
  }

  /** A market by token id or condition id. */
  market(id: string): MarketMeta | undefined {
    return this.byToken.get(id) ?? this.byCondition.get(id);
  }

  /** The market of a token (token ids only). */
  marketOf(assetId: string): MarketMeta | undefined {
    return this.byToken.get(assetId);
  }

  hasCondition(conditionId: string): boolean {
    return this.byCondition.has(conditionId);
  }

  /** Every market, in the order first learned. */
  all(): MarketMeta[] {
    return [...this.byCondition.values()];
  }

  // ---------------------------------------------------------------- pairing

  /**
   * Pairs two tokens as one binary market (a = YES, b = NO). A token already paired with another token is
   * left alone and counted as a conflict; the same two tokens again (either way round) are a no-op.
   * Freshness states tracked separately before are merged (see header). Returns true for a new pair.
   */
  pair(a: string, b: string): boolean {
    if (a === b) return false;
    const pa = this.pairs.get(a);
    const pb = this.pairs.get(b);
    if (pa !== undefined && pa === pb) return false;
    if (pa !== undefined || pb !== undefined) {
      this.nPairConflicts++;
      return false;
    }
    const p: Pair = { yes: a, no: b };
    this.pairs.set(a, p);
    this.pairs.set(b, p);
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const hl = this.handle(lo);
    const hh = this.handle(hi);
    this.canonTerms[hl] = { canon: lo, mirrored: false };
    this.canonTerms[hh] = { canon: lo, mirrored: true };
    this.canonH[hl] = hl;
    this.canonH[hh] = hl;
    this.mergeStates(hl, hh);
    return true;
  }

  /** The other token of a known binary pair. */
  pairOf(assetId: string): string | undefined {
    const p = this.pairs.get(assetId);
    return p === undefined ? undefined : p.yes === assetId ? p.no : p.yes;
  }

  /** [YES, NO] of a token's pair, or undefined. */
  yesNo(assetId: string): readonly [string, string] | undefined {
    const p = this.pairs.get(assetId);
    return p === undefined ? undefined : [p.yes, p.no];
  }

  /** Canonical terms of a token (its own for an unpaired token). */
  canonicalOf(assetId: string): Canonical {
    const h = this.handles.get(assetId);
    return h === undefined ? { canon: assetId, mirrored: false } : this.canonTerms[h]!;
  }

  /** canonicalOf(assetId).canon without allocating for an unpaired token. */
  canonOf(assetId: string): string {
    const h = this.handles.get(assetId);
    return h === undefined ? assetId : this.canonTerms[h]!.canon;
  }

  // ---------------------------------------------------------------- token handles

  /** The token's handle, interned on first sight (see header). */
  handle(assetId: string): TokenHandle {
    // the last two tokens asked for (the two legs of a binary price_change, usually again in the next event):
    // a string comparison, equal instances compare at once; handles never change, so the memo is exact
    if (assetId === this.memoId0) return this.memoH0;
    if (assetId === this.memoId1) {
      const h1 = this.memoH1;
      this.memoId1 = this.memoId0;
      this.memoH1 = this.memoH0;
      this.memoId0 = assetId;
      this.memoH0 = h1;
      return h1;
    }
    let h = this.handles.get(assetId);
    this.memoId1 = this.memoId0;
    this.memoH1 = this.memoH0;
    this.memoId0 = assetId;
    if (h === undefined) {
      h = this.ids.length;
      this.handles.set(assetId, h);
      this.ids.push(assetId);
      this.canonTerms.push({ canon: assetId, mirrored: false });
      this.canonH.push(h);
      this.states.push(undefined);
    }
    this.memoH0 = h;
    return h;
  }

  private memoId0: string | null = null;
  private memoH0 = -1;
  private memoId1: string | null = null;
  private memoH1 = -1;

  /** The token's handle if it has one (never creates one). */
  peekHandle(assetId: string): TokenHandle | undefined {
    return this.handles.get(assetId);
  }

  /** The token id of a handle. */
  idOf(h: TokenHandle): string {
    const id = this.ids[h];
    if (id === undefined) throw new RangeError(`token handle ${h} was never issued`);
    return id;
  }

  /** Tokens with a handle. */
  get handleCount(): number {
    return this.ids.length;
  }

  /**
   * The handles of an event's token legs into `out` (slot i = the i-th change of a book_delta; slot 0 = the
   * token of an event of one token); returns how many. One Map lookup per leg, the only one of the event
   * (consecutive changes of one token share it). Events without a token write nothing (0).
   */
  legs(ev: MarketEvent, out: TokenHandle[]): number {
    switch (ev.type) {
      case 'book_delta': {
        const cs = ev.changes;
        let last: string | null = null;
        let h = 0;
        for (let i = 0; i < cs.length; i++) {
          const id = cs[i]!.assetId;
          if (id !== last) {
            h = this.handle(id);
            last = id;
          }
          out[i] = h;
        }
        return cs.length;
      }
      case 'book_snapshot':
      case 'tick_size_changed':
      case 'trade':
      case 'best_bid_ask':
        out[0] = this.handle(ev.assetId);
        return 1;
      default:
        return 0;
    }
  }

  /** canonicalOf by handle (the hot path's form). */
  canonAt(h: TokenHandle): Canonical {
    return this.canonTerms[h]!;
  }

  /** isAwaitingSnapshot by handle (the hot path's form). */
  waitingAt(h: TokenHandle): boolean {
    const s = this.states[this.canonH[h]!];
    return s === undefined ? this.losses.length > 0 : this.isWaiting(s);
  }

  // ---------------------------------------------------------------- book freshness

  /**
   * Updates freshness after the books applied `ev` (see header). `book` says whether a token's book is
   * valid after a tick-size change; without it every tick change makes the book wait for a snapshot.
   */
  onBookEvent(ev: MarketEvent, book?: BookValidity, legs?: readonly TokenHandle[]): void {
    switch (ev.type) {
      case 'book_snapshot': {
        const s = this.stateAt(legs !== undefined ? legs[0]! : this.handle(ev.assetId));
        s.tickNs = null;
        s.snapEpoch = this.losses.length;
        s.fresh = { ns: ev.recvNs, snapNs: ev.recvNs, conn: ev.conn, viaWs: ev.source === 'market_ws' };
        break;
      }
      case 'book_delta': {
        // hot path (every price_change): the freshness record is updated in place (never shared: mergeStates copies)
        const cs = ev.changes;
        const viaWs = ev.source === 'market_ws';
        for (let i = 0; i < cs.length; i++) {
          const s = this.stateAt(legs !== undefined ? legs[i]! : this.handle(cs[i]!.assetId));
          if (this.isWaiting(s)) continue;
          const f = s.fresh;
          if (f === null) s.fresh = { ns: ev.recvNs, snapNs: null, conn: ev.conn, viaWs };
          else {
            f.ns = ev.recvNs;
            f.conn = ev.conn;
            f.viaWs = viaWs;
          }
        }
        break;
      }
      case 'tick_size_changed': {
        // a duplicate copy (the pair token's, or a resend) leaves the book valid: nothing to wait for
        const v = book?.(ev.assetId);
        const invalid = book === undefined || v === undefined || !v.valid;
        const s = this.stateAt(legs !== undefined ? legs[0]! : this.handle(ev.assetId));
        if (invalid && s.tickNs === null) s.tickNs = ev.recvNs;
        break;
      }
      case 'feed_state':
        if (ev.source === 'market_ws' && (ev.state === 'close' || ev.state === 'error')) this.losses.push(ev.recvNs);
        break;
      case 'heartbeat':
        if (ev.source === 'market_ws' && ev.direction === 'in') this.alive.set(ev.conn, ev.recvNs);
        break;
      default:
        break;
    }
  }

  /** Why the token's book waits for a snapshot (a feed loss before a tick change), or null. */
  awaitingSnapshot(assetId: string): BookWait | null {
    const s = this.stateOf(assetId);
    if (s === undefined) return this.losses.length > 0 ? { why: 'feed', ns: this.losses[0]! } : null;
    return this.waitOf(s);
  }

  /** The book waits for a snapshot (either reason). */
  isAwaitingSnapshot(assetId: string): boolean {
    // hot path (the paper exchange asks per book change): no BookWait built
    const s = this.stateOf(assetId);
    return s === undefined ? this.losses.length > 0 : this.isWaiting(s);
  }

  /** The tick-size change the book waits since (whatever else it waits for), or null. */
  tickWait(assetId: string): BookWait | null {
    const ns = this.stateOf(assetId)?.tickNs ?? null;
    return ns === null ? null : { why: 'tick', ns };
  }

  /**
   * Receive time that proves the token's book current: its last update, or a later inbound heartbeat on the
   * market_ws connection that delivered it; null when it never had data.
   */
  lastUpdateNs(assetId: string): bigint | null {
    const f = this.stateOf(assetId)?.fresh ?? null;
    if (f === null) return null;
    const aliveNs = f.viaWs ? this.alive.get(f.conn) : undefined;
    return aliveNs !== undefined && aliveNs > f.ns ? aliveNs : f.ns;
  }

  // ---------------------------------------------------------------- book-vs-venue checks

  noteTopMismatch(n = 1): void {
    this.nTopMismatches += n;
  }

  noteMirrorMismatch(n = 1): void {
    this.nMirrorMismatches += n;
  }

  get checks(): BookChecks {
    return { topMismatches: this.nTopMismatches, mirrorMismatches: this.nMirrorMismatches, pairConflicts: this.nPairConflicts };
  }

  get pairConflicts(): number {
    return this.nPairConflicts;
  }

  // ---------------------------------------------------------------- internals

  /** The freshness state of the token's canonical token, made on first use. */
  private stateAt(h: TokenHandle): BookState {
    const k = this.canonH[h]!;
    let s = this.states[k];
    if (s === undefined) {
      s = { fresh: null, tickNs: null, snapEpoch: -1 };
      this.states[k] = s;
    }
    return s;
  }

  /** The state of a token's canonical token, if any (by id: never creates a handle). */
  private stateOf(assetId: string): BookState | undefined {
    const h = this.handles.get(assetId);
    return h === undefined ? undefined : this.states[this.canonH[h]!];
  }

  /** waitOf(s) !== null, without building the answer. */
  private isWaiting(s: BookState): boolean {
    return (s.snapEpoch < 0 ? 0 : s.snapEpoch) < this.losses.length || s.tickNs !== null;
  }

  private waitOf(s: BookState): BookWait | null {
    // the first feed loss after the book's last snapshot (a book never snapshotted waits since the first)
    const lossIdx = s.snapEpoch < 0 ? 0 : s.snapEpoch;
    if (lossIdx < this.losses.length) {
      const feedNs = this.losses[lossIdx]!;
      // a feed loss is reported before a tick wait (both end with the same snapshot)
      return { why: 'feed', ns: feedNs };
    }
    return s.tickNs !== null ? { why: 'tick', ns: s.tickNs } : null;
  }

  /** A pair learned late: hi's state joins lo's (latest update wins; latest snapshot for both; later waits kept). */
  private mergeStates(lo: TokenHandle, hi: TokenHandle): void {
    const a = this.states[lo];
    const b = this.states[hi];
    if (b === undefined) return;
    this.states[hi] = undefined;
    if (a === undefined) {
      this.states[lo] = b;
      return;
    }
    const snaps = [a.fresh?.snapNs ?? null, b.fresh?.snapNs ?? null].filter((x): x is bigint => x !== null);
    const lastSnap = snaps.length === 0 ? null : snaps.reduce((x, y) => (x > y ? x : y));
    const newer = b.fresh !== null && (a.fresh === null || b.fresh.ns > a.fresh.ns) ? b.fresh : a.fresh;
    const ticks = [a.tickNs, b.tickNs].filter((x): x is bigint => x !== null && (lastSnap === null || x >= lastSnap));
    this.states[lo] = {
      fresh: newer === null ? null : { ...newer, snapNs: lastSnap },
      tickNs: ticks.length === 0 ? null : ticks.reduce((x, y) => (x < y ? x : y)),
      snapEpoch: Math.max(a.snapEpoch, b.snapEpoch),
    };
  }
}
