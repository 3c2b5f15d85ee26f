/**
 * Which recordings a sweep reads and which windows it runs.
 *
 * Recording arguments (each): an s3://bucket/prefix/NAME recording, or an s3:// prefix whose children are
 * recordings; a recording directory (or a bare name under recordings/); a directory whose immediate
 * subdirectories are recordings; a glob (`*`, `?` in any path segment; the shell usually expands globs
 * itself). Only manifests are read here (digest, time range): parts are read by the runs themselves.
 * Recordings are ordered by their first receive time, then by name, and a recording named twice counts once.
 *
 * Walk-forward folds (--train/--test/--step)
 * - by time (durations: 6h, 1d): windows are aligned to multiples of --step since the Unix epoch (so 1d
 *   windows are UTC days); fold k trains on [a + k*step, a + k*step + train) and tests on the following
 *   [.., .. + test), where a = the first receive time floored to --step. Folds continue while the test window
 *   starts before the last receive time; the last test window may hold less data than --test. A window's runs
 *   are every recording it overlaps, each replayed over that window (--from/--to semantics, so a window that
 *   starts mid-recording begins without the earlier book state: the strategy waits for a fresh snapshot — the
 *   cautious side).
 * - by recording (3rec): fold k trains on recordings [k*step, k*step + train) and tests on the next `test`
 *   recordings, in recording order.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../core/errors.ts';
import { parseDuration } from '../core/units.ts';
import { isoFromNs } from '../core/time.ts';
import { digestOfManifest, readManifest } from '../recorder/read.ts';
import { RecordingError } from '../recorder/errors.ts';
import { MANIFEST_FILE } from '../recorder/layout.ts';
import { parseManifest, type Manifest } from '../recorder/manifest.ts';
import { isDirectory, pathExists, resolveRecordingDir } from '../io/paths.ts';
import { isS3Url, parseS3Url, s3Get, s3Join } from './s3.ts';
import { listS3Recordings } from './storage.ts';

export interface PlannedRecording {
  /** As the user named it (or the directory listing made it). */
  readonly label: string;
  /** Absolute path or s3:// URL. */
  readonly ref: string;
  readonly digest: string;
  readonly firstNs: bigint;
  readonly lastNs: bigint;
}

export interface Segment {
  readonly recording: PlannedRecording;
  readonly fromNs: bigint | null;
  readonly toNs: bigint | null;
}

export interface Window {
  readonly fromNs: bigint | null;
  readonly toNs: bigint | null;
  readonly segments: readonly Segment[];
  /** For display: "2025-12-11T11:00:00Z..2025-12-11T11:04:00Z" or "rec-a, rec-b". */
  readonly label: string;
}

