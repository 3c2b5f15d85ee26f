/**
 * The tape's column codec (format in src/tape/tape.ts's header): normalized events <-> typed columns.
 *
 * Encoding (`BatchEncoder`, one Arrow record batch of up to BATCH_ROWS raw records):
 * - Row columns (one per raw record): seq, recv_ns, source, kind, conn (index in the batch's string
 *   dictionary), strings (row 0 only: the batch's dictionary as a JSON array), meta, payload, plus
 *   per-row List offsets for the event columns (e_*) and the level columns (l_*).
 * - Event columns (one entry per event): e_type (EV_*), e_exch Float64 (NaN = null), e_market / e_asset
 *   Int32 (dictionary index, -1 = null), e_i0..e_i2 Int32, e_f0 Float64, e_flags Uint8, e_nl Int32
 *   (number of level entries the event owns), e_text Utf8. Per family:
 *   book_snapshot  i0 tickSize, i1 lastTradePx (-1 = null), i2 number of bids; f0 minOrderSize (-1 =
 *                  null); flags negRisk (NEG_*), VIA_REST, TEXT_NULL; text hash; levels: bids then asks.
 *   book_delta     levels = its changes, in order.
 *   trade          i0 px, i1 feeRateBps (-1 = null); f0 qty; flags SELL, TEXT_NULL; text txHash.
 *   tick_size_changed  i0 oldTick, i1 newTick.
 *   best_bid_ask   i0 bestBid, i1 bestAsk (-1 = null).
 *   EV_JSON        any other family, and any event a typed family cannot hold exactly (a value of an
 *                  unexpected type or range, non-ASCII text, a key order other than the one below):
 *                  text = the event as JSON with recvNs/source/seq/conn as 0 placeholders (restored from
 *                  the row on read, key order kept), bigints as {"$n":"<digits>"}, non-ASCII as \uXXXX.
 * - Level columns: l_px Int32, l_qty Float64 (micro-shares: exact integers below 2^53, beyond Int32),
 *   l_asset Int32 (dictionary), l_flags Uint8 (ASK, TEXT_NULL), l_bb / l_ba Int32 (-1 = null), l_hash Utf8.
 *   Snapshot levels use only px/qty.
 * Every text column is ASCII (checked on write), so a batch's text decodes with one latin1 call and
 * per-value slices.
 *
 * Decoding (`decodeRow`) touches typed arrays only, builds each event as one object literal in the
 * normalizer's key order (so V8 gives every event of a family one hidden class and JSON.stringify of a
 * decoded event is byte-identical to the normalizer's), and resolves strings through the reader's
 * `canon` map: every token id / condition id / conn is one JS string for the whole tape.
 * Exactness: the encoder checks each typed field's type and range before writing and falls back to JSON
 * for anything else; key order is checked once per family per build (`shapeOk`), so a normalizer edit that
 * reorders keys degrades to JSON, never to a wrong event.
 */
import type { BestBidAsk, BookDelta, BookSide, BookSnapshot, Level, LevelChange, MarketEvent, TickSizeChanged, TradePrinted } from '../core/types/events.ts';
import type { RawRecord } from '../core/types/raw.ts';

/** Records per batch (an Arrow record batch; a chunk's last batch may be shorter). */
export const BATCH_ROWS = 8192;

export const EV_JSON = 0;
export const EV_BOOK = 1;
export const EV_DELTA = 2;
export const EV_TRADE = 3;
export const EV_TICK = 4;
export const EV_BBA = 5;

const NEG_NULL = 0;
const NEG_FALSE = 1;
const NEG_TRUE = 2;
const NEG_MASK = 3;
const VIA_REST = 4;
const SELL = 4;
const ASK = 1;
const TEXT_NULL = 8;

