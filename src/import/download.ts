/**
 * Archive downloads through undici into the import cache: resumable, retried, checksummed.
 *
 * - Resumable: the body streams into `<cache entry>.part`; after an interruption (connection dropped, body
 *   timeout, 5xx) the next attempt asks for the rest with `Range: bytes=<have>-` and `If-Range: <ETag or
 *   Last-Modified>` so a file that changed upstream restarts from zero (the server answers 200 instead of
 *   206). A 206 whose Content-Range does not start at <have>, or a 416, restarts from zero too. The
 *   validators of a part are kept beside it (`.part.json`) so a resumed process can continue it.
 * - Retried: network errors, 408, 429 and 5xx, up to `retries` times with exponential backoff and seeded
 *   jitter (src/sources/backoff.ts); 404/410 mean "no such hour" (`missing`, not retried); any other status
 *   is an ImportError naming the URL.
 * - Checksummed: sha256 of the complete file is computed while it streams (continued over the part on a
 *   resume) and recorded; when the server's ETag is a plain MD5 (32 hex, as R2/S3 give single-part objects)
 *   the MD5 is checked too and a mismatch discards the download. A Content-Length/Content-Range total that
 *   the body does not reach is an interruption, never a complete file.
 * - Cached: a complete file is renamed into place with its record (`.json`: url, bytes, sha256, etag,
 *   last-modified). Before reuse its size and sha256 are checked against the record (a mismatch deletes it
 *   and downloads again) and, unless `offline`, its ETag against the server's (HEAD; a different ETag or size
 *   downloads again; an unreachable server keeps the verified copy).
 * Progress is reported per received chunk (`onProgress`).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import { Agent, request, stream } from 'undici';
import { seededRng } from '../core/rng.ts';
import { ensureDir, fsyncDir, isCode, sha256File } from '../io/paths.ts';
import { Backoff, type BackoffOptions } from '../sources/backoff.ts';
import { readJsonEntry, writeJsonEntry } from './cache.ts';
import { ImportError, oneLine } from './errors.ts';

export interface DownloadProgress {
  readonly url: string;
  /** Bytes of this file on disk so far (a resumed part included). */
  readonly bytes: number;
  /** Total size when the server said, else null. */
  readonly total: number | null;
}

export interface DownloadOptions {
  readonly cacheDir: string;
  /** Retries after a failed attempt (default 5). */
  readonly retries?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** Headers timeout and body idle timeout, ms (default 30 s / 60 s). */
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
  /** Skip the ETag revalidation of cached files (no network). */
  readonly offline?: boolean;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly onLog?: (msg: string) => void;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface Downloaded {
  readonly status: 'ok';
  readonly url: string;
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly etag: string | null;
  readonly fromCache: boolean;
  /** Attempts made by this call (0 when served from the cache). */
  readonly attempts: number;
}
export interface Missing {
  readonly status: 'missing';
  readonly url: string;
  readonly httpStatus: number;
}

interface CacheRecord {
  url: string;
  bytes: number;
  sha256: string;
  etag: string | null;
  lastModified: string | null;
}

const isRecord = (v: unknown): v is CacheRecord =>
  typeof v === 'object' && v !== null && typeof (v as CacheRecord).url === 'string' && Number.isSafeInteger((v as CacheRecord).bytes) && typeof (v as CacheRecord).sha256 === 'string';

/** Cache path of a URL: DIR/pmxt/<host>/<path segments, sanitized>. */
export function cachePathOf(cacheDir: string, url: string): string {
  const u = new URL(url);
  const segs = u.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s).replace(/[^A-Za-z0-9._-]/g, '_'));
  const host = `${u.hostname}${u.port === '' ? '' : `_${u.port}`}`.replace(/[^A-Za-z0-9._-]/g, '_');
  if (segs.length === 0) segs.push('index');
  return join(cacheDir, 'pmxt', host, ...segs);
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | null => {
  const v = h[name];
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
};

const md5OfEtag = (etag: string | null): string | null => {
  const m = etag === null ? null : /^(?:W\/)?"?([0-9a-f]{32})"?$/i.exec(etag);
  return m === null ? null : (m[1] as string).toLowerCase();
};

function hashFileSync(path: string, hashes: readonly Hash[]): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) for (const h of hashes) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (isCode(err, 'ENOENT')) return null;
    throw err;
  }
}

