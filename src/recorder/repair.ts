/**
 * Repair: bring a recording directory back to "every durable record is in Parquet and in the manifest".
 * Run by `RecordingWriter.open` before a new session, and by `poly recordings repair DIR`.
 *
 * Steps (under DIR/.lock)
 *   1. remove leftover temp files (`.part-*.parquet.tmp`, `manifest.json.tmp`): a conversion that had not
 *      been renamed never counted, its spool still exists;
 *   2. read manifest.json (a missing or invalid one is rebuilt from the parts on disk);
 *   3. index the Parquet parts on disk: entries whose path and size match the manifest are trusted, other
 *      parts are scanned (rows, seqs, times, counts, sha256); manifest entries whose file is gone are
 *      reported as missing (data loss — nothing can bring them back) and dropped;
 *   4. convert every spool segment, in name (= seq) order, skipping records already stored; the manifest is
 *      rewritten atomically after each part, and the spool segment is deleted only after all its parts are
 *      durable, verified (row count, seq range, order) and in the manifest;
 *   5. close sessions left open by a crash (`clean: false`, end = last stored receive time).
 *
 * Invariants: idempotent (a second run finds nothing to do and writes an identical manifest); never deletes
 * a spool before its Parquet is durable and verified; a torn spool tail is dropped and counted, a corrupt
 * middle is reported with one line and its readable records are kept.
 *
 * Known limits: overlapping parts (only possible if files were copied in by hand) are refused as CORRUPT,
 * not merged. Parts trusted from the manifest are not rehashed (a same-size corruption is not detected here).
 */
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duck } from '../io/duckdb.ts';
import { withDuck } from '../io/duckdb.ts';
import { fsyncDir, isCode, isDirectory, pathExists, writeFileAtomic } from '../io/paths.ts';
import { convertSpool, rangesOf } from './convert.ts';
import { RecordingError } from './errors.ts';
import type { EventSink } from './events.ts';
import { safeEmit } from './events.ts';
import { DATE_DIR_RE, MANIFEST_FILE, PART_RE, SPOOL_DIR, SPOOL_EXT } from './layout.ts';
import { emptyManifest, manifestToJson, parseManifest, withFiles } from './manifest.ts';
import type { Manifest, ManifestFile } from './manifest.ts';
import { acquireLock } from './lock.ts';
import { emptyRepairReport, type RepairReport } from './repair-report.ts';
import { scanPart } from './convert.ts';

export { emptyRepairReport, repairChangedSomething, type RepairReport } from './repair-report.ts';

export interface DirListing {
  parts: string[];
  temps: string[];
  spools: string[];
  hasManifest: boolean;
  hasSpoolDir: boolean;
}

/** Lists the recording entries of DIR (relative, '/' separated), sorted. */
export async function listRecordingDir(dir: string): Promise<DirListing> {
  const parts: string[] = [];
  const temps: string[] = [];
  const spools: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  let hasManifest = false;
  let hasSpoolDir = false;
  for (const e of entries) {
    if (e.isFile() && e.name === MANIFEST_FILE) hasManifest = true;
    if (e.isFile() && e.name === `${MANIFEST_FILE}.tmp`) temps.push(e.name);
    if (e.isDirectory() && e.name === SPOOL_DIR) {
      hasSpoolDir = true;
      for (const s of await readdir(join(dir, SPOOL_DIR))) {
        if (s.endsWith(SPOOL_EXT)) spools.push(`${SPOOL_DIR}/${s}`);
      }
    }
    if (e.isDirectory() && DATE_DIR_RE.test(e.name)) {
      for (const f of await readdir(join(dir, e.name))) {
        if (PART_RE.test(f)) parts.push(`${e.name}/${f}`);
        else if (f.startsWith('.part-') && f.endsWith('.tmp')) temps.push(`${e.name}/${f}`);
      }
    }
  }
  parts.sort();
  temps.sort();
  spools.sort();
  return { parts, temps, spools, hasManifest, hasSpoolDir };
}

export function looksLikeRecording(l: DirListing): boolean {
  return l.hasManifest || l.hasSpoolDir || l.parts.length > 0;
}

