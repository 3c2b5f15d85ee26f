// Real data: 248 pairs of WS `book` snapshots of the SOL 15-minute up/down market (2025-12-11 11:00 UTC),
// captured by Caiooooo/polymarket-l2-collector. The DOWN book must be the exact mirror of the UP book.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BinaryBook } from '../../src/core/book/binary.ts';
import { L2Book } from '../../src/core/book/l2.ts';
import { mirrorLevels } from '../../src/core/book/mirror.ts';
import { BookRegistry } from '../../src/core/book/registry.ts';
import type { Level } from '../../src/core/types/events.ts';
import { parsePx, parseQty } from '../../src/core/types/fixed.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { meta, snapshotEv } from './helpers.ts';

const dir = path.join(FIXTURES, 'Caiooooo__polymarket-l2-collector/data/15m/sol/orderbooks');

const wireLevel = z.object({ price: z.string(), size: z.string() });
const snapshotFile = z.array(z.object({ bids: z.array(wireLevel), asks: z.array(wireLevel), timestamp: z.string() }));

interface Snap {
  bids: Level[];
  asks: Level[];
  timestamp: string;
}

function toLevel(l: { price: string; size: string }): Level {
  const px = parsePx(l.price);
  const qty = parseQty(l.size);
  if (px === null || qty === null) throw new Error(`fixture level not exact: ${l.price} x ${l.size}`);
  return { px, qty };
}

function load(name: string): Snap[] {
  const parsed = snapshotFile.parse(JSON.parse(readFileSync(path.join(dir, name), 'utf8')));
  return parsed.map((s) => ({ bids: s.bids.map(toLevel), asks: s.asks.map(toLevel), timestamp: s.timestamp }));
}

const up = load('1765450800up.json');
const down = load('1765450800down.json');

describe('Caiooooo SOL 15m up/down snapshots', () => {
  it('holds 248 time-aligned pairs', () => {
    expect(up).toHaveLength(248);
    expect(down).toHaveLength(248);
    expect(down.map((s) => s.timestamp)).toEqual(up.map((s) => s.timestamp));
  });

  it('DOWN = mirror of UP on every pair, exactly (wire lists and books)', () => {
    let levels = 0;
    for (let i = 0; i < up.length; i++) {
      const u = up[i] as Snap;
      const d = down[i] as Snap;
      // On the wire both lists are best-last, so the mirror even keeps the list order.
      expect(d.bids).toEqual(mirrorLevels(u.asks));
      expect(d.asks).toEqual(mirrorLevels(u.bids));
      const ub = new L2Book('up');
      const db = new L2Book('down');
      ub.applySnapshot(u.bids, u.asks);
      db.applySnapshot(d.bids, d.asks);
      expect(db.depth('bid', Infinity)).toEqual(mirrorLevels(ub.depth('ask', Infinity)));
      expect(db.depth('ask', Infinity)).toEqual(mirrorLevels(ub.depth('bid', Infinity)));
      expect(ub.isCrossed()).toBe(false);
      levels += ub.levelCount('bid') + ub.levelCount('ask');
    }
    expect(levels).toBeGreaterThan(10_000);
  });

  it('BinaryBook: the DOWN snapshot fed as the NO token gives the same YES book as the UP snapshot', () => {
    for (let i = 0; i < up.length; i++) {
      const u = up[i] as Snap;
      const d = down[i] as Snap;
      const ref = new L2Book('up');
      ref.applySnapshot(u.bids, u.asks);
      const bin = new BinaryBook('up', 'down');
      bin.applySnapshot('down', d.bids, d.asks);
      expect(bin.yesBook.depth('bid', Infinity)).toEqual(ref.depth('bid', Infinity));
      expect(bin.yesBook.depth('ask', Infinity)).toEqual(ref.depth('ask', Infinity));
      // and the NO view reproduces the DOWN book as published
      const db = new L2Book('down');
      db.applySnapshot(d.bids, d.asks);
      expect(bin.noView.depth('bid', Infinity)).toEqual(db.depth('bid', Infinity));
      expect(bin.noView.depth('ask', Infinity)).toEqual(db.depth('ask', Infinity));
    }
  });

  it('registry replay of all 496 snapshots: no mirror mismatch, no crossed book, both tokens reported', () => {
    const r = new BookRegistry([meta(['up', 'down'])]);
    for (let i = 0; i < up.length; i++) {
      const u = up[i] as Snap;
      const d = down[i] as Snap;
      const ms = Number(u.timestamp); // exchange ms timestamp (not a price)
      expect(r.apply(snapshotEv('up', u.bids, u.asks, null, ms))).toEqual(['up', 'down']);
      expect(r.apply(snapshotEv('down', d.bids, d.asks, null, ms))).toEqual(['down', 'up']);
    }
    expect(r.stats).toMatchObject({ snapshots: 496, mirrorMismatch: 0, crossed: 0 });
    // A deliberately corrupted DOWN twin (same timestamp) right after its UP snapshot is caught
    const last = up.at(-1) as Snap;
    const ms = Number(last.timestamp) + 1;
    r.apply(snapshotEv('up', last.bids, last.asks, null, ms));
    expect(last.bids.length).toBeGreaterThan(0);
    const bad = mirrorLevels(last.bids).map((l, i) => (i === 0 ? { px: l.px, qty: l.qty + 1 } : l));
    r.apply(snapshotEv('down', mirrorLevels(last.asks), bad, null, ms));
    expect(r.stats.mirrorMismatch).toBe(1);
  });
});
