/**
 * `poly live --paper --strategy FILE --market ID...`: forward-tests a strategy on the live feed through
 * the same kernel as `poly replay` (src/engine/live.ts does the work; this file parses flags, prints and
 * wires signals).
 *
 * Invariants
 * - PAPER ONLY: without --paper the command refuses with one line and exit code 2 before reading any
 *   other flag or touching the network. This program never sends a real order (it has no order endpoint).
 * - SIGINT/SIGTERM (first): stop the feed, cancel every open paper order, finish the kernel, write the
 *   reports and run.json, close the recording (manifest), exit 0. A second signal exits at once (130).
 * - Reports go to --out (default reports/live-<UTC start time>); they are rewritten every --report-every.
 * - On a market-data disconnect the risk engine refuses new orders (stale_data) until a fresh book
 *   snapshot arrives, and --feed-loss decides what happens to resting paper orders (cancel | keep).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { engineSettings, type EngineFlags } from '../engine/config.ts';
import { LiveError, LiveRun } from '../engine/live.ts';
import { STRATEGY_LOG_FILE, StrategyLog } from '../engine/strategy-log.ts';
import { unwritableDirReason } from '../io/paths.ts';
import { collectParams, loadStrategy, validateParams } from '../engine/strategy-loader.ts';
import { FeedError } from '../sources/feed.ts';
import { RecordingError } from '../recorder/errors.ts';
import { CliError } from './errors.ts';
import { addEngineOptions } from './engine-options.ts';
import { parseCount, parseDurationMs } from '../core/units.ts';
import { applyUnitFlags } from './flags.ts';
import { url } from './record.ts';

interface LiveFlags extends EngineFlags {
  paper?: boolean;
  strategy?: string;
  market: string[];
  series: string[];
  record?: string;
  param: string[];
  params?: string;
  out?: string;
  duration?: string;
  reportEvery: string;
  metricsPort?: string;
  wsUrl?: string;
  clobUrl?: string;
  gammaUrl?: string;
  rtdsUrl?: string;
  rtds?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export const PAPER_ONLY_MESSAGE = "live trading with real orders is not supported: add --paper to forward-test on the live feed with paper orders (poly never sends real orders)";

const urlFlag = (name: string, value: string | undefined, schemes: readonly string[]): string | undefined =>
  value === undefined ? undefined : url(name, value, schemes);

function toCliError(err: unknown): unknown {
  if (err instanceof FeedError) return new CliError(err.message, err.kind === 'input' ? 'usage' : 'io');
  if (err instanceof LiveError) return new CliError(err.message, 'usage');
  if (err instanceof RecordingError) return new CliError(err.message, 'io');
  return err;
}

export function registerLive(program: Command): void {
  const cmd = program
    .command('live')
    .description('forward-test a strategy on the live feed with PAPER orders (same kernel as replay; never sends real orders)')
    .option('--paper', 'required: paper trading (the only mode)')
    .option('--strategy <file>', 'strategy file (.ts or .js) default-exporting defineStrategy(...)')
    .option('--market <slug|condition|token>', 'market to trade (repeatable, or comma-separated)', collect, [])
    .option('--series <name>', 'follow a rolling series as poly record does, e.g. btc-updown-15m (repeatable)', collect, [])
    .option('--record <dir>', 'also record the session into this NEW directory (replayable with poly replay)')
    .option('--param <name=value>', 'strategy parameter (repeatable)', collect, [])
    .option('--params <file.json>', 'strategy parameters as a JSON object (--param wins)')
    .option('--out <dir>', 'report directory (default reports/live-<start time>)')
    .option('--duration <duration>', 'stop by itself after this long (e.g. 10m); default: until Ctrl-C')
    .option('--report-every <duration>', 'rewrite the reports this often (0 = only at the end)', '30s')
    .option('--metrics-port <n>', 'serve /metrics (Prometheus) and /health on 127.0.0.1:N (0 = any free port)')
    .option('--ws-url <url>', 'market WebSocket URL')
    .option('--clob-url <url>', 'CLOB REST base URL')
    .option('--gamma-url <url>', 'Gamma REST base URL')
    .option('--rtds-url <url>', 'RTDS WebSocket URL')
    .option('--rtds <symbols>', 'also subscribe to RTDS crypto prices, e.g. btcusdt,ethusdt');
  addEngineOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Paper only: without --paper the command refuses. Orders go to the simulated paper exchange (the same
fill engine as poly replay); nothing is ever sent to Polymarket.
Disconnects: after a market-data disconnect every book is stale until a fresh snapshot arrives; new
orders are denied (risk rule stale_data, ctx.canTrade() is false) and --feed-loss decides whether
resting paper orders are cancelled (default) or kept.
Stop with Ctrl-C (or --duration): the feed stops, open paper orders are cancelled, positions are marked
at mid, reports and run.json are written, the recording (--record) is closed. Exit code 0.`,
  );
  applyUnitFlags(cmd);
  cmd.action(async (flags: LiveFlags) => {
    if (flags.paper !== true) throw new CliError(PAPER_ONLY_MESSAGE, 'usage');
    if (flags.strategy === undefined) throw new CliError('--strategy <file> is required (e.g. --strategy strategies/market-maker.ts)', 'usage');
    const markets = flags.market.flatMap((m) => m.split(',')).map((m) => m.trim()).filter((m) => m !== '');
    const series = flags.series.flatMap((m) => m.split(',')).map((m) => m.trim()).filter((m) => m !== '');
    if (markets.length === 0 && series.length === 0) throw new CliError('--market <slug|condition|token> or --series NAME is required (repeatable)', 'usage');
    const rtds = (flags.rtds ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
    const durationMs = flags.duration === undefined ? null : parseDurationMs(flags.duration, '--duration');
    if (durationMs === 0) throw new CliError('--duration must be longer than 0', 'usage');
    const reportEveryMs = parseDurationMs(flags.reportEvery, '--report-every');
    let metricsPort: number | null = null;
    if (flags.metricsPort !== undefined) {
      metricsPort = parseCount(flags.metricsPort, '--metrics-port', 0, 65535);
    }
    const wsUrl = urlFlag('--ws-url', flags.wsUrl, ['ws:', 'wss:']);
    const rtdsUrl = urlFlag('--rtds-url', flags.rtdsUrl, ['ws:', 'wss:']);
    const clobUrl = urlFlag('--clob-url', flags.clobUrl, ['http:', 'https:']);
    const gammaUrl = urlFlag('--gamma-url', flags.gammaUrl, ['http:', 'https:']);
    const settings = await engineSettings(flags);
    const strategy = await loadStrategy(flags.strategy);
    const paramsGiven = await collectParams(flags.params, flags.param);
    const params = validateParams(strategy.definition, paramsGiven);
    const outDir = flags.out ?? `reports/live-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
    const outReason = await unwritableDirReason(outDir);
    if (outReason !== null) throw new CliError(`--out '${outDir}' cannot be written: ${outReason}`, 'usage');

    const say = (line: string): void => void process.stderr.write(`poly live: ${line}\n`);
    // ctx.log: strategy.log.jsonl in the report directory, line by line, and on stderr as before
    const strategyLog = new StrategyLog(join(outDir, STRATEGY_LOG_FILE), true, (t) => say(t.trimEnd()), 0);
    const ctrl = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        say(`second ${sig}, exiting without final reports`);
        process.exit(130);
      }
      say(`received ${sig}; stopping (cancelling open paper orders, writing reports)`);
      ctrl.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      let run: LiveRun;
      try {
        run = await LiveRun.start({
          keepEventLog: false,
          strategy,
          strategyFile: flags.strategy,
          params,
          paramsGiven,
          settings,
          markets,
          ...(series.length > 0 ? { series } : {}),
          ...(rtds.length > 0 ? { rtds } : {}),
          record: flags.record,
          outDir,
          durationMs,
          reportEveryMs,
          metricsPort,
          ...(wsUrl !== undefined ? { wsUrl } : {}),
          ...(clobUrl !== undefined ? { clobUrl } : {}),
          ...(gammaUrl !== undefined ? { gammaUrl } : {}),
          ...(rtdsUrl !== undefined ? { rtdsUrl } : {}),
          signal: ctrl.signal,
          meta: { argv: process.argv.slice(2) },
          log: (level, msg, fields) => {
            if (level !== 'info') say(`${level}: ${msg}${fields?.['error'] !== undefined ? ` (${String(fields['error'])})` : ''}`);
          },
          logSink: strategyLog.sink,
        });
      } catch (err) {
        throw toCliError(err);
      }
      say(`paper trading ${run.kernel.allMarkets().length} market(s) with ${strategy.definition.name}; reports in ${outDir} every ${flags.reportEvery}${flags.record !== undefined ? `; recording into ${flags.record}` : ''} (Ctrl-C to stop)`);
      if (run.metricsUrl !== null) process.stdout.write(`metrics: ${run.metricsUrl}/metrics health: ${run.metricsUrl}/health\n`);
      const result = await run.done;
      process.stdout.write(result.reports.summaryLines.join('\n') + '\n');
      if (result.canceledAtStop > 0) process.stdout.write(`${result.canceledAtStop} open paper order(s) cancelled at stop\n`);
      strategyLog.finish();
      process.stdout.write(`reports written to ${result.reports.dir}\n`);
      if (result.error !== null) throw new CliError(`stopped on an error: ${result.error.message.split('\n')[0] ?? ''} (reports were written)`, 'io');
      const f = result.reports.failure;
      if (f !== null) {
        throw new CliError(`strategy '${strategy.definition.name}' stopped: ${f.hook} threw${f.location === undefined ? '' : ` at ${f.location}`}: ${f.message} (reports were written to ${result.reports.dir})`, 'strategy', f.stack === undefined ? {} : { detail: f.stack });
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}
