/**
 * Where a sweep's results live: a local (or shared, e.g. NFS) directory, or an s3:// prefix. Layout:
 *   <out>/sweep.csv, sweep.json, sets.csv, walkforward.csv ...   the sweep's tables (written by the planner)
 *   <out>/runs/<id>/                                              one run: the files `poly replay` writes + result.json
 * where <id> is the first 16 hex of the run's cache key (job.ts). The run folders ARE the cache: a run whose
 * result.json exists is done and is never run again (a re-run of the sweep is free, an interrupted one resumes).
 *
 * Write-once, atomically
 * - local: a run is written into runs/.tmp/<id>-<host>-<pid>-<random>/ and renamed to runs/<id> in one step; if
 *   runs/<id> already exists (another worker finished the same run first) ours is deleted. A folder without
 *   result.json is never visible under runs/<id>. `cleanStale` removes scratch folders of dead processes of
 *   this host (an interrupted sweep).
 * - s3: every file is uploaded, result.json LAST; a run counts as done only once result.json is there. Two
 *   workers racing on the same run upload the same bytes (runs are deterministic), so the race is harmless.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { ensureDir, fsyncDir, isCode, pathExists, writeFileAtomic } from '../io/paths.ts';
import { runDirName } from './job.ts';
import { isS3Url, parseS3Url, s3Exists, s3Get, s3Join, s3Put, s3Text, type S3Url } from './s3.ts';

export const RESULT_FILE = 'result.json';

export interface ResultStore {
  /** Absolute directory or s3:// URL: what a worker on another machine is told. */
  readonly location: string;
  hasRun(key: string): Promise<boolean>;
  readRunFile(key: string, name: string): Promise<string | null>;
  /** A fresh local folder to render a run into. */
  scratch(key: string): Promise<string>;
  /** Publishes a scratch folder as runs/<id> (see header); 'exists' when another writer was first. */
  publish(key: string, scratchDir: string): Promise<'written' | 'exists'>;
  writeTop(name: string, data: string): Promise<void>;
  readTop(name: string): Promise<string | null>;
}

const safeHost = (): string => hostname().replace(/[^A-Za-z0-9.-]/g, '_');

class LocalStore implements ResultStore {
  readonly location: string;
  constructor(dir: string) {
    this.location = resolve(dir);
  }
  private runDir(key: string): string {
    return join(this.location, 'runs', runDirName(key));
  }
  hasRun(key: string): Promise<boolean> {
    return pathExists(join(this.runDir(key), RESULT_FILE));
  }
  async readRunFile(key: string, name: string): Promise<string | null> {
    return readFile(join(this.runDir(key), name), 'utf8').catch((err: unknown) => {
      if (isCode(err, 'ENOENT')) return null;
      throw err;
    });
  }
  async scratch(key: string): Promise<string> {
    const dir = join(this.location, 'runs', '.tmp', `${runDirName(key)}-${safeHost()}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await ensureDir(dir);
    return dir;
  }
  async publish(key: string, scratchDir: string): Promise<'written' | 'exists'> {
    const target = this.runDir(key);
    if (await pathExists(target)) {
      await rm(scratchDir, { recursive: true, force: true });
      return 'exists';
    }
    try {
      await rename(scratchDir, target);
    } catch (err) {
      if (isCode(err, 'EEXIST', 'ENOTEMPTY', 'EISDIR')) {
        await rm(scratchDir, { recursive: true, force: true });
        return 'exists';
      }
      throw err;
    }
    await fsyncDir(join(this.location, 'runs'));
    return 'written';
  }
  async writeTop(name: string, data: string): Promise<void> {
    await ensureDir(this.location);
    await writeFileAtomic(join(this.location, name), data);
  }
  async readTop(name: string): Promise<string | null> {
    return readFile(join(this.location, name), 'utf8').catch(() => null);
  }
}

class S3Store implements ResultStore {
  readonly location: string;
  private readonly url: S3Url;
  constructor(url: string) {
    this.url = parseS3Url(url);
    this.location = s3Text(this.url);
  }
  private runKey(key: string, name: string): S3Url {
    return s3Join(this.url, 'runs', runDirName(key), name);
  }
  hasRun(key: string): Promise<boolean> {
    return s3Exists(this.runKey(key, RESULT_FILE));
  }
  async readRunFile(key: string, name: string): Promise<string | null> {
    return (await s3Get(this.runKey(key, name)))?.toString('utf8') ?? null;
  }
  scratch(): Promise<string> {
    return mkdtemp(join(tmpdir(), 'poly-run-'));
  }
  async publish(key: string, scratchDir: string): Promise<'written' | 'exists'> {
    try {
      if (await this.hasRun(key)) return 'exists';
      const names = (await readdir(scratchDir)).filter((n) => n !== RESULT_FILE).sort();
      for (const n of names) await s3Put(this.runKey(key, n), await readFile(join(scratchDir, n)));
      await s3Put(this.runKey(key, RESULT_FILE), await readFile(join(scratchDir, RESULT_FILE)), 'application/json');
      return 'written';
    } finally {
      await rm(scratchDir, { recursive: true, force: true });
    }
  }
  writeTop(name: string, data: string): Promise<void> {
    return s3Put(s3Join(this.url, name), data);
  }
  async readTop(name: string): Promise<string | null> {
    return (await s3Get(s3Join(this.url, name)))?.toString('utf8') ?? null;
  }
}

export function openStore(out: string): ResultStore {
  return isS3Url(out) ? new S3Store(out) : new LocalStore(out);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isCode(err, 'EPERM');
  }
}

/** Removes scratch folders left by dead processes of this host under a local store (interrupted sweeps). */
export async function cleanStale(store: ResultStore): Promise<number> {
  if (isS3Url(store.location)) return 0;
  const dir = join(store.location, 'runs', '.tmp');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  const host = safeHost();
  let removed = 0;
  for (const n of names) {
    const m = /^[0-9a-f]{16}-(.+)-(\d+)-[0-9a-f]{8}$/.exec(n);
    if (m === null || m[1] !== host || alive(Number(m[2]))) continue;
    await rm(join(dir, n), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}
