/**
 * Archive downloads (src/import/download.ts) against small servers on 127.0.0.1: retries with backoff on 5xx,
 * the MD5 of an S3/R2-style ETag checked, a file that changed upstream restarts from zero on resume, a
 * cached copy revalidated by ETag.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadToCache } from '../../src/import/download.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { startFileServer } from './helpers.ts';

afterAll(cleanupTempDirs);

const fast = { backoff: { initialMs: 1, maxMs: 4, factor: 2, jitter: 0 } };

async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; close: () => Promise<void> }> {
  let n = 0;
  const srv = createServer((req, res) => handler(req, res, n++));
  srv.listen(0, '127.0.0.1');
  await new Promise<void>((r) => srv.once('listening', () => r()));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      srv.closeAllConnections();
      srv.close(() => r());
    }),
  };
}

describe('downloadToCache', () => {
  it('retries 503 with backoff, then verifies the body against an MD5 ETag (a corrupted body is downloaded again)', async () => {
    const body = Buffer.from('x'.repeat(10_000));
    const md5 = createHash('md5').update(body).digest('hex');
    const seen: string[] = [];
    const s = await serve((req, res, n) => {
      seen.push(`${req.method} ${n}`);
      if (n === 0) {
        res.writeHead(503);
        res.end();
        return;
      }
      const b = n === 1 ? Buffer.from('y'.repeat(10_000)) : body; // attempt 2 sends corrupted bytes
      res.writeHead(200, { etag: `"${md5}"`, 'content-length': b.length });
      res.end(b);
    });
    try {
      const logs: string[] = [];
      const r = await downloadToCache(`${s.url}/f.parquet`, { cacheDir: tempDir(), ...fast, onLog: (m) => logs.push(m) });
      expect(r.status).toBe('ok');
      if (r.status !== 'ok') return;
      expect(r.attempts).toBe(3);
      expect(r.sha256).toBe(createHash('sha256').update(body).digest('hex'));
      expect(await readFile(r.path)).toEqual(body);
      expect(logs[0]).toMatch(/HTTP 503; retrying in \d+ ms \(attempt 2 of 6\)/);
      expect(logs[1]).toMatch(/MD5 of the body does not match the ETag/);
      expect(JSON.parse(await readFile(`${r.path}.json`, 'utf8'))).toMatchObject({ bytes: 10_000, sha256: r.sha256, etag: `"${md5}"` });
    } finally {
      await s.close();
    }
  });

  it('gives up after the retries with one line and keeps the part; a 404 is a missing hour, not an error', async () => {
    const s = await serve((req, res) => {
      res.writeHead(req.url === '/missing' ? 404 : 500);
      res.end();
    });
    try {
      await expect(downloadToCache(`${s.url}/broken`, { cacheDir: tempDir(), ...fast, retries: 2 })).rejects.toThrow(
        `download of ${s.url}/broken failed after 3 attempts (HTTP 500); what was received is kept in the cache and the next run resumes it`,
      );
      expect(await downloadToCache(`${s.url}/missing`, { cacheDir: tempDir(), ...fast })).toEqual({ status: 'missing', url: `${s.url}/missing`, httpStatus: 404 });
    } finally {
      await s.close();
    }
  });

  it('resumes with If-Range; a file that changed upstream meanwhile restarts from zero; a cached copy whose ETag changed is fetched again', async () => {
    const root = tempDir();
    await writeFile(join(root, 'h.parquet'), Buffer.alloc(50_000, 1));
    let version = 'v1';
    const srv = await startFileServer(root, { etag: () => version });
    try {
      const cache = tempDir();
      srv.dropOnce('/h.parquet', 20_000);
      // the first attempt is cut; while it waits to retry, the file changes upstream: If-Range no longer matches
      const r = await downloadToCache(`${srv.url}/h.parquet`, {
        cacheDir: cache,
        onLog: () => undefined,
        sleep: async () => {
          await writeFile(join(root, 'h.parquet'), Buffer.alloc(50_000, 2));
          version = 'v2';
        },
      });
      expect(r.status).toBe('ok');
      if (r.status !== 'ok') return;
      const gets = srv.requests.filter((q) => q.method === 'GET');
      expect(gets[1]?.ifRange).toBe('"v1"');
      expect(await readFile(r.path)).toEqual(Buffer.alloc(50_000, 2)); // never a mix of the two versions
      expect(r.etag).toBe('"v2"');
      // cached + unchanged: HEAD only; changed upstream: downloaded again
      const n0 = srv.requests.length;
      const again = await downloadToCache(`${srv.url}/h.parquet`, { cacheDir: cache, ...fast });
      expect(again.status === 'ok' && again.fromCache).toBe(true);
      expect(srv.requests.slice(n0).map((q) => q.method)).toEqual(['HEAD']);
      version = 'v3';
      const third = await downloadToCache(`${srv.url}/h.parquet`, { cacheDir: cache, ...fast, onLog: () => undefined });
      expect(third.status === 'ok' && !third.fromCache && third.etag === '"v3"').toBe(true);
      // --offline: no request at all
      const n1 = srv.requests.length;
      const off = await downloadToCache(`${srv.url}/h.parquet`, { cacheDir: cache, ...fast, offline: true });
      expect(off.status === 'ok' && off.fromCache).toBe(true);
      expect(srv.requests.length).toBe(n1);
    } finally {
      await srv.close();
    }
  });
});
