/**
 * `poly report <run-dir> [--open]`: re-renders the run directory's report.html from its own files (after an
 * upgrade, or for a run made before report.html existed) and prints its path.
 * `poly report --compare RUN... [--objective PATH] [--lower-is-better] [--out FILE] [--open]`: one page
 * comparing runs (leaderboard, equity curves overlaid, objective against parameters with a heat-map).
 * Bad input (a directory without summary.json, both or neither forms) is a one-line error, exit 2, before
 * anything is written. `--open` hands the file to the desktop's opener (xdg-open, open, start); without one
 * it says so and still succeeds: the file is written.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeReportHtml } from '../engine/reports-writer.ts';
import { ensureDir, writeFileAtomic } from '../io/paths.ts';
import { compareRunFromDir, renderCompareHtml, type CompareRun } from '../report/compare.ts';
import { at } from '../report/html.ts';
import { CliError } from './errors.ts';

interface ReportFlags {
  compare?: string[];
  objective: string;
  lowerIsBetter?: boolean;
  out?: string;
  open?: boolean;
}

async function runDir(dir: string): Promise<Record<string, unknown>> {
  try {
    await access(join(dir, 'summary.json'));
  } catch {
    throw new CliError(`'${dir}' is not a run directory (no summary.json): pass the directory poly replay or poly live wrote`);
  }
  try {
    return JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`'${join(dir, 'summary.json')}' is not JSON (${(err as Error).message.split('\n')[0]})`);
  }
}

/** The command that opens a file in the desktop's browser on this platform. */
export function openerCommand(platform: NodeJS.Platform): { cmd: string; args: (file: string) => string[] } {
  if (platform === 'darwin') return { cmd: 'open', args: (f) => [f] };
  if (platform === 'win32') return { cmd: 'cmd', args: (f) => ['/c', 'start', '""', f] };
  return { cmd: 'xdg-open', args: (f) => [f] };
}

function openFile(file: string): Promise<void> {
  const o = openerCommand(process.platform);
  return new Promise((done) => {
    const child = spawn(o.cmd, o.args(resolve(file)), { detached: true, stdio: 'ignore' });
    child.on('error', (err) => {
      process.stderr.write(`poly: could not open a browser (${o.cmd}: ${err.message}); open ${file} yourself\n`);
      done();
    });
    child.on('spawn', () => {
      child.unref();
      done();
    });
  });
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('re-render a run directory\'s report.html, or compare runs on one page (--compare)')
    .argument('[run-dir]', 'run directory (made by poly replay / poly live)')
    .option('--compare <run-dir...>', 'compare these runs: leaderboard, equity curves, objective against parameters')
    .option('--objective <path>', 'summary.json figure to rank runs by (e.g. pnl.total, sharpe, return)', 'pnl.total')
    .option('--lower-is-better', 'rank the objective ascending (e.g. max_drawdown.amount)')
    .option('--out <file.html>', 'where --compare writes its page (default reports/compare-<hash>.html)')
    .option('--open', 'open the page in the default browser')
    .action(async (dir: string | undefined, flags: ReportFlags) => {
      if (dir !== undefined && flags.compare !== undefined) throw new CliError('give either a run directory or --compare RUN..., not both');
      if (dir === undefined && flags.compare === undefined) throw new CliError('give a run directory (poly report reports/<run-id>) or --compare RUN...');
      if (flags.compare === undefined) {
        await runDir(dir!);
        const path = await writeReportHtml(dir!);
        process.stdout.write(`report: ${path}\n`);
        if (flags.open === true) await openFile(path);
        return;
      }
      const dirs = flags.compare;
      if (dirs.length < 2) throw new CliError('--compare needs at least two run directories');
      const summaries = await Promise.all(dirs.map(runDir));
      summaries.forEach((s, i) => {
        if (at(s, flags.objective) === undefined) throw new CliError(`--objective '${flags.objective}' is not in ${join(dirs[i]!, 'summary.json')} (try pnl.total, return, sharpe, max_drawdown.amount)`);
      });
      const ids = await Promise.all(
        dirs.map(async (d) => {
          try {
            const run = JSON.parse(await readFile(join(d, 'run.json'), 'utf8')) as { run_id?: string };
            return run.run_id ?? basename(resolve(d));
          } catch {
            return basename(resolve(d));
          }
        }),
      );
      const out = flags.out ?? join('reports', `compare-${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16)}.html`);
      const runs: CompareRun[] = await Promise.all(
        dirs.map((d, i) => compareRunFromDir(d, ids[i]!, flags.objective, relative(dirname(resolve(out)), join(resolve(d), 'report.html')).replaceAll('\\', '/'))),
      );
      const html = renderCompareHtml({ title: `poly: ${runs.length} runs compared`, objectiveName: flags.objective, higherIsBetter: flags.lowerIsBetter !== true, runs });
      await ensureDir(dirname(resolve(out)));
      await writeFileAtomic(out, Buffer.from(html, 'utf8'));
      process.stdout.write(`compare: ${out}\n`);
      if (flags.open === true) await openFile(out);
    });
}
