/**
 * The import cache: downloaded archive files and fetched market metadata, so a second import of the same
 * hours fetches nothing and writes the same bytes.
 *
 * Location: `--cache DIR`, else $POLY_CACHE_DIR, else the platform's user cache directory + `/poly`
 * ($XDG_CACHE_HOME or ~/.cache on Linux and other Unixes, ~/Library/Caches on macOS, %LOCALAPPDATA% on
 * Windows). Layout:
 *   DIR/pmxt/<host>/<file name>             a complete, verified download
 *   DIR/pmxt/<host>/<file name>.json        its record: url, bytes, sha256, etag, last-modified
 *   DIR/pmxt/<host>/<file name>.part(.json) an interrupted download and the validators to resume it
 *   DIR/meta/<endpoints key>/*.json         captured Gamma/CLOB exchanges per identifier or batch (meta.ts)
 * Entries are written atomically (temp + rename); an entry that does not validate is ignored and fetched
 * again, never trusted.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import { ensureDir, isCode, writeFileAtomic } from '../io/paths.ts';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env['POLY_CACHE_DIR'];
  if (own !== undefined && own !== '') return own;
  const os = platform();
  if (os === 'darwin') return join(homedir(), 'Library', 'Caches', 'poly');
  if (os === 'win32') return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'poly', 'Cache');
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'poly');
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Reads a JSON cache entry; null when absent or not JSON. */
export async function readJsonEntry(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (err) {
    if (isCode(err, 'ENOENT') || err instanceof SyntaxError) return null;
    throw err;
  }
}

export async function writeJsonEntry(path: string, value: unknown, dir: string): Promise<void> {
  await ensureDir(dir);
  await writeFileAtomic(path, `${JSON.stringify(value)}\n`);
}
