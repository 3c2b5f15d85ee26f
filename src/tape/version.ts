/**
 * The normalizer version a tape is keyed on: sha256 over the source text of every module the normalizer
 * and the tape codec run (src/core/normalize/index.ts, src/tape/tape.ts and every relative import they
 * reach, transitively, type-only imports included — cheap and on the safe side), plus TAPE_FORMAT. Editing any mapper, field parser or event type
 * changes it, so a tape built by older code is never trusted (it is rebuilt).
 *
 * Text hashed: "poly-normalizer v1 <format>\n" then "file <path relative to src/core> <sha256>\n" sorted by path.
 * Known limit: imports are found by a regex over `from '...'` / `import '...'` specifiers (poly's own style);
 * a dynamic import would not be followed (the normalizer has none: it is pure).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bumped when the tape's on-disk layout changes (src/tape/tape.ts). */
export const TAPE_FORMAT = 3;

const CORE = resolve(dirname(fileURLToPath(import.meta.url)), '../core');
const ENTRIES = [resolve(CORE, 'normalize/index.ts'), resolve(CORE, '../tape/tape.ts')];
const IMPORT_RE = /(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g;

let cached: Promise<string> | null = null;

/** The normalizer version (hex sha256); computed once per process. */
export function normalizerVersion(): Promise<string> {
  cached ??= compute();
  return cached;
}

async function compute(): Promise<string> {
  const seen = new Map<string, string>();
  const todo = [...ENTRIES];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const text = await readFile(file, 'utf8');
    seen.set(file, createHash('sha256').update(text).digest('hex'));
    for (const m of text.matchAll(IMPORT_RE)) todo.push(resolve(dirname(file), m[1]!));
  }
  const lines = [...seen].map(([f, h]) => `file ${relative(CORE, f).split(sep).join('/')} ${h}\n`).sort();
  return createHash('sha256').update(`poly-normalizer v1 ${TAPE_FORMAT}\n${lines.join('')}`).digest('hex');
}