/** Key order of each typed family as the normalizer builds it (src/core/normalize/polymarket/*.ts). */
const KEYS: Readonly<Record<string, string>> = {
  book_snapshot: 'type,recvNs,source,seq,sub,conn,exchMs,market,assetId,bids,asks,tickSize,minOrderSize,negRisk,lastTradePx,hash,via',
  book_delta: 'type,recvNs,source,seq,sub,conn,exchMs,market,changes',
  trade: 'type,recvNs,source,seq,sub,conn,exchMs,market,assetId,px,qty,takerSide,feeRateBps,txHash',
  tick_size_changed: 'type,recvNs,source,seq,sub,conn,exchMs,market,assetId,oldTick,newTick',
  best_bid_ask: 'type,recvNs,source,seq,sub,conn,exchMs,market,assetId,bestBid,bestAsk',
};
const LEVEL_KEYS = 'px,qty';
const CHANGE_KEYS = 'assetId,side,px,qty,hash,bestBid,bestAsk';

const NON_ASCII = /[\u0080-\uffff]/g;
const ASCII_ONLY = /^[\u0000-\u007f]*$/;
const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
export const asciiJson = (v: unknown): string => JSON.stringify(v).replace(NON_ASCII, escapeChar);

function bigReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? { $n: v.toString() } : v;
}
function bigReviver(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && '$n' in v && typeof (v as { $n: unknown }).$n === 'string' && Object.keys(v).length === 1) return BigInt((v as { $n: string }).$n);
  return v;
}

const isI32 = (v: unknown): v is number => typeof v === 'number' && (v | 0) === v;
const isPx = (v: unknown): v is number => isI32(v) && v >= 0;
const isPxOrNull = (v: unknown): boolean => v === null || isPx(v);
const isQty = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isExch = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));
const isText = (v: unknown): boolean => v === null || (typeof v === 'string' && ASCII_ONLY.test(v));
const isStrOrNull = (v: unknown): boolean => v === null || typeof v === 'string';

