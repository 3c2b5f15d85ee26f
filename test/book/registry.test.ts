import { describe, expect, it } from 'vitest';
import { BookRegistry } from '../../src/core/book/registry.ts';
import type { BookReader } from '../../src/core/book/reader.ts';
import type { MarketEvent } from '../../src/core/types/events.ts';
import { deltaEv, L, meta, px, qty, snapshotEv, tickEv } from './helpers.ts';

function view(r: BookRegistry, id: string): BookReader {
  const v = r.book(id);
  if (v === undefined) throw new Error(`no book for ${id}`);
  return v;
}

/** YES/NO pair known from metadata, YES snapshot: bids 0.48 x 10, asks 0.5 x 20. */
function paired(): BookRegistry {
  const r = new BookRegistry([meta(['YES', 'NO'])]);
  r.apply(snapshotEv('YES', [L('0.48', '10')], [L('0.5', '20')], px('0.01')));
  return r;
}

describe('BookRegistry', () => {
  it('routes a binary pair into one book and reports both tokens on a snapshot', () => {
    const r = new BookRegistry([meta(['YES', 'NO'])]);
    expect(r.pairOf('YES')).toBe('NO');
    expect(r.pairOf('NO')).toBe('YES');
    expect(view(r, 'NO').valid).toBe(false); // known, waiting for a snapshot
    expect(r.apply(snapshotEv('NO', [L('0.5', '20')], [L('0.52', '10')]))).toEqual(['NO', 'YES']);
    expect(view(r, 'YES').depth('bid', 9)).toEqual([L('0.48', '10')]);
    expect(view(r, 'YES').depth('ask', 9)).toEqual([L('0.5', '20')]);
    expect(view(r, 'YES').tickSize).toBe(100); // from the metadata
    expect(r.binary('NO')?.yesAssetId).toBe('YES');
    expect(r.stats.snapshots).toBe(1);
  });

  it('applies both legs of a price_change once and checks the venue top of book (PROTOCOL §1.5 example)', () => {
    const r = paired();
    const ids = r.apply(deltaEv([
      { assetId: 'YES', side: 'bid', px: px('0.49'), qty: qty('55'), bestBid: px('0.49'), bestAsk: px('0.5') },
      { assetId: 'NO', side: 'ask', px: px('0.51'), qty: qty('55'), bestBid: px('0.5'), bestAsk: px('0.51') },
    ]));
    expect(ids).toEqual(['YES', 'NO']);
    expect(view(r, 'YES').depth('bid', 9)).toEqual([L('0.49', '55'), L('0.48', '10')]);
    expect(view(r, 'NO').depth('ask', 9)).toEqual([L('0.51', '55'), L('0.52', '10')]);
    expect(r.stats).toMatchObject({ levelSets: 2, topMismatch: 0, mirrorMismatch: 0, crossed: 0 });
    // The same message again changes nothing: no ids, still no mismatch
    expect(r.apply(deltaEv([
      { assetId: 'NO', side: 'ask', px: px('0.51'), qty: qty('55') },
      { assetId: 'YES', side: 'bid', px: px('0.49'), qty: qty('55') },
    ]))).toEqual([]);
  });

  it('counts a venue top of book that disagrees with ours, and treats "0"/"1" as empty sides', () => {
    const r = new BookRegistry();
    r.apply(snapshotEv('A', [], [L('0.6', '1')]));
    r.apply(deltaEv([{ assetId: 'A', side: 'ask', px: px('0.55'), qty: qty('2'), bestBid: 0, bestAsk: px('0.55') }]));
    expect(r.stats.topMismatch).toBe(0);
    r.apply(deltaEv([{ assetId: 'A', side: 'ask', px: px('0.55'), qty: 0, bestBid: 0, bestAsk: px('0.55') }]));
    expect(r.stats.topMismatch).toBe(1); // we now show 0.6
    r.apply(deltaEv([{ assetId: 'A', side: 'ask', px: px('0.6'), qty: 0, bestBid: 0, bestAsk: 10_000 }]));
    expect(r.stats.topMismatch).toBe(1);
  });

  it('counts legs that disagree as a mirror mismatch; the later leg wins', () => {
    const r = paired();
    r.apply(deltaEv([
      { assetId: 'YES', side: 'bid', px: px('0.49'), qty: qty('55') },
      { assetId: 'NO', side: 'ask', px: px('0.51'), qty: qty('60') },
    ]));
    expect(r.stats.mirrorMismatch).toBe(1);
    expect(view(r, 'YES').qtyAt('bid', px('0.49'))).toBe(qty('60'));
    // Legs in different messages are not compared
    r.apply(deltaEv([{ assetId: 'YES', side: 'bid', px: px('0.49'), qty: qty('1') }]));
    r.apply(deltaEv([{ assetId: 'NO', side: 'ask', px: px('0.51'), qty: qty('2') }]));
    expect(r.stats.mirrorMismatch).toBe(1);
  });

  it('drops level sets for tokens without a snapshot', () => {
    const r = new BookRegistry([meta(['YES', 'NO'])]);
    expect(r.apply(deltaEv([
      { assetId: 'NO', side: 'bid', px: px('0.5'), qty: qty('1') },
      { assetId: 'UNKNOWN', side: 'bid', px: px('0.5'), qty: qty('1') },
    ]))).toEqual([]);
    expect(r.stats.ignoredSets).toBe(2);
    expect(r.book('UNKNOWN')).toBeUndefined();
    expect(view(r, 'YES').levelCount('ask')).toBe(0);
  });

  it('keeps standalone books for unpaired tokens', () => {
    const r = new BookRegistry();
    expect(r.apply(snapshotEv('S', [L('0.3', '1')], [L('0.4', '1')]))).toEqual(['S']);
    expect(r.pairOf('S')).toBeUndefined();
    expect(r.apply(deltaEv([{ assetId: 'S', side: 'bid', px: px('0.35'), qty: qty('3') }]))).toEqual(['S']);
    expect(view(r, 'S').bestBid()).toBe(px('0.35'));
    expect(r.assetIds()).toEqual(['S']);
  });

  it('reports changed ids once each, in order of first change, across markets', () => {
    const r = new BookRegistry([meta(['Y1', 'N1']), meta(['Y2', 'N2'])]);
    r.apply(snapshotEv('Y1', [L('0.4', '1')], [L('0.6', '1')]));
    r.apply(snapshotEv('S', [L('0.4', '1')], [L('0.6', '1')]));
    r.apply(snapshotEv('N2', [L('0.4', '1')], [L('0.6', '1')]));
    const ids = r.apply(deltaEv([
      { assetId: 'N2', side: 'bid', px: px('0.41'), qty: qty('1') },
      { assetId: 'S', side: 'bid', px: px('0.41'), qty: qty('1') },
      { assetId: 'Y1', side: 'bid', px: px('0.4'), qty: qty('1') }, // no-op
      { assetId: 'Y2', side: 'ask', px: px('0.59'), qty: qty('1') }, // same book as N2
      { assetId: 'N1', side: 'ask', px: px('0.59'), qty: qty('2') },
    ]));
    expect(ids).toEqual(['N2', 'Y2', 'S', 'N1', 'Y1']);
  });

  it('invalidates on a tick-size change, ignores the pair token copy, recovers on the next snapshot', () => {
    const r = paired();
    expect(r.apply(tickEv('YES', px('0.01'), px('0.001')))).toEqual(['YES', 'NO']);
    expect(r.apply(tickEv('NO', px('0.01'), px('0.001')))).toEqual([]);
    expect(view(r, 'NO').valid).toBe(false);
    expect(r.apply(deltaEv([{ assetId: 'YES', side: 'bid', px: px('0.961'), qty: qty('1') }]))).toEqual([]);
    expect(r.stats.ignoredSets).toBe(1);
    // a post-change refresh without tick_size keeps the new tick
    r.apply(snapshotEv('NO', [L('0.035', '4')], [L('0.039', '5')]));
    expect(view(r, 'YES').valid).toBe(true);
    expect(view(r, 'YES').tickSize).toBe(10);
    expect(view(r, 'YES').bestBid()).toBe(px('0.961'));
    expect(r.stats.tickSizeChanges).toBe(2);
  });

  it('counts a crossed book once per event and book, never throws', () => {
    const r = paired();
    const ids = r.apply(deltaEv([
      { assetId: 'YES', side: 'bid', px: px('0.5'), qty: qty('1') }, // locks YES (bid = ask = 0.5)
      { assetId: 'NO', side: 'ask', px: px('0.5'), qty: qty('1') }, // the mirrored leg
    ]));
    expect(ids).toEqual(['YES', 'NO']);
    expect(view(r, 'NO').isCrossed()).toBe(true);
    expect(r.stats.crossed).toBe(1);
    r.apply(snapshotEv('S', [L('0.6', '1')], [L('0.5', '1')]));
    expect(r.stats.crossed).toBe(2);
    r.apply(deltaEv([{ assetId: 'YES', side: 'bid', px: px('0.5'), qty: 0 }]));
    expect(view(r, 'YES').isCrossed()).toBe(false);
    expect(r.stats.crossed).toBe(2);
  });

  it('learns pairs from market_meta events and adopts an existing standalone book', () => {
    const r = new BookRegistry();
    r.apply(snapshotEv('NO', [L('0.5', '20')], [L('0.52', '10')]));
    expect(r.pairOf('NO')).toBeUndefined();
    const ev: MarketEvent = {
      recvNs: 1n, source: 'gamma_rest', seq: 1, sub: 0, conn: 'g', exchMs: null,
      type: 'market_meta', meta: meta(['YES', 'NO']), via: 'gamma',
    };
    expect(r.apply(ev)).toEqual(['YES', 'NO']);
    expect(r.pairOf('YES')).toBe('NO');
    expect(view(r, 'YES').depth('ask', 9)).toEqual([L('0.5', '20')]);
    expect(view(r, 'YES').valid).toBe(true);
    expect(view(r, 'NO').depth('bid', 9)).toEqual([L('0.5', '20')]);
    // the same pairing again is a no-op; a contradicting one is counted and ignored
    expect(r.addMarket(meta(['YES', 'NO']))).toEqual([]);
    expect(r.addMarket(meta(['NO', 'OTHER']))).toEqual([]);
    expect(r.stats.pairConflicts).toBe(1);
    expect(r.pairOf('NO')).toBe('YES');
  });

  it('ignores events that are not about books', () => {
    const r = paired();
    const before = r.stats;
    const ev: MarketEvent = {
      recvNs: 1n, source: 'market_ws', seq: 9, sub: 0, conn: 'c', exchMs: null,
      type: 'trade', market: null, assetId: 'YES', px: 5000, qty: 1, takerSide: 'BUY', feeRateBps: null, txHash: null,
    };
    expect(r.apply(ev)).toEqual([]);
    expect(r.stats).toEqual(before);
  });
});