class Retryable extends Error {}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Downloads `url` into the cache (or reuses a verified cached copy); see the module header. */
export async function downloadToCache(url: string, o: DownloadOptions): Promise<Downloaded | Missing> {
  const final = cachePathOf(o.cacheDir, url);
  const recPath = `${final}.json`;
  const part = `${final}.part`;
  const partRec = `${final}.part.json`;
  const dir = dirname(final);
  const agent = new Agent({ headersTimeout: o.headersTimeoutMs ?? 30_000, bodyTimeout: o.bodyTimeoutMs ?? 60_000, connect: { timeout: o.headersTimeoutMs ?? 30_000 } });
  const log = o.onLog ?? (() => undefined);
  try {
    const cached = await reuse(url, final, recPath, agent, o);
    if (cached !== null) return cached;
    await ensureDir(dir);
    const backoff = new Backoff(o.backoff ?? { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 }, seededRng(7));
    const retries = o.retries ?? 5;
    let lastProblem = '';
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      if (attempt > 1) {
        const wait = backoff.next();
        log(`download ${url}: ${lastProblem}; retrying in ${wait} ms (attempt ${attempt} of ${retries + 1})`);
        await (o.sleep ?? defaultSleep)(wait);
      }
      o.signal?.throwIfAborted();
      try {
        const r = await attemptOnce(url, part, partRec, agent, o);
        if (r.status === 'missing') return r;
        await rename(part, final);
        await rm(partRec, { force: true });
        await fsyncDir(dir);
        const rec: CacheRecord = { url, bytes: r.bytes, sha256: r.sha256, etag: r.etag, lastModified: r.lastModified };
        await writeJsonEntry(recPath, rec, dir);
        return { status: 'ok', url, path: final, bytes: r.bytes, sha256: r.sha256, etag: r.etag, fromCache: false, attempts: attempt };
      } catch (err) {
        if (err instanceof ImportError) throw err;
        if (o.signal?.aborted === true) throw err;
        lastProblem = err instanceof Retryable ? err.message : oneLine(err);
      }
    }
    throw new ImportError(`download of ${url} failed after ${retries + 1} attempts (${lastProblem}); what was received is kept in the cache and the next run resumes it`, 'runtime');
  } finally {
    await agent.close();
  }
}

/** A verified cached copy, or null (and the stale copy removed) when it must be downloaded. */
async function reuse(url: string, final: string, recPath: string, agent: Agent, o: DownloadOptions): Promise<Downloaded | null> {
  const rec = await readJsonEntry(recPath);
  const size = await sizeOf(final);
  if (!isRecord(rec) || rec.url !== url || size === null) return null;
  const drop = async (why: string): Promise<null> => {
    o.onLog?.(`cache: ${final} ${why}; downloading it again`);
    await rm(final, { force: true });
    await rm(recPath, { force: true });
    return null;
  };
  if (size !== rec.bytes) return drop(`has ${size} bytes, its record says ${rec.bytes}`);
  const sha = await sha256File(final);
  if (sha !== rec.sha256) return drop('does not match its recorded sha256');
  if (o.offline !== true) {
    try {
      const res = await request(url, { method: 'HEAD', dispatcher: agent, headers: rec.etag === null ? {} : { 'if-none-match': rec.etag }, ...(o.signal ? { signal: o.signal } : {}) });
      await res.body.dump();
      const etag = header(res.headers, 'etag');
      const len = header(res.headers, 'content-length');
      if (res.statusCode === 200 && ((etag !== null && rec.etag !== null && etag !== rec.etag) || (len !== null && Number(len) !== rec.bytes))) {
        return drop(`changed upstream (ETag ${rec.etag ?? '-'} -> ${etag ?? '-'}, ${rec.bytes} -> ${len ?? '?'} bytes)`);
      }
    } catch (err) {
      o.onLog?.(`cache: could not revalidate ${url} (${oneLine(err)}); using the verified cached copy`);
    }
  }
  o.onProgress?.({ url, bytes: rec.bytes, total: rec.bytes });
  return { status: 'ok', url, path: final, bytes: rec.bytes, sha256: rec.sha256, etag: rec.etag, fromCache: true, attempts: 0 };
}

interface AttemptResult {
  status: 'ok';
  bytes: number;
  sha256: string;
  etag: string | null;
  lastModified: string | null;
}

