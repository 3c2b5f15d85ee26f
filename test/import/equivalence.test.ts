/**
 * THE equivalence test of `poly import pmxt`: a session recorded with `poly record` (RecordSession) from
 * the simulator, written out as PMXT v2 rows (test/import/pmxt-fixture.ts) and imported again, gives the
 * same book at every event and the same fills for a strategy, apart from the documented losses (no REST
 * snapshots, no custom-feature events, no hash, receipt time in whole milliseconds, order inferred within
 * one millisecond: so books are compared after each millisecond's events).
 *
 * Two sessions: (1) recordings/sol-15m, the bundled recording made by recordings/make.ts with `poly record`
 * against the simulator playing the real Caiooooo SOL 15-minute capture (books and trades; the
 * market-maker strategy fills 17 times on it); (2) a session recorded here, in process, from a scenario with
 * every event type the archive carries: two-leg price changes, trades, array frames, tick-size changes,
 * book snapshots on subscribe, plus a custom event the archive drops. The second import takes its
 * metadata from the simulator's Gamma (--gamma-url), the first from the recording's own Gamma response
 * (--meta).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BookRegistry } from '../../src/core/book/registry.ts';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import type { MarketEvent } from '../../src/core/types/events.ts';
import type { MarketMeta } from '../../src/core/types/market.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import { engineSettings } from '../../src/engine/config.ts';
import { loadStrategy, validateParams } from '../../src/engine/strategy-loader.ts';
import { importPmxt } from '../../src/import/pmxt.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { RecordSession } from '../../src/recorder/record-session.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';
import { startExchange } from '../../src/sim/exchange.ts';
import { ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { compactMarket, waitFor } from '../sources/helpers.ts';
import { bookPair, market, tradeMsg, twoLeg, type TestMarket } from './helpers.ts';
import { rowsOfRecords, writePmxtHours } from './pmxt-fixture.ts';

afterAll(cleanupTempDirs);

const PMXT_TYPES = new Set(['book_snapshot', 'book_delta', 'trade', 'tick_size_changed']);

async function records(dir: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir)) out.push(r);
  return out;
}

/** Market-WS events the archive can carry, with their receipt millisecond. */
function wsEvents(recs: readonly RawRecord[]): { ms: bigint; ev: MarketEvent }[] {
  return recs
    .filter((r) => r.source === 'market_ws' && r.kind === 'frame')
    .flatMap((r) => normalizeRecord(r).filter((e) => PMXT_TYPES.has(e.type)).map((ev) => ({ ms: r.recvNs / 1_000_000n, ev })));
}

/** Every book after each millisecond's events: [ms, {token: {valid, bids, asks}}]. */
function booksByMs(evs: readonly { ms: bigint; ev: MarketEvent }[], markets: readonly MarketMeta[]): [string, string][] {
  const reg = new BookRegistry(markets);
  const tokens = markets.flatMap((m) => m.tokens.map((t) => t.tokenId));
  const out: [string, string][] = [];
  for (let i = 0; i < evs.length; i++) {
    const cur = evs[i] as { ms: bigint; ev: MarketEvent };
    reg.apply(cur.ev);
    if (i + 1 < evs.length && (evs[i + 1] as { ms: bigint }).ms === cur.ms) continue;
    const state = tokens.map((t) => {
      const b = reg.book(t);
      return b === undefined ? null : { t, valid: b.valid, bids: b.depth('bid', Infinity), asks: b.depth('ask', Infinity) };
    });
    out.push([cur.ms.toString(), JSON.stringify(state)]);
  }
  return out;
}

/** Trade prints with their receipt ms, sorted (the order of prints of different markets within one ms is inferred). */
const trades = (evs: readonly { ms: bigint; ev: MarketEvent }[]): string[] =>
  evs.filter((x) => x.ev.type === 'trade').map((x) => (x.ev.type === 'trade' ? [x.ms, x.ev.market, x.ev.assetId, x.ev.px, x.ev.qty, x.ev.takerSide, x.ev.feeRateBps, x.ev.txHash, x.ev.exchMs].join(' ') : '')).sort();

type Wire = Record<string, unknown>;
const RANK: Record<string, number> = { price_change: 0, last_trade_price: 1, tick_size_change: 2, book: 3 };
const ARCHIVED = new Set(Object.keys(RANK));
const firstAsset = (m: Wire): string => String(m['asset_id'] ?? (m['price_changes'] as Wire[] | undefined)?.[0]?.['asset_id'] ?? '');

/**
 * The original with the documented losses applied, as its own recording, built here independently of the
 * importer: receipt times truncated to the millisecond; REST snapshots, RTDS and custom-feature events
 * dropped (metadata responses kept); within one millisecond the archive's order is unknown, so messages are
 * put in the documented order (market, exchange timestamp, price_change < last_trade_price <
 * tick_size_change < book, asset_id) and price changes of one (ms, market, timestamp) are one message.
 * Replaying it is what an import of the same session can at best reproduce.
 */
