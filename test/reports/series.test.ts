// Bounded top-of-book series (src/core/reports/series.ts) and the quality timeline.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QualityTimeline, MAX_QUALITY_EVENTS } from '../../src/core/reports/quality-timeline.ts';
import { MAX_TOP_POINTS, reduceBucket, TOP_MAX_BUCKETS, TopOfBookSeries, type TopPoint } from '../../src/core/reports/series.ts';

const S = 1_000_000_000n;
const pt = (t: bigint, bid: number | null, ask: number | null): TopPoint => ({ tsNs: t, bid, ask, bidQty: 1, askQty: 1 });

describe('top-of-book series', () => {
  it('keeps every change exactly while small; skips repeats; same instant keeps the last state', () => {
    const s = new TopOfBookSeries();
    s.add(pt(1n, 4800, 5200));
    s.add(pt(2n, 4800, 5200)); // no change
    s.add(pt(3n, 4900, 5200));
    s.add(pt(3n, 4950, 5200)); // same instant: the later state wins
    s.add(pt(4n, 4800, 5200));
    expect(s.points()).toEqual([pt(1n, 4800, 5200), pt(3n, 4950, 5200), pt(4n, 4800, 5200)]);
    expect(s.resolutionNs).toBe(0n);
    expect(s.lastTwoSided()).toEqual(pt(4n, 4800, 5200));
    expect(() => s.add(pt(2n, 1, 2))).toThrow(/time went back/);
  });

  it('a bucket keeps first, lowest mid, highest mid and last', () => {
    const b = [pt(1n, 5000, 5100), pt(2n, 4000, 4100), pt(3n, 5500, 5600), pt(4n, 4500, 4600), pt(5n, 4700, 4800)];
    expect(reduceBucket(b)).toEqual([b[0], b[1], b[2], b[4]]);
  });

  it('long runs stay bounded, keep the envelope and the last state, and equal one pass of the final buckets', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 100, max: 9800 })), { minLength: 1, maxLength: 30 }), (bursts) => {
        // a long tape: 20 changes a second for a few hours, with random spikes
        const s = new TopOfBookSeries();
        let t = 0n;
        let lo = Infinity, hi = -Infinity;
        let last: TopPoint | null = null;
        const all: TopPoint[] = [];
        for (const [n, spike] of bursts) {
          for (let i = 0; i < n; i++) {
            t += S / 20n;
            const bid = i === 0 ? spike : 4000 + ((i * 7) % 200);
            const p = pt(t, bid, bid + 100);
            s.add(p);
            all.push(p);
            lo = Math.min(lo, bid);
            hi = Math.max(hi, bid);
            last = p;
          }
        }
        const got = s.points();
        expect(got.length).toBeLessThanOrEqual(MAX_TOP_POINTS + 4);
        const mids = got.map((p) => p.bid!);
        expect(Math.min(...mids)).toBe(lo);
        expect(Math.max(...mids)).toBe(hi);
        expect(got[got.length - 1]).toEqual(last);
        for (let i = 1; i < got.length; i++) expect(got[i]!.tsNs > got[i - 1]!.tsNs).toBe(true);
        // every kept point is a recorded state
        const seen = new Set(all.map((p) => `${p.tsNs}:${p.bid}`));
        for (const p of got) expect(seen.has(`${p.tsNs}:${p.bid}`)).toBe(true);
        if (all.length > MAX_TOP_POINTS) expect(s.resolutionNs).toBeGreaterThan(0n);
        // incremental re-bucketing gives what one pass over every change at the final width gives
        const w = s.resolutionNs;
        if (w > 0n) {
          const changes = all.filter((p, i) => i === 0 || p.bid !== all[i - 1]!.bid);
          const expected: TopPoint[] = [];
          let cur: TopPoint[] = [];
          for (const p of changes) {
            if (cur.length > 0 && p.tsNs / w !== cur[0]!.tsNs / w) {
              expected.push(...reduceBucket(cur));
              cur = [];
            }
            cur.push(p);
          }
          expected.push(...reduceBucket(cur));
          expect(got.length).toBe(expected.length);
          expect(got.every((g, i) => g === expected[i])).toBe(true);
        }
      }),
      { seed: 7, numRuns: 25 },
    );
    expect(TOP_MAX_BUCKETS).toBe(1000);
  });
});

describe('quality timeline', () => {
  it('a disconnect opens a gap that the next open of the source closes; redials are reconnects', () => {
    const q = new QualityTimeline();
    q.disconnect(10n, 'market_ws', 'close 1006');
    q.disconnect(11n, 'market_ws', 'error'); // still one gap
    q.opened(20n, 'market_ws', true);
    q.disconnect(30n, 'rtds_ws', 'error');
    q.finish(99n);
    expect(q.events.map((e) => [e.tsNs, e.kind, e.where, e.endNs])).toEqual([
      [10n, 'disconnect', 'market_ws', null],
      [10n, 'gap', 'market_ws', 20n],
      [11n, 'disconnect', 'market_ws', null],
      [20n, 'reconnect', 'market_ws', null],
      [30n, 'disconnect', 'rtds_ws', null],
      [30n, 'gap', 'rtds_ws', 99n],
    ]);
  });

  it('keeps the first events and counts the rest', () => {
    const q = new QualityTimeline();
    for (let i = 0; i < MAX_QUALITY_EVENTS + 5; i++) q.add(BigInt(i), 'normalization_error', 'market_ws', 'bad_json');
    expect(q.events).toHaveLength(MAX_QUALITY_EVENTS);
    expect(q.omitted).toEqual({ normalization_error: 5 });
    expect(q.count()).toBe(MAX_QUALITY_EVENTS + 5);
  });
});
