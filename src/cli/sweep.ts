/**
 * `poly sweep <recording|dir|glob|s3://...>... --strategy FILE`: many backtests of one strategy — a grid or a
 * seeded random search over its parameters, over one or many recordings, optionally walk-forward — on local
 * worker threads or on `poly worker`s through a Redis queue. Results are cached by run (an interrupted sweep
 * resumes, a re-run is free); see src/sweep/sweep.ts for the files it writes.
 * `poly sweep --status --queue redis://...` shows the queue instead.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { EngineFlags } from '../engine/config.ts';
import { LocalExecutor } from '../sweep/local.ts';
import { parseWalk } from '../sweep/plan.ts';
import { sweepProgress } from '../sweep/progress.ts';
import { OBJECTIVES, type Objective } from '../sweep/results.ts';
import { configureS3, isS3Url } from '../sweep/s3.ts';
import { openStore } from '../sweep/store.ts';
import { runSweep, SweepInterrupted, type Executor } from '../sweep/sweep.ts';
import { parseCount } from '../core/units.ts';
import { addEngineOptions, collect, timeFlag } from './engine-options.ts';
import { applyUnitFlags } from './flags.ts';
import { CliError } from './errors.ts';

interface SweepFlags extends Omit<EngineFlags, 'queue'> {
  queueModel?: string;
  strategy?: string;
  grid: string[];
  param: string[];
  paramsSpace?: string;
  random?: string;
  workers?: string;
  out?: string;
  objective: string;
  train?: string;
  test?: string;
  step?: string;
  from?: string;
  to?: string;
  market: string[];
  top: string;
  queue?: string;
  queueName: string;
  status?: boolean;
  s3Endpoint?: string;
  progress: boolean;
  raw?: boolean;
}

/** A count >= 1 (the one count parser, src/core/units.ts). */
export function positiveInt(text: string, flag: string): number {
  return parseCount(text, flag, 1);
}

