/**
 * `poly worker --queue redis://HOST:PORT`: takes sweep runs from the queue (src/sweep/queue.ts) and runs them
 * on this machine's threads, writing results to the store each job names (shared storage or s3://).
 * Ctrl-C: finish the runs in flight, then exit; a second Ctrl-C exits at once (those runs are retried by
 * another worker once their lock expires).
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { parseDurationMs } from '../core/units.ts';
import { configureS3 } from '../sweep/s3.ts';
import { CliError } from './errors.ts';
import { applyUnitFlags } from './flags.ts';
import { positiveInt } from './sweep.ts';

interface WorkerFlags {
  queue?: string;
  queueName: string;
  threads?: string;
  name?: string;
  lockDuration: string;
  stalledInterval: string;
  maxStalled: string;
  s3Endpoint?: string;
  quiet?: boolean;
}

function ms(text: string, flag: string): number {
  const v = parseDurationMs(text, flag);
  if (v < 1) throw new CliError(`${flag} '${text}' must be at least 1ms (e.g. 30s)`);
  return v;
}

export function registerWorker(program: Command): void {
  const cmd = program
    .command('worker')
    .description('take sweep runs from a Redis (BullMQ) queue and run them here; start one per machine')
    .option('--queue <redis://host:port>', 'the Redis the sweeps use')
    .option('--queue-name <name>', 'BullMQ queue name', 'poly-sweep')
    .option('--threads <n>', 'runs at a time on this machine (default: the number of cores)')
    .option('--name <name>', 'worker name in --status (default: host-pid)')
    .option('--lock-duration <duration>', 'a run whose worker is silent this long is taken back (see README)', '30s')
    .option('--stalled-interval <duration>', 'how often this worker looks for runs of dead workers', '15s')
    .option('--max-stalled <n>', 'times a run may lose its worker before it counts as failed', '2')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint (default: AWS_ENDPOINT_URL or AWS)')
    .option('--quiet', 'no log lines on stderr')
    .action(async (flags: WorkerFlags) => {
      if (flags.queue === undefined) throw new CliError('--queue redis://HOST:PORT is required');
      configureS3({ endpoint: flags.s3Endpoint });
      const { runWorker, defaultWorkerName, redisOptions } = await import('../sweep/queue.ts');
      redisOptions(flags.queue);
      const threads = flags.threads === undefined ? availableParallelism() : positiveInt(flags.threads, '--threads');
      const maxStalled = positiveInt(flags.maxStalled, '--max-stalled');
      const lockDurationMs = ms(flags.lockDuration, '--lock-duration');
      const stalledIntervalMs = ms(flags.stalledInterval, '--stalled-interval');
      const ctrl = new AbortController();
      let signals = 0;
      const onSignal = (): void => {
        signals += 1;
        if (signals > 1) process.exit(130);
        process.stderr.write('poly worker: stopping after the runs in flight (Ctrl-C again to exit now)\n');
        ctrl.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await runWorker({
          url: flags.queue,
          queueName: flags.queueName,
          threads,
          name: flags.name ?? defaultWorkerName(),
          lockDurationMs,
          stalledIntervalMs,
          maxStalledCount: maxStalled,
          signal: ctrl.signal,
          log: flags.quiet === true ? () => undefined : (line) => process.stderr.write(`poly worker: ${line}\n`),
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  applyUnitFlags(cmd);
}
