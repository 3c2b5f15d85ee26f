/**
 * The local worker-thread pool of `poly sweep --workers N` and `poly worker --threads N`: piscina (a
 * maintained pool: queueing, thread restarts, clean teardown) with one kernel per run, one run per thread at
 * a time. Threads load TypeScript through tsx (pool-worker.mjs registers it in each thread).
 *
 * Running kernels in threads keeps the calling thread free: the progress bar, Ctrl-C and BullMQ's lock
 * renewals run while runs compute. destroy() terminates the threads at once (a run in flight is lost — its
 * scratch folder is never published, see store.ts — and is redone by the next sweep).
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { RunStatus } from './execute.ts';
import type { RunJob } from './job.ts';
import type { PoolTask } from './pool-task.ts';
import type { S3Options } from './s3.ts';

export class LocalPool {
  private readonly pool: Piscina;
  constructor(readonly threads: number) {
    this.pool = new Piscina({
      filename: new URL('./pool-worker.mjs', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
  }

  run(job: RunJob, store: string, s3: S3Options, onProgress?: (done: number, total: number) => void): Promise<RunStatus> {
    if (onProgress === undefined) return this.pool.run({ job, store, s3 } satisfies PoolTask) as Promise<RunStatus>;
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: { done: number; total: number }) => onProgress(m.done, m.total));
    return (this.pool.run({ job, store, s3, port: port2 } satisfies PoolTask, { transferList: [port2] }) as Promise<RunStatus>).finally(() => port1.close());
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