/** A growable typed array column. */
class Col<T extends Int32Array | Float64Array | Uint8Array> {
  a: T;
  n = 0;
  constructor(private readonly make: (n: number) => T, cap: number) {
    this.a = make(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view(): T {
    return this.a.subarray(0, this.n) as T;
  }
}
const i32 = (cap: number): Col<Int32Array> => new Col((n) => new Int32Array(n), cap);
const f64 = (cap: number): Col<Float64Array> => new Col((n) => new Float64Array(n), cap);
const u8 = (cap: number): Col<Uint8Array> => new Col((n) => new Uint8Array(n), cap);

/** ASCII strings -> Arrow Utf8 buffers (offsets + bytes). */
export interface TextBuffers {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}
export function textBuffers(list: readonly string[]): TextBuffers {
  const offsets = new Int32Array(list.length + 1);
  let o = 0;
  for (let i = 0; i < list.length; i++) {
    o += list[i]!.length;
    offsets[i + 1] = o;
  }
  return { offsets, bytes: new Uint8Array(Buffer.from(list.join(''), 'latin1')) };
}

/** n rows: `text` in row 0, '' in the others. */
function firstRowText(text: string, n: number): TextBuffers {
  const offsets = new Int32Array(n + 1);
  offsets.fill(text.length, 1);
  return { offsets, bytes: new Uint8Array(Buffer.from(text, 'latin1')) };
}

/** Any strings (null allowed) -> Arrow Utf8 buffers with a validity bitmap. */
export function utf8Buffers(list: readonly (string | null)[]): TextBuffers & { valid: Uint8Array; nulls: number } {
  const offsets = new Int32Array(list.length + 1);
  const valid = new Uint8Array((list.length + 7) >> 3);
  const parts: string[] = [];
  let o = 0;
  let nulls = 0;
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (v === null || v === undefined) nulls++;
    else {
      valid[i >> 3]! |= 1 << (i & 7);
      o += Buffer.byteLength(v, 'utf8');
      parts.push(v);
    }
    offsets[i + 1] = o;
  }
  return { offsets, bytes: new Uint8Array(Buffer.from(parts.join(''), 'utf8')), valid, nulls };
}

/**
 * The typed event and level columns, the same on both sides of the IPC file: what the encoder writes
 * (EncodedBatch) and what the reader hands decodeRow (EventColumns). Text columns differ in form.
 */
export interface NumericEventColumns {
  readonly evOff: Int32Array;
  readonly lvOff: Int32Array;
  readonly eType: Uint8Array;
  readonly eExch: Float64Array;
  readonly eMarket: Int32Array;
  readonly eAsset: Int32Array;
  readonly eI0: Int32Array;
  readonly eI1: Int32Array;
  readonly eI2: Int32Array;
  readonly eF0: Float64Array;
  readonly eFlags: Uint8Array;
  readonly eNl: Int32Array;
  readonly lPx: Int32Array;
  readonly lQty: Float64Array;
  readonly lAsset: Int32Array;
  readonly lFlags: Uint8Array;
  readonly lBb: Int32Array;
  readonly lBa: Int32Array;
}

/** The columns of one batch, as typed arrays (what the Arrow writer gets, and what a build worker posts). */
export interface EncodedBatch extends NumericEventColumns {
  readonly rows: number;
  readonly events: number;
  readonly seq: Float64Array;
  readonly recvNs: BigInt64Array;
  readonly source: Uint8Array;
  readonly kind: Uint8Array;
  readonly conn: Int32Array;
  /** Row 0: the dictionary as JSON; other rows ''. */
  readonly strings: TextBuffers;
  readonly meta: TextBuffers;
  /** UTF-8; `valid` is the Arrow validity bitmap (bit clear = null: a JSON data frame's payload). */
  readonly payload: TextBuffers & { readonly valid: Uint8Array; readonly nulls: number };
  readonly eText: TextBuffers;
  readonly lHash: TextBuffers;
}

/**
 * Accumulates one batch. Usage: `row(raw, events, sourceIx, kindIx, payloadOrNull, metaJson)` per record,
 * then `finish()`. The shape check (key order per family) is per encoder instance and kept across
 * batches via `shapes`.
 */
export class BatchEncoder {
  private readonly dict = new Map<string, number>();
  private readonly dictList: string[] = [];
  private rows = 0;
  private readonly seq: Float64Array;
  private readonly ns: BigInt64Array;
  private readonly src: Uint8Array;
  private readonly kindCol: Uint8Array;
  private readonly connCol: Int32Array;
  private readonly metas: string[] = [];
  private readonly payloads: (string | null)[] = [];
  private readonly evOff: Int32Array;
  private readonly lvOff: Int32Array;
  private readonly eType = u8(BATCH_ROWS);
  private readonly eExch = f64(BATCH_ROWS);
  private readonly eMarket = i32(BATCH_ROWS);
  private readonly eAsset = i32(BATCH_ROWS);
  private readonly eI0 = i32(BATCH_ROWS);
  private readonly eI1 = i32(BATCH_ROWS);
  private readonly eI2 = i32(BATCH_ROWS);
  private readonly eF0 = f64(BATCH_ROWS);
  private readonly eFlags = u8(BATCH_ROWS);
  private readonly eNl = i32(BATCH_ROWS);
  private readonly eText: string[] = [];
  private readonly lPx = i32(2 * BATCH_ROWS);
  private readonly lQty = f64(2 * BATCH_ROWS);
  private readonly lAsset = i32(2 * BATCH_ROWS);
  private readonly lFlags = u8(2 * BATCH_ROWS);
  private readonly lBb = i32(2 * BATCH_ROWS);
  private readonly lBa = i32(2 * BATCH_ROWS);
  private readonly lHash: string[] = [];

  constructor(
    private readonly cap: number,
    /** Per family: key order verified (true) or found different (false: that family goes to JSON). */
    private readonly shapes: Map<string, boolean> = new Map(),
  ) {
    this.seq = new Float64Array(cap);
    this.ns = new BigInt64Array(cap);
    this.src = new Uint8Array(cap);
    this.kindCol = new Uint8Array(cap);
    this.connCol = new Int32Array(cap);
    this.evOff = new Int32Array(cap + 1);
    this.lvOff = new Int32Array(cap + 1);
  }

  get size(): number {
    return this.rows;
  }

  private id(s: string): number {
    let i = this.dict.get(s);
    if (i === undefined) {
      i = this.dictList.length;
      this.dict.set(s, i);
      this.dictList.push(s);
    }
    return i;
  }

