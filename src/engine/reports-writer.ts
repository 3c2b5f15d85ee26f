/**
 * Writes a run's rendered reports (src/core/reports/render.ts) and its run.json, and checks a report
 * directory against golden files.
 *
 * Invariants
 * - Every file is written atomically (tmp + fsync + rename, src/io/paths.ts): a crash leaves either the old or
 *   the new file, never half of one. Report files are written in name order, run.json last, so a run.json on
 *   disk always describes report files that are complete.
 * - run.json is deterministic: no wall time, no host names, no resolved paths. The recording and strategy paths
 *   are stored exactly as the caller gives them (pass what the user typed); what identifies them is their content
 *   digest. Key order is fixed; params and config are canonical JSON (object keys sorted, bigint as string).
 * - strategy.sha256 is the strategy's module-graph hash (src/engine/strategy-hash.ts), not the entry file's bytes alone:
 *   editing a helper module the strategy imports changes it.
 * - run_id = first 16 hex of sha256 over the lines
 *     "recording:<digest>\nstrategy:<sha256>\nparams:<canonical params>\nseed:<seed>\nconfig:<canonical config>\n"
 *   so the same recording, strategy code, parameters, seed and settings give the same id on any machine
 *   (replay speed is not an input: results do not depend on it).
 * - outputs_digest = sha256 over "<name>\0<sha256>\n" lines of the report files sorted by name (run.json excluded).
 *
 * report.html is a view of these files (src/report/html.ts), written after run.json by `writeReportHtml` and
 * not part of outputs_digest: it is checked by structure in a browser test, never byte-compared, so
 * checkReports skips it on both sides (as it skips any STRUCTURE_CHECKED file).
 *
 * checkReports compares every regular file under the golden directory (recursively, relative paths) byte for
 * byte with the output directory; a file missing on either side is a mismatch. For a differing file it reports
 * the first differing line (1-based, found on the bytes, so it works for any content) with both versions of that
 * line (a long line is cut to a 200-byte window around the first difference).
 *
 * Known limits: a stale file from an earlier run with a name poly no longer writes is left in place (checkReports
 * then reports it as extra); golden files that include run.json pin the engine version too.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPORT_FILE_NAMES, type ReportFiles } from '../core/reports/render.ts';
import { toJson } from '../core/reports/csv.ts';
import { ensureDir, isDirectory, writeFileAtomic } from '../io/paths.ts';
import { renderReportHtmlFromDir } from '../report/html.ts';

export const REPORT_HTML = 'report.html';
/** Files checkReports does not byte-compare (views checked by structure). */
export const STRUCTURE_CHECKED: readonly string[] = [REPORT_HTML];

/** Renders report.html from the files in dir and writes it there (atomically); returns its path. */
export async function writeReportHtml(dir: string): Promise<string> {
  const path = join(dir, REPORT_HTML);
  await writeFileAtomic(path, Buffer.from(await renderReportHtmlFromDir(dir), 'utf8'));
  return path;
}

export interface RunMeta {
  /** Engine version (default: package.json's version). */
  readonly engineVersion?: string;
  /** The recording as the user named it, its id and its content digest. */
  readonly recording: { readonly path: string; readonly id: string; readonly digest: string };
  /** Strategy name, file as given, its module-graph hash (src/engine/strategy-hash.ts: the file, every local module it imports, package versions). */
  readonly strategy: { readonly name: string; readonly file: string; readonly sha256: string };
  /** Validated parameters (JSON values; bigint is written as a string). */
  readonly params: unknown;
  readonly seed: number;
  /** Fill, risk, latency ... settings as exact strings (EngineSettings.described). */
  readonly config: Readonly<Record<string, string>>;
}

export interface WrittenFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface WriteResult {
  readonly dir: string;
  readonly runId: string;
  /** The report files (run.json excluded), sorted by name. */
  readonly files: readonly WrittenFile[];
  /** outputs_digest of run.json. */
  readonly digest: string;
  readonly runJson: WrittenFile;
}

export interface Mismatch {
  readonly file: string;
  readonly reason: 'missing' | 'extra' | 'differs';
  readonly firstDiffLine?: number;
  readonly expected?: string;
  readonly actual?: string;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly mismatches: readonly Mismatch[];
  /** Files compared equal. */
  readonly matched: number;
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** JSON with object keys sorted at every level, bigint as a decimal string, no whitespace. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (typeof v === 'bigint') return v.toString();
    if (Array.isArray(v)) return v.map(norm);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = norm(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(norm(value) ?? null);
}

export function computeRunId(run: Pick<RunMeta, 'recording' | 'strategy' | 'params' | 'seed' | 'config'>): string {
  const text =
    `recording:${run.recording.digest}\n` +
    `strategy:${run.strategy.sha256}\n` +
    `params:${canonicalJson(run.params)}\n` +
    `seed:${run.seed}\n` +
    `config:${canonicalJson(run.config)}\n`;
  return sha256(text).slice(0, 16);
}

export function outputsDigest(files: readonly { readonly name: string; readonly sha256: string }[]): string {
  const lines = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => `${f.name}\0${f.sha256}\n`);
  return sha256(lines.join(''));
}

let versionCache: string | undefined;

/** poly's version from package.json. */
export async function polyVersion(): Promise<string> {
  if (versionCache === undefined) {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    versionCache = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  }
  return versionCache;
}

