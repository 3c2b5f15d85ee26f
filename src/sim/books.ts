/**
 * The simulator's own order-book state per asset, kept by applying the feed's market-channel frames
 * (`book`, `price_change` in all three schemas, `last_trade_price`, `tick_size_change`) and REST book
 * summaries. It exists to answer REST `/book`, `/books` and to build the snapshot array sent on
 * subscribe; it is deliberately independent of src/core/book (a second, simple implementation is a
 * useful cross-check).
 *
 * Invariants
 * - Levels are keyed by integer 1e-4 ticks (parsePx), so "0.5" and "0.50" are the same level; the
 *   price and size strings are kept verbatim as last published and re-emitted unchanged.
 * - A `book` frame replaces the whole book; a `price_change` entry sets a level's total size, and a
 *   size that parses to 0 removes the level (PROTOCOL.md §1.5). BUY -> bids, SELL -> asks.
 * - Rendering uses the real wire order: bids ascending, asks descending, best LAST (PROTOCOL.md §1.5).
 * - `hash` of a rendered summary = SHA-1 of the compact JSON of the REST form with hash "" and key
 *   order market, asset_id, timestamp, hash, bids, asks, min_order_size, tick_size, neg_risk,
 *   last_trade_price (PROTOCOL.md §1.5, py-clob-client). Clients must not rely on it matching Polymarket.
 * Known limits
 * - Levels whose price is not on the 1e-4 grid are ignored and counted in `badLevels`.
 * - price_change entries for an asset that never had a snapshot still create its book (the simulator
 *   is the exchange: its book exists even if a client's snapshot was missed).
 * - No crossed-book checks: the feed is trusted (it is a recording or a scenario).
 */
import { createHash } from 'node:crypto';
import { parsePx, parseQty } from '../core/types/fixed.ts';

export interface Level {
  readonly price: string;
  readonly size: string;
}

interface AssetBook {
  market: string;
  readonly bids: Map<number, Level>;
  readonly asks: Map<number, Level>;
  timestamp: string;
  tickSize: string | null;
  lastTradePrice: string | null;
}

