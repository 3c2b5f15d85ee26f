/**
 * Recordings in object storage: fetching s3://bucket/prefix/NAME into a local cache for replay, sweep and
 * worker, and uploading a local recording (or each newly sealed part of one being recorded).
 *
 * Fetch (`localRecording`)
 * - manifest.json is read first; every Parquet part it lists is downloaded unless the cached copy already has
 *   the manifest's sha256, and every download is verified against that sha256 before it is renamed into place
 *   (a mismatch is an error naming the part: the bucket holds other bytes than the manifest describes).
 * - Other objects under the prefix (derived caches such as the columnar tape) are mirrored as they are, when
 *   missing locally or of another size; they carry their own validation (a tape is rebuilt when its inputs
 *   change). Names starting with '.' and the recorder's spool/ are skipped.
 * - manifest.json is written last, so a cache directory with a manifest always has every part it lists.
 * - Every file is written to a unique temporary name then renamed: threads and processes fetching the same
 *   recording at once may download twice, never corrupt each other.
 * - The cache lives in $POLY_CACHE_DIR, else $XDG_CACHE_HOME/poly, else ~/.cache/poly: <cache>/s3/<bucket>/<key>.
 *
 * Upload (`uploadRecording`): parts not yet in the bucket (HEAD), then the other files, then manifest.json
 * last, so a reader never sees a manifest naming a part that is not there yet. Idempotent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { CliError } from '../cli/errors.ts';
import { ensureDir, pathExists, resolveRecordingDir, sha256File } from '../io/paths.ts';
import { MANIFEST_FILE, SPOOL_DIR, LOCK_FILE } from '../recorder/layout.ts';
import { parseManifest, type Manifest } from '../recorder/manifest.ts';
import { isS3Url, parseS3Url, s3Exists, s3Get, s3Join, s3List, s3Put, s3Text, type S3Url } from './s3.ts';

export function cacheRoot(): string {
  const env = process.env['POLY_CACHE_DIR'];
  if (env !== undefined && env !== '') return env;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'poly');
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Writes atomically under a unique temporary name (safe with concurrent writers of the same file). */
export async function writeUnique(target: string, data: Uint8Array | string): Promise<void> {
  await ensureDir(dirname(target));
  const tmp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data);
  try {
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

function manifestFrom(text: string, where: string): Manifest {
  const parsed = parseManifest(text);
  if (!parsed.ok) throw new CliError(`${where}: ${MANIFEST_FILE} is ${parsed.reason}`);
  return parsed.manifest;
}

const inflight = new Map<string, Promise<string>>();

/**
 * A local directory holding the recording: `arg` itself (or recordings/<arg>) for a path, the verified cache
 * copy for s3://. Throws a one-line CliError when the recording cannot be had.
 */
export async function localRecording(arg: string): Promise<string> {
  if (!isS3Url(arg)) return resolveRecordingDir(arg);
  const u = parseS3Url(arg);
  const key = s3Text(u);
  let p = inflight.get(key);
  if (p === undefined) {
    p = fetchRecording(u);
    inflight.set(key, p);
    // later calls fetch again (the recording may have grown): only concurrent ones share a download
    void p.finally(() => inflight.delete(key)).catch(() => undefined);
  }
  return p;
}

async function fetchRecording(u: S3Url): Promise<string> {
  const dir = join(cacheRoot(), 's3', u.bucket, ...u.key.split('/').filter((s) => s !== ''));
  const mbytes = await s3Get(s3Join(u, MANIFEST_FILE));
  if (mbytes === null) throw new CliError(`${s3Text(u)} is not a poly recording (no ${MANIFEST_FILE} there)`);
  const manifest = manifestFrom(mbytes.toString('utf8'), s3Text(u));
  const parts = new Set<string>();
  for (const f of manifest.files) {
    parts.add(f.path);
    const local = join(dir, ...f.path.split('/'));
    if ((await pathExists(local)) && (await sha256File(local)) === f.sha256) continue;
    const body = await s3Get(s3Join(u, f.path));
    if (body === null) throw new CliError(`${s3Text(u)}: part ${f.path} listed in ${MANIFEST_FILE} is missing from the bucket`);
    const got = sha256(body);
    if (got !== f.sha256) throw new CliError(`${s3Text(u)}: part ${f.path} has sha256 ${got.slice(0, 12)}…, the manifest says ${f.sha256.slice(0, 12)}…; the bucket holds other bytes than the manifest describes`);
    await writeUnique(local, body);
  }
  const prefix = u.key === '' ? '' : `${u.key}/`;
  for (const o of await s3List(u)) {
    const rel = o.key.slice(prefix.length);
    if (rel === MANIFEST_FILE || parts.has(rel) || rel === '' || rel.split('/').some((s) => s.startsWith('.')) || rel.startsWith(`${SPOOL_DIR}/`)) continue;
    const local = join(dir, ...rel.split('/'));
    if ((await pathExists(local)) && (await stat(local)).size === o.size) continue;
    const body = await s3Get({ bucket: u.bucket, key: o.key });
    if (body !== null) await writeUnique(local, body);
  }
  await writeUnique(join(dir, MANIFEST_FILE), mbytes);
  return dir;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const parent = (e as { parentPath?: string; path?: string }).parentPath ?? (e as { path?: string }).path ?? dir;
    const rel = relative(dir, join(parent, e.name)).split(sep).join('/');
    out.push(rel);
  }
  return out.sort();
}