/** Checks that DIR exists and is a recording; throws MISSING / NOT_A_RECORDING otherwise. */
export async function assertRecordingDir(dir: string): Promise<DirListing> {
  if (!(await pathExists(dir))) throw new RecordingError('MISSING', `recording ${dir} does not exist`);
  if (!(await isDirectory(dir))) throw new RecordingError('NOT_A_RECORDING', `${dir} is not a directory, so not a poly recording`);
  const l = await listRecordingDir(dir);
  if (!looksLikeRecording(l)) {
    throw new RecordingError('NOT_A_RECORDING', `${dir} is not a poly recording (no ${MANIFEST_FILE}, spool/ or date=*/part-*.parquet)`);
  }
  return l;
}

async function loadManifestForRepair(dir: string, report: RepairReport): Promise<Manifest | null> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return null;
    throw err;
  }
  const parsed = parseManifest(text);
  if (!parsed.ok) {
    report.messages.push(`${MANIFEST_FILE} was unreadable (${parsed.reason}); rebuilt from the Parquet parts`);
    return null;
  }
  return parsed.manifest;
}

/**
 * Repairs DIR; the caller holds the lock and owns `duck`. Returns the repaired (and written) manifest.
 * `createdBy` names the writer when the manifest must be created from scratch.
 */
export async function repairLocked(
  dir: string,
  duck: Duck,
  opts: { emit?: EventSink; createdBy?: string } = {},
): Promise<{ manifest: Manifest; report: RepairReport }> {
  const report = emptyRepairReport(dir);
  const listing = await listRecordingDir(dir);

  // 1. temp files never counted: their spool (or the old manifest) is still there
  for (const t of listing.temps) {
    await unlink(join(dir, t));
    report.tempFilesRemoved++;
  }

  // 2. manifest
  const old = await loadManifestForRepair(dir, report);
  if (old === null && (listing.hasManifest || listing.parts.length > 0 || listing.spools.length > 0)) report.manifestRebuilt = true;
  let manifest = old ?? emptyManifest(opts.createdBy ?? 'poly recordings repair');

  // 3. parts on disk
  const known = new Map<string, ManifestFile>();
  for (const f of manifest.files) known.set(f.path, f);
  const files: ManifestFile[] = [];
  for (const rel of listing.parts) {
    const k = known.get(rel);
    const size = (await stat(join(dir, rel))).size;
    if (k !== undefined && k.bytes === size) {
      files.push(k);
    } else {
      files.push(await scanPart(duck, dir, rel));
      report.partsIndexed.push(rel);
    }
  }
  const onDisk = new Set(listing.parts);
  for (const f of manifest.files) {
    if (!onDisk.has(f.path)) {
      report.missingParts.push(f.path);
      report.messages.push(`part ${f.path} (seq ${f.firstSeq}..${f.lastSeq}, ${f.rows} rows) is listed in ${MANIFEST_FILE} but missing on disk: its rows are lost`);
    }
  }
  checkNoOverlap(dir, files);
  manifest = withFiles(manifest, files);
  if (report.partsIndexed.length > 0) report.messages.push(`indexed ${report.partsIndexed.length} Parquet part(s) missing from ${MANIFEST_FILE}`);

  // 4. spool segments
  for (const rel of listing.spools) {
    report.spoolSegments++;
    const path = join(dir, rel);
    const res = await convertSpool(duck, dir, path, rangesOf(manifest.files), async (part) => {
      manifest = withFiles(manifest, [...manifest.files, part]);
      await writeFileAtomic(join(dir, MANIFEST_FILE), manifestToJson(manifest));
    });
    report.recovered += res.written;
    report.alreadyStored += res.skipped;
    report.tornTailLines += res.stats.tornLines;
    report.tornTailBytes += res.stats.tornBytes;
    report.corruptLines += res.stats.corruptLines;
    for (const p of res.parts) report.partsWritten.push(p.path);
    const msg = spoolDamageMessage(rel, res.stats);
    if (msg !== null) {
      report.messages.push(msg);
      safeEmit(opts.emit, {
        type: 'spool_damage',
        message: msg,
        spool: rel,
        tornLines: res.stats.tornLines,
        tornBytes: res.stats.tornBytes,
        corruptLines: res.stats.corruptLines,
      });
    }
    report.messages.push(
      `spool ${rel}: recovered ${res.written} record(s) into ${res.parts.length} part(s)` +
        (res.skipped > 0 ? `, ${res.skipped} already stored` : ''),
    );
    await unlink(path);
    await fsyncDir(join(dir, SPOOL_DIR));
  }

  // 5. sessions left open
  const before = manifest.sessions.filter((s) => s.endedNs === null).length;
  manifest = closeOpenSessions(manifest);
  report.sessionsClosed = before;
  if (before > 0) report.messages.push(`closed ${before} session(s) left open by a crash (marked clean: false)`);

  await writeFileAtomic(join(dir, MANIFEST_FILE), manifestToJson(manifest));
  return { manifest, report };
}

