/**
 * `poly recordings ...`: maintenance of recording directories.
 *
 *   poly recordings repair DIR [--json]
 *     Converts leftover spool segments (after a crash, kill or disk-full) into Parquet, removes temp files,
 *     rebuilds manifest.json, closes sessions left open. Idempotent; refuses while a live recorder holds
 *     DIR/.lock. Prints one line per finding (or "nothing to repair"); `--json` prints the RepairReport.
 *
 * Exit codes (the error kinds, src/core/errors.ts): 0 repaired or nothing to do; 2 missing, not a recording or
 * corrupt beyond repair; 1 locked or an I/O error.
 */
import type { Command } from 'commander';
import { toJson } from '../core/reports/csv.ts';
import { resolveRecordingDir } from '../io/paths.ts';
import type { RepairReport } from '../recorder/repair.ts';
import { repairChangedSomething, repairRecording } from '../recorder/repair.ts';
import { recordingCliError } from './inspect.ts';

export function registerRecordings(program: Command): void {
  const group = program.command('recordings').description('maintain recording directories (repair)');
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