  row(raw: RawRecord, events: readonly MarketEvent[], source: number, kind: number, payload: string | null, meta: string): void {
    const r = this.rows;
    if (r === this.cap) throw new Error('tape: batch full');
    this.seq[r] = raw.seq;
    this.ns[r] = raw.recvNs;
    this.src[r] = source;
    this.kindCol[r] = kind;
    this.connCol[r] = this.id(raw.conn);
    this.metas.push(meta);
    this.payloads.push(payload);
    for (const ev of events) {
      if (ev.recvNs !== raw.recvNs || ev.source !== raw.source || ev.seq !== raw.seq || ev.conn !== raw.conn) {
        throw new Error(`tape: an event of record seq ${raw.seq} does not carry the record's origin (normalizer Sink invariant broken)`);
      }
      this.event(ev);
    }
    this.rows = r + 1;
    this.evOff[r + 1] = this.eType.n;
    this.lvOff[r + 1] = this.lPx.n;
  }

  private shapeOk(ev: MarketEvent): boolean {
    let ok = this.shapes.get(ev.type);
    if (ok === undefined) {
      ok = Object.keys(ev).join(',') === KEYS[ev.type];
      if (ok && ev.type === 'book_snapshot') {
        const l = ev.bids[0] ?? ev.asks[0];
        if (l === undefined) return true; // decide on a book with levels
        ok = Object.keys(l).join(',') === LEVEL_KEYS;
      } else if (ok && ev.type === 'book_delta') {
        const c = ev.changes[0];
        if (c === undefined) return true;
        ok = Object.keys(c).join(',') === CHANGE_KEYS;
      }
      this.shapes.set(ev.type, ok);
    }
    return ok;
  }

  private head(type: number, ev: MarketEvent, market: string | null, asset: string | null): void {
    this.eType.push(type);
    this.eExch.push(ev.exchMs === null ? Number.NaN : ev.exchMs);
    this.eMarket.push(market === null ? -1 : this.id(market));
    this.eAsset.push(asset === null ? -1 : this.id(asset));
  }

  private event(ev: MarketEvent): void {
    if (KEYS[ev.type] !== undefined && isExch(ev.exchMs) && this.shapeOk(ev)) {
      switch (ev.type) {
        case 'book_snapshot':
          if (this.book(ev)) return;
          break;
        case 'book_delta':
          if (this.delta(ev)) return;
          break;
        case 'trade':
          if (this.trade(ev)) return;
          break;
        case 'tick_size_changed':
          if (this.tick(ev)) return;
          break;
        case 'best_bid_ask':
          if (this.bba(ev)) return;
          break;
        default:
          break;
      }
    }
    this.head(EV_JSON, ev, null, null);
    this.ints(0, 0, 0, 0, 0, 0);
    const o = { ...ev, recvNs: 0, source: 0, seq: 0, conn: 0 };
    const text = ev.type === 'normalization_error' ? JSON.stringify(o, bigReplacer) : JSON.stringify(o);
    this.eText.push(text.replace(NON_ASCII, escapeChar));
  }

  private ints(i0: number, i1: number, i2: number, f0: number, flags: number, nl: number): void {
    this.eI0.push(i0);
    this.eI1.push(i1);
    this.eI2.push(i2);
    this.eF0.push(f0);
    this.eFlags.push(flags);
    this.eNl.push(nl);
  }

  private levels(list: readonly Level[]): boolean {
    for (const l of list) if (!isPx(l.px) || !isQty(l.qty)) return false;
    return true;
  }

  private book(ev: BookSnapshot): boolean {
    if (!isStrOrNull(ev.market) || typeof ev.assetId !== 'string' || !this.levels(ev.bids) || !this.levels(ev.asks)) return false;
    if (!isPxOrNull(ev.tickSize) || !isPxOrNull(ev.lastTradePx) || !(ev.minOrderSize === null || isQty(ev.minOrderSize)) || !isText(ev.hash)) return false;
    if (!(ev.negRisk === null || typeof ev.negRisk === 'boolean') || !(ev.via === 'ws' || ev.via === 'rest')) return false;
    this.head(EV_BOOK, ev, ev.market, ev.assetId);
    const flags = (ev.negRisk === null ? NEG_NULL : ev.negRisk ? NEG_TRUE : NEG_FALSE) | (ev.via === 'rest' ? VIA_REST : 0) | (ev.hash === null ? TEXT_NULL : 0);
    this.ints(ev.tickSize ?? -1, ev.lastTradePx ?? -1, ev.bids.length, ev.minOrderSize ?? -1, flags, ev.bids.length + ev.asks.length);
    this.eText.push(ev.hash ?? '');
    for (const l of ev.bids) this.level(l.px, l.qty);
    for (const l of ev.asks) this.level(l.px, l.qty);
    return true;
  }