/** One line describing torn tail / corrupt middle of a spool, or null when it was clean. */
export function spoolDamageMessage(rel: string, s: { tornLines: number; tornBytes: number; corruptLines: number; firstCorruptOffset: number | null }): string | null {
  const bits: string[] = [];
  if (s.corruptLines > 0) bits.push(`${s.corruptLines} corrupt line(s) from byte ${s.firstCorruptOffset ?? '?'} skipped, the records around them kept`);
  if (s.tornBytes > 0) bits.push(`torn tail dropped (${s.tornLines} incomplete line(s), ${s.tornBytes} bytes, from an interrupted write)`);
  return bits.length === 0 ? null : `spool ${rel}: ${bits.join('; ')}`;
}

function checkNoOverlap(dir: string, files: readonly ManifestFile[]): void {
  const sorted = [...files].sort((a, b) => a.firstSeq - b.firstSeq);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (a !== undefined && b !== undefined && b.firstSeq <= a.lastSeq) {
      throw new RecordingError('CORRUPT', `recording ${dir}: parts ${a.path} and ${b.path} overlap in seq; move the duplicate out of the recording`);
    }
  }
}

/** Closes sessions with endedNs null: lastSeq/firstSeq from the stored parts, end = last stored recvNs. */
export function closeOpenSessions(m: Manifest): Manifest {
  if (!m.sessions.some((s) => s.endedNs === null)) {
    if (m.sessions.length === 0 && m.files.length > 0) {
      // no session history (manifest rebuilt): one synthetic session covering everything
      const first = m.files[0];
      const last = m.files[m.files.length - 1];
      if (first !== undefined && last !== undefined) {
        return {
          ...m,
          sessions: [{ startedNs: first.firstRecvNs, endedNs: last.lastRecvNs, firstSeq: first.firstSeq, lastSeq: last.lastSeq, clean: false }],
        };
      }
    }
    return m;
  }
  const sessions = m.sessions.map((s, i) => {
    if (s.endedNs !== null) return s;
    const prevLast = m.sessions.slice(0, i).reduce<number>((acc, p) => Math.max(acc, p.lastSeq ?? -1), -1);
    const next = m.sessions.slice(i + 1).find((n) => n.firstSeq !== null);
    const lo = Math.max(prevLast + 1, s.firstSeq ?? 0);
    const hi = next?.firstSeq ?? Number.MAX_SAFE_INTEGER;
    const mine = m.files.filter((f) => f.lastSeq >= lo && f.firstSeq < hi);
    const firstFile = mine[0];
    const lastFile = mine[mine.length - 1];
    if (firstFile === undefined || lastFile === undefined) {
      return { ...s, endedNs: s.startedNs, firstSeq: null, lastSeq: null, clean: false };
    }
    return {
      ...s,
      endedNs: lastFile.lastRecvNs,
      firstSeq: s.firstSeq ?? Math.max(firstFile.firstSeq, lo),
      lastSeq: Math.min(lastFile.lastSeq, hi - 1),
      clean: false,
    };
  });
  return { ...m, sessions };
}

/**
 * Public repair: spool(s) -> Parquet, manifest rebuilt; idempotent. Takes DIR/.lock (refuses while a live
 * recorder holds it). Throws RecordingError MISSING / NOT_A_RECORDING / LOCKED / CORRUPT.
 */
export async function repairRecording(dir: string): Promise<RepairReport> {
  await assertRecordingDir(dir);
  const lock = await acquireLock(dir);
  try {
    return await withDuck(async (duck) => {
      const { report } = await repairLocked(dir, duck);
      if (lock.tookOverFrom !== null) report.messages.unshift(`took over a stale lock of dead process ${lock.tookOverFrom}`);
      return report;
    }, { threads: 1 });
  } finally {
    await lock.release();
  }
}
