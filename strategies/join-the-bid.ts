/**
 * Join the bid: the starter strategy (`poly init` copies this file into a new project). On every token it
 * rests one post-only BUY at the best bid, re-placing it when the bid moves, and offers what it holds with
 * one post-only SELL at the best ask, never below its bid + `edge`. It imports only 'poly', like a user's
 * strategy: parameters are exact (`p.qty()`, `p.px()`: '10' shares, '0.01' dollars), constants are
 * written as text (`px('0.99')`), and `ctx.log` lines land in strategy.log.jsonl beside the reports.
 *
 * Parameters
 * - size         shares per BUY (default 10)
 * - edge         the lowest markup of a SELL over the best bid, in dollars per share (default 0.01)
 * - maxPosition  no new BUY once this many shares are held on a token (default 50)
 * - maxBid       never bid above this price (default 0.95: near-certain outcomes pay too little)
 *
 * Known limits: an example, not an edge. It quotes both tokens of a binary market independently (holding
 * YES and NO at once is a merge waiting to happen), and it keeps quoting until the data ends.
 */
import { defineStrategy, p, px, z } from 'poly';

export default defineStrategy({
  name: 'join-the-bid',
  description: 'Rests a post-only bid at the best bid on every token and offers its holdings at the ask.',
  params: z.object({
    size: p.qty().prefault('10'),
    edge: p.px().prefault('0.01'),
    maxPosition: p.qty().prefault('50'),
    maxBid: p.px().prefault('0.95'),
  }),
  create(ctx) {
    const { size, edge, maxPosition, maxBid } = ctx.params;
    const ceiling = px('0.99');
    return {
      onBook(assetId, book) {
        if (!ctx.canTrade(assetId)) return;
        const bid = book.bestBid();
        const ask = book.bestAsk();
        if (bid === null || ask === null) return;
        const open = ctx.openOrders(assetId);
        const held = ctx.position(assetId).qty;
        for (const o of open) if (o.side === 'BUY' && o.px !== bid) ctx.cancel(o.clientId);
        const bidding = open.some((o) => o.side === 'BUY' && o.px === bid);
        if (!bidding && bid <= maxBid && held + size <= maxPosition) ctx.buy({ assetId, px: bid, qty: size, postOnly: true });
        const offer = Math.max(ask, bid + edge);
        if (held > 0 && offer <= ceiling && !open.some((o) => o.side === 'SELL')) ctx.sell({ assetId, px: px.ticks(offer), qty: held, postOnly: true });
      },
      onFill(fill) {
        ctx.log.info('filled', { side: fill.side, px: fill.px, qty: fill.qty, assetId: fill.assetId });
      },
    };
  },
});