  private level(px: number, qty: number): void {
    this.lPx.push(px);
    this.lQty.push(qty);
    this.lAsset.push(0);
    this.lFlags.push(0);
    this.lBb.push(0);
    this.lBa.push(0);
    this.lHash.push('');
  }

  private delta(ev: BookDelta): boolean {
    if (!isStrOrNull(ev.market)) return false;
    for (const c of ev.changes) {
      if (typeof c.assetId !== 'string' || !(c.side === 'bid' || c.side === 'ask') || !isPx(c.px) || !isQty(c.qty) || !isText(c.hash) || !isPxOrNull(c.bestBid) || !isPxOrNull(c.bestAsk)) return false;
    }
    this.head(EV_DELTA, ev, ev.market, null);
    this.ints(0, 0, 0, 0, 0, ev.changes.length);
    this.eText.push('');
    for (const c of ev.changes) {
      this.lPx.push(c.px);
      this.lQty.push(c.qty);
      this.lAsset.push(this.id(c.assetId));
      this.lFlags.push((c.side === 'ask' ? ASK : 0) | (c.hash === null ? TEXT_NULL : 0));
      this.lBb.push(c.bestBid ?? -1);
      this.lBa.push(c.bestAsk ?? -1);
      this.lHash.push(c.hash ?? '');
    }
    return true;
  }

  private trade(ev: TradePrinted): boolean {
    if (!isStrOrNull(ev.market) || typeof ev.assetId !== 'string' || !isPx(ev.px) || !isQty(ev.qty) || !(ev.takerSide === 'BUY' || ev.takerSide === 'SELL')) return false;
    if (!(ev.feeRateBps === null || isPx(ev.feeRateBps)) || !isText(ev.txHash)) return false;
    this.head(EV_TRADE, ev, ev.market, ev.assetId);
    this.ints(ev.px, ev.feeRateBps ?? -1, 0, ev.qty, (ev.takerSide === 'SELL' ? SELL : 0) | (ev.txHash === null ? TEXT_NULL : 0), 0);
    this.eText.push(ev.txHash ?? '');
    return true;
  }

  private tick(ev: TickSizeChanged): boolean {
    if (!isStrOrNull(ev.market) || typeof ev.assetId !== 'string' || !isPx(ev.oldTick) || !isPx(ev.newTick)) return false;
    this.head(EV_TICK, ev, ev.market, ev.assetId);
    this.ints(ev.oldTick, ev.newTick, 0, 0, 0, 0);
    this.eText.push('');
    return true;
  }

  private bba(ev: BestBidAsk): boolean {
    if (!isStrOrNull(ev.market) || typeof ev.assetId !== 'string' || !isPxOrNull(ev.bestBid) || !isPxOrNull(ev.bestAsk)) return false;
    this.head(EV_BBA, ev, ev.market, ev.assetId);
    this.ints(ev.bestBid ?? -1, ev.bestAsk ?? -1, 0, 0, 0, 0);
    this.eText.push('');
    return true;
  }

