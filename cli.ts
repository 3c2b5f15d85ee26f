/**
 * poly's command line: builds the commander program from src/cli/* and nothing else.
 * main() returns the exit code; bin/poly.mjs sets process.exitCode from it. Errors carry a kind
 * (src/core/errors.ts) and are mapped to exit codes here, once.
 */
import { Command, CommanderError } from 'commander';
import { PolyError, exitCodeOf } from './src/core/errors.ts';
import { registerDemo } from './src/cli/demo.ts';
import { registerExchange } from './src/cli/exchange.ts';
import { registerInit } from './src/cli/init.ts';
import { registerInspect } from './src/cli/inspect.ts';
import { registerRecordings } from './src/cli/recordings.ts';
import { registerMarkets } from './src/cli/markets.ts';
import { registerRecord } from './src/cli/record.ts';
import { registerReplay } from './src/cli/replay.ts';
import { registerTape } from './src/cli/tape.ts';
import { registerReport } from './src/cli/report.ts';
import { registerLive } from './src/cli/live.ts';
import { registerImport } from './src/cli/import.ts';
import { registerExport } from './src/cli/export.ts';
import { registerSweep } from './src/cli/sweep.ts';
import { registerWorker } from './src/cli/worker.ts';

export const VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command('poly')
    .description('Record Polymarket market data, replay it deterministically, paper-trade honestly.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRecord(program);
  registerReplay(program);
  registerTape(program);
  registerReport(program);
  registerLive(program);
  registerMarkets(program);
  registerInspect(program);
  registerRecordings(program);
  registerImport(program);
  registerExport(program);
  registerExchange(program);
  registerSweep(program);
  registerWorker(program);
  registerInit(program);
  registerDemo(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors (unknown option, missing argument) were already printed by commander
      return err.exitCode === 0 ? 0 : exitCodeOf('usage');
    }
    if (err instanceof PolyError && err.kind !== 'internal') {
      // the one place where an error's kind becomes an exit code (table: src/core/errors.ts, README)
      process.stderr.write(`poly: ${err.message}\n${err.detail === undefined ? '' : `${err.detail.replace(/\n?$/, '\n')}`}`);
      return exitCodeOf(err.kind);
    }
    process.stderr.write(`poly: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return exitCodeOf('internal');
  }
}
