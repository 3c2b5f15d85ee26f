/**
 * Recordings and results in S3-compatible storage (s3rver on 127.0.0.1): upload the bundled recording,
 * replay and sweep it from s3://, write sweep results to s3://; results identical to the local ones. A part
 * whose bytes differ from the manifest is refused. `poly record --upload` mirrors each sealed part.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/recorder/read.ts';
import { configureS3, resetS3, s3Get, s3List, s3Put } from '../../src/sweep/s3.ts';
import { uploadRecording } from '../../src/sweep/storage.ts';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { poly, ROOT } from '../helpers/cli.ts';
import { BUNDLED } from '../helpers/recordings.ts';
import { startS3, type S3Server } from '../helpers/s3.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { tree } from '../helpers/tree.ts';
import { compactMarket, conditionId, tokenId } from '../sources/helpers.ts';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3();
  process.env['POLY_CACHE_DIR'] = tempDir('poly-cache-');
  resetS3();
  configureS3({});
});
afterAll(async () => {
  await s3?.stop();
  cleanupTempDirs();
});


describe('S3-compatible storage', () => {
  it('round trip: upload a recording, replay and sweep it from s3://, results identical to local', async () => {
    const up = await uploadRecording(BUNDLED, { bucket: s3.bucket, key: 'recs/sol-15m' });
    expect(up.uploaded).toEqual(['date=2025-12-11/part-000000000001-000000000878.parquet']);
    expect((await s3List({ bucket: s3.bucket, key: 'recs' })).map((o) => o.key)).toEqual(['recs/sol-15m/date=2025-12-11/part-000000000001-000000000878.parquet', 'recs/sol-15m/manifest.json']);
    // idempotent: nothing new to send
    expect((await uploadRecording(BUNDLED, { bucket: s3.bucket, key: 'recs/sol-15m' })).uploaded).toEqual([]);

    const local = tempDir();
    const remote = tempDir();
    const a = await poly('replay', 'recordings/sol-15m', '--strategy', 'strategies/market-maker.ts', '--out', local, '--no-progress');
    const b = await poly('replay', `s3://${s3.bucket}/recs/sol-15m`, '--strategy', 'strategies/market-maker.ts', '--out', remote, '--no-progress');
    expect(a.code).toBe(0);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const files = (await readdir(local)).filter((f) => f !== 'run.json' && f !== 'report.html');
    expect(files).toContain('summary.json');
    expect((await readdir(remote)).sort()).toEqual((await readdir(local)).sort());
    for (const f of files) expect(await readFile(join(remote, f), 'utf8')).toBe(await readFile(join(local, f), 'utf8'));
    const runA = JSON.parse(await readFile(join(local, 'run.json'), 'utf8')) as { recording: { digest: string }; outputs_digest: string };
    const runB = JSON.parse(await readFile(join(remote, 'run.json'), 'utf8')) as { recording: { path: string; digest: string }; outputs_digest: string };
    expect(runB.recording.path).toBe(`s3://${s3.bucket}/recs/sol-15m`);
    expect(runB.recording.digest).toBe(runA.recording.digest);
    expect(runB.outputs_digest).toBe(runA.outputs_digest);

    // a sweep reading s3:// and writing s3:// gives the same files as one reading s3:// and writing locally
    const grid = ['--grid', 'halfSpread=0.02,0.04', '--grid', 'size=5,10'];
    const outLocal = tempDir();
    const l = await poly('sweep', `s3://${s3.bucket}/recs`, '--strategy', 'strategies/market-maker.ts', ...grid, '--workers', '2', '--out', outLocal, '--no-progress');
    expect(l.stderr).not.toMatch(/internal error/);
    expect(l.code).toBe(0);
    const r = await poly('sweep', `s3://${s3.bucket}/recs`, '--strategy', 'strategies/market-maker.ts', ...grid, '--workers', '2', '--out', `s3://${s3.bucket}/sweeps/mm`, '--no-progress');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/4 run\(s\): 4 ran, 0 from the cache/);
    const objects = await s3List({ bucket: s3.bucket, key: 'sweeps/mm' });
    const fromS3: Record<string, string> = {};
    for (const o of objects) fromS3[o.key.slice('sweeps/mm/'.length)] = (await s3Get({ bucket: s3.bucket, key: o.key }))!.toString('utf8');
    expect(fromS3).toEqual(await tree(outLocal));
    expect(fromS3['sweep.csv']!.split('\n')[1]).toMatch(new RegExp(`^0,0,s3://${s3.bucket}/recs/sol-15m,`));
    // and a re-run finds every result in the bucket
    const again = await poly('sweep', `s3://${s3.bucket}/recs`, '--strategy', 'strategies/market-maker.ts', ...grid, '--workers', '2', '--out', `s3://${s3.bucket}/sweeps/mm`, '--no-progress');
    expect(again.stderr).toMatch(/4 run\(s\): 0 ran, 4 from the cache/);
  });

  it('refuses a part whose bytes differ from the manifest', async () => {
    const m = await readManifest(BUNDLED);
    await uploadRecording(BUNDLED, { bucket: s3.bucket, key: 'bad/sol-15m' });
    const part = m.files[0]!.path;
    const bytes = await readFile(join(BUNDLED, part));
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    await s3Put({ bucket: s3.bucket, key: `bad/sol-15m/${part}` }, bytes);
    const r = await poly('replay', `s3://${s3.bucket}/bad/sol-15m`, '--strategy', 'strategies/noop.ts', '--out', tempDir(), '--no-progress');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`part ${part.replace(/[.=]/g, '\\$&')} has sha256 [0-9a-f]{12}…, the manifest says ${m.files[0]!.sha256.slice(0, 12)}…`));
    const missing = await poly('replay', `s3://${s3.bucket}/nothing-here`, '--strategy', 'strategies/noop.ts', '--no-progress');
    expect(missing.stderr).toMatch(/is not a poly recording \(no manifest\.json there\)/);
  });

  it('poly record --upload mirrors each sealed part and the manifest', async () => {
    const events = Array.from({ length: 100 }, (_, i) => ({
      atMs: i * 20,
      frame: { market: conditionId(1), asset_id: tokenId(2), price: '0.52', size: '1', fee_rate_bps: '0', side: 'BUY', timestamp: String(1_765_450_800_000 + i), event_type: 'last_trade_price' },
    }));
    const ex: Exchange = await startExchange({ scenario: { markets: [compactMarket({ n: 1 })], events, loop: true, noNewAssetsEveryMs: 0 } });
    try {
      const out = join(tempDir(), 'rec');
      const dest = `s3://${s3.bucket}/live/rec`;
      const urls = ['--ws-url', ex.urls.marketWs, '--clob-url', ex.urls.clob, '--gamma-url', ex.urls.gamma, '--rtds-url', ex.urls.rtds];
      const child = spawn(process.execPath, [join(ROOT, 'bin/poly.mjs'), 'record', '--market', 'market-1', '--out', out, '--duration', '2500ms', '--rotate', '1s', '--flush-ms', '50', '--upload', dest, ...urls], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/uploaded .* to s3:\/\/poly-test\/live\/rec/);
      const m = await readManifest(out);
      expect(m.files.length).toBeGreaterThanOrEqual(2);
      const keys = (await s3List({ bucket: s3.bucket, key: 'live/rec' })).map((o) => o.key.slice('live/rec/'.length));
      expect(keys).toEqual([...m.files.map((f) => f.path), 'manifest.json'].sort());
      expect((await s3Get({ bucket: s3.bucket, key: 'live/rec/manifest.json' }))!.toString('utf8')).toBe(await readFile(join(out, 'manifest.json'), 'utf8'));
      // the uploaded recording replays like the local one
      const a = tempDir();
      const b = tempDir();
      expect((await poly('replay', out, '--strategy', 'strategies/noop.ts', '--out', a, '--no-progress')).code).toBe(0);
      expect((await poly('replay', dest, '--strategy', 'strategies/noop.ts', '--out', b, '--no-progress')).code).toBe(0);
      expect(await readFile(join(b, 'summary.json'), 'utf8')).toBe(await readFile(join(a, 'summary.json'), 'utf8'));
    } finally {
      await ex.close();
    }
  });
});