  /** The batch's columns; the encoder must not be used afterwards. */
  finish(): EncodedBatch {
    const n = this.rows;
    return {
      rows: n,
      events: this.eType.n,
      seq: this.seq.subarray(0, n),
      recvNs: this.ns.subarray(0, n),
      source: this.src.subarray(0, n),
      kind: this.kindCol.subarray(0, n),
      conn: this.connCol.subarray(0, n),
      strings: firstRowText(asciiJson(this.dictList), n),
      meta: textBuffers(this.metas),
      payload: utf8Buffers(this.payloads),
      evOff: this.evOff.subarray(0, n + 1),
      lvOff: this.lvOff.subarray(0, n + 1),
      eType: this.eType.view(),
      eExch: this.eExch.view(),
      eMarket: this.eMarket.view(),
      eAsset: this.eAsset.view(),
      eI0: this.eI0.view(),
      eI1: this.eI1.view(),
      eI2: this.eI2.view(),
      eF0: this.eF0.view(),
      eFlags: this.eFlags.view(),
      eNl: this.eNl.view(),
      eText: textBuffers(this.eText),
      lPx: this.lPx.view(),
      lQty: this.lQty.view(),
      lAsset: this.lAsset.view(),
      lFlags: this.lFlags.view(),
      lBb: this.lBb.view(),
      lBa: this.lBa.view(),
      lHash: textBuffers(this.lHash),
    };
  }
}

/**
 * An ASCII Utf8 column as read back: decoded once per batch in chunks of about 64 KiB, then sliced per
 * value. One string per column was slower: a string over ~128 KiB goes to V8's large-object space (about
 * 10x the cost per byte to make here, and freed only by a full GC).
 */
export class TextColumn {
  private readonly chunks: string[] = [];
  /** Values per chunk = 1 << shift. */
  private readonly shift: number;

  constructor(
    /** Arrow value offsets (at least n + 1: an IPC buffer may be padded past them). */
    private readonly off: Int32Array,
    bytes: Uint8Array,
    n: number,
  ) {
    const avg = n > 0 ? Math.max(1, (off[n]! - off[0]!) / n) : 1;
    let shift = 0;
    while (shift < 24 && avg * 2 ** (shift + 1) <= 65536) shift++;
    this.shift = shift;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let j = 0; j < n; j += 1 << shift) this.chunks.push(buf.toString('latin1', off[j]!, off[Math.min(n, j + (1 << shift))]!));
  }

  /** Whether value j is '' (no slice made). */
  empty(j: number): boolean {
    return this.off[j] === this.off[j + 1];
  }

  /** Value j. */
  at(j: number): string {
    const c = j >> this.shift;
    const base = this.off[c << this.shift]!;
    return this.chunks[c]!.slice(this.off[j]! - base, this.off[j + 1]! - base);
  }
}

/** One batch's event and level columns as read back (typed arrays over the IPC buffers). */
export interface EventColumns extends NumericEventColumns {
  /** e_text and l_hash, per event / level entry. */
  readonly eText: TextColumn;
  readonly lHash: TextColumn;
  /** The batch's dictionary, each entry the tape-wide canonical string. */
  readonly dict: readonly string[];
}

export const EMPTY_EVENTS: readonly MarketEvent[] = Object.freeze([]);
const SIDE_BID: BookSide = 'bid';
const SIDE_ASK: BookSide = 'ask';

/**
 * The events of batch row `i` (whose RawRecord is `raw`), exactly as normalizeRecord(raw) made them.
 * Hot path (every replayed record): a one-event row (nearly all) is one array literal of one event, a
 * book_delta's one or two changes an array literal too (exact size, no push growth); every object is
 * built by one literal per family, so each family keeps one hidden class.
 */
export function decodeRow(c: EventColumns, i: number, raw: RawRecord): readonly MarketEvent[] {
  const e0 = c.evOff[i]!;
  const e1 = c.evOff[i + 1]!;
  if (e0 === e1) return EMPTY_EVENTS;
  if (e1 - e0 === 1) return [decodeEvent(c, e0, c.lvOff[i]!, 0, raw)];
  const out: MarketEvent[] = [];
  let l = c.lvOff[i]!;
  for (let e = e0; e < e1; e++) {
    out.push(decodeEvent(c, e, l, e - e0, raw));
    l += c.eNl[e]!; // every family owns e_nl level entries (0 but for books and deltas)
  }
  return out;
}

function change(c: EventColumns, l: number): LevelChange {
  const f = c.lFlags[l]!;
  const bb = c.lBb[l]!;
  const ba = c.lBa[l]!;
  return {
    assetId: c.dict[c.lAsset[l]!]!,
    side: (f & ASK) !== 0 ? SIDE_ASK : SIDE_BID,
    px: c.lPx[l]!,
    qty: c.lQty[l]!,
    hash: (f & TEXT_NULL) !== 0 ? null : c.lHash.at(l),
    bestBid: bb < 0 ? null : bb,
    bestAsk: ba < 0 ? null : ba,
  };
}