async function attemptOnce(url: string, part: string, partRec: string, agent: Agent, o: DownloadOptions): Promise<AttemptResult | Missing> {
  const pr = await readJsonEntry(partRec);
  let have = (await sizeOf(part)) ?? 0;
  const validator = isPart(pr) && pr.url === url ? (pr.etag ?? pr.lastModified) : null;
  if (have > 0 && validator === null) {
    await rm(part, { force: true });
    have = 0;
  }
  const reqHeaders: Record<string, string> = { 'user-agent': 'poly-import/0.1' };
  if (have > 0 && validator !== null) {
    reqHeaders['range'] = `bytes=${have}-`;
    reqHeaders['if-range'] = validator;
  }
  // Chunks are written to the part file synchronously as undici delivers them (stream() + a Writable), so a
  // connection that drops mid-body loses nothing that arrived: the next attempt resumes after it.
  const st: { status: number; headers: Record<string, string | string[] | undefined>; fd: number | null; bytes: number; total: number | null; problem: string | null } = {
    status: 0, headers: {}, fd: null, bytes: have, total: null, problem: null,
  };
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const hashes: Hash[] = [sha, md5];
  let partRecWrite: Promise<void> = Promise.resolve();
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        if (st.fd !== null) {
          let off = 0;
          while (off < chunk.length) off += writeSync(st.fd, chunk, off, chunk.length - off);
          for (const h of hashes) h.update(chunk);
          st.bytes += chunk.length;
          o.onProgress?.({ url, bytes: st.bytes, total: st.total });
        }
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  try {
    await stream(url, { method: 'GET', dispatcher: agent, headers: reqHeaders, ...(o.signal ? { signal: o.signal } : {}) }, ({ statusCode, headers }) => {
      st.status = statusCode;
      st.headers = headers as Record<string, string | string[] | undefined>;
      if (statusCode === 206) {
        const cr = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(st.headers, 'content-range') ?? '');
        if (cr === null || Number(cr[1]) !== have) {
          st.problem = `HTTP 206 with Content-Range '${header(st.headers, 'content-range') ?? ''}' for a resume at byte ${have}; restarting from zero`;
          return sink;
        }
        st.total = cr[3] === '*' ? null : Number(cr[3]);
        hashFileSync(part, hashes); // the bytes already on disk start the checksums (the factory is synchronous)
        st.fd = openSync(part, 'a');
      } else if (statusCode === 200) {
        if (have > 0) o.onLog?.(`download ${url}: the server sent the whole file instead of the rest (changed upstream or no range support); restarting from zero`);
        have = 0;
        st.bytes = 0;
        const len = header(st.headers, 'content-length');
        st.total = len === null ? null : Number(len);
        st.fd = openSync(part, 'w');
      } else {
        return sink; // body discarded (fd null); the status decides below
      }
      const etag = header(st.headers, 'etag');
      partRecWrite = writeJsonEntry(partRec, { url, etag, lastModified: header(st.headers, 'last-modified') }, dirname(partRec));
      o.onProgress?.({ url, bytes: st.bytes, total: st.total });
      return sink;
    });
  } catch (err) {
    if (st.status === 200 || st.status === 206) {
      closeFd(st);
      await partRecWrite.catch(() => undefined);
      throw new Retryable(`connection lost after ${st.bytes} bytes (${oneLine(err)})`);
    }
    closeFd(st);
    throw err;
  }
  await partRecWrite;
  if (st.fd !== null) fsyncSync(st.fd);
  closeFd(st);
  const status = st.status;
  if (status === 404 || status === 410) return { status: 'missing', url, httpStatus: status };
  if (status === 416) {
    await rm(part, { force: true });
    throw new Retryable('HTTP 416 for the resumed range; restarting from zero');
  }
  if (status === 408 || status === 429 || status >= 500) throw new Retryable(`HTTP ${status}`);
  if (status !== 200 && status !== 206) throw new ImportError(`download of ${url} answered HTTP ${status}; check the URL (or --base-url)`, 'runtime');
  if (st.problem !== null) {
    await rm(part, { force: true });
    throw new Retryable(st.problem);
  }
  if (st.total !== null && st.bytes !== st.total) throw new Retryable(`body ended at ${st.bytes} of ${st.total} bytes`);
  const etag = header(st.headers, 'etag');
  const md5Want = md5OfEtag(etag);
  if (md5Want !== null && md5.digest('hex') !== md5Want) {
    await rm(part, { force: true });
    throw new Retryable(`MD5 of the body does not match the ETag ${etag ?? ''}; downloading again`);
  }
  return { status: 'ok', bytes: st.bytes, sha256: sha.digest('hex'), etag, lastModified: header(st.headers, 'last-modified') };
}

function closeFd(st: { fd: number | null }): void {
  if (st.fd !== null) closeSync(st.fd);
  st.fd = null;
}

const isPart = (v: unknown): v is { url: string; etag: string | null; lastModified: string | null } =>
  typeof v === 'object' && v !== null && typeof (v as { url?: unknown }).url === 'string';
