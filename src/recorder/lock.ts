/**
 * DIR/.lock: one writer (recorder or repair) per recording directory.
 *
 * Protocol
 * - The lock file holds the owner's pid as decimal text and a newline. It is created with a hard link
 *   from a private temp file, so it appears complete or not at all (no half-written pid).
 * - A lock whose pid is not alive (kill(pid, 0) -> ESRCH), or whose content is not a pid, is stale and is
 *   taken over. A lock holding our own pid that this process does not hold (a container restart reusing the
 *   pid) is stale too.
 * - A lock held by a live process (or by another writer in this process) is refused with LOCKED.
 * - release() removes the file only while it still names us.
 *
 * Known limits: the stale-lock takeover is check-then-act; two processes taking over the same stale lock in
 * the same instant could both succeed. pids are not checked across hosts (a directory shared over NFS by
 * two machines is not protected).
 */
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordingError } from './errors.ts';
import { LOCK_FILE } from './layout.ts';
import { errorCode, isCode } from '../io/paths.ts';

const heldHere = new Set<string>();

export interface LockHandle {
  readonly path: string;
  /** pid of the stale owner this lock was taken over from, if any. */
  readonly tookOverFrom: number | null;
  release(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) !== 'ESRCH';
  }
}

/** Acquires DIR/.lock (DIR must exist). Throws RecordingError LOCKED or UNWRITABLE. */
export async function acquireLock(dir: string): Promise<LockHandle> {
  const path = join(dir, LOCK_FILE);
  if (heldHere.has(path)) {
    throw new RecordingError('LOCKED', `recording ${dir} is already open for writing in this process`);
  }
  const tmp = join(dir, `${LOCK_FILE}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, `${process.pid}\n`);
  } catch (err) {
    throw new RecordingError('UNWRITABLE', `cannot write to recording directory ${dir} (${errorCode(err) ?? String(err)}); choose a writable directory`, { cause: err });
  }
  let tookOverFrom: number | null = null;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, path);
        break;
      } catch (err) {
        if (!isCode(err, 'EEXIST') || attempt >= 3) throw err;
      }
      let text = '';
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if (isCode(err, 'ENOENT')) continue; // released meanwhile: retry
        throw err;
      }
      const pid = /^\d+\n?$/.test(text) ? Number.parseInt(text, 10) : NaN;
      const stale = !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || !pidAlive(pid);
      if (!stale) {
        throw new RecordingError('LOCKED', `recording ${dir} is being written by process ${pid} (${path}); stop it first, or remove the lock file if that process is not a poly recorder`);
      }
      tookOverFrom = Number.isSafeInteger(pid) ? pid : null;
      try {
        await unlink(path);
      } catch (err) {
        if (!isCode(err, 'ENOENT')) throw err;
      }
    }
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if (err instanceof RecordingError) throw err;
    throw new RecordingError('UNWRITABLE', `cannot create lock ${path} (${errorCode(err) ?? String(err)})`, { cause: err });
  }
  await unlink(tmp).catch(() => undefined);
  heldHere.add(path);
  let released = false;
  return {
    path,
    tookOverFrom,
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(path);
      try {
        const text = await readFile(path, 'utf8');
        if (Number.parseInt(text, 10) === process.pid) await unlink(path);
      } catch {
        // already gone: nothing to release
      }
    },
  };
}