function changes(c: EventColumns, l: number, nl: number): LevelChange[] {
  if (nl === 2) return [change(c, l), change(c, l + 1)];
  if (nl === 1) return [change(c, l)];
  const out: LevelChange[] = [];
  for (let k = l; k < l + nl; k++) out.push(change(c, k));
  return out;
}

function levels(c: EventColumns, l: number, n: number): Level[] {
  const out: Level[] = [];
  for (let k = l; k < l + n; k++) out.push({ px: c.lPx[k]!, qty: c.lQty[k]! });
  return out;
}

/** Event `e` of the batch, its level entries from `l`, `sub` its index in the record. */
function decodeEvent(c: EventColumns, e: number, l: number, sub: number, raw: RawRecord): MarketEvent {
  const dict = c.dict;
  const recvNs = raw.recvNs;
  const source = raw.source;
  const seq = raw.seq;
  const conn = raw.conn;
  const x = c.eExch[e]!;
  const exchMs = x !== x ? null : x;
  const mk = c.eMarket[e]!;
  const market = mk < 0 ? null : dict[mk]!;
  switch (c.eType[e]) {
    case EV_DELTA: {
      const ev: BookDelta = { type: 'book_delta', recvNs, source, seq, sub, conn, exchMs, market, changes: changes(c, l, c.eNl[e]!) };
      return ev;
    }
    case EV_TRADE: {
      const f = c.eFlags[e]!;
      const fee = c.eI1[e]!;
      const ev: TradePrinted = {
        type: 'trade',
        recvNs,
        source,
        seq,
        sub,
        conn,
        exchMs,
        market,
        assetId: dict[c.eAsset[e]!]!,
        px: c.eI0[e]!,
        qty: c.eF0[e]!,
        takerSide: (f & SELL) !== 0 ? 'SELL' : 'BUY',
        feeRateBps: fee < 0 ? null : fee,
        txHash: (f & TEXT_NULL) !== 0 ? null : c.eText.at(e),
      };
      return ev;
    }
    case EV_BOOK: {
      const nb = c.eI2[e]!;
      const f = c.eFlags[e]!;
      const neg = f & NEG_MASK;
      const tick = c.eI0[e]!;
      const ltp = c.eI1[e]!;
      const mos = c.eF0[e]!;
      const ev: BookSnapshot = {
        type: 'book_snapshot',
        recvNs,
        source,
        seq,
        sub,
        conn,
        exchMs,
        market,
        assetId: dict[c.eAsset[e]!]!,
        bids: levels(c, l, nb),
        asks: levels(c, l + nb, c.eNl[e]! - nb),
        tickSize: tick < 0 ? null : tick,
        minOrderSize: mos < 0 ? null : mos,
        negRisk: neg === NEG_NULL ? null : neg === NEG_TRUE,
        lastTradePx: ltp < 0 ? null : ltp,
        hash: (f & TEXT_NULL) !== 0 ? null : c.eText.at(e),
        via: (f & VIA_REST) !== 0 ? 'rest' : 'ws',
      };
      return ev;
    }
    case EV_TICK: {
      const ev: TickSizeChanged = { type: 'tick_size_changed', recvNs, source, seq, sub, conn, exchMs, market, assetId: dict[c.eAsset[e]!]!, oldTick: c.eI0[e]!, newTick: c.eI1[e]! };
      return ev;
    }
    case EV_BBA: {
      const bb = c.eI0[e]!;
      const ba = c.eI1[e]!;
      const ev: BestBidAsk = { type: 'best_bid_ask', recvNs, source, seq, sub, conn, exchMs, market, assetId: dict[c.eAsset[e]!]!, bestBid: bb < 0 ? null : bb, bestAsk: ba < 0 ? null : ba };
      return ev;
    }
    default: {
      const text = c.eText.at(e);
      const ev = (text.includes('"$n"') ? JSON.parse(text, bigReviver) : JSON.parse(text)) as { recvNs: bigint; source: string; seq: number; conn: string };
      ev.recvNs = recvNs;
      ev.source = source;
      ev.seq = seq;
      ev.conn = conn;
      return ev as unknown as MarketEvent;
    }
  }
}
