/**
 * `poly recordings merge <rec>... --out DIR`: several recordings (e.g. the N shards of
 * `poly record --all --shard i/N`) into ONE recording, ordered by receipt time.
 *
 * Order (stated, deterministic): by recv_ns; records with equal recv_ns by the input's position on the
 * command line (first input first); within one input, in that input's own (seq) order. The merge is a
 * k-way merge (src/sources/merge.ts mergeOrdered) holding one buffered record per input.
 *
 * What changes, what does not
 * - seq is renumbered 1..N in merged order (a recording's seq is its global receive order). Relative
 *   order within each input is kept, so the k-th record of input i in the merge is input i's k-th record
 *   in seq order: the mapping back is that count, per input.
 * - conn ids get the input's prefix `m<i>/` (i = 1-based position on the command line) so connections
 *   of different recorders stay apart (`mws-1` exists in every shard); src/core/outages.ts reads the
 *   part before the last '/' as the scope, so a crash in one shard is not taken for a session change
 *   of another.
 * - Everything else of every record (v, recv_ns, source, kind, meta, payload) is copied verbatim.
 * - Markets: the union of the inputs' manifests (by condition id). Provenance: the merged recording's
 *   one session carries meta.merge = { order, inputs: [{ dir, prefix, digest, rows, firstSeq, lastSeq,
 *   sessions }] }.
 *
 * Bad input is refused before anything is written, with one line: fewer than two inputs, the same
 * input twice, a missing / not-a-recording / corrupt input, an input with spool not yet converted (a
 * recorder running or crashed: repair it first), an --out that is an input or is not empty.
 */
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RawRecord } from '../core/types/raw.ts';
import { pathExists } from '../io/paths.ts';
import { mergeOrdered } from '../sources/merge.ts';
import { RecordingError } from './errors.ts';
import { listRecordingDir } from './repair.ts';
import type { Manifest } from './manifest.ts';
import { mergeMarkets } from './manifest.ts';
import { digestOfManifest, readManifest, readRecording } from './read.ts';
import { RecordingWriter } from './writer.ts';

export const MERGE_ORDER = 'recv_ns, then input position on the command line, then the input\'s own seq order';

export interface MergeInput {
  readonly dir: string;
  readonly prefix: string;
  readonly manifest: Manifest;
}

export interface MergeSummary {
  readonly out: string;
  readonly rows: number;
  readonly inputs: readonly { dir: string; prefix: string; rows: number; digest: string }[];
  readonly manifest: Manifest;
}

/** Checks every input and --out; returns the inputs in order. Throws RecordingError (one line). */
export async function planMerge(inputs: readonly string[], out: string): Promise<MergeInput[]> {
  if (inputs.length < 2) throw new RecordingError('INPUT', `merge needs at least two recordings (got ${inputs.length})`);
  const seen = new Set<string>();
  const plan: MergeInput[] = [];
  for (const [i, dir] of inputs.entries()) {
    const abs = resolve(dir);
    if (seen.has(abs)) throw new RecordingError('INPUT', `recording ${dir} is given twice`);
    seen.add(abs);
    const manifest = await readManifest(dir);
    const listing = await listRecordingDir(dir);
    if (listing.spools.length > 0) {
      throw new RecordingError('INPUT', `recording ${dir} has ${listing.spools.length} spool segment(s) not yet in Parquet (a recorder is running, or it crashed): stop it or run 'poly recordings repair ${dir}' first`);
    }
    plan.push({ dir, prefix: `m${i + 1}/`, manifest });
  }
  const outAbs = resolve(out);
  if (seen.has(outAbs)) throw new RecordingError('INPUT', `--out ${out} is one of the inputs; merge into a new directory`);
  if (await pathExists(out)) {
    const entries = await readdir(out).catch(() => null);
    if (entries === null) throw new RecordingError('NOT_A_RECORDING', `--out ${out} exists and is not a directory`);
    if (entries.length > 0) throw new RecordingError('INPUT', `--out ${out} is not empty; merge into a new or empty directory`);
  }
  return plan;
}

/** Tags each record with its input so the merge can rename it. */
async function* tagged(dir: string, k: number): AsyncGenerator<{ r: RawRecord; k: number }> {
  for await (const r of readRecording(dir)) yield { r, k };
}

/** Merges planned inputs into `out` (see the header). */
export async function mergeRecordings(inputs: readonly string[], out: string, opts: { onProgress?: (rows: number) => void } = {}): Promise<MergeSummary> {
  const plan = await planMerge(inputs, out);
  const provenance = plan.map((p) => ({
    dir: p.dir,
    prefix: p.prefix,
    digest: digestOfManifest(p.manifest),
    rows: p.manifest.rows,
    firstSeq: p.manifest.files[0]?.firstSeq ?? null,
    lastSeq: p.manifest.files.at(-1)?.lastSeq ?? null,
    sessions: p.manifest.sessions.length,
  }));
  const w = await RecordingWriter.open({
    dir: out,
    markets: mergeMarkets(...plan.map((p) => p.manifest.markets)),
    meta: { merge: { order: MERGE_ORDER, inputs: provenance } },
    createdBy: 'poly recordings merge',
  });
  let n = 0;
  try {
    const merged = mergeOrdered(
      plan.map((p, k) => tagged(p.dir, k)),
      (t) => [t.r.recvNs, 0, 0, 0],
    );
    for await (const { r, k } of merged) {
      n++;
      w.append({ ...r, seq: n, conn: `${(plan[k] as MergeInput).prefix}${r.conn}` });
      if ((n & 0xffff) === 0) {
        opts.onProgress?.(n);
        await w.flush(); // bounded memory: let the spool and the conversions keep up
      }
    }
  } catch (err) {
    await w.abort().catch(() => undefined);
    throw err;
  }
  const manifest = await w.close();
  return { out, rows: n, inputs: provenance.map((p) => ({ dir: p.dir, prefix: p.prefix, rows: p.rows, digest: p.digest })), manifest };
}
