/**
 * `poly replay <recording> --strategy FILE`: a deterministic backtest through the same kernel that
 * `poly live --paper` runs. Writes the reports to --out (default reports/<run-id>/) and prints where.
 * `--check GOLDEN_DIR` compares every report byte-for-byte with a golden set and exits 1 on any
 * difference (for users' CI).
 *
 * Order: every input is validated first (flags, --out writable, strategy compiles, parameters), so a mistake
 * is one line before any work. ctx.log lines go to strategy.log.jsonl beside the reports (and stderr with
 * --verbose). One-line warnings (stderr, `poly: warning: ...`): a window outside the recording, a spool left
 * by a crash, a strategy that never traded with time parameters. A strategy that stopped on an error exits 3
 * (kind 'strategy') AFTER its reports are written, with where it threw and the stack; that wins over a
 * --check difference (exit 1).
 */
import type { Command } from 'commander';
import { runBacktest, parseSpeed } from '../engine/backtest.ts';
import { engineSettings, type EngineFlags } from '../engine/config.ts';
import { renderRun } from '../engine/report-run.ts';
import { collectParams, loadStrategy, validateParams } from '../engine/strategy-loader.ts';
import { checkReports, formatCheckResult } from '../engine/reports-writer.ts';
import { PolyError } from '../core/errors.ts';
import { unwritableDirReason } from '../io/paths.ts';
import { timeGuardWarning } from '../engine/run-warnings.ts';
import { STRATEGY_LOG_FILE, StrategyLog } from '../engine/strategy-log.ts';
import { CliError } from './errors.ts';
import { addEngineOptions, collect, progressBar, timeFlag } from './engine-options.ts';
import { applyUnitFlags } from './flags.ts';
import { configureS3, isS3Url } from '../sweep/s3.ts';
import { localRecording } from '../sweep/storage.ts';

export interface ReplayFlags extends EngineFlags {
  strategy?: string;
  param: string[];
  params?: string;
  speed: string;
  from?: string;
  to?: string;
  market: string[];
  out?: string;
  check?: string;
  progress: boolean;
  verbose?: boolean;
  s3Endpoint?: string;
  raw?: boolean;
  tapeDir?: string;
}

export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .description('backtest a strategy over a recording, deterministically, at any speed')
    .argument('<recording>', 'recording directory (made by poly record) or s3://bucket/prefix/NAME')
    .option('--strategy <file>', 'strategy file (.ts or .js) default-exporting defineStrategy(...)')
    .option('--param <name=value>', 'strategy parameter (repeatable)', collect, [])
    .option('--params <file.json>', 'strategy parameters as a JSON object (--param wins)')
    .option('--speed <n|max>', 'pace: 1 = recorded speed, 10 = ten times faster, max = no waiting', 'max')
    .option('--from <time>', 'start at this receive time (inclusive, UTC)')
    .option('--to <time>', 'stop at this receive time (exclusive, UTC)')
    .option('--market <slug|condition|token>', 'only this market (repeatable)', collect, [])
    .option('--out <dir>', 'report directory (default reports/<run-id>)')
    .option('--check <golden-dir>', 'compare the reports byte-for-byte with this directory; exit 1 on any difference')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--verbose', "also print the strategy's ctx.log lines on stderr (they always go to strategy.log.jsonl beside the reports)")
    .option('--s3-endpoint <url>', 'S3-compatible endpoint for s3:// recordings (default: AWS_ENDPOINT_URL or AWS)')
    .option('--raw', 'normalize the raw records on the fly instead of replaying the tape (same results, slower)')
    .option('--tape-dir <dir>', 'where the normalized tape lives (default <recording>/.tape/, else the user cache dir)');
  addEngineOptions(cmd);
  applyUnitFlags(cmd);
  cmd.action(async (recording: string, flags: ReplayFlags) => runReplay(recording, flags));
}

