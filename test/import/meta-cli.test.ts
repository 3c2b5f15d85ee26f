/**
 * `poly import pmxt` market metadata from Gamma/CLOB (the simulator's, on 127.0.0.1) and the command end to
 * end: metadata captured as recorded and cached (a second import needs no network and writes the same
 * bytes), a market without metadata is one line naming the fix, every market of the files in batches,
 * rolling series and slug prefixes; then `poly inspect` and `poly replay` on the imported recording.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { importPmxt, type PmxtImportOptions } from '../../src/import/pmxt.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { poly, polyIn } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { compactMarket } from '../sources/helpers.ts';
import { bookPair, frameRecords, H0, HOUR, market, sessionFrames, startFileServer, tradeMsg, twoLeg, type TestMarket } from './helpers.ts';
import { rowsOfRecords, writePmxtFile, writePmxtHours } from './pmxt-fixture.ts';
import { pmxtFileName } from '../../src/import/hours.ts';

afterAll(cleanupTempDirs);

const M1 = market(1);
const M2 = market(2);
const M3 = market(3);

function opts(over: Partial<PmxtImportOptions> & Pick<PmxtImportOptions, 'out'>): PmxtImportOptions {
  const nowhere = 'http://127.0.0.1:9';
  return { inputs: [], markets: [], series: [], fromMs: null, toMs: null, metaFile: null, cacheDir: tempDir('poly-cache-'), baseUrl: nowhere, gammaUrl: nowhere, clobUrl: nowhere, threads: 1, http: { retries: 0, networkRetries: 0, timeoutMs: 2000 }, ...over };
}

async function all(dir: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir)) out.push(r);
  return out;
}

async function digestOf(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const n of (await readdir(dir, { recursive: true })).map(String).sort()) {
    if (!n.endsWith('.parquet') && !n.endsWith('manifest.json')) continue;
    h.update(n).update(await readFile(join(dir, n)));
  }
  return h.digest('hex');
}

async function hourFile(dir: string, markets: readonly TestMarket[], hours = [0]): Promise<string> {
  const input = join(dir, 'in');
  await mkdir(input, { recursive: true });
  await writePmxtHours(input, rowsOfRecords(frameRecords(sessionFrames(markets, hours))));
  return input;
}

describe('poly import pmxt: metadata from Gamma and the CLOB', () => {
  it('captures the Gamma exchanges as recorded, caches them (the next import needs no network, same bytes), and names the fix when a market is unknown', async () => {
    const dir = tempDir();
    const input = await hourFile(dir, [M1, M2]);
    const ex: Exchange = await startExchange({ scenario: { markets: [compactMarket({ n: 1 }), compactMarket({ n: 2 })] } });
    const cache = tempDir('poly-cache-');
    let gammaUrl = '';
    let clobUrl = '';
    try {
      gammaUrl = ex.urls.gamma;
      clobUrl = ex.urls.clob;
      const a = join(dir, 'a');
      await importPmxt(opts({ inputs: [input], out: a, markets: [M1.slug, M2.yes], cacheDir: cache, gammaUrl, clobUrl }));
      const recs = await all(a);
      const rest = recs.filter((r) => r.source === 'gamma_rest');
      expect(rest.map((r) => [r.kind, r.conn])).toEqual([['request', 'gamma-1'], ['response', 'gamma-1'], ['request', 'gamma-2'], ['response', 'gamma-2']]);
      expect(rest[0]?.meta.url).toBe(`${gammaUrl}/markets?slug=${M1.slug}`);
      expect(rest[2]?.meta.url).toBe(`${gammaUrl}/markets?clob_token_ids=${M2.yes}`);
      expect(rest.every((r) => r.recvNs === BigInt(H0) * 1_000_000n)).toBe(true); // stamped at the start of the import
      const m = await readManifest(a);
      expect(m.markets.map((x) => [x.conditionId, x.tokens.map((t) => t.tokenId)])).toEqual([[M1.cid, [M1.yes, M1.no]], [M2.cid, [M2.yes, M2.no]]]);
      expect(m.markets[0]?.tickSize).toBe(100);
    } finally {
      await ex.close();
    }
    // the simulator is gone: the cache serves the metadata, and the recording is byte-identical
    const b = join(dir, 'b');
    await importPmxt(opts({ inputs: [input], out: b, markets: [M1.slug, M2.yes], cacheDir: cache, gammaUrl, clobUrl }));
    expect(await digestOf(b)).toBe(await digestOf(join(dir, 'a')));
    // without the cache: one line naming the fix
    await expect(importPmxt(opts({ inputs: [input], out: join(dir, 'c'), markets: [M1.slug], gammaUrl, clobUrl }))).rejects.toThrow(
      /^cannot fetch market metadata \(.*\); pass --meta FILE with its Gamma market objects, or check --gamma-url \/ --clob-url$/,
    );
    const ex2 = await startExchange({ scenario: { markets: [compactMarket({ n: 1 })] } });
    try {
      await expect(importPmxt(opts({ inputs: [input], out: join(dir, 'd'), markets: [M2.cid], gammaUrl: ex2.urls.gamma, clobUrl: ex2.urls.clob }))).rejects.toThrow(
        `no usable metadata for market '${M2.cid}': unknown market '${M2.cid}': neither Gamma nor the CLOB knows this condition id; pass --meta FILE with its Gamma market objects, or check --gamma-url / --clob-url`,
      );
      // every market of the files: Gamma batches; one without metadata anywhere is an error
      await expect(importPmxt(opts({ inputs: [input], out: join(dir, 'e'), gammaUrl: ex2.urls.gamma, clobUrl: ex2.urls.clob }))).rejects.toThrow(
        `no metadata for 1 of the 2 market(s) in the inputs (e.g. ${M2.cid}); pass --meta FILE with them, check --gamma-url / --clob-url, or import fewer markets with --market`,
      );
    } finally {
      await ex2.close();
    }
    expect((await readdir(dir)).filter((n) => ['c', 'd', 'e'].includes(n))).toEqual([]);
  });

  it('imports every market of the files with metadata in one Gamma batch, and follows --series (rolling rounds, or a slug prefix)', async () => {
    const dir = tempDir();
    // two rounds of a rolling series in hour H0, plus an unrelated market
    const r0 = { ...market(10), slug: `btc-updown-15m-${H0 / 1000}` };
    const r1 = { ...market(11), slug: `btc-updown-15m-${(H0 + 15 * 60_000) / 1000}` };
    const other = market(12);
    const input = await hourFile(dir, [r0, r1, other]);
    const ex = await startExchange({
      scenario: { markets: [r0, r1, other].map((m) => ({ conditionId: m.cid, slug: m.slug, tokens: [{ tokenId: m.yes, outcome: 'Up' }, { tokenId: m.no, outcome: 'Down' }] })) },
    });
    try {
      const base = { gammaUrl: ex.urls.gamma, clobUrl: ex.urls.clob };
      const everything = await importPmxt(opts({ inputs: [input], out: join(dir, 'all'), ...base }));
      expect(everything.markets).toBe(3);
      const rest = (await all(join(dir, 'all'))).filter((r) => r.source === 'gamma_rest' && r.kind === 'request');
      expect(rest).toHaveLength(1);
      expect(rest[0]?.meta.url).toContain('condition_ids=');
      // a rolling series over the hour: its rounds by slug (the other two rounds of the hour are not listed: skipped)
      const s = await importPmxt(opts({ inputs: [input], out: join(dir, 'series'), series: ['btc-updown-15m'], fromMs: H0, toMs: H0 + HOUR, ...base }));
      expect((await readManifest(join(dir, 'series'))).markets.map((m) => m.slug).sort()).toEqual([r0.slug, r1.slug].sort());
      expect(s.markets).toBe(2);
      // a plain slug prefix is matched against the metadata of the files' markets
      await importPmxt(opts({ inputs: [input], out: join(dir, 'prefix'), series: ['market-1'], ...base }));
      expect((await readManifest(join(dir, 'prefix'))).markets.map((m) => m.slug)).toEqual([other.slug]);
      const frames = (await all(join(dir, 'prefix'))).filter((r) => r.kind === 'frame' && r.source === 'market_ws');
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.every((r) => r.payload.includes(other.cid))).toBe(true);
      // a market named by hand plus a prefix: both
      await importPmxt(opts({ inputs: [input], out: join(dir, 'both'), markets: [r0.slug], series: ['market-1'], ...base }));
      expect((await readManifest(join(dir, 'both'))).markets.map((m) => m.slug).sort()).toEqual([r0.slug, other.slug].sort());
    } finally {
      await ex.close();
    }
  });
});

describe('poly import pmxt | inspect | replay (the CLI, spawned)', () => {
  it('imports hours over HTTP with metadata from Gamma, then inspect shows the summary, SQL view and provenance, and replay backtests it', async () => {
    const dir = tempDir();
    const root = join(dir, 'archive');
    await mkdir(root);
    // one market, one hour, with prints a market maker can fill on
    const t0 = H0 + 60_000;
    const [y, n] = bookPair(M3, 50, t0);
    const frames: [number, unknown][] = [[t0, [y, n]]];
    for (let i = 1; i < 60; i++) {
      const t = t0 + i * 20_000;
      frames.push([t, twoLeg(M3, 47 + (i % 3), String(20 + i), t, 49, 51)]);
      frames.push([t + 5, tradeMsg(M3, i % 2 === 0 ? M3.yes : M3.no, 44, '60', 'SELL', t + 4)]);
    }
    await writePmxtFile(join(root, pmxtFileName(H0)), rowsOfRecords(frameRecords(frames)));
    const srv = await startFileServer(root);
    const ex = await startExchange({ scenario: { markets: [compactMarket({ n: 3 })] } });
    try {
      const out = join(dir, 'btc-hour');
      const cache = join(dir, 'cache');
      const args = ['import', 'pmxt', '--from', '2026-05-01T10', '--to', '2026-05-01T11', '--market', M3.slug, '--out', out, '--base-url', srv.url, '--gamma-url', ex.urls.gamma, '--clob-url', ex.urls.clob, '--cache', cache];
      const r = await poly(...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // 2 books (the array frame becomes two frames) + 59 two-leg price changes + 59 prints; + open, close and a Gamma request/response
      expect(r.stdout).toBe(`poly import: wrote ${out}: 124 records (120 frames from 179 rows of 1 hour file(s)), 1 market(s), no missing hour\n`);
      const again = await polyIn(...args);
      expect(again.stdout).toBe(`poly import: ${out} is up to date (same inputs and options; nothing written)\n`);
      const insp = await polyIn('inspect', out);
      expect(insp.code).toBe(0);
      expect(insp.stdout).toContain('by source  gamma_rest 2, market_ws ');
      expect(insp.stdout).toContain('provenance imported by poly import pmxt from pmxt-v2');
      expect(insp.stdout).toContain(`2026-05-01T10  ${pmxtFileName(H0)}`);
      expect(insp.stdout).toContain(`      from ${srv.url}/${pmxtFileName(H0)}`);
      expect(insp.stdout).toContain('no hash on book and price_change');
      const json = JSON.parse((await polyIn('inspect', out, '--json')).stdout) as { provenance?: { format: string; inputs: unknown[] } };
      expect(json.provenance?.format).toBe('pmxt-v2');
      const sql = await polyIn('inspect', out, '--sql', "SELECT kind, count(*) AS n FROM raw WHERE source = 'market_ws' GROUP BY kind ORDER BY kind", '--csv');
      expect(sql.stdout).toBe('kind,n\nclose,1\nframe,120\nopen,1\n');
      const rep = await poly('replay', out, '--strategy', 'strategies/market-maker.ts', '--speed', 'max', '--out', join(dir, 'reports'));
      expect(rep.code).toBe(0);
      expect(rep.stdout).toMatch(/strategy market-maker: \d+ records, \d+ orders = [^;]+; [1-9]\d* fills, \d+ merges, 0 denials/);
      const fills = (await readFile(join(dir, 'reports', 'fills.csv'), 'utf8')).trim().split('\n');
      expect(fills.length).toBeGreaterThan(1);
      // bad input: one line, exit 2, before any work
      const bad = await polyIn('import', 'pmxt', '--from', 'yesterday', '--to', '2026-05-01T11', '--out', join(dir, 'x'));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe("poly: --from 'yesterday' is not an ISO-8601 UTC time (e.g. 2026-05-01, 2026-05-01T13 or 2026-05-01T13:30:00Z)\n");
      const nothing = await polyIn('import', 'pmxt', '--out', join(dir, 'x'));
      expect(nothing.code).toBe(2);
      expect(nothing.stderr).toBe('poly: nothing to import: pass PMXT files, directories or URLs, or --from and --to to fetch the hours from --base-url\n');
    } finally {
      await srv.close();
      await ex.close();
    }
  });
});
