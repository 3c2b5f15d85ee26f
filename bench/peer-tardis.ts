/**
 * The same-language peer of the `normalize-peer` bench: tardis-dev (npm, 13.35.3) doing the work poly's
 * normalizer + BookRegistry do, on the same Polymarket market-channel messages.
 *
 * tardis-dev's published package has no Polymarket mapper (node_modules/tardis-dev/dist/mappers has none;
 * `polymarket` is not in its exchange list), so this file is the mapper it would have, written the way its
 * mappers are (a `canHandle` / `map` object yielding tardis's normalized types, prices and sizes through
 * `Number()` as every tardis mapper does), and the books are tardis's own `OrderBook` (bintrees RB-trees),
 * one per token, fed `book_change` messages. Per message the peer does:
 * - JSON.parse of the payload (an array frame element by element, as poly);
 * - `book` -> one BookChange {isSnapshot: true} with every level mapped to {price, amount} numbers,
 *   timestamp and localTimestamp Dates (tardis's normalized form);
 * - `price_change` (all three schemas: `price_changes[]`, `changes[]`, one level at top level) -> one
 *   BookChange {isSnapshot: false} per token, BUY -> bids, SELL -> asks, amount 0 removes;
 * - `last_trade_price` -> a tardis Trade {price, amount, side: buy|sell, id: undefined};
 * - `best_bid_ask` -> a tardis BookTicker;
 * - every BookChange goes into the token's OrderBook.update() (full book maintained), and after it the
 *   peer reads bestBid()/bestAsk(), as poly's registry computes the top after each event.
 * - tick_size_change, new_market, market_resolved: no tardis normalized type; mapped to nothing (the peer
 *   does LESS work than poly there: poly validates and maps them).
 * What the peer does not do that poly does: exact parsing (integer ticks/micro-shares), validation with
 * a reason per bad field, the unified YES/NO book and mirror checks, venue top-of-book comparison. The
 * comparison therefore flatters the peer, never poly.
 */
import { OrderBook } from 'tardis-dev';
import type { BookChange, BookPriceLevel, BookTicker, Trade } from 'tardis-dev';

type Msg = Record<string, unknown>;
type Level = { price: string; size: string };
type Change = { asset_id?: string; price: string; size: string; side: string };

const EXCHANGE = 'polymarket' as BookChange['exchange'];

const levels = (ls: unknown): BookPriceLevel[] => (Array.isArray(ls) ? (ls as Level[]).map((l) => ({ price: Number(l.price), amount: Number(l.size) })) : []);
const ts = (m: Msg): Date => new Date(Number(m['timestamp']));

function kindOf(m: Msg): string | undefined {
  const t = m['event_type'];
  if (typeof t === 'string') return t;
  if ('bids' in m || 'asks' in m) return 'book';
  if ('price_changes' in m || 'changes' in m) return 'price_change';
  if ('new_tick_size' in m) return 'tick_size_change';
  if ('price' in m && 'side' in m) return 'last_trade_price';
  return undefined;
}

export const polymarketPeerMapper = {
  canHandle(m: Msg): boolean {
    const k = kindOf(m);
    return k === 'book' || k === 'price_change' || k === 'last_trade_price' || k === 'best_bid_ask';
  },
  *map(m: Msg, localTimestamp: Date): IterableIterator<BookChange | Trade | BookTicker> {
    const k = kindOf(m);
    const timestamp = ts(m);
    if (k === 'book') {
      yield { type: 'book_change', symbol: String(m['asset_id']), exchange: EXCHANGE, isSnapshot: true, bids: levels(m['bids']), asks: levels(m['asks']), timestamp, localTimestamp };
    } else if (k === 'price_change') {
      const changes: Change[] = Array.isArray(m['price_changes'])
        ? (m['price_changes'] as Change[])
        : Array.isArray(m['changes'])
          ? (m['changes'] as Change[]).map((c) => ({ ...c, asset_id: String(m['asset_id']) }))
          : [{ asset_id: String(m['asset_id']), price: String(m['price']), size: String(m['size']), side: String(m['side']) }];
      const bySymbol = new Map<string, { bids: BookPriceLevel[]; asks: BookPriceLevel[] }>();
      for (const c of changes) {
        const sym = String(c.asset_id);
        let b = bySymbol.get(sym);
        if (b === undefined) bySymbol.set(sym, (b = { bids: [], asks: [] }));
        (c.side === 'BUY' ? b.bids : b.asks).push({ price: Number(c.price), amount: Number(c.size) });
      }
      for (const [symbol, b] of bySymbol) yield { type: 'book_change', symbol, exchange: EXCHANGE, isSnapshot: false, bids: b.bids, asks: b.asks, timestamp, localTimestamp };
    } else if (k === 'last_trade_price') {
      yield { type: 'trade', symbol: String(m['asset_id']), exchange: EXCHANGE, id: undefined, price: Number(m['price']), amount: Number(m['size']), side: m['side'] === 'BUY' ? 'buy' : 'sell', timestamp, localTimestamp };
    } else if (k === 'best_bid_ask') {
      yield {
        type: 'book_ticker', symbol: String(m['asset_id']), exchange: EXCHANGE,
        bidPrice: Number(m['best_bid']), bidAmount: undefined, askPrice: Number(m['best_ask']), askAmount: undefined, timestamp, localTimestamp,
      };
    }
  },
};

/** The peer over payloads: parse + map + maintain every token's book. Returns [messages, normalized messages, checksum]. */
export function runPeer(payloads: readonly string[], recvMs: readonly number[]): { messages: number; normalized: number; check: number } {
  const books = new Map<string, OrderBook>();
  let normalized = 0;
  let check = 0;
  for (let i = 0; i < payloads.length; i++) {
    const v: unknown = JSON.parse(payloads[i]!);
    const local = new Date(recvMs[i]!);
    for (const m of (Array.isArray(v) ? v : [v]) as Msg[]) {
      if (!polymarketPeerMapper.canHandle(m)) continue;
      for (const out of polymarketPeerMapper.map(m, local)) {
        normalized++;
        if (out.type !== 'book_change') continue;
        let ob = books.get(out.symbol);
        if (ob === undefined) books.set(out.symbol, (ob = new OrderBook()));
        ob.update(out);
        const bb = ob.bestBid();
        const ba = ob.bestAsk();
        if (bb !== undefined && ba !== undefined && bb.price < ba.price) check++;
      }
    }
  }
  return { messages: payloads.length, normalized, check };
}