const GLOB = /[*?[]/;

function globRe(seg: string): RegExp {
  return new RegExp(`^${seg.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '[^/]')}$`);
}

async function expandGlob(pattern: string): Promise<string[]> {
  const segs = pattern.split('/');
  let bases = [pattern.startsWith('/') ? '/' : '.'];
  const start = pattern.startsWith('/') ? 1 : 0;
  for (let i = start; i < segs.length; i++) {
    const seg = segs[i]!;
    if (seg === '') continue;
    const next: string[] = [];
    for (const b of bases) {
      if (!GLOB.test(seg)) {
        const p = b === '.' ? seg : join(b, seg);
        if (await pathExists(p)) next.push(p);
        continue;
      }
      const re = globRe(seg);
      const names = await readdir(b).catch(() => [] as string[]);
      for (const n of names.sort()) if (re.test(n) && !n.startsWith('.')) next.push(b === '.' ? n : join(b, n));
    }
    bases = next;
  }
  return bases;
}

async function manifestOf(ref: string, label: string): Promise<Manifest> {
  if (isS3Url(ref)) {
    const bytes = await s3Get(s3Join(parseS3Url(ref), MANIFEST_FILE));
    if (bytes === null) throw new CliError(`recording ${label} has no ${MANIFEST_FILE}`);
    const p = parseManifest(bytes.toString('utf8'));
    if (!p.ok) throw new CliError(`recording ${label}: ${MANIFEST_FILE} is ${p.reason}`);
    return p.manifest;
  }
  try {
    return await readManifest(ref);
  } catch (err) {
    if (err instanceof RecordingError) throw new CliError(err.message);
    throw err;
  }
}

async function planned(label: string, ref: string): Promise<PlannedRecording> {
  const m = await manifestOf(ref, label);
  if (m.timeRange === null || m.files.length === 0) throw new CliError(`recording ${label} holds no records`);
  return { label, ref, digest: digestOfManifest(m), firstNs: BigInt(m.timeRange.fromNs), lastNs: BigInt(m.timeRange.toNs) };
}

/** Resolves the recording arguments (see header). */
export async function resolveRecordings(args: readonly string[]): Promise<PlannedRecording[]> {
  if (args.length === 0) throw new CliError('name at least one recording (a directory, a glob or s3://bucket/prefix/NAME)');
  const pairs: [string, string][] = [];
  for (const arg of args) {
    if (isS3Url(arg)) {
      const found = await listS3Recordings(parseS3Url(arg));
      if (found.length === 0) throw new CliError(`${arg} holds no poly recording (no ${MANIFEST_FILE} at it or under it)`);
      for (const f of found) pairs.push([f, f]);
      continue;
    }
    const paths = GLOB.test(arg) ? await expandGlob(arg) : [arg];
    if (paths.length === 0) throw new CliError(`'${arg}' matches no file`);
    for (const p of paths) {
      const abs = await resolveRecordingDir(p);
      if (await pathExists(join(abs, MANIFEST_FILE))) {
        pairs.push([p, abs]);
        continue;
      }
      if (await isDirectory(abs)) {
        const kids = (await readdir(abs)).sort();
        const recs: string[] = [];
        for (const k of kids) if (await pathExists(join(abs, k, MANIFEST_FILE))) recs.push(k);
        if (recs.length > 0) {
          for (const k of recs) pairs.push([join(p, k), join(abs, k)]);
          continue;
        }
      }
      // let readManifest say precisely what is wrong (missing, not a recording, crashed)
      pairs.push([p, abs]);
    }
  }
  const seen = new Set<string>();
  const out: PlannedRecording[] = [];
  for (const [label, ref] of pairs) {
    if (seen.has(ref)) continue;
    seen.add(ref);
    out.push(await planned(label, ref));
  }
  return out.sort((a, b) => (a.firstNs < b.firstNs ? -1 : a.firstNs > b.firstNs ? 1 : a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

export const displayName = (label: string): string => (isS3Url(label) ? label : basename(label) || dirname(label));

export type WalkSpec = { readonly kind: 'time'; readonly trainNs: bigint; readonly testNs: bigint; readonly stepNs: bigint } | { readonly kind: 'recordings'; readonly train: number; readonly test: number; readonly step: number };

/** Parses --train/--test/--step: all durations with a unit, or all counts of recordings ("3rec"). */
export function parseWalk(train: string, test: string, step: string | undefined): WalkSpec {
  const rec = /^(\d+)\s*rec(?:ordings?)?$/;
  const tr = rec.exec(train), te = rec.exec(test);
  if (tr !== null || te !== null) {
    if (tr === null || te === null) throw new CliError('--train and --test must both be durations (1d) or both counts of recordings (3rec)');
    const st = step === undefined ? te : rec.exec(step);
    if (st === null) throw new CliError(`--step '${step}' must be a count of recordings like --test (e.g. 1rec)`);
    const [a, b, c] = [Number(tr[1]), Number(te[1]), Number(st[1])];
    if (a < 1 || b < 1 || c < 1) throw new CliError('--train, --test and --step must be at least 1rec');
    return { kind: 'recordings', train: a, test: b, step: c };
  }
  const dur = (t: string, flag: string): bigint => {
    if (!/[a-z]$/i.test(t.trim())) throw new CliError(`${flag} '${t}' needs a unit: a duration (30m, 6h, 1d) or a count of recordings (3rec)`);
    // the one duration parser (src/core/units.ts), with the walk-forward's own wording for what else it takes
    let v: bigint | null;
    try {
      v = parseDuration(t, flag);
    } catch {
      v = null;
    }
    if (v === null || v <= 0n) throw new CliError(`${flag} '${t}' is not a positive duration (30m, 6h, 1d) or a count of recordings (3rec)`);
    return v;
  };
  const trainNs = dur(train, '--train'), testNs = dur(test, '--test');
  return { kind: 'time', trainNs, testNs, stepNs: step === undefined ? testNs : dur(step, '--step') };
}

export interface Fold {
  readonly index: number;
  readonly train: Window;
  readonly test: Window;
}

const iso = (ns: bigint): string => isoFromNs(ns).replace('.000000000Z', 'Z');

function timeWindow(recs: readonly PlannedRecording[], fromNs: bigint, toNs: bigint): Window {
  const segments = recs.filter((r) => r.firstNs < toNs && r.lastNs >= fromNs).map((recording) => ({ recording, fromNs, toNs }));
  return { fromNs, toNs, segments, label: `${iso(fromNs)}..${iso(toNs)}` };
}

function recWindow(recs: readonly PlannedRecording[]): Window {
  return { fromNs: null, toNs: null, segments: recs.map((recording) => ({ recording, fromNs: null, toNs: null })), label: recs.map((r) => displayName(r.label)).join(' + ') };
}

/** The walk-forward folds over these recordings (see header); an error when there is not even one. */
export function folds(recs: readonly PlannedRecording[], w: WalkSpec): Fold[] {
  const out: Fold[] = [];
  if (w.kind === 'recordings') {
    for (let k = 0; k * w.step + w.train < recs.length; k++) {
      const a = k * w.step;
      out.push({ index: out.length, train: recWindow(recs.slice(a, a + w.train)), test: recWindow(recs.slice(a + w.train, a + w.train + w.test)) });
    }
    if (out.length === 0) throw new CliError(`walk-forward needs more than ${w.train} recording(s) (--train ${w.train}rec, then at least one to test on); ${recs.length} given`);
    return out;
  }
  const first = recs.reduce((m, r) => (r.firstNs < m ? r.firstNs : m), recs[0]!.firstNs);
  const last = recs.reduce((m, r) => (r.lastNs > m ? r.lastNs : m), recs[0]!.lastNs);
  const anchor = (first / w.stepNs) * w.stepNs;
  for (let k = 0n; ; k++) {
    const a = anchor + k * w.stepNs;
    const b = a + w.trainNs;
    if (b > last) break;
    const train = timeWindow(recs, a, b);
    const test = timeWindow(recs, b, b + w.testNs);
    if (train.segments.length > 0 && test.segments.length > 0) out.push({ index: out.length, train, test });
  }
  if (out.length === 0) throw new CliError(`walk-forward: the recordings span ${iso(first)}..${iso(last)}, too short for one --train window plus a --test window`);
  return out;
}
