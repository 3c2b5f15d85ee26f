/**
 * The simulator's own book state (src/sim/books.ts) and frame routing helpers (frames.ts):
 * the three price_change schemas, size-0 removal, equal levels across spellings, best-last rendering
 * (property test against a plain model, fixed seed), and asset inference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimBooks, sha1Hex } from '../../src/sim/books.ts';
import { frameRouting, malformedFrame } from '../../src/sim/frames.ts';

const extras = { minOrderSize: '5', tickSize: '0.01', negRisk: false };
/** Integer tick (1..99) / cents -> decimal text, by string building (no float). */
const px = (tick: number): string => `0.${String(tick).padStart(2, '0')}`;
const sz = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const prices = (levels: unknown): string[] => (levels as { price: string }[]).map((l) => l.price);

describe('SimBooks', () => {
  it('applies book, then current / legacy / flat price_change schemas; size 0 removes', () => {
    const b = new SimBooks();
    b.applyFrame([
      { event_type: 'book', market: '0xm', asset_id: 'A', timestamp: '1', bids: [{ price: '0.4', size: '1' }], asks: [{ price: '0.6', size: '1' }], tick_size: '0.01' },
    ]);
    b.applyFrame({
      event_type: 'price_change',
      market: '0xm',
      timestamp: '2',
      price_changes: [
        { asset_id: 'A', price: '0.45', size: '3', side: 'BUY' },
        { asset_id: 'B', price: '0.55', size: '3', side: 'SELL' },
      ],
    });
    b.applyFrame({ event_type: 'price_change', asset_id: 'A', market: '0xm', timestamp: '3', changes: [{ price: '0.6', side: 'SELL', size: '0' }, { price: '0.58', side: 'SELL', size: '2' }] });
    b.applyFrame({ event_type: 'price_change', asset_id: 'A', market: '0xm', timestamp: '4', price: '0.40', side: 'buy', size: '0.000' });
    const a = b.restSummary('A', extras, '99');
    expect(prices(a?.bids)).toEqual(['0.45']);
    expect(prices(a?.asks)).toEqual(['0.58']);
    expect(a?.timestamp).toBe('4');
    expect(prices(b.restSummary('B', extras, '99')?.asks)).toEqual(['0.55']);
    expect(b.top('A')).toEqual({ bid: '0.45', ask: '0.58' });
  });

  it('treats "0.5" and "0.50" as one level and keeps the latest spelling; ignores off-grid prices', () => {
    const b = new SimBooks();
    b.applyFrame({ event_type: 'price_change', market: 'm', timestamp: '1', price_changes: [{ asset_id: 'A', price: '0.5', size: '1', side: 'BUY' }] });
    b.applyFrame({ event_type: 'price_change', market: 'm', timestamp: '2', price_changes: [{ asset_id: 'A', price: '0.50', size: '2', side: 'BUY' }] });
    b.applyFrame({ event_type: 'price_change', market: 'm', timestamp: '3', price_changes: [{ asset_id: 'A', price: '0.12345', size: '2', side: 'BUY' }] });
    expect(b.restSummary('A', extras, '0')?.bids).toEqual([{ price: '0.50', size: '2' }]);
    expect(b.badLevels).toBe(1);
  });

  it('records last trade and tick size; the wire book carries them only when initial', () => {
    const b = new SimBooks();
    b.applyFrame({ event_type: 'book', market: 'm', asset_id: 'A', timestamp: '1', bids: [], asks: [] });
    b.applyFrame({ event_type: 'last_trade_price', market: 'm', asset_id: 'A', price: '0.61', size: '3', side: 'BUY', timestamp: '2' });
    b.applyFrame({ event_type: 'tick_size_change', market: 'm', asset_id: 'A', old_tick_size: '0.01', new_tick_size: '0.001', timestamp: '3' });
    const init = b.wireBook('A', extras, '0', true);
    expect(init).toMatchObject({ tick_size: '0.001', last_trade_price: '0.61', event_type: 'book' });
    const refresh = b.wireBook('A', extras, '0', false);
    expect(refresh).not.toHaveProperty('tick_size');
    expect(refresh).not.toHaveProperty('last_trade_price');
    expect(Object.keys(refresh ?? {})).toEqual(['market', 'asset_id', 'timestamp', 'hash', 'bids', 'asks', 'event_type']);
  });

  it('hash = sha1 of the REST summary with hash "" (recomputable by a client)', () => {
    const b = new SimBooks();
    b.applyFrame({ event_type: 'book', market: 'm', asset_id: 'A', timestamp: '7', bids: [{ price: '0.3', size: '1' }], asks: [] });
    const s = b.restSummary('A', extras, '0') as Record<string, unknown>;
    expect(s.hash).toBe(sha1Hex(JSON.stringify({ ...s, hash: '' })));
  });

  it('renders bids ascending and asks descending (best last) for any sequence of changes', () => {
    const change = fc.record({
      tick: fc.integer({ min: 1, max: 99 }),
      cents: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100_000 })),
      buy: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 60 }), (changes) => {
        const b = new SimBooks();
        const model = { bids: new Map<number, string>(), asks: new Map<number, string>() };
        for (const c of changes) {
          const price = px(c.tick);
          const size = sz(c.cents);
          b.applyFrame({ event_type: 'price_change', market: 'm', timestamp: '1', price_changes: [{ asset_id: 'A', price, size, side: c.buy ? 'BUY' : 'SELL' }] });
          const side = c.buy ? model.bids : model.asks;
          if (c.cents === 0) side.delete(c.tick);
          else side.set(c.tick, size);
        }
        const s = b.restSummary('A', extras, '0');
        if (changes.length === 0) return s === null;
        const bids = (s?.bids ?? []) as { price: string; size: string }[];
        const asks = (s?.asks ?? []) as { price: string; size: string }[];
        const expBids = [...model.bids.entries()].sort((x, y) => x[0] - y[0]).map(([t, size]) => ({ price: px(t), size }));
        const expAsks = [...model.asks.entries()].sort((x, y) => y[0] - x[0]).map(([t, size]) => ({ price: px(t), size }));
        expect(bids).toEqual(expBids);
        expect(asks).toEqual(expAsks);
        return true;
      }),
      { seed: 4242, numRuns: 200 },
    );
  });
});

describe('frame routing', () => {
  it('finds asset ids in objects, price_changes legs and arrays; flags global events', () => {
    expect(frameRouting({ event_type: 'book', asset_id: 'A' })).toEqual({ assets: ['A'], global: false });
    expect(frameRouting({ event_type: 'price_change', price_changes: [{ asset_id: 'A' }, { asset_id: 'B' }, { asset_id: 'A' }] })).toEqual({ assets: ['A', 'B'], global: false });
    expect(frameRouting([{ event_type: 'book', asset_id: 'A' }, { event_type: 'last_trade_price', asset_id: 'C' }])).toEqual({ assets: ['A', 'C'], global: false });
    expect(frameRouting({ event_type: 'new_market', assets_ids: ['X'] })).toEqual({ assets: [], global: true });
    expect(frameRouting([{ event_type: 'market_resolved' }, { event_type: 'book', asset_id: 'A' }]).global).toBe(true);
    expect(frameRouting(undefined)).toEqual({ assets: [], global: false });
  });

  it('malformed replacements never parse as JSON', () => {
    for (const text of ['{"a":1}', '[{"event_type":"book"}]', '{}', '[]']) {
      for (let n = 0; n < 4; n++) expect(() => JSON.parse(malformedFrame(text, n)) as unknown).toThrow();
    }
  });
});
