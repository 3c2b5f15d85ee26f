/**
 * The local executor: runs a sweep's jobs in a worker-thread pool on this machine (pool.ts), at most one
 * run per thread in flight (so nothing waits inside the pool and a stop is immediate). The first failing run
 * stops the sweep (the runs in flight are aborted; what finished is kept in the store); an abort (Ctrl-C)
 * does the same and the caller reports the interruption.
 */
import { CliError } from '../cli/errors.ts';
import type { RunStatus } from './execute.ts';
import { runDirName, type RunJob } from './job.ts';
import { LocalPool } from './pool.ts';
import { s3Options } from './s3.ts';
import type { Executor } from './sweep.ts';

export function runFailure(job: RunJob, err: unknown): CliError {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  const params = Object.entries(job.params).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults';
  return new CliError(`run ${runDirName(job.key)} (${job.recording.label}, ${params}) failed: ${msg}`, 1);
}

export class LocalExecutor implements Executor {
  constructor(
    private readonly threads: number,
    private readonly store: string,
  ) {}

  async runAll(jobs: readonly RunJob[], onDone: (job: RunJob, status: RunStatus) => void, signal: AbortSignal): Promise<void> {
    const threads = Math.max(1, Math.min(this.threads, jobs.length));
    const pool = new LocalPool(threads);
    let failure: CliError | null = null;
    const stopped = (): boolean => failure !== null || signal.aborted;
    const onAbort = (): void => pool.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const s3 = s3Options();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (!stopped() && next < jobs.length) {
        const job = jobs[next++]!;
        try {
          const status = await pool.run(job, this.store, s3);
          if (!stopped()) onDone(job, status);
        } catch (err) {
          if (stopped()) return;
          failure = runFailure(job, err);
          pool.abort();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: threads }, lane));
    } finally {
      signal.removeEventListener('abort', onAbort);
      await pool.destroy();
    }
    if (failure !== null) throw failure;
  }

  async close(): Promise<void> {}
}