async function withLosses(src: readonly RawRecord[], markets: readonly MarketMeta[], dir: string): Promise<string> {
  const w = await RecordingWriter.open({ dir, markets: [...markets] });
  let seq = 0;
  const put = (r: RawRecord, recvNs: bigint, payload: string): void => w.append({ ...r, seq: ++seq, recvNs, payload });
  let group: { ms: bigint; msgs: Wire[]; rec: RawRecord } | null = null;
  const flush = (): void => {
    if (group === null) return;
    const merged: Wire[] = [];
    for (const m of group.msgs) {
      const same = m['event_type'] === 'price_change' ? merged.find((x) => x['event_type'] === 'price_change' && x['market'] === m['market'] && x['timestamp'] === m['timestamp']) : undefined;
      if (same !== undefined) same['price_changes'] = [...(same['price_changes'] as Wire[]), ...(m['price_changes'] as Wire[])];
      else merged.push({ ...m });
    }
    for (const m of merged) if (Array.isArray(m['price_changes'])) m['price_changes'] = [...(m['price_changes'] as Wire[])].sort((a, b) => (String(a['asset_id']) < String(b['asset_id']) ? -1 : String(a['asset_id']) > String(b['asset_id']) ? 1 : 0));
    const key = (m: Wire): [string, number, number, string] => [String(m['market']), m['timestamp'] === undefined ? -1 : Number(m['timestamp']), RANK[String(m['event_type'])] ?? 9, firstAsset(m)];
    merged.sort((a, b) => {
      const ka = key(a), kb = key(b);
      for (let i = 0; i < 4; i++) if (ka[i] !== kb[i]) return (ka[i] as string | number) < (kb[i] as string | number) ? -1 : 1;
      return 0;
    });
    for (const m of merged) put(group.rec, group.ms * 1_000_000n, JSON.stringify(m));
    group = null;
  };
  for (const r of src) {
    if (r.source === 'clob_rest' || r.source === 'rtds_ws') continue;
    const ms = r.recvNs / 1_000_000n;
    if (r.source === 'market_ws' && r.kind === 'frame') {
      if (!r.payload.startsWith('{') && !r.payload.startsWith('[')) continue;
      const v = JSON.parse(r.payload) as Wire | Wire[];
      const msgs = (Array.isArray(v) ? v : [v]).filter((m) => ARCHIVED.has(String(m['event_type'])));
      if (group !== null && group.ms !== ms) flush();
      group ??= { ms, msgs: [], rec: r };
      group.msgs.push(...msgs);
      continue;
    }
    flush();
    put(r, ms * 1_000_000n, r.payload);
  }
  flush();
  await w.close();
  return dir;
}

