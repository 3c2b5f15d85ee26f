/**
 * The local worker-thread pool of `poly sweep --workers N` and `poly worker --threads N`: piscina (a
 * maintained pool: thread lifecycle, task dispatch, clean teardown) with one kernel per run, one run per thread
 * at a time. Threads load TypeScript through tsx (pool-worker.mjs registers it in each thread).
 *
 * Running kernels in threads keeps the calling thread free: the progress bar, Ctrl-C and BullMQ's lock
 * renewals run while runs compute.
 *
 * Stopping: a thread is never terminated while it runs (DuckDB's native reader aborts the whole process when
 * its thread is killed mid-query). Each run gets a MessagePort; `abort()` sends 'abort' to every run in flight,
 * which stops between two records and is not published (store.ts); callers keep no more runs in flight than
 * threads, await them, then destroy() the idle pool.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { RunStatus } from './execute.ts';
import type { RunJob } from './job.ts';
import type { PoolTask } from './pool-task.ts';
import type { S3Options } from './s3.ts';

export class LocalPool {
  private readonly pool: Piscina;
  private readonly ports = new Set<MessagePort>();
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
    const { port1, port2 } = new MessageChannel();
    this.ports.add(port1);
    if (onProgress !== undefined) port1.on('message', (m: { done: number; total: number }) => onProgress(m.done, m.total));
    return (this.pool.run({ job, store, s3, port: port2 } satisfies PoolTask, { transferList: [port2] }) as Promise<RunStatus>).finally(() => {
      this.ports.delete(port1);
      port1.close();
    });
  }

  /** Asks every run in flight to stop (they reject); new runs are the caller's to withhold. */
  abort(): void {
    for (const p of this.ports) p.postMessage('abort');
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
