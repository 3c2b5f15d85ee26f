/**
 * The tape (src/tape/tape.ts) against the raw path it caches.
 * - Property (fast-check, fixed seed): generated recordings mixing every message family (market channel
 *   from vendored fixtures, user channel, RTDS, CLOB and Gamma REST pages, lifecycle open/close/error/send/
 *   request, PONG, malformed frames -> normalization errors), reconnects, stale errors and crashed sessions
 *   (conn prefixes), equal receive times; for a random --from/--to/--market filter, the tape path yields
 *   exactly the raw path's records (seq, time, source, conn, kind, meta) and, per record, events that are
 *   byte-identical (JSON, key order included) to normalizeRecord over the raw record.
 * - Staleness: a changed recording digest or a changed key rebuilds; a truncated (half-written) or garbage
 *   tape is ignored with a warning and rebuilt.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import type { RawRecord, RecordKind, Source } from '../../src/core/types/raw.ts';
import { RecordingError } from '../../src/recorder/errors.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';
import { isData } from '../../src/core/outages.ts';
import { ensureTape, readTape, type TapeBatch } from '../../src/tape/tape.ts';
import { FIXTURES, NAUTILUS_TEST_DATA } from '../helpers/fixtures.ts';
import { BUNDLED } from '../helpers/recordings.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

const NI = join(FIXTURES, 'nautechsystems__nautilus_trader/tests/integration_tests/adapters/polymarket/resources');
const fx = (p: string): string => readFileSync(p, 'utf8');

interface Tpl {
  readonly source: Source;
  readonly kind: RecordKind;
  readonly payload: string;
  readonly meta?: Record<string, unknown>;
}

const WS_MARKET = ['ws_book_snapshot.json', 'ws_last_trade.json', 'ws_market_best_bid_ask_msg.json', 'ws_market_book_msg.json', 'ws_market_new_market_msg.json', 'ws_market_price_change_msg.json', 'ws_market_resolved_msg.json', 'ws_market_tick_size_msg.json', 'ws_quotes.json', 'ws_tick_size_change.json'];
const WS_USER = ['ws_user_order_matched.json', 'ws_user_order_placement.json', 'ws_user_trade.json', 'ws_user_order_venue_cancel.json'];
const TEMPLATES: Tpl[] = [
  ...WS_MARKET.map((f) => ({ source: 'market_ws' as const, kind: 'frame' as const, payload: fx(join(NAUTILUS_TEST_DATA, f)) })),
  ...WS_USER.map((f) => ({ source: 'user_ws' as const, kind: 'frame' as const, payload: fx(join(NAUTILUS_TEST_DATA, f)) })),
  { source: 'rtds_ws', kind: 'frame', payload: fx(join(NAUTILUS_TEST_DATA, 'rtds_crypto_prices_update.json')) },
  { source: 'clob_rest', kind: 'response', payload: fx(join(NI, 'http_responses/book.json')), meta: { url: 'https://clob.polymarket.com/book?token_id=23360939988679364027624185518382759743328544433592111535569478055890815567848', status: 200 } },
  { source: 'clob_rest', kind: 'response', payload: fx(join(NI, 'http_responses/market.json')), meta: { url: 'https://clob.polymarket.com/markets/0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917', status: 200 } },
  { source: 'gamma_rest', kind: 'response', payload: fx(join(NAUTILUS_TEST_DATA, 'gamma_market.json')), meta: { url: 'https://gamma-api.polymarket.com/markets/slug/btc-updown-5m-1773307200', status: 200 } },
  { source: 'clob_rest', kind: 'request', payload: '', meta: { url: 'https://clob.polymarket.com/book?token_id=1', method: 'GET' } },
  { source: 'market_ws', kind: 'open', payload: '', meta: { url: 'wss://ws-subscriptions-clob.polymarket.com/ws/market', attempt: 1 } },
  { source: 'market_ws', kind: 'send', payload: 'PING' },
  { source: 'market_ws', kind: 'send', payload: '{"type":"market","assets_ids":["1"]}' },
  { source: 'market_ws', kind: 'frame', payload: 'PONG' },
  { source: 'market_ws', kind: 'error', payload: 'stale: no frame for 30 s' },
  { source: 'market_ws', kind: 'close', payload: '', meta: { code: 1006, reason: '' } },
  { source: 'market_ws', kind: 'close', payload: '', meta: { code: 1000, reason: 'client stop' } },
  { source: 'user_ws', kind: 'open', payload: '', meta: { url: 'wss://ws-subscriptions-clob.polymarket.com/ws/user' } },
  { source: 'market_ws', kind: 'frame', payload: '{"event_type":"book","asset_id":"1",' },
  { source: 'market_ws', kind: 'frame', payload: '[{"event_type":"price_change","price_changes":[{"price":"abc"}]}]' },
  { source: 'market_ws', kind: 'frame', payload: '  {"event_type":"mystery"}' },
  { source: 'clob_rest', kind: 'frame', payload: '{}' },
];

const CONNS = ['m1', 'm2', 's40.m1', 's40.u1', 'u1', 'r1'];

function idsIn(payloads: readonly string[]): string[] {
  const s = new Set<string>();
  for (const p of payloads) for (const m of p.matchAll(/"(\d{20,}|0x[0-9a-f]{64})"/g)) s.add(m[1]!);
  return [...s].sort();
}
const IDS = idsIn(TEMPLATES.map((t) => t.payload));

const stepArb = fc.record({
  tpl: fc.nat({ max: TEMPLATES.length - 1 }),
  conn: fc.nat({ max: CONNS.length - 1 }),
  dtMs: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.nat({ max: 50 }), weight: 8 }, { arbitrary: fc.constant(60_000), weight: 1 }),
  seqGap: fc.oneof(fc.constant(1), fc.nat({ max: 5 }).map((n) => n + 1)),
});
const caseArb = fc.record({
  steps: fc.array(stepArb, { minLength: 5, maxLength: 80, size: 'max' }),
  from: fc.option(fc.nat({ max: 300 }), { nil: undefined, freq: 2 }),
  len: fc.option(fc.nat({ max: 1000 }), { nil: undefined, freq: 2 }),
  market: fc.option(fc.subarray(IDS, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 2 }),
});

const BASE = 1_767_225_600_000_000_000n;
const big = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
const header = (r: RawRecord): string => JSON.stringify([r.seq, r.recvNs, r.source, r.conn, r.kind, r.meta], big);

async function writeRecording(dir: string, steps: readonly { tpl: number; conn: number; dtMs: number; seqGap: number }[]): Promise<RawRecord[]> {
  const m = await readManifest(BUNDLED);
  const w = await RecordingWriter.open({ dir, markets: [...m.markets], now: () => 0n });
  const out: RawRecord[] = [];
  let seq = 0;
  let ns = BASE;
  for (const s of steps) {
    const t = TEMPLATES[s.tpl]!;
    seq += s.seqGap;
    ns += BigInt(s.dtMs) * 1_000_000n;
    const r: RawRecord = { v: 1, seq, recvNs: ns, source: t.source, conn: `${CONNS[s.conn]!}.${t.source}`, kind: t.kind, meta: t.meta ?? {}, payload: t.payload };
    w.append(r);
    out.push(r);
  }
  await w.close();
  return out;
}

describe('tape', () => {
  it('gives exactly the raw path records and normalizeRecord events, under every filter (property)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const dir = tempDir('poly-tape-prop-');
        await writeRecording(dir, c.steps);
        const tape = await ensureTape(dir, { tapeDir: join(dir, 'tp') });
        expect(tape.built).toBe(true);
        const opts = {
          ...(c.from !== undefined ? { fromNs: BASE + BigInt(c.from) * 1_000_000n } : {}),
          ...(c.from !== undefined && c.len !== undefined ? { toNs: BASE + BigInt(c.from + c.len) * 1_000_000n } : {}),
          ...(c.market !== undefined ? { assetIds: c.market } : {}),
        };
        const rawHeaders: string[] = [];
        const rawEvents: string[] = [];
        const rawPayloads: string[] = [];
        for await (const r of readRecording(dir, opts)) {
          rawHeaders.push(header(r));
          rawEvents.push(JSON.stringify(normalizeRecord(r), big));
          rawPayloads.push(r.kind === 'frame' && isData(r.payload) ? '{}' : r.payload);
        }
        const tapeHeaders: string[] = [];
        const tapeEvents: string[] = [];
        // the replay's own path: the shared record (recordAt) and its events, row by row
        const replayRows: string[] = [];
        for await (const b of readTape(tape.path, dir, opts)) {
          for (let k = 0; k < b.length; k++) {
            const r = b.recordAt(k);
            replayRows.push(header(r) + JSON.stringify(b.eventsOf(k, r), big) + r.payload);
          }
          b.records.forEach((r, i) => {
            tapeHeaders.push(header(r));
            tapeEvents.push(JSON.stringify(b.events[i], big));
          });
        }
        expect(tapeHeaders).toEqual(rawHeaders);
        expect(tapeEvents).toEqual(rawEvents);
        // the tape's payload: a JSON data frame's reads back as '{}' (only the outage rule reads it)
        const rawRows = rawHeaders.map((h, i) => h + rawEvents[i]! + rawPayloads[i]!);
        expect(replayRows).toEqual(rawRows);
        n += rawHeaders.length;
      }),
      { seed: 11, numRuns: 30 },
    );
    expect(n).toBeGreaterThan(500);
  }, 120_000);

  it('the generated mix covers every event family and normalization errors', () => {
    const types = new Set<string>();
    for (const t of TEMPLATES) for (const e of normalizeRecord({ v: 1, seq: 1, recvNs: BASE, conn: 'c', meta: {}, ...t })) types.add(e.type);
    expect([...types].sort()).toEqual(
      ['best_bid_ask', 'book_delta', 'book_snapshot', 'feed_state', 'heartbeat', 'market_meta', 'market_resolved', 'normalization_error', 'reference_price', 'tick_size_changed', 'trade', 'user_order', 'user_trade'].sort(),
    );
  });

  it('a parallel build (worker threads, many chunks) writes the same bytes as the serial build', async () => {
    const dir = tempDir('poly-tape-par-');
    const steps = Array.from({ length: 3000 }, (_, k) => ({ tpl: (k * 7) % TEMPLATES.length, conn: k % CONNS.length, dtMs: k % 3, seqGap: 1 + (k % 4 === 0 ? 3 : 0) }));
    await writeRecording(dir, steps);
    const serial = await ensureTape(dir, { tapeDir: join(dir, 's'), threads: 1, chunkSeqs: 700 });
    const parallel = await ensureTape(dir, { tapeDir: join(dir, 'p'), threads: 2, chunkSeqs: 700 });
    expect(parallel.threads).toBe(2);
    expect(serial.threads).toBe(1);
    expect(parallel.records).toBe(3000);
    expect(parallel.events).toBe(serial.events);
    const a = await readFile(serial.path);
    expect((await readFile(parallel.path)).equals(a)).toBe(true);
    // and the chunked tape reads back as the raw path
    const raw: string[] = [];
    for await (const r of readRecording(dir)) raw.push(header(r) + JSON.stringify(normalizeRecord(r), big));
    const tape: string[] = [];
    for await (const b of readTape(parallel.path, dir)) b.records.forEach((r, i) => tape.push(header(r) + JSON.stringify(b.events[i], big)));
    expect(tape).toEqual(raw);
    // many batches: the shared record is one object, re-filled per row; a batch is dead once the next is read
    let batches = 0;
    let last: TapeBatch | null = null;
    let shared: RawRecord | null = null;
    const replay: string[] = [];
    for await (const b of readTape(parallel.path, dir)) {
      if (last !== null) expect(() => last!.recordAt(0)).toThrow(/used after the next batch/);
      for (let k = 0; k < b.length; k++) {
        const r = b.recordAt(k);
        shared ??= r;
        expect(r).toBe(shared);
        replay.push(header(r) + JSON.stringify(b.eventsOf(k, r), big));
      }
      last = b;
      batches += 1;
    }
    expect(batches).toBeGreaterThan(2);
    expect(replay).toEqual(raw);
    // leaving early (break) while the next batch is being read ahead closes the file cleanly (no stray rejection)
    for await (const b of readTape(parallel.path, dir)) {
      expect(b.length).toBeGreaterThan(0);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }, 120_000);

  it('a parallel build that fails (a part missing) rejects with the reader\'s reason and leaves no temp file', async () => {
    const dir = tempDir('poly-tape-parfail-');
    await writeRecording(dir, Array.from({ length: 2000 }, (_, k) => ({ tpl: k % TEMPLATES.length, conn: 0, dtMs: 1, seqGap: 1 })));
    const m = await readManifest(dir);
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, m.files[0]!.path));
    const td = join(dir, 'p');
    await expect(ensureTape(dir, { tapeDir: td, threads: 2, chunkSeqs: 300 })).rejects.toThrow(RecordingError);
    await expect(ensureTape(dir, { tapeDir: td, threads: 2, chunkSeqs: 300 })).rejects.toThrow(/part .* listed in manifest.json is missing/);
    expect((await readdir(td)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('is rebuilt when the recording changes, and reused when it does not', async () => {
    const dir = tempDir('poly-tape-stale-');
    await writeRecording(dir, [{ tpl: 0, conn: 0, dtMs: 1, seqGap: 1 }]);
    const td = tempDir('poly-tape-dir-');
    const a = await ensureTape(dir, { tapeDir: td });
    expect(a.built).toBe(true);
    expect((await ensureTape(dir, { tapeDir: td })).built).toBe(false);
    expect((await ensureTape(dir, { tapeDir: td, force: true })).built).toBe(true);
    // a different recording digest (another part hash in the manifest) -> another key -> rebuilt
    const mf = join(dir, 'manifest.json');
    const text = await readFile(mf, 'utf8');
    const m = JSON.parse(text) as { files: { sha256: string }[] };
    m.files[0]!.sha256 = 'f'.repeat(64);
    await writeFile(mf, JSON.stringify(m));
    const b = await ensureTape(dir, { tapeDir: td });
    expect(b.built).toBe(true);
    expect(b.key).not.toBe(a.key);
  });

  it('a stale key in the same file is ignored with a warning and rebuilt', async () => {
    const dir = tempDir('poly-tape-key-');
    await writeRecording(dir, [{ tpl: 1, conn: 0, dtMs: 1, seqGap: 1 }]);
    const td = tempDir('poly-tape-dir-');
    const a = await ensureTape(dir, { tapeDir: td });
    // same file name, other key: what a tape from an older normalizer looks like
    const bytes = await readFile(a.path);
    const i = bytes.indexOf(Buffer.from(a.key.split(':')[1]!));
    expect(i).toBeGreaterThan(0);
    bytes.write('0'.repeat(8), i, 'latin1');
    const j = bytes.indexOf(Buffer.from(a.key.split(':')[1]!));
    if (j > 0) bytes.write('0'.repeat(8), j, 'latin1');
    await writeFile(a.path, bytes);
    const warnings: string[] = [];
    const b = await ensureTape(dir, { tapeDir: td, onWarning: (w) => warnings.push(w) });
    expect(b.built).toBe(true);
    expect(warnings.join('\n')).toMatch(/stale|unreadable/);
  });

  it('a half-written or garbage tape is ignored with a warning and rebuilt; temp files never linger', async () => {
    const dir = tempDir('poly-tape-corrupt-');
    await writeRecording(dir, Array.from({ length: 30 }, (_, k) => ({ tpl: k % TEMPLATES.length, conn: k % 3, dtMs: 1, seqGap: 1 })));
    const td = tempDir('poly-tape-dir-');
    const a = await ensureTape(dir, { tapeDir: td });
    const full = (await readFile(a.path)).length;
    await truncate(a.path, Math.floor(full / 2));
    const warnings: string[] = [];
    const b = await ensureTape(dir, { tapeDir: td, onWarning: (w) => warnings.push(w) });
    expect(b.built).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/half-written|unreadable/);
    expect((await readFile(b.path)).length).toBe(full);
    await writeFile(a.path, 'not arrow at all');
    const w2: string[] = [];
    expect((await ensureTape(dir, { tapeDir: td, onWarning: (w) => w2.push(w) })).built).toBe(true);
    expect(w2).toHaveLength(1);
    // concurrent builders (sweep workers) each write their own temp file; the result is one valid tape
    const all = await Promise.all([1, 2, 3].map(() => ensureTape(dir, { tapeDir: td, force: true })));
    expect(new Set(all.map((t) => t.path)).size).toBe(1);
    expect((await ensureTape(dir, { tapeDir: td })).built).toBe(false);
    expect((await readdir(td)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('falls back to the cache dir when the recording dir cannot be written', async () => {
    const dir = tempDir('poly-tape-ro-');
    await writeRecording(dir, [{ tpl: 2, conn: 0, dtMs: 1, seqGap: 1 }]);
    const { chmod } = await import('node:fs/promises');
    const cache = tempDir('poly-tape-cache-');
    const prev = process.env.POLY_CACHE_DIR;
    process.env.POLY_CACHE_DIR = cache;
    await chmod(dir, 0o555);
    try {
      const t = await ensureTape(dir);
      if (process.getuid?.() !== 0) expect(t.path.startsWith(cache)).toBe(true);
      expect((await ensureTape(dir)).built).toBe(false);
    } finally {
      await chmod(dir, 0o755);
      if (prev === undefined) delete process.env.POLY_CACHE_DIR;
      else process.env.POLY_CACHE_DIR = prev;
    }
  });
});