async function fills(recording: string): Promise<string[]> {
  const strategy = await loadStrategy(join(ROOT, 'strategies', 'market-maker.ts'));
  const r = await runBacktest({ recording, strategy, params: validateParams(strategy.definition, {}), settings: await engineSettings({}), speed: 'max' });
  // fill times to the millisecond (the archive's resolution); everything else exact
  return r.kernel.journal.fills.map((f) => JSON.stringify({ ...f, tsNs: (f.tsNs / 1_000_000n).toString() }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

describe('recorded -> PMXT rows -> imported', () => {
  it('recordings/sol-15m: the same book after every millisecond, the same trades, the same market-maker fills', async () => {
    const src = join(ROOT, 'recordings', 'sol-15m');
    const orig = await records(src);
    const dir = tempDir();
    await mkdir(join(dir, 'in'));
    await writePmxtHours(join(dir, 'in'), rowsOfRecords(orig));
    const gamma = orig.find((r) => r.source === 'gamma_rest' && r.kind === 'response');
    await writeFile(join(dir, 'meta.json'), gamma?.payload ?? '');
    const out = join(dir, 'imported');
    await importPmxt({
      inputs: [join(dir, 'in')], out, markets: [], series: [], fromMs: null, toMs: null, metaFile: join(dir, 'meta.json'),
      cacheDir: tempDir(), baseUrl: 'http://127.0.0.1:9', gammaUrl: 'http://127.0.0.1:9', clobUrl: 'http://127.0.0.1:9', threads: 1,
    });
    const imp = await records(out);
    const markets = (await readManifest(src)).markets;
    expect((await readManifest(out)).markets).toEqual(markets);
    const a = wsEvents(orig);
    const b = wsEvents(imp);
    expect(b.length).toBe(a.length);
    expect(booksByMs(b, markets)).toEqual(booksByMs(a, markets));
    expect(trades(b)).toEqual(trades(a));
    const fa = await fills(src);
    expect(fa.length).toBe(17);
    expect(await fills(out)).toEqual(fa);
  });

  it('a session recorded from the simulator with every archived event type: same books, trades and fills; the custom event is the documented loss', async () => {
    const m1 = market(1);
    const m2 = market(2);
    const events: { atMs: number; frame: unknown }[] = [];
    const add = (atMs: number, frame: unknown): number => events.push({ atMs, frame });
    const scenarioOf = (m: TestMarket, k: number, t0: number): void => {
      let at = t0;
      const ts = (): number => 1_777_000_000_000 + at;
      const [y0, n0] = bookPair(m, 50, ts());
      add((at += 2), [y0, n0]);
      for (let i = 0; i < 30; i++) {
        at += 7;
        add(at, twoLeg(m, 45 + ((i + k) % 4), String(5 + i), ts(), 49, 51));
        // prints through the bids (takers selling) and through the asks (takers buying), on both tokens
        if (i % 4 === 1) add((at += 3), tradeMsg(m, i % 8 === 1 ? m.yes : m.no, 44, String(40 + i), 'SELL', ts()));
        if (i % 4 === 3) add((at += 3), tradeMsg(m, i % 8 === 3 ? m.yes : m.no, 56, String(40 + i), 'BUY', ts()));
        if (i === 12) add((at += 3), [twoLeg(m, 44, '9', ts(), 49, 51), tradeMsg(m, m.yes, 49, '4', 'SELL', ts())]);
        if (i === 18) {
          add((at += 3), { event_type: 'tick_size_change', asset_id: m.yes, market: m.cid, old_tick_size: '0.01', new_tick_size: '0.001', timestamp: String(ts()) });
          // the snapshot after a tick change carries the new tick (the archive drops it: the book keeps the
          // tick of the change event, as it must)
          const [y, n] = bookPair(m, 50, ts(), '0.001');
          add((at += 5), y);
          add((at += 2), n);
        }
        if (i === 22) add((at += 3), { event_type: 'best_bid_ask', market: m.cid, asset_id: m.yes, best_bid: '0.49', best_ask: '0.51', spread: '0.02', timestamp: String(ts()) });
      }
    };
    scenarioOf(m1, 0, 10);
    scenarioOf(m2, 1, 12);
    events.sort((x, y) => x.atMs - y.atMs);
    const ex = await startExchange({ scenario: { markets: [compactMarket({ n: 1 }), compactMarket({ n: 2 })], events, noNewAssetsEveryMs: 0 }, startPaused: true });
    const dir = tempDir();
    const rec = join(dir, 'rec');
    try {
      const session = await RecordSession.start({ markets: [m1.slug, m2.slug], out: rec, wsUrl: ex.urls.marketWs, clobUrl: ex.urls.clob, gammaUrl: ex.urls.gamma, snapshotIntervalMs: 0, flushMs: 50 });
      await waitFor(() => ex.received().some((m) => m.channel === 'market' && m.text.startsWith('{')), 'the subscription');
      ex.start();
      await ex.done;
      const sent = (): number => ex.sent().filter((f) => f.channel === 'market').length;
      await waitFor(() => session.status().messages >= sent(), 'every frame recorded');
      await session.stop('stopped');
      const orig = await records(rec);
      expect(orig.some((r) => r.source === 'clob_rest' && r.kind === 'response')).toBe(true); // a REST snapshot the archive would not have
      await mkdir(join(dir, 'in'));
      await writePmxtHours(join(dir, 'in'), rowsOfRecords(orig));
      const out = join(dir, 'imported');
      // the session's own span (the archive's hour files would start the run at the top of the hour, and
      // the kernel's clock, equity grid and timers start with the first record)
      const fromMs = Number((orig[0] as RawRecord).recvNs / 1_000_000n);
      const toMs = Number((orig.at(-1) as RawRecord).recvNs / 1_000_000n) + 1;
      const s = await importPmxt({
        inputs: [join(dir, 'in')], out, markets: [m1.slug, m2.cid], series: [], fromMs, toMs, metaFile: null,
        cacheDir: tempDir(), baseUrl: 'http://127.0.0.1:9', gammaUrl: ex.urls.gamma, clobUrl: ex.urls.clob, threads: 1,
      });
      expect(s.state).toBe('written');
      const imp = await records(out);
      // metadata as `poly record` stores it: Gamma request/response records, and the manifest markets
      expect(imp.filter((r) => r.source === 'gamma_rest').map((r) => r.kind)).toEqual(['request', 'response', 'request', 'response']);
      const markets = (await readManifest(rec)).markets;
      expect((await readManifest(out)).markets).toEqual(markets);
      const a = wsEvents(orig);
      const b = wsEvents(imp);
      for (const t of PMXT_TYPES) expect(b.filter((x) => x.ev.type === t).length, t).toBe(a.filter((x) => x.ev.type === t).length);
      expect(a.filter((x) => x.ev.type === 'tick_size_changed').length).toBe(2);
      expect(booksByMs(b, markets)).toEqual(booksByMs(a, markets));
      expect(trades(b)).toEqual(trades(a));
      // the documented loss: the custom event is not in the archive
      const custom = (recs: readonly RawRecord[]): number => recs.flatMap((r) => (r.source === 'market_ws' ? normalizeRecord(r) : [])).filter((e) => e.type === 'best_bid_ask').length;
      expect(custom(orig)).toBe(2);
      expect(custom(imp)).toBe(0);
      const refDir = await withLosses(orig, markets, join(dir, 'reference'));
      const ref = await fills(refDir);
      expect(ref.length).toBeGreaterThan(10);
      expect(await fills(out)).toEqual(ref);
    } finally {
      await ex.close();
    }
  });
});