/** Per-asset REST extras (min size, neg risk, tick) looked up from the market registry. */
export interface BookExtras {
  readonly minOrderSize: string;
  readonly tickSize: string;
  readonly negRisk: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export class SimBooks {
  private readonly books = new Map<string, AssetBook>();
  badLevels = 0;

  has(assetId: string): boolean {
    return this.books.has(assetId);
  }

  assetIds(): string[] {
    return [...this.books.keys()];
  }

  /** Best bid / best ask price strings (null when the side is empty or the asset unknown). */
  top(assetId: string): { bid: string | null; ask: string | null } {
    const b = this.books.get(assetId);
    if (b === undefined) return { bid: null, ask: null };
    let bid: Level | null = null;
    let bidK = -1;
    for (const [k, l] of b.bids) if (k > bidK) [bidK, bid] = [k, l];
    let ask: Level | null = null;
    let askK = Infinity;
    for (const [k, l] of b.asks) if (k < askK) [askK, ask] = [k, l];
    return { bid: bid?.price ?? null, ask: ask?.price ?? null };
  }

  lastTradePrice(assetId: string): string | null {
    return this.books.get(assetId)?.lastTradePrice ?? null;
  }

  tickSize(assetId: string): string | null {
    return this.books.get(assetId)?.tickSize ?? null;
  }

  /** Applies one parsed market-channel frame (object or array). Unknown event types are ignored. */
  applyFrame(parsed: unknown): void {
    if (Array.isArray(parsed)) for (const m of parsed) this.applyMessage(m);
    else this.applyMessage(parsed);
  }

  /** Applies a REST book summary (`/book` body or one element of a `/books` array). */
  applyRestBook(summary: unknown): void {
    if (!isRecord(summary)) return;
    this.replaceBook(summary);
  }

  private applyMessage(m: unknown): void {
    if (!isRecord(m)) return;
    switch (m.event_type) {
      case 'book':
        this.replaceBook(m);
        break;
      case 'price_change':
        this.applyPriceChange(m);
        break;
      case 'last_trade_price': {
        const id = str(m.asset_id);
        const px = str(m.price);
        if (id !== null && px !== null) {
          const b = this.ensure(id, str(m.market));
          b.lastTradePrice = px;
          const ts = str(m.timestamp);
          if (ts !== null) b.timestamp = ts;
        }
        break;
      }
      case 'tick_size_change': {
        const id = str(m.asset_id);
        const tick = str(m.new_tick_size);
        if (id !== null && tick !== null) this.ensure(id, str(m.market)).tickSize = tick;
        break;
      }
      default:
        break;
    }
  }

  private ensure(assetId: string, market: string | null): AssetBook {
    let b = this.books.get(assetId);
    if (b === undefined) {
      b = { market: market ?? '', bids: new Map(), asks: new Map(), timestamp: '0', tickSize: null, lastTradePrice: null };
      this.books.set(assetId, b);
    } else if (market !== null && market !== '') {
      b.market = market;
    }
    return b;
  }

  private replaceBook(m: Record<string, unknown>): void {
    const id = str(m.asset_id);
    if (id === null) return;
    const b = this.ensure(id, str(m.market));
    b.bids.clear();
    b.asks.clear();
    this.fillSide(b.bids, m.bids);
    this.fillSide(b.asks, m.asks);
    const ts = str(m.timestamp);
    if (ts !== null) b.timestamp = ts;
    const tick = str(m.tick_size);
    if (tick !== null) b.tickSize = tick;
    const ltp = str(m.last_trade_price);
    if (ltp !== null && ltp !== '') b.lastTradePrice = ltp;
  }

  private fillSide(side: Map<number, Level>, levels: unknown): void {
    if (!Array.isArray(levels)) return;
    for (const l of levels) {
      if (!isRecord(l)) continue;
      const price = str(l.price);
      const size = str(l.size);
      if (price !== null && size !== null) this.setLevel(side, price, size);
    }
  }

  private setLevel(side: Map<number, Level>, price: string, size: string): void {
    const k = parsePx(price);
    const q = parseQty(size);
    if (k === null || q === null) {
      this.badLevels++;
      return;
    }
    if (q === 0) side.delete(k);
    else side.set(k, { price, size });
  }

  private applyChange(assetId: string, market: string | null, c: Record<string, unknown>, ts: string | null): void {
    const price = str(c.price);
    const size = str(c.size);
    const sideText = str(c.side);
    if (price === null || size === null || sideText === null) return;
    const b = this.ensure(assetId, market);
    const side = sideText.toUpperCase() === 'BUY' ? b.bids : sideText.toUpperCase() === 'SELL' ? b.asks : null;
    if (side === null) return;
    this.setLevel(side, price, size);
    if (ts !== null) b.timestamp = ts;
  }

  private applyPriceChange(m: Record<string, unknown>): void {
    const market = str(m.market);
    const ts = str(m.timestamp);
    if (Array.isArray(m.price_changes)) {
      // current schema (since 2025-09-15): one entry per leg, each with its own asset_id
      for (const pc of m.price_changes) {
        if (!isRecord(pc)) continue;
        const id = str(pc.asset_id);
        if (id !== null) this.applyChange(id, market, pc, ts);
      }
      return;
    }
    const id = str(m.asset_id);
    if (id === null) return;
    if (Array.isArray(m.changes)) {
      // legacy schema: top-level asset_id + changes[]
      for (const c of m.changes) if (isRecord(c)) this.applyChange(id, market, c, ts);
      return;
    }
    // oldest flat schema: one change at top level
    this.applyChange(id, market, m, ts);
  }

  private sortedLevels(assetId: string): { market: string; bids: Level[]; asks: Level[]; b: AssetBook } | null {
    const b = this.books.get(assetId);
    if (b === undefined) return null;
    const bids = [...b.bids.entries()].sort((x, y) => x[0] - y[0]).map((e) => e[1]); // ascending: best bid last
    const asks = [...b.asks.entries()].sort((x, y) => y[0] - x[0]).map((e) => e[1]); // descending: best ask last
    return { market: b.market, bids, asks, b };
  }

  /**
   * REST `/book` summary in wire key order, with its hash. `nowTs` is used when the book never carried
   * a timestamp. Returns null for an unknown asset.
   */
  restSummary(assetId: string, extras: BookExtras, nowTs: string): Record<string, unknown> | null {
    const s = this.sortedLevels(assetId);
    if (s === null) return null;
    const tick = s.b.tickSize ?? extras.tickSize;
    const summary = {
      market: s.market,
      asset_id: assetId,
      timestamp: s.b.timestamp === '0' ? nowTs : s.b.timestamp,
      hash: '',
      bids: s.bids,
      asks: s.asks,
      min_order_size: extras.minOrderSize,
      tick_size: tick,
      neg_risk: extras.negRisk,
      last_trade_price: s.b.lastTradePrice ?? '',
    };
    summary.hash = sha1Hex(JSON.stringify(summary));
    return summary;
  }

  /**
   * WS `book` message for the asset in real wire key order. `initial` = the subscribe snapshot, which
   * carries tick_size and last_trade_price; post-trade refreshes omit them (PROTOCOL.md §1.5).
   */
  wireBook(assetId: string, extras: BookExtras, nowTs: string, initial: boolean): Record<string, unknown> | null {
    const rest = this.restSummary(assetId, extras, nowTs);
    if (rest === null) return null;
    const out: Record<string, unknown> = {
      market: rest.market,
      asset_id: rest.asset_id,
      timestamp: rest.timestamp,
      hash: rest.hash,
      bids: rest.bids,
      asks: rest.asks,
    };
    if (initial) {
      out.tick_size = rest.tick_size;
      out.last_trade_price = rest.last_trade_price;
    }
    out.event_type = 'book';
    return out;
  }
}
