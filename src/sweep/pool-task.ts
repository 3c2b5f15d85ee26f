/**
 * The task a local-pool worker thread runs: one sweep run (execute.ts). Progress (records done/total) goes
 * back over the MessagePort the pool hands in, when there is one.
 */
import type { MessagePort } from 'node:worker_threads';
import { executeJob, type RunStatus } from './execute.ts';
import type { RunJob } from './job.ts';
import { configureS3, type S3Options } from './s3.ts';

export interface PoolTask {
  readonly job: RunJob;
  readonly store: string;
  readonly s3: S3Options;
  readonly port?: MessagePort;
}

/** Messages the pool sends over the port: 'abort' stops the run between two records. */
export default async function run(task: PoolTask): Promise<RunStatus> {
  configureS3(task.s3);
  const ctrl = new AbortController();
  task.port?.on('message', (m: unknown) => {
    if (m === 'abort') ctrl.abort(new Error('run aborted'));
  });
  try {
    return await executeJob(task.job, task.store, { signal: ctrl.signal, onProgress: (done, total) => task.port?.postMessage({ done, total }) });
  } finally {
    task.port?.close();
  }
}
