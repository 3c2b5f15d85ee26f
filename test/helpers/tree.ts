/** Every file under a directory as relative path -> text (sweep scratch folders excluded), for byte-for-byte comparisons. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const parent = (e as { parentPath?: string }).parentPath ?? dir;
    const rel = join(parent, e.name).slice(dir.length + 1);
    if (rel.startsWith('runs/.tmp')) continue;
    out[rel] = await readFile(join(parent, e.name), 'utf8');
  }
  return out;
}