/** The run.json text for these outputs (deterministic). */
export function renderRunJson(run: RunMeta, version: string, outputs: readonly WrittenFile[]): string {
  const sorted = [...outputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return toJson({
    run_id: computeRunId(run),
    engine: { name: 'poly', version },
    recording: { path: run.recording.path, id: run.recording.id, digest: run.recording.digest },
    strategy: { name: run.strategy.name, file: run.strategy.file, sha256: run.strategy.sha256 },
    params: JSON.parse(canonicalJson(run.params)) as unknown,
    seed: run.seed,
    speed_independent: true,
    config: JSON.parse(canonicalJson(run.config)) as unknown,
    outputs: sorted.map((f) => ({ name: f.name, sha256: f.sha256, bytes: f.bytes })),
    outputs_digest: outputsDigest(sorted),
  });
}

/** Creates outDir, writes every report file (atomically, in name order), then run.json. */
export async function writeReports(outDir: string, files: ReportFiles, run: RunMeta): Promise<WriteResult> {
  await ensureDir(outDir);
  const names = [...REPORT_FILE_NAMES].sort();
  const written: WrittenFile[] = [];
  for (const name of names) {
    const data = Buffer.from(files[name], 'utf8');
    await writeFileAtomic(join(outDir, name), data);
    written.push({ name, bytes: data.length, sha256: sha256(data) });
  }
  const runJson = Buffer.from(renderRunJson(run, run.engineVersion ?? (await polyVersion()), written), 'utf8');
  await writeFileAtomic(join(outDir, 'run.json'), runJson);
  return {
    dir: outDir,
    runId: computeRunId(run),
    files: written,
    digest: outputsDigest(written),
    runJson: { name: 'run.json', bytes: runJson.length, sha256: sha256(runJson) },
  };
}

/** Relative paths of every regular file under dir, sorted; [] when dir does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  if (!(await isDirectory(dir))) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const parent = (e as { parentPath?: string; path?: string }).parentPath ?? (e as { path?: string }).path ?? dir;
    const rel = join(parent, e.name).slice(dir.length).replace(/^[\\/]+/, '');
    const name = rel.replaceAll('\\', '/');
    if (!STRUCTURE_CHECKED.includes(name)) out.push(name);
  }
  return out.sort();
}

const MAX_LINE = 200;

/**
 * The line of buf holding byte `offset`; a line longer than MAX_LINE bytes is cut to a window around the
 * offset (marked with "..."), so the difference stays visible.
 */
function lineAround(buf: Buffer, offset: number): string {
  const start = offset === 0 ? 0 : buf.lastIndexOf(0x0a, offset - 1) + 1;
  let end = buf.indexOf(0x0a, offset);
  const unterminated = end === -1;
  if (unterminated) end = buf.length;
  const line = buf.subarray(start, end);
  let text: string;
  if (line.length <= MAX_LINE) {
    text = line.toString('utf8');
  } else {
    const from = Math.max(0, offset - start - 80);
    const to = Math.min(line.length, from + MAX_LINE);
    text = `${from > 0 ? '...' : ''}${line.subarray(from, to).toString('utf8')}${to < line.length ? '...' : ''}`;
  }
  return text + (unterminated ? ' (no newline at end of file)' : '');
}

/** First differing line of two different buffers (1-based) and that line in each. */
export function firstDifference(expected: Buffer, actual: Buffer): { line: number; expected: string; actual: string } {
  const len = Math.min(expected.length, actual.length);
  let i = 0;
  while (i < len && expected[i] === actual[i]) i += 1;
  // the bytes before i are equal, so both sides agree on the line number
  let line = 1;
  for (let k = 0; k < i; k++) if (expected[k] === 0x0a) line += 1;
  const show = (b: Buffer): string => (i >= b.length && (i === 0 || b[i - 1] === 0x0a) ? '<end of file>' : lineAround(b, Math.min(i, b.length)));
  return { line, expected: show(expected), actual: show(actual) };
}

/** Compares outDir with goldenDir byte for byte (see header). */
export async function checkReports(outDir: string, goldenDir: string): Promise<CheckResult> {
  if (!(await isDirectory(goldenDir))) {
    return { ok: false, matched: 0, mismatches: [{ file: goldenDir, reason: 'missing', expected: 'a directory of golden files' }] };
  }
  const golden = await listFiles(goldenDir);
  const actual = await listFiles(outDir);
  const actualSet = new Set(actual);
  const goldenSet = new Set(golden);
  const mismatches: Mismatch[] = [];
  let matched = 0;
  for (const name of golden) {
    if (!actualSet.has(name)) {
      mismatches.push({ file: name, reason: 'missing' });
      continue;
    }
    const [e, a] = await Promise.all([readFile(join(goldenDir, name)), readFile(join(outDir, name))]);
    if (e.equals(a)) {
      matched += 1;
      continue;
    }
    const d = firstDifference(e, a);
    mismatches.push({ file: name, reason: 'differs', firstDiffLine: d.line, expected: d.expected, actual: d.actual });
  }
  for (const name of actual) if (!goldenSet.has(name)) mismatches.push({ file: name, reason: 'extra' });
  return { ok: mismatches.length === 0, matched, mismatches };
}

/** A short human summary: one line, then one line per mismatch. */
export function formatCheckResult(result: CheckResult): string {
  if (result.ok) return `reports match the golden files (${result.matched} files)`;
  const lines = [`reports differ from the golden files: ${result.mismatches.length} mismatch${result.mismatches.length === 1 ? '' : 'es'} (${result.matched} files match)`];
  for (const m of result.mismatches) {
    if (m.reason === 'missing') lines.push(`  ${m.file}: missing from the output${m.expected === undefined ? '' : ` (expected ${m.expected})`}`);
    else if (m.reason === 'extra') lines.push(`  ${m.file}: not in the golden files`);
    else lines.push(`  ${m.file}: line ${m.firstDiffLine}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.actual)}`);
  }
  return lines.join('\n');
}
