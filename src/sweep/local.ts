/**
 * The local executor: runs a sweep's jobs in a worker-thread pool on this machine (pool.ts). The first
 * failing run stops the sweep (the others are abandoned; what finished is kept in the store); an abort
 * (Ctrl-C) terminates the threads at once.
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
    const pool = new LocalPool(Math.max(1, Math.min(this.threads, jobs.length)));
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      void pool.destroy().catch(() => undefined);
    };
    signal.addEventListener('abort', stop, { once: true });
    let failure: CliError | null = null;
    try {
      const s3 = s3Options();
      await Promise.all(
        jobs.map((job) =>
          pool.run(job, this.store, s3).then(
            (status) => {
              if (!stopping) onDone(job, status);
            },
            (err: unknown) => {
              if (stopping) return;
              failure ??= runFailure(job, err);
              stop();
            },
          ),
        ),
      );
    } finally {
      signal.removeEventListener('abort', stop);
      if (!stopping) await pool.destroy();
    }
    if (failure !== null) throw failure;
  }

  async close(): Promise<void> {}
}
