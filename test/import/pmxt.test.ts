/**
 * `poly import pmxt`: PMXT v2 files generated here from the repo's own data shapes (test/import/
 * pmxt-fixture.ts), imported through the real code path, checked record by record and through the
 * normalizer/kernel; the URL path against a Range-capable file server on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import type { MarketEvent } from '../../src/core/types/events.ts';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { pmxtFileName } from '../../src/import/hours.ts';
import { importPmxt, type PmxtImportOptions } from '../../src/import/pmxt.ts';
import { provenanceOf } from '../../src/import/provenance.ts';
import { openDuck, sqlString } from '../../src/io/duckdb.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { summarizeRecording } from '../../src/recorder/summary.ts';
import { polyIn } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { bookPair, frameRecords, gammaObject, H0, HOUR, market, sessionFrames, startFileServer, tradeMsg, twoLeg, writeMetaFile } from './helpers.ts';
import { rowsOfRecords, writePmxtFile, writePmxtHours } from './pmxt-fixture.ts';

afterAll(cleanupTempDirs);

const M1 = market(1);
const M2 = market(2);
const NOWHERE = 'http://127.0.0.1:9'; // never contacted when --meta is given

function opts(over: Partial<PmxtImportOptions> & Pick<PmxtImportOptions, 'out'>): PmxtImportOptions {
  return {
    inputs: [], markets: [], series: [], fromMs: null, toMs: null, metaFile: null, cacheDir: tempDir('poly-cache-'),
    baseUrl: NOWHERE, gammaUrl: NOWHERE, clobUrl: NOWHERE, threads: 1, memoryLimit: '256MB', ...over,
  };
}

async function all(dir: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir)) out.push(r);
  return out;
}

const events = (recs: readonly RawRecord[]): MarketEvent[] => recs.flatMap((r) => normalizeRecord(r));

async function filesDigest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = createHash('sha256').update(await readFile(join(d, e.name))).digest('hex');
    }
  };
  await walk(dir, '');
  return out;
}

describe('generated PMXT files', () => {
  it('have the archive layout: 16 columns with their types, one row per price_change entry, sorted by (market, asset_id, timestamp_received)', async () => {
    const dir = tempDir();
    const rows = rowsOfRecords(frameRecords(sessionFrames([M1, M2], [0])));
    const [path] = await writePmxtHours(dir, rows);
    expect(path).toBe(join(dir, pmxtFileName(H0)));
    const duck = await openDuck();
    try {
      const cols = (await duck.conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path as string)})`)).getRows().map((r) => `${String(r[0])} ${String(r[1])}`);
      expect(cols).toEqual([
        'timestamp_received TIMESTAMP WITH TIME ZONE', 'timestamp TIMESTAMP', 'market BLOB', 'event_type VARCHAR', 'asset_id VARCHAR', 'bids VARCHAR', 'asks VARCHAR',
        'price DECIMAL(9,4)', 'size DECIMAL(18,6)', 'side VARCHAR', 'best_bid DECIMAL(9,4)', 'best_ask DECIMAL(9,4)', 'fee_rate_bps USMALLINT', 'transaction_hash VARCHAR',
        'old_tick_size DECIMAL(9,4)', 'new_tick_size DECIMAL(9,4)',
      ]);
      const r = (await duck.conn.runAndReadAll(
        `SELECT count(*) FILTER (WHERE k < prev_k)::BIGINT, count(*)::BIGINT, count(*) FILTER (WHERE event_type = 'price_change')::BIGINT FROM (
           SELECT event_type, decode(market) || asset_id || lpad(epoch_ms(timestamp_received)::VARCHAR, 15, '0') AS k,
                  lag(decode(market) || asset_id || lpad(epoch_ms(timestamp_received)::VARCHAR, 15, '0')) OVER (ORDER BY file_row_number) AS prev_k
           FROM read_parquet(${sqlString(path as string)}, file_row_number = true))`,
      )).getRows()[0] as bigint[];
      expect(r[0]).toBe(0n);
      expect(Number(r[1])).toBe(rows.length);
      // every two-leg message is two rows
      expect(Number(r[2])).toBe(rows.filter((x) => x.event_type === 'price_change').length);
      expect(Number(r[2]) % 2).toBe(0);
    } finally {
      duck.close();
    }
  });
});

describe('poly import pmxt: frames', () => {
  it('rebuilds each event type in the wire shape, regroups price_change rows into one message, orders by receipt ms with the stated tie-break', async () => {
    const dir = tempDir();
    const t = H0 + 5000;
    const [yes, no] = bookPair(M1, 50, t - 5);
    const pc = twoLeg(M1, 48, '12.5', t - 1, 49, 51);
    const trade = tradeMsg(M1, M1.yes, 51, '3', 'BUY', t - 1);
    const tick = { event_type: 'tick_size_change', asset_id: M1.yes, market: M1.cid, old_tick_size: '0.01', new_tick_size: '0.001', timestamp: String(t - 1) };
    // wire order inside the ms: book, trade, tick change, price change (all received in the same ms)
    const recs = frameRecords([[t - 1000, yes], [t - 1000, no], [t, trade], [t, tick], [t, pc]]);
    await writePmxtFile(join(dir, pmxtFileName(H0)), rowsOfRecords(recs));
    const meta = await writeMetaFile(dir, [M1]);
    const out = join(dir, 'rec');
    const s = await importPmxt(opts({ inputs: [join(dir, pmxtFileName(H0))], out, metaFile: meta }));
    expect(s.state).toBe('written');
    const got = await all(out);
    const frames = got.filter((r) => r.kind === 'frame');
    expect(frames.map((r) => r.payload)).toEqual([
      // same ms, same exchange timestamp: ties break on asset_id (YES < NO here)
      `{"market":"${M1.cid}","asset_id":"${M1.yes}","timestamp":"${t - 5}","bids":${JSON.stringify(yes['bids'])},"asks":${JSON.stringify(yes['asks'])},"event_type":"book"}`,
      `{"market":"${M1.cid}","asset_id":"${M1.no}","timestamp":"${t - 5}","bids":${JSON.stringify(no['bids'])},"asks":${JSON.stringify(no['asks'])},"event_type":"book"}`,
      // then price_change < last_trade_price < tick_size_change, whatever the wire order was; the two rows are one message again
      `{"market":"${M1.cid}","price_changes":[{"asset_id":"${M1.yes}","price":"0.48","size":"12.5","side":"BUY","best_bid":"0.49","best_ask":"0.51"},{"asset_id":"${M1.no}","price":"0.52","size":"12.5","side":"SELL","best_bid":"0.49","best_ask":"0.51"}],"timestamp":"${t - 1}","event_type":"price_change"}`,
      `{"market":"${M1.cid}","asset_id":"${M1.yes}","price":"0.51","size":"3","fee_rate_bps":"0","side":"BUY","timestamp":"${t - 1}","event_type":"last_trade_price","transaction_hash":"0x${'e'.repeat(64)}"}`,
      `{"event_type":"tick_size_change","asset_id":"${M1.yes}","market":"${M1.cid}","old_tick_size":"0.01","new_tick_size":"0.001","timestamp":"${t - 1}"}`,
    ]);
    // receive times are the archive's milliseconds; the price_change legs sort YES before NO only by asset_id
    expect(frames.map((r) => r.recvNs)).toEqual([t - 1000, t - 1000, t, t, t].map((ms) => BigInt(ms) * 1_000_000n));
    // the normalizer reads them exactly like the wire frames (minus the hash and the book's tick_size)
    const mine = events(frames).filter((e) => e.type !== 'feed_state');
    const wire = events(recs);
    expect(mine.map((e) => e.type).sort()).toEqual(wire.map((e) => e.type).sort());
    expect(mine.some((e) => e.type === 'normalization_error')).toBe(false);
    const strip = (e: MarketEvent): unknown => {
      const { recvNs: _r, seq: _s, sub: _u, conn: _c, ...rest } = e as unknown as Record<string, unknown>;
      if (e.type === 'book_snapshot') return { ...rest, hash: null, tickSize: null, lastTradePx: null };
      if (e.type === 'book_delta') return { ...rest, changes: e.changes.map((c) => ({ ...c, hash: null })).sort((a, b) => (a.assetId < b.assetId ? -1 : 1)) };
      return rest;
    };
    for (const type of ['book_snapshot', 'book_delta', 'trade', 'tick_size_changed']) {
      expect(mine.filter((e) => e.type === type).map(strip).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))
        .toEqual(wire.filter((e) => e.type === type).map(strip).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    }
    // metadata: the --meta file is one gamma_rest response; the manifest lists the market
    expect(got[0]?.source).toBe('gamma_rest');
    expect(events([got[0] as RawRecord]).map((e) => e.type)).toEqual(['market_meta']);
    expect((await readManifest(out)).markets.map((m) => m.conditionId)).toEqual([M1.cid]);
  });
});

describe('poly import pmxt: hours, gaps and filters', () => {
  it('a missing hour is a gap with its reason (close 1006, next hour reopens as a reconnect) and replay resets books until the next snapshot', async () => {
    const dir = tempDir();
    const input = join(dir, 'in');
    await mkdir(input);
    await writePmxtHours(input, rowsOfRecords(frameRecords(sessionFrames([M1, M2], [0, 2]))));
    expect((await readdir(input)).sort()).toEqual([pmxtFileName(H0), pmxtFileName(H0 + 2 * HOUR)]);
    const out = join(dir, 'rec');
    const s = await importPmxt(opts({ inputs: [input], out, metaFile: await writeMetaFile(dir, [M1, M2]) }));
    expect(s.missingHours).toEqual([{ hour: '2026-05-01T11', reason: 'no input file for hour 2026-05-01T11' }]);
    const recs = (await all(out)).filter((r) => r.source === 'market_ws' && r.kind !== 'frame');
    expect(recs.map((r) => [r.kind, r.conn, r.meta['code'] ?? r.meta['attempt'], r.recvNs])).toEqual([
      ['open', 'pmxt-1', 1, BigInt(H0) * 1_000_000n],
      ['close', 'pmxt-1', 1006, BigInt(H0 + HOUR) * 1_000_000n - 1n],
      ['open', 'pmxt-2', 2, BigInt(H0 + 2 * HOUR) * 1_000_000n],
      ['close', 'pmxt-2', 1000, BigInt(H0 + 3 * HOUR) * 1_000_000n - 1n],
    ]);
    expect(recs[1]?.meta['reason']).toBe('PMXT hour 2026-05-01T11 missing: no input file for hour 2026-05-01T11');
    const sum = await summarizeRecording(out);
    // one outage, the missing hour; the end of the import is a clean stop ('client stop'), as for `poly record`
    expect(sum.gaps.map((g) => [g.conn, g.cause])).toEqual([['pmxt-1', 'close']]);
    // measured from the last data of the first hour (src/core/outages.ts) to the reopen
    const lastFrame = (await all(out)).filter((r) => r.conn === 'pmxt-1' && r.kind === 'frame').at(-1) as RawRecord;
    expect(sum.gaps[0]?.fromNs).toBe(lastFrame.recvNs.toString());
    expect(sum.gaps[0]?.toNs).toBe((BigInt(H0 + 2 * HOUR) * 1_000_000n).toString());
    expect(recs[3]?.meta['reason']).toBe('client stop');
    expect(sum.reconnects).toEqual({ market_ws: 1 });
    // the kernel sees it as a disconnect: after the reopen, no order until a fresh snapshot
    const { runBacktest } = await import('../../src/engine/backtest.ts');
    const { loadStrategy, validateParams } = await import('../../src/engine/strategy-loader.ts');
    const { engineSettings } = await import('../../src/engine/config.ts');
    const strategy = await loadStrategy(join(import.meta.dirname, 'fixtures', 'probe-after-gap.ts'));
    const r = await runBacktest({ recording: out, strategy, params: validateParams(strategy.definition, {}), settings: await engineSettings({}), speed: 'max' });
    expect(r.kernel.quality.disconnects).toBe(1);
    expect(r.kernel.quality.reconnects).toBe(1);
    const denied = r.kernel.journal.events.filter((e) => e.type === 'order_denied');
    expect(denied.length).toBe(1);
    expect(denied[0]).toMatchObject({ type: 'order_denied', rule: 'stale_data', tsNs: BigInt(H0 + 2 * HOUR) * 1_000_000n });
    expect(String((denied[0] as unknown as Record<string, unknown>)['reason'])).toContain('market feed dropped at 2026-05-01T10:59:59.999999999Z; waiting for a fresh book snapshot');
  });

  it('prunes row groups on market: filtered to one market, only the row groups that can hold it are read', async () => {
    const dir = tempDir();
    const markets = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(market);
    const rows = rowsOfRecords(frameRecords(sessionFrames(markets, [0], 400)));
    const path = join(dir, pmxtFileName(H0));
    // DuckDB's smallest row group is one 2048-row vector
    await writePmxtFile(path, rows, { rowGroupSize: 2048 });
    const out = join(dir, 'rec');
    const s = await importPmxt(opts({ inputs: [path], out, metaFile: await writeMetaFile(dir, markets), markets: [market(4).slug] }));
    const p = provenanceOf(s.manifest);
    const f = p?.inputs[0];
    expect(f?.rowGroups).toBe(Math.ceil(rows.length / 2048));
    expect(f?.rowGroups).toBeGreaterThanOrEqual(5);
    expect(f?.rowGroupsRead).toBeLessThanOrEqual(Math.ceil(rows.filter((r) => r.market === market(4).cid).length / 2048) + 1);
    expect(f?.rowGroupsRead).toBeLessThan((f?.rowGroups ?? 0) / 2);
    expect(f?.rowsImported).toBe(rows.filter((r) => r.market === market(4).cid).length);
    expect(f?.rowsInFile).toBe(rows.length);
    const frames = (await all(out)).filter((r) => r.kind === 'frame' && r.source === 'market_ws');
    expect(frames.every((r) => r.payload.includes(market(4).cid))).toBe(true);
    expect(p?.filter['markets']).toEqual([market(4).cid]);
  });

  it('--from/--to keep only rows received in the window; the window bounds the connection', async () => {
    const dir = tempDir();
    const path = join(dir, pmxtFileName(H0));
    const rows = rowsOfRecords(frameRecords(sessionFrames([M1], [0])));
    await writePmxtFile(path, rows);
    const out = join(dir, 'rec');
    const from = H0 + 60_000;
    const to = H0 + 120_000;
    await importPmxt(opts({ inputs: [path], out, metaFile: await writeMetaFile(dir, [M1]), fromMs: from, toMs: to }));
    const recs = (await all(out)).filter((r) => r.source === 'market_ws');
    expect(recs.filter((r) => r.kind === 'frame').length).toBeGreaterThan(5);
    for (const r of recs.filter((x) => x.kind === 'frame')) expect(r.recvNs >= BigInt(from) * 1_000_000n && r.recvNs < BigInt(to) * 1_000_000n).toBe(true);
    expect(recs[0]?.kind).toBe('open');
    expect(recs[0]?.recvNs).toBe(BigInt(from) * 1_000_000n);
    expect(recs.at(-1)?.recvNs).toBe(BigInt(to) * 1_000_000n - 1n);
  });

  it('a market absent from the file: alone it is an error naming the hours; with another market it is a warning', async () => {
    const dir = tempDir();
    const path = join(dir, pmxtFileName(H0));
    await writePmxtFile(path, rowsOfRecords(frameRecords(sessionFrames([M1], [0]))));
    const meta = await writeMetaFile(dir, [M1, M2]);
    const cache = tempDir();
    let r = await polyIn('import', 'pmxt', path, '--out', join(dir, 'a'), '--market', M2.slug, '--meta', meta, '--cache', cache, '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`none of the 1 selected market(s) (${M2.slug}) has a row in the inputs (${pmxtFileName(H0)})`);
    expect((await readdir(dir)).includes('a')).toBe(false);
    r = await polyIn('import', 'pmxt', path, '--out', join(dir, 'b'), '--market', M1.slug, M2.slug, '--meta', meta, '--cache', cache, '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: market ${M2.slug} has no row in the inputs`);
    expect((await readManifest(join(dir, 'b'))).markets.map((m) => m.slug).sort()).toEqual([M1.slug, M2.slug]);
  });

  it('refuses a corrupt file with one line before writing anything, and a PMXT v1 file with the reason', async () => {
    const dir = tempDir();
    const good = join(dir, 'good', pmxtFileName(H0));
    await mkdir(join(dir, 'good'));
    await writePmxtFile(good, rowsOfRecords(frameRecords(sessionFrames([M1], [0]))));
    const bad = join(dir, pmxtFileName(H0));
    await copyFile(good, bad);
    await truncate(bad, 300);
    const meta = await writeMetaFile(dir, [M1]);
    let r = await polyIn('import', 'pmxt', bad, '--out', join(dir, 'x'), '--meta', meta, '--cache', tempDir(), '--quiet');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^poly: ${pmxtFileName(H0).replace(/\./g, '\\.')} is not a readable Parquet file \\(.+\\); download it again or remove it from the inputs`));
    expect((await readdir(dir)).some((n) => n.startsWith('x') || n.startsWith('.x'))).toBe(false);
    // v1: market_id, update_type, data
    const v1 = join(dir, 'v1.parquet');
    const duck = await openDuck();
    try {
      await duck.conn.run(`COPY (SELECT '${M1.cid}' AS market_id, 'book_snapshot' AS update_type, '{}' AS data) TO ${sqlString(v1)} (FORMAT PARQUET)`);
    } finally {
      duck.close();
    }
    r = await polyIn('import', 'pmxt', v1, '--out', join(dir, 'y'), '--meta', meta, '--cache', tempDir(), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('v1.parquet is a PMXT v1 file (columns market_id, update_type, data); v1 cannot be imported honestly: it has no trades');
  });

  it('is idempotent: the same inputs give the same bytes; a second run into the same directory writes nothing; --force replaces', async () => {
    const dir = tempDir();
    const input = join(dir, 'in');
    await mkdir(input);
    await writePmxtHours(input, rowsOfRecords(frameRecords(sessionFrames([M1, M2], [0, 1]))));
    const meta = await writeMetaFile(dir, [M1, M2]);
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await importPmxt(opts({ inputs: [input], out: a, metaFile: meta }));
    await importPmxt(opts({ inputs: [input], out: b, metaFile: meta }));
    const da = await filesDigest(a);
    expect(Object.keys(da).some((k) => k.endsWith('.parquet'))).toBe(true);
    expect(await filesDigest(b)).toEqual(da);
    const again = await importPmxt(opts({ inputs: [input], out: a, metaFile: meta }));
    expect(again.state).toBe('up_to_date');
    // other options into the same directory: refused, unless --force
    await expect(importPmxt(opts({ inputs: [input], out: a, metaFile: meta, hourBoundary: 'reconnect' }))).rejects.toThrow(/already holds an import of other inputs or options; choose a new directory, or pass --force/);
    const forced = await importPmxt(opts({ inputs: [input], out: a, metaFile: meta, hourBoundary: 'reconnect', force: true }));
    expect(forced.state).toBe('written');
    const recs = (await all(a)).filter((r) => r.source === 'market_ws' && r.kind !== 'frame');
    expect(recs.map((r) => r.kind)).toEqual(['open', 'close', 'open', 'close']);
    expect(recs.map((r) => r.meta['code'] ?? null)).toEqual([null, 1000, null, 1000]);
  });
});

describe('poly import pmxt --settle', () => {
  it('adds a flagged market_resolved at the resolution time the metadata gives (inside the range only); without --settle there is none', async () => {
    const dir = tempDir();
    const path = join(dir, pmxtFileName(H0));
    await writePmxtFile(path, rowsOfRecords(frameRecords(sessionFrames([M1, M2], [0]))));
    const resolvedAt = H0 + 150_000;
    const meta = join(dir, 'meta.json');
    await writeFile(meta, JSON.stringify([
      { ...gammaObject(M1, 0), closed: true, outcomePrices: '["0", "1"]', closedTime: new Date(resolvedAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '+00') },
      { ...gammaObject(M2, 1), closed: true, outcomePrices: '["1", "0"]', endDate: new Date(H0 + 2 * HOUR).toISOString() }, // after the range: not settled here
    ]));
    const out = join(dir, 'rec');
    const s = await importPmxt(opts({ inputs: [path], out, metaFile: meta, settle: true }));
    const recs = await all(out);
    const res = recs.filter((r) => r.conn === 'pmxt-settle');
    expect(res).toHaveLength(1);
    expect(res[0]?.recvNs).toBe(BigInt(resolvedAt) * 1_000_000n);
    expect(res[0]?.meta['synthesized']).toBe('gamma outcomePrices at closedTime');
    const ev = events(res);
    expect(ev).toMatchObject([{ type: 'market_resolved', market: M1.cid, winningAssetId: M1.no, winningOutcome: 'No' }]);
    // in time order among the archive's frames
    const i = recs.indexOf(res[0] as RawRecord);
    expect((recs[i - 1] as RawRecord).recvNs <= (res[0] as RawRecord).recvNs && (res[0] as RawRecord).recvNs <= (recs[i + 1] as RawRecord).recvNs).toBe(true);
    expect(provenanceOf(s.manifest)?.notes?.[0]).toMatch(/^--settle: 1 market_resolved frame\(s\) SYNTHESIZED from Gamma metadata/);
    const plain = await importPmxt(opts({ inputs: [path], out: join(dir, 'plain'), metaFile: meta }));
    expect((await all(plain.out)).some((r) => r.conn === 'pmxt-settle')).toBe(false);
  });
});

describe('poly import pmxt: URLs', () => {
  it('fetches the hours of --from/--to from --base-url (resumable downloads into the cache), a 404 hour is a gap, the second run is served from the cache', async () => {
    const dir = tempDir();
    const root = join(dir, 'archive');
    await mkdir(root);
    const paths = await writePmxtHours(root, rowsOfRecords(frameRecords(sessionFrames([M1], [0, 2]))));
    const srv = await startFileServer(root);
    try {
      const cache = tempDir('poly-cache-');
      const meta = await writeMetaFile(dir, [M1]);
      const bytes = (await readFile(paths[0] as string)).length;
      srv.dropOnce(`/${pmxtFileName(H0)}`, Math.floor(bytes / 2));
      const out = join(dir, 'rec');
      const progress: number[] = [];
      const s = await importPmxt(opts({ out, cacheDir: cache, metaFile: meta, baseUrl: srv.url, fromMs: H0, toMs: H0 + 3 * HOUR, download: { backoff: { initialMs: 1, maxMs: 5, factor: 2, jitter: 0 } }, onEvent: (e) => e.type === 'download' && progress.push(e.bytes) }));
      expect(s.missingHours).toEqual([{ hour: '2026-05-01T11', reason: `HTTP 404 for ${srv.url}/${pmxtFileName(H0 + HOUR)}` }]);
      // the dropped download was resumed with a Range request validated by the ETag
      const gets = srv.requests.filter((r) => r.method === 'GET' && r.path === `/${pmxtFileName(H0)}`);
      expect(gets).toHaveLength(2);
      expect(gets[0]?.range).toBeNull();
      const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1] ?? -1);
      expect(resumedAt).toBeGreaterThan(0);
      expect(resumedAt).toBeLessThanOrEqual(Math.floor(bytes / 2));
      expect(gets[1]?.ifRange).toBe(`"v1-${bytes}"`);
      expect(Math.max(...progress)).toBe(bytes);
      const prov = provenanceOf(s.manifest);
      expect(prov?.inputs.map((i) => [i.hour, i.url, i.sha256])).toEqual([
        ['2026-05-01T10', `${srv.url}/${pmxtFileName(H0)}`, createHash('sha256').update(await readFile(paths[0] as string)).digest('hex')],
        ['2026-05-01T12', `${srv.url}/${pmxtFileName(H0 + 2 * HOUR)}`, createHash('sha256').update(await readFile(paths[1] as string)).digest('hex')],
      ]);
      const gap = (await all(out)).find((r) => r.kind === 'close' && r.meta['code'] === 1006);
      expect(gap?.meta['reason']).toBe(`PMXT hour 2026-05-01T11 missing: HTTP 404 for ${srv.url}/${pmxtFileName(H0 + HOUR)}`);
      // second run: the cache is verified (sha256) and revalidated (HEAD with the ETag), nothing downloaded again
      const before = srv.requests.length;
      const again = await importPmxt(opts({ out, cacheDir: cache, metaFile: meta, baseUrl: srv.url, fromMs: H0, toMs: H0 + 3 * HOUR }));
      expect(again.state).toBe('up_to_date');
      const later = srv.requests.slice(before);
      expect(later.filter((r) => r.method === 'GET' && r.path !== `/${pmxtFileName(H0 + HOUR)}`)).toEqual([]);
      expect(later.filter((r) => r.method === 'HEAD').length).toBe(2);
      // a cached file that no longer matches its recorded sha256 is downloaded again
      const cached = (await readdir(join(cache, 'pmxt'), { recursive: true })).find((n) => String(n).endsWith(pmxtFileName(H0)));
      const cachedPath = join(cache, 'pmxt', String(cached));
      const buf = await readFile(cachedPath);
      buf[100] = (buf[100] ?? 0) ^ 0xff;
      await writeFile(cachedPath, buf);
      const n0 = srv.requests.length;
      const third = await importPmxt(opts({ out: join(dir, 'rec2'), cacheDir: cache, metaFile: meta, baseUrl: srv.url, fromMs: H0, toMs: H0 + 3 * HOUR }));
      expect(srv.requests.slice(n0).filter((r) => r.method === 'GET' && r.path === `/${pmxtFileName(H0)}`)).toHaveLength(1);
      expect(await filesDigest(join(dir, 'rec2'))).toEqual(await filesDigest(out));
      expect(third.state).toBe('written');
    } finally {
      await srv.close();
    }
  });
});