export interface UploadReport {
  readonly uploaded: string[];
  readonly skipped: number;
}

/**
 * Uploads a local recording to s3://…/NAME (see header). `known` (kept by the caller across calls) lists parts
 * already confirmed in the bucket, so a long recording is not HEAD-checked part by part on every rotation.
 */
export async function uploadRecording(localDir: string, dest: S3Url, known: Set<string> = new Set()): Promise<UploadReport> {
  const mtext = await readFile(join(localDir, MANIFEST_FILE), 'utf8').catch(() => null);
  if (mtext === null) throw new CliError(`${localDir} is not a poly recording (no ${MANIFEST_FILE}); nothing to upload`);
  const manifest = manifestFrom(mtext, localDir);
  const uploaded: string[] = [];
  let skipped = 0;
  const partSet = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    if (known.has(f.path)) {
      skipped += 1;
      continue;
    }
    const target = s3Join(dest, f.path);
    if (!(await s3Exists(target))) {
      const body = await readFile(join(localDir, ...f.path.split('/')));
      if (sha256(body) !== f.sha256) throw new CliError(`${localDir}: part ${f.path} does not match its sha256 in ${MANIFEST_FILE}; run 'poly recordings repair ${localDir}' before uploading`);
      await s3Put(target, body, 'application/vnd.apache.parquet');
      uploaded.push(f.path);
    } else skipped += 1;
    known.add(f.path);
  }
  for (const rel of await filesUnder(localDir)) {
    if (rel === MANIFEST_FILE || partSet.has(rel) || rel === LOCK_FILE || rel.startsWith(`${SPOOL_DIR}/`) || rel.split('/').some((s) => s.startsWith('.')) || rel.endsWith('.tmp')) continue;
    if (known.has(rel)) continue;
    await s3Put(s3Join(dest, rel), await readFile(join(localDir, ...rel.split('/'))));
    uploaded.push(rel);
  }
  await s3Put(s3Join(dest, MANIFEST_FILE), mtext, 'application/json');
  return { uploaded, skipped };
}

/** Lists the recordings directly under an s3:// prefix (each a sub-prefix holding manifest.json). */
export async function listS3Recordings(u: S3Url): Promise<string[]> {
  if (await s3Exists(s3Join(u, MANIFEST_FILE))) return [s3Text(u)];
  const prefix = u.key === '' ? '' : `${u.key}/`;
  const names = new Set<string>();
  for (const o of await s3List(u)) {
    const rel = o.key.slice(prefix.length);
    const m = /^([^/]+)\/manifest\.json$/.exec(rel);
    if (m !== null) names.add(m[1]!);
  }
  return [...names].sort().map((n) => s3Text(s3Join(u, n)));
}

/**
 * `poly record --upload s3://…`: mirrors a recording being written to the bucket. `kick()` (called on every
 * sealed part) starts a sync unless one is running, in which case one more sync follows it; `finish()` waits,
 * then syncs once more and throws if that last sync fails. A failed intermediate sync is reported through
 * `onError` and retried by the next one: the local recording is the source of truth and is never touched.
 */
export class RecordingUploader {
  private readonly known = new Set<string>();
  private running: Promise<void> | null = null;
  private again = false;
  constructor(
    private readonly localDir: string,
    private readonly dest: S3Url,
    private readonly onError: (err: Error) => void,
    private readonly onUploaded: (files: string[]) => void = () => undefined,
  ) {}

  kick(): void {
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const r = await uploadRecording(this.localDir, this.dest, this.known);
          if (r.uploaded.length > 0) this.onUploaded(r.uploaded);
        } catch (err) {
          this.onError(err instanceof Error ? err : new Error(String(err)));
        }
      } while (this.again);
      this.running = null;
    })();
  }

  async finish(): Promise<UploadReport> {
    while (this.running !== null) await this.running;
    const r = await uploadRecording(this.localDir, this.dest, this.known);
    if (r.uploaded.length > 0) this.onUploaded(r.uploaded);
    return { uploaded: r.uploaded, skipped: this.known.size };
  }
}
