/**
 * Top-of-book clipper: sit at the best bid with a small order and clip the spread when sellers hit it.
 *
 * What it does, for one outcome token of every binary market (tokens[`outcome`], default 0 = YES/Up):
 * - Bid: joins the best bid with a post-only GTC BUY of `size` shares (less if that would take the
 *   position above `maxInventory`). When the best bid moves, the order is cancelled and, once the
 *   cancel is confirmed, placed again at the new best bid ("requote when the touch moves").
 * - Ask (when `sides` is "both" and we hold shares): joins the best ask with a post-only GTC SELL of
 *   up to `size` shares of what we hold, requoted the same way.
 * - Each new quote must be at least the market's minimum order size (usually 5 shares); smaller
 *   leftovers are not quoted.
 * - Quotes are pulled when the book is not tradeable (stale or lost feed, crossed book) and when the
 *   market resolves.
 *
 * Parameters
 * - size (shares, default 10): size of each quote.
 * - maxInventory (shares, default 50): most shares held plus bid open at any time.
 * - sides (bid | both, default both): also offer held shares at the best ask.
 * - outcome (integer, default 0): which token of each market to trade.
 *
 * Known limits
 * - Joining the touch puts us behind everyone already there (the paper exchange's conservative queue
 *   model fills us only after the displayed size ahead has traded), so fills are rare and late.
 * - No fair-value model: it buys whatever the touch is; in a falling market it accumulates inventory
 *   up to the cap. There is no stop-loss; held shares go to settlement.
 * - Between a cancel and its confirmation that side has no quote (one round trip of latency).
 */
import { z } from 'zod';
import { defineStrategy, type BookView, type StrategyContext } from 'poly';
import { p, qty } from 'poly';
import type { MarketResolved } from 'poly';
import type { MarketMeta } from 'poly';
import type { OrderEvent } from 'poly';
import { minSizeOf } from './lib/helpers.ts';
import { QuoteSlots } from './lib/quotes.ts';

const params = z.object({
  size: p.qty().prefault('10'),
  maxInventory: p.qty().prefault('50'),
  sides: z.enum(['bid', 'both']).prefault('both'),
  outcome: p.int().refine((v) => v === 0 || v === 1, { message: 'outcome must be 0 (YES/Up) or 1 (NO/Down)' }).prefault('0'),
});
type Params = z.output<typeof params>;

function create(ctx: StrategyContext<Params>) {
  const P = ctx.params;
  const quotes = new QuoteSlots(ctx);
  const done = new Set<string>();

  const tokenOf = (m: MarketMeta | undefined): string | undefined => (m !== undefined && m.tokens.length === 2 ? m.tokens[P.outcome]?.tokenId : undefined);

  function quote(token: string, book: BookView): void {
    if (done.has(token)) return;
    if (!ctx.canTrade(token) || !book.valid || book.isCrossed()) {
      quotes.pull((_, q) => q.assetId === token);
      return;
    }
    const min = minSizeOf(ctx.market(token));
    const held = ctx.position(token).qty;
    const bid = book.bestBid(), ask = book.bestAsk();
    // A live quote already at the touch stays: its size was checked when it was placed.
    const atTouch = (key: string, px: number | null) => px !== null && quotes.get(key)?.px === px;
    const bidQty = Math.min(P.size, P.maxInventory - held);
    const wantBid = bid !== null && (bidQty >= min || atTouch(`${token}:bid`, bid));
    // (bidQty < min only when a live quote stays at the touch: want() then keeps it and never sends this size)
    quotes.want(`${token}:bid`, wantBid ? { assetId: token, side: 'BUY', px: bid, qty: qty.micro(Math.max(0, bidQty)) } : null);
    const askQty = Math.min(P.size, held);
    const wantAsk = P.sides === 'both' && ask !== null && (askQty >= min || atTouch(`${token}:ask`, ask));
    quotes.want(`${token}:ask`, wantAsk ? { assetId: token, side: 'SELL', px: ask, qty: qty.micro(askQty) } : null);
  }

  function requote(token: string): void {
    const book = ctx.book(token);
    if (book !== undefined) quote(token, book);
  }

  return {
    onBook(assetId: string, book: BookView) {
      if (tokenOf(ctx.market(assetId)) === assetId) quote(assetId, book);
    },
    onOrder(ev: OrderEvent) {
      const freed = quotes.onOrder(ev);
      if (freed !== null) requote(freed.slice(0, freed.lastIndexOf(':')));
      else if (ev.type === 'order_filled') requote(ev.assetId); // a partial fill changes what we hold
    },
    onResolved(ev: MarketResolved) {
      const token = tokenOf(ctx.market(ev.market));
      if (token === undefined) return;
      done.add(token);
      quotes.pull((_, q) => q.assetId === token);
    },
  };
}

export default defineStrategy({
  name: 'top-of-book-clipper',
  description: 'Join the best bid (and best ask with inventory) with small post-only orders; requote when the touch moves.',
  params,
  create,
});
