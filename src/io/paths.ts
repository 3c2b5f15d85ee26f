/**
 * Small durable-filesystem helpers shared by the recorder and the CLI.
 *
 * Invariants
 * - `writeFileAtomic` never leaves a half-written target: it writes `<target>.tmp`, fsyncs it, renames it
 *   over the target and fsyncs the directory, so after a crash the target is either the old or the new file.
 * - `fsyncDir` makes a rename/create/unlink in that directory durable (Linux semantics; on platforms that
 *   cannot open a directory for fsync it is a no-op).
 * - `sha256File` streams the file (bounded memory, any size).
 *
 * Known limits: no Windows-specific handling (rename over an open file); fsync of directories is best effort
 * where the OS refuses it (EISDIR/EINVAL/EPERM are ignored there).
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, createReadStream, existsSync } from 'node:fs';
import { access, mkdir, open, rename, stat, statfs } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The project directory: the nearest directory at or above `from` that holds a package.json, else `from`. */
export function projectDir(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(from);
    dir = up;
  }
}

/**
 * An existing path as run.json stores it: relative to the project directory (projectDir), with '/'
 * separators, so the same run gives the same run.json from any working directory of the project and on any
 * machine. A name that is not an existing path (e.g. 'live') is returned as given.
 */
export function projectRelative(p: string, from: string = process.cwd()): string {
  const abs = resolve(from, p);
  if (!existsSync(abs)) return p;
  const rel = relative(projectDir(from), abs);
  return (rel === '' ? '.' : rel).split(sep).join('/');
}

/** True if the path exists (file, directory or anything else). */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** mkdir -p; returns the first directory it created, or undefined when it already existed. */
export async function ensureDir(p: string): Promise<string | undefined> {
  return mkdir(p, { recursive: true });
}

/** Filesystems that are views of the kernel, not storage (statfs f_type magic numbers, linux/magic.h). */
const VIRTUAL_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
]);

/**
 * Why `dir` cannot be a directory to write files into (it may not exist yet), or null when it can: a path
 * component is a file, the nearest existing ancestor is not writable, or it is on a virtual filesystem
 * (/proc, /sys, ...: mkdir there can hang). Creates nothing. Checked before long work, so a bad output path
 * is one line at once rather than a failure after the work.
 */
export async function unwritableDirReason(dir: string): Promise<string | null> {
  let probe = resolve(dir);
  const missing: string[] = [];
  for (;;) {
    try {
      const st = await stat(probe);
      if (!st.isDirectory()) return missing.length === 0 ? `'${probe}' is a file, not a directory` : `'${probe}' is a file, so '${dir}' cannot be created`;
      break;
    } catch (err) {
      if (!isCode(err, 'ENOENT', 'ENOTDIR')) return `'${probe}' cannot be read (${errorCode(err) ?? String(err)})`;
      const up = dirname(probe);
      if (up === probe) return `no part of '${dir}' exists`;
      missing.push(probe);
      probe = up;
    }
  }
  try {
    const fs = await statfs(probe);
    const virtual = VIRTUAL_FS.get(fs.type);
    if (virtual !== undefined) return `'${probe}' is on a virtual filesystem (${virtual}), not storage`;
  } catch {
    // statfs unsupported here: the access check below still runs
  }
  try {
    await access(probe, fsConstants.W_OK | fsConstants.X_OK);
  } catch (err) {
    return `'${probe}' is not writable (${errorCode(err) ?? String(err)})`;
  }
  return null;
}

/** fsync a directory so that entries created, renamed or removed in it survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch (err) {
    if (isCode(err, 'EISDIR', 'EINVAL', 'EPERM', 'EACCES')) return;
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    if (!isCode(err, 'EISDIR', 'EINVAL', 'EPERM', 'EBADF')) throw err;
  } finally {
    await fh.close();
  }
}

/** fsync a file's data and metadata. */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `data` to `target` atomically and durably (tmp + fsync + rename + fsync dir). */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${target}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, target);
  await fsyncDir(dirname(target));
}

/** Hex sha256 of a file's bytes, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Node system-error code of an unknown thrown value, if any. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const c = (err as { code: unknown }).code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

export function isCode(err: unknown, ...codes: string[]): boolean {
  const c = errorCode(err);
  return c !== undefined && codes.includes(c);
}

/**
 * Resolves a recording argument: an existing path is used as is; otherwise a bare name is looked up under
 * `<cwd>/recordings/`. Returns the absolute path of the first candidate that exists, else of the argument.
 */
export async function resolveRecordingDir(arg: string, cwd: string = process.cwd()): Promise<string> {
  const direct = resolve(cwd, arg);
  if (await pathExists(direct)) return direct;
  if (!arg.includes('/') && !arg.includes('\\')) {
    const named = join(cwd, 'recordings', arg);
    if (await pathExists(named)) return named;
  }
  return direct;
}
