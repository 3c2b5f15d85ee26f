/**
 * `poly recordings ...`: maintenance of recording directories.
 *
 *   poly recordings repair DIR [--json]
 *     Converts leftover spool segments (after a crash, kill or disk-full) into Parquet, removes temp files,
 *     rebuilds manifest.json, closes sessions left open. Idempotent; refuses while a live recorder holds
 *     DIR/.lock. Prints one line per finding (or "nothing to repair"); `--json` prints the RepairReport.
 *
 *   poly recordings merge REC... --out DIR [--json]
 *     One recording from several (e.g. the shards of `poly record --all --shard i/N`), ordered by receipt
 *     time (ties: input order on the command line, then the input's own order), seq renumbered, conn ids
 *     prefixed m<i>/, records otherwise verbatim; see src/recorder/merge.ts. Prints one summary line
 *     (`--json`: the summary).
 *
 * Exit codes: 0 done; 2 bad input (missing / not a recording / unrepaired input / non-empty --out);
 * 1 locked, corrupt or I/O error.
 */
import type { Command } from 'commander';
import { toJson } from '../core/reports/csv.ts';
import { resolveRecordingDir } from '../io/paths.ts';
import type { RepairReport } from '../recorder/repair.ts';
import { repairChangedSomething, repairRecording } from '../recorder/repair.ts';
import { recordingCliError } from './inspect.ts';
import { mergeRecordings, type MergeSummary } from '../recorder/merge.ts';
import { digestOfManifest } from '../recorder/read.ts';

export function registerRecordings(program: Command): void {
  const group = program.command('recordings').description('maintain recording directories (repair, merge)');
  group
    .command('repair')
    .description('convert leftover spool to Parquet and rebuild manifest.json (safe to run again)')
    .argument('<dir>', 'recording directory (or a name under ./recordings/)')
    .option('--json', 'print the repair report as JSON')
    .action(async (dirArg: string, opts: { json?: boolean }) => {
      const dir = await resolveRecordingDir(dirArg);
      let report: RepairReport;
      try {
        report = await repairRecording(dir);
      } catch (err) {
        return recordingCliError(err);
      }
      process.stdout.write(opts.json === true ? toJson(report) : formatRepair(report));
    });
  registerMerge(group);
}

function registerMerge(group: Command): void {
  group
    .command('merge')
    .description('merge recordings (e.g. the shards of record --all --shard) into one, ordered by receipt time')
    .argument('<recordings...>', 'recording directories (or names under ./recordings/), two or more')
    .requiredOption('--out <dir>', 'new (or empty) directory for the merged recording')
    .option('--json', 'print the merge summary as JSON')
    .action(async (dirs: string[], opts: { out: string; json?: boolean }) => {
      const inputs = await Promise.all(dirs.map((d) => resolveRecordingDir(d)));
      let s: MergeSummary;
      try {
        s = await mergeRecordings(inputs, opts.out);
      } catch (err) {
        return recordingCliError(err);
      }
      process.stdout.write(
        opts.json === true
          ? toJson({ out: s.out, rows: s.rows, parts: s.manifest.files.length, digest: digestOfManifest(s.manifest), inputs: s.inputs })
          : `${s.out}: merged ${s.rows} record(s) from ${s.inputs.length} recordings (${s.inputs.map((i) => `${i.prefix} ${i.dir}`).join(', ')}) into ${s.manifest.files.length} part(s)\n`,
      );
    });
}

export function formatRepair(r: RepairReport): string {
  const lines = [...r.messages];
  if (!repairChangedSomething(r)) lines.push(`${r.dir}: nothing to repair`);
  else {
    lines.push(
      `${r.dir}: repaired — ${r.recovered} record(s) recovered from ${r.spoolSegments} spool segment(s)` +
        `, ${r.partsWritten.length} part(s) written, ${r.tornTailLines} torn line(s) dropped, ${r.corruptLines} corrupt line(s) skipped`,
    );
  }
  return lines.join('\n') + '\n';
}
