/**
 * Writing an imported recording: the public RecordingWriter API (src/recorder/writer.ts), into a temporary
 * sibling directory that replaces the target only when complete.
 *
 * Invariants
 * - seq counts from 1 in append order; recvNs never decreases (the writer's append contract). The caller
 *   brings records in order; `append` refuses one that goes back in time (a bug upstream, never clamped here).
 * - No wall clock: the session's start/end stamps are the first and last receive times of the import, and
 *   nothing else in the output depends on when or where the import ran, so the same inputs and options give
 *   byte-identical files (Parquet parts, manifest).
 * - Idempotent: the manifest's import session carries a digest of the inputs and options (provenance.ts).
 *   When the target already is an import with the same digest, `prepareOutput` answers 'up_to_date' and
 *   nothing is written; a different recording or any other non-empty directory is refused unless `force`,
 *   which replaces it only after the new one is complete (rename, then delete the old).
 * - A failed import removes its temporary directory; the target is untouched.
 * - Memory: the writer's backpressure (`onBackpressure`: the disk or the Parquet conversion is behind) makes
 *   `append` return a promise that settles when it lifts, and every 16 MiB of appended spool bytes the writer
 *   is flushed (awaited), so unflushed records never pile up in memory: an import reads from disk and can
 *   always wait. Parquet conversion is the writer's (one part per UTC hour of receive time, as `poly record`).
 */
import { readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { MarketMeta } from '../core/types/market.ts';
import { RAW_FORMAT_VERSION } from '../core/types/raw.ts';
import type { RawRecord } from '../core/types/raw.ts';
import { ensureDir, isDirectory, pathExists } from '../io/paths.ts';
import { readManifest } from '../recorder/read.ts';
import type { Manifest } from '../recorder/manifest.ts';
import { RecordingWriter } from '../recorder/writer.ts';
import { ImportError, oneLine } from './errors.ts';
import { provenanceOf, type Provenance } from './provenance.ts';

export type Prepared = { state: 'new' } | { state: 'replace' } | { state: 'up_to_date'; manifest: Manifest };

/** Decides what to do with the target directory before any long work (see the header). */
export async function prepareOutput(out: string, digest: string, force: boolean): Promise<Prepared> {
  if (!(await pathExists(out))) return { state: 'new' };
  if (!(await isDirectory(out))) throw new ImportError(`--out ${out} exists and is not a directory`, 'input');
  const names = await readdir(out);
  if (names.length === 0) return { state: 'new' };
  let manifest: Manifest | null = null;
  try {
    manifest = await readManifest(out);
  } catch {
    manifest = null;
  }
  const prov = manifest === null ? null : provenanceOf(manifest);
  if (manifest !== null && prov !== null && prov.digest === digest) return { state: 'up_to_date', manifest };
  if (force) return { state: 'replace' };
  const what = manifest === null ? 'is not empty' : prov === null ? 'already holds a recording' : 'already holds an import of other inputs or options';
  throw new ImportError(`--out ${out} ${what}; choose a new directory, or pass --force to replace it`, 'input');
}

/** A record as the import builds it: the output gives it its version and seq. */
export type OutRecord = Omit<RawRecord, 'v' | 'seq'>;

const FLUSH_EVERY_BYTES = 16 * 1024 * 1024;

export class ImportOutput {
  private seq = 0;
  private lastNs: bigint | null = null;
  private nextFlushAt = FLUSH_EVERY_BYTES;
  private clockNs: bigint;
  /** Set while the writer asks us to pause; settles when it may resume. */
  private paused: { promise: Promise<void>; resume: () => void } | null = null;

  private constructor(
    readonly out: string,
    readonly tmp: string,
    private readonly writer: RecordingWriter,
    private readonly replace: boolean,
    startNs: bigint,
  ) {
    this.clockNs = startNs;
  }

  /** Opens the writer on a fresh temporary sibling of `out`. */
  static async open(o: { out: string; replace: boolean; markets: readonly MarketMeta[]; provenance: Provenance; startNs: bigint; createdBy: string }): Promise<ImportOutput> {
    const parent = dirname(o.out);
    try {
      await ensureDir(parent);
    } catch (err) {
      throw new ImportError(`cannot create ${parent} (${oneLine(err)}); choose a writable --out`, 'input', { cause: err });
    }
    const tmp = join(parent, `.${basename(o.out)}.importing-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    const holder: { out: ImportOutput | null } = { out: null };
    const writer = await RecordingWriter.open({
      dir: tmp,
      markets: [...o.markets],
      meta: { import: o.provenance },
      createdBy: o.createdBy,
      now: () => holder.out?.clockNs ?? o.startNs,
      onBackpressure: (on) => holder.out?.pressure(on),
    });
    const io = new ImportOutput(o.out, tmp, writer, o.replace, o.startNs);
    holder.out = io;
    return io;
  }

  private pressure(on: boolean): void {
    if (on && this.paused === null) {
      let resume = (): void => undefined;
      const promise = new Promise<void>((r) => (resume = r));
      this.paused = { promise, resume };
    } else if (!on && this.paused !== null) {
      this.paused.resume();
      this.paused = null;
    }
  }

  get records(): number {
    return this.seq;
  }

  get lastRecvNs(): bigint | null {
    return this.lastNs;
  }

  /**
   * Appends one record (seq assigned here). Synchronous; it returns a promise the caller must await before
   * appending more while the writer applies backpressure, and every 16 MiB (the writer's flush); else null.
   */
  append(r: OutRecord): Promise<void> | null {
    if (this.lastNs !== null && r.recvNs < this.lastNs) throw new Error(`import output: receive time ${r.recvNs} goes back from ${this.lastNs}`);
    this.seq += 1;
    this.lastNs = r.recvNs;
    this.clockNs = r.recvNs;
    this.writer.append({ v: RAW_FORMAT_VERSION, seq: this.seq, ...r });
    if (this.paused !== null) return this.paused.promise;
    if (this.writer.stats().bytes < this.nextFlushAt) return null;
    this.nextFlushAt += FLUSH_EVERY_BYTES;
    return this.writer.flush();
  }

  /** Closes the writer (Parquet + manifest), then moves the recording into place. */
  async commit(): Promise<Manifest> {
    const manifest = await this.writer.close();
    await rmdir(join(this.tmp, 'spool')).catch(() => undefined); // empty after a clean close; kept otherwise
    if (this.replace) {
      const old = join(dirname(this.out), `.${basename(this.out)}.replaced-${process.pid}`);
      await rm(old, { recursive: true, force: true });
      await rename(this.out, old);
      await rename(this.tmp, this.out);
      await rm(old, { recursive: true, force: true });
    } else {
      if (await pathExists(this.out)) await rm(this.out, { recursive: true, force: true }); // an empty directory (checked by prepareOutput)
      await rename(this.tmp, this.out);
    }
    return manifest;
  }

  /** Abandons the import: closes the writer and deletes the temporary directory. */
  async abort(): Promise<void> {
    this.paused?.resume();
    await this.writer.close().catch(() => undefined);
    await rm(this.tmp, { recursive: true, force: true });
  }
}