export function registerSweep(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('run a strategy over a parameter grid or random search, over one or many recordings, on local threads or Redis workers')
    .argument('[recordings...]', 'recording directories, directories of recordings, globs, or s3://bucket/prefix/NAME')
    .option('--strategy <file>', 'strategy file (.ts or .js) default-exporting defineStrategy(...)')
    .option('--grid <name=v1,v2,...>', "values of a parameter, human units ('name=*': every choice an enum/boolean declares); repeatable", collect, [])
    .option('--param <name=value>', 'a fixed parameter value (repeatable)', collect, [])
    .option('--params-space <file.json>', 'parameter space file: values, {min,max,step} ranges, "*" (see README)')
    .option('--random <n>', 'draw N distinct parameter sets at random from the space (seeded by --seed) instead of the full grid')
    .option('--workers <n>', 'worker threads on this machine (default: the number of cores)')
    .option('--out <dir|s3://...>', 'results folder or s3:// prefix (default reports/sweeps/<strategy>)')
    .option('--objective <name>', `what "best" means: ${OBJECTIVES.join(' | ')}`, 'pnl')
    .option('--train <window>', 'walk-forward train window: a duration (6h, 1d) or a count of recordings (3rec)')
    .option('--test <window>', 'walk-forward test window, same kind as --train')
    .option('--step <window>', 'walk-forward step between folds (default: --test)')
    .option('--from <time>', 'start every run at this receive time (inclusive, UTC)')
    .option('--to <time>', 'stop every run at this receive time (exclusive, UTC)')
    .option('--market <slug|condition|token>', 'only this market (repeatable)', collect, [])
    .option('--top <n>', 'leaderboard rows on stdout', '10')
    .option('--queue <redis://host:port>', 'run on poly workers through this Redis (BullMQ) instead of local threads')
    .option('--queue-name <name>', 'BullMQ queue name', 'poly-sweep')
    .option('--status', 'show the queue (waiting, active, done, failed, per worker) and exit; needs --queue')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint (default: AWS_ENDPOINT_URL or AWS)')
    .option('--raw', 'every run normalizes the raw records instead of replaying the tape (same results, slower)')
    .option('--no-progress', 'no progress line on stderr');
  addEngineOptions(cmd, '--queue-model');
  applyUnitFlags(cmd);
  cmd.action(async (recordings: string[], flags: SweepFlags) => {
    configureS3({ endpoint: flags.s3Endpoint });
    if (flags.queue !== undefined && !/^rediss?:\/\//.test(flags.queue)) {
      throw new CliError(`--queue '${flags.queue}' must be a Redis URL (redis://HOST:PORT); in poly sweep the paper exchange's queue model is --queue-model`);
    }
    const { queueModel, queue: _q, raw, ...rest } = flags;
    const engineFlags: EngineFlags = { ...rest, ...(queueModel !== undefined ? { queue: queueModel } : {}) };
    if (flags.status === true) {
      if (flags.queue === undefined) throw new CliError('--status shows a queue: add --queue redis://HOST:PORT');
      const { queueStatus } = await import('../sweep/queue.ts');
      process.stdout.write(await queueStatus(flags.queue, flags.queueName));
      return;
    }
    if (flags.strategy === undefined) throw new CliError('--strategy <file> is required (e.g. --strategy strategies/market-maker.ts)');
    if (recordings.length === 0) throw new CliError('name at least one recording (e.g. poly sweep recordings/sol-15m --strategy ...)');
    if (!(OBJECTIVES as readonly string[]).includes(flags.objective)) throw new CliError(`--objective '${flags.objective}' must be one of ${OBJECTIVES.join(', ')}`);
    const objective = flags.objective as Objective;
    const random = flags.random === undefined ? undefined : { n: positiveInt(flags.random, '--random') };
    const workers = flags.workers === undefined ? availableParallelism() : positiveInt(flags.workers, '--workers');
    const top = positiveInt(flags.top, '--top');
    if ((flags.train === undefined) !== (flags.test === undefined)) throw new CliError('walk-forward needs both --train and --test');
    if (flags.step !== undefined && flags.train === undefined) throw new CliError('--step needs --train and --test');
    const walk = flags.train !== undefined && flags.test !== undefined ? parseWalk(flags.train, flags.test, flags.step) : undefined;
    const fromNs = timeFlag(flags.from, '--from');
    const toNs = timeFlag(flags.to, '--to');
    if (fromNs !== undefined && toNs !== undefined && toNs <= fromNs) throw new CliError('--to must be after --from');
    if (walk !== undefined && (fromNs !== undefined || toNs !== undefined)) throw new CliError('--from/--to do not combine with walk-forward (its windows set the times)');
    const strategyBase = flags.strategy.replace(/\\/g, '/').split('/').pop()!.replace(/\.[cm]?[jt]s$/, '');
    const out = flags.out ?? `reports/sweeps/${strategyBase}`;
    const store = openStore(out);
    if (flags.queue !== undefined && !isS3Url(out) && flags.out === undefined) {
      process.stderr.write(`poly sweep: results go to ${store.location}; workers on other machines must see that path (shared storage) or use --out s3://...\n`);
    }

    let executor: Executor;
    if (flags.queue !== undefined) {
      const { QueueExecutor } = await import('../sweep/queue.ts');
      executor = await QueueExecutor.connect(flags.queue, flags.queueName, store.location);
    } else executor = new LocalExecutor(workers, store.location);

    const ctrl = new AbortController();
    let signals = 0;
    const onSignal = (): void => {
      signals += 1;
      if (signals > 1) process.exit(130);
      ctrl.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const bar = sweepProgress(flags.progress && process.stderr.isTTY === true);
    let last = { done: 0, total: 0, ran: 0, cached: 0 };
    const t0 = performance.now();
    try {
      const report = await runSweep(
        { recordings, strategyFile: flags.strategy, space: { grid: flags.grid, fixed: flags.param, spaceFile: flags.paramsSpace }, random, objective, out, flags: engineFlags, fromNs, toNs, markets: flags.market, walk, top, raw: raw === true },
        executor,
        ctrl.signal,
        (e) => {
          last = e;
          bar.update(e);
        },
      );
      bar.done();
      process.stdout.write(report.stdout);
      process.stderr.write(`poly sweep: ${report.runs} run(s): ${report.ran} ran, ${report.cached} from the cache, in ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
    } catch (err) {
      bar.done();
      if (err instanceof SweepInterrupted) {
        throw new CliError(`interrupted after ${last.done} of ${last.total} run(s) (${last.ran} ran this time); finished runs are kept in ${store.location}: run the same command again to resume`, 'interrupted');
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await executor.close();
    }
  });
}