/** One stderr line per ~10% while a tape is built (first replay of a recording). */
export function tapeProgress(done: number, total: number): void {
  const step = Math.max(8192, Math.ceil(total / 10 / 8192) * 8192);
  if (done % step === 0) process.stderr.write(`poly: building tape: ${done} of ${total} records\n`);
}

/** `poly replay` (also `poly demo`): validate everything, run the backtest, write the reports, --check. */
export async function runReplay(recording: string, flags: ReplayFlags): Promise<void> {
  if (flags.strategy === undefined) throw new CliError('--strategy <file> is required (e.g. --strategy strategies/market-maker.ts)');
  const speed = parseSpeed(flags.speed);
  const fromNs = timeFlag(flags.from, '--from');
  const toNs = timeFlag(flags.to, '--to');
  if (fromNs !== undefined && toNs !== undefined && toNs <= fromNs) throw new CliError('--to must be after --from');
  // a bad --out is one line now, not a stack after the whole backtest (nor a hang under /proc)
  const outReason = await unwritableDirReason(flags.out ?? 'reports');
  if (outReason !== null) throw new CliError(`${flags.out === undefined ? 'the default report directory reports/' : `--out '${flags.out}'`} cannot be written: ${outReason}`);
  const settings = await engineSettings(flags);
  const strategy = await loadStrategy(flags.strategy);
  const paramsGiven = await collectParams(flags.params, flags.param);
  const params = validateParams(strategy.definition, paramsGiven);
  configureS3({ endpoint: flags.s3Endpoint });
  // an s3:// recording is fetched into the local cache and verified part by part against its manifest
  const source = isS3Url(recording) ? await localRecording(recording) : recording;
  const warn = (message: string): void => void process.stderr.write(`poly: warning: ${message}\n`);
  const log = new StrategyLog(null, flags.verbose === true);
  const bar = flags.progress && process.stderr.isTTY ? progressBar('replay') : null;
  const result = await runBacktest({
    recording: source,
    strategy,
    params,
    settings,
    speed,
    ...(fromNs !== undefined ? { fromNs } : {}),
    ...(toNs !== undefined ? { toNs } : {}),
    markets: flags.market,
    keepEventLog: false,
    logSink: log.sink,
    onWarning: warn,
    ...(bar !== null ? { onProgress: bar.update } : {}),
    ...(flags.raw === true ? { raw: true } : {}),
    ...(flags.tapeDir !== undefined ? { tapeDir: flags.tapeDir } : {}),
    ...(flags.progress ? { onTapeProgress: tapeProgress } : {}),
  });
  bar?.done();
  const written = await renderRun({
    kernel: result.kernel,
    recording,
    recordingDigest: result.recordingDigest,
    strategy,
    strategyFile: flags.strategy,
    params,
    paramsGiven,
    settings,
    outDir: flags.out,
    window: { fromNs, toNs, markets: flags.market },
  });
  const logFile = log.finish(written.dir);
  process.stdout.write(written.summaryLines.join('\n') + '\n');
  process.stdout.write(`reports written to ${written.dir}${logFile === null ? '' : ` (strategy log: ${log.lines} line${log.lines === 1 ? '' : 's'} in ${STRATEGY_LOG_FILE})`}\n`);
  process.stdout.write(`report: ${written.html}\n`);
  const guard = timeGuardWarning(strategy.definition, params, result.kernel);
  if (guard !== null) warn(guard);
  let checkFailed = false;
  if (flags.check !== undefined) {
    const check = await checkReports(written.dir, flags.check);
    process.stdout.write(formatCheckResult(check) + '\n');
    checkFailed = !check.ok;
  }
  const f = written.failure;
  if (f !== null) {
    // after the reports: they show what the strategy did up to the error
    throw new PolyError('strategy', `strategy '${strategy.definition.name}' stopped: ${f.hook} threw${f.location === undefined ? '' : ` at ${f.location}`}: ${f.message} (reports were written to ${written.dir})`, f.stack === undefined ? {} : { detail: f.stack });
  }
  if (checkFailed) throw new CliError(`reports differ from ${flags.check}`, 'check');
}
