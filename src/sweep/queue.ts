/**
 * Distributed sweeps on BullMQ (Redis): `poly sweep --queue redis://HOST:PORT` puts one job per run on the
 * queue; any number of `poly worker --queue redis://HOST:PORT` on any machines take them.
 *
 * Jobs
 * - jobId = the run's cache key (job.ts): adding a run that is already queued, running or done is a no-op in
 *   BullMQ, so two sweeps that share runs share the work, and a re-run of an interrupted sweep re-attaches to
 *   its jobs. A completed job whose result is missing from the store (the folder was deleted) is removed and
 *   queued again; a failed job of an earlier attempt is retried once per sweep invocation.
 * - Data: the RunJob and the result store's location (an absolute path every worker sees — shared storage —
 *   or s3://). The strategy travels as its one-file bundle in Redis (key poly:sweep:strategy:<hash>, 30 days),
 *   used by workers on which the strategy's own files are absent or differ; recordings are read from the
 *   shared path or fetched from s3:// (storage.ts). A worker whose poly differs from the planner's (engine
 *   fingerprint) refuses the job as unrecoverable: it would write other bytes.
 * - Results are written once, by the worker, into the store (store.ts: atomic, first writer wins, the cache
 *   check comes first), so a run retried after a worker died is never written twice, and the sweep's files are
 *   rendered by the planner from the store exactly as for a local sweep: byte-identical output.
 *
 * Dead workers (stalled jobs): a worker holds a lock on each active job and renews it every lockDuration / 2
 * from its main thread, which stays free because runs compute in worker threads. If the worker dies (kill -9,
 * power loss), the lock expires after lockDuration and the next stalled-job check — every worker runs one every
 * stalledInterval — moves the job back to waiting, where another worker takes it. Defaults: lockDuration 30 s,
 * stalledInterval 15 s (a dead worker's run restarts within ~45 s), maxStalledCount 2 (a run that stalls a
 * third time, e.g. because it kills every worker through memory, fails instead of looping). attempts 2 for
 * errors thrown by a run (a transient S3 error); a deterministic error fails twice and is reported.
 *
 * Progress: workers update each job's progress ({done, total} records) and keep per-worker counters in
 * poly:sweep:worker:<name> (ran, cached, failed, last job, last seen); `queueStatus` renders both.
 */
import { hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { CliError } from '../cli/errors.ts';
import { analyzeStrategy, strategyGraph } from '../engine/strategy-hash.ts';
import { bundlePath, engineFingerprint, type RunStatus } from './execute.ts';
import { runDirName, type RunJob } from './job.ts';
import { runFailure } from './local.ts';
import { LocalPool } from './pool.ts';
import { s3Options } from './s3.ts';
import { writeUnique } from './storage.ts';
import type { Executor } from './sweep.ts';
import { textTable } from './results.ts';

export interface QueueJobData {
  readonly job: RunJob;
  readonly store: string;
}

const bundleKey = (hash: string): string => `poly:sweep:strategy:${hash}`;
const workerKey = (name: string): string => `poly:sweep:worker:${name}`;
const BUNDLE_TTL_S = 30 * 24 * 3600;

export interface RedisConn {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

export function redisOptions(url: string): RedisConn {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError(`--queue '${url}' is not a URL: expected redis://HOST:PORT (or rediss:// for TLS)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new CliError(`--queue '${url}' must start with redis:// or rediss://`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new CliError(`--queue '${url}': the path must be a database number (redis://host:6379/0)`);
  return {
    host: u.hostname === '' ? '127.0.0.1' : u.hostname,
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== '' ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** Connects and pings, failing fast with one line when Redis is not there. */
async function connect(url: string): Promise<Redis> {
  const r = new Redis({ ...redisOptions(url), lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
  } catch (err) {
    r.disconnect();
    throw new CliError(`cannot reach Redis at ${url} (${(err as Error).message.split('\n')[0]}); start it (redis-server) or fix --queue`, 1);
  }
  r.disconnect();
  return new Redis(redisOptions(url));
}

export class QueueExecutor implements Executor {
  private constructor(
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly store: string,
  ) {}

  static async connect(url: string, name: string, store: string): Promise<QueueExecutor> {
    const redis = await connect(url);
    const queue = new Queue(name, { connection: redis });
    const events = new QueueEvents(name, { connection: redisOptions(url) });
    await events.waitUntilReady();
    return new QueueExecutor(redis, queue, events, store);
  }

  async runAll(jobs: readonly RunJob[], onDone: (job: RunJob, status: RunStatus) => void, signal: AbortSignal): Promise<void> {
    // the strategy bundles, for workers that do not have the files
    for (const hash of new Set(jobs.map((j) => j.strategy.hash))) {
      const j = jobs.find((x) => x.strategy.hash === hash)!;
      const a = await analyzeStrategy(j.strategy.path);
      if (a.graph.hash !== hash) throw new CliError(`strategy ${j.strategy.label} changed while the sweep was being planned; run it again`);
      await this.redis.set(bundleKey(hash), a.bundle, 'EX', BUNDLE_TTL_S);
    }
    const pending = new Map(jobs.map((j) => [j.key, j]));
    let failure: CliError | null = null;
    let wake: (() => void) | null = null;
    const poke = (): void => wake?.();
    const finish = (key: string, status: RunStatus): void => {
      const j = pending.get(key);
      if (j === undefined) return;
      pending.delete(key);
      onDone(j, status);
      if (pending.size === 0) poke();
    };
    const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }): void => {
      const v = typeof returnvalue === 'string' ? returnvalue.replace(/^"|"$/g, '') : returnvalue;
      if (pending.has(jobId)) finish(jobId, v === 'ran' ? 'ran' : 'cached');
    };
    const onFailed = ({ jobId }: { jobId: string }): void => {
      if (pending.has(jobId)) poke();
    };
    this.events.on('completed', onCompleted);
    this.events.on('failed', onFailed);
    const abort = (): void => poke();
    signal.addEventListener('abort', abort, { once: true });
    try {
      // attach to what already exists, add the rest
      const toAdd: RunJob[] = [];
      for (const j of jobs) {
        const existing = await this.queue.getJob(j.key);
        if (existing === undefined || existing === null) {
          toAdd.push(j);
          continue;
        }
        const state = await existing.getState();
        if (state === 'completed') {
          await existing.remove().catch(() => undefined); // its result is not in the store (the planner checked), so run it again
          toAdd.push(j);
        } else if (state === 'failed') {
          await existing.retry('failed');
        }
      }
      for (let i = 0; i < toAdd.length; i += 500) {
        await this.queue.addBulk(
          toAdd.slice(i, i + 500).map((j) => ({
            name: 'run',
            data: { job: j, store: this.store } satisfies QueueJobData,
            opts: { jobId: j.key, attempts: 2, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
          })),
        );
      }
      while (pending.size > 0 && failure === null && !signal.aborted) {
        // reconcile with the queue (events can be missed across reconnects)
        const keys = [...pending.keys()];
        for (let i = 0; i < keys.length && failure === null; i += 100) {
          const states = await Promise.all(keys.slice(i, i + 100).map(async (k) => [k, await this.queue.getJob(k)] as const));
          for (const [k, job] of states) {
            if (job === undefined || job === null) continue;
            const state = await job.getState();
            if (state === 'completed') finish(k, job.returnvalue === 'ran' ? 'ran' : 'cached');
            else if (state === 'failed') failure = runFailure(pending.get(k)!, new Error(job.failedReason ?? 'failed'));
          }
        }
        if (pending.size === 0 || failure !== null || signal.aborted) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1000);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = null;
      }
    } finally {
      this.events.off('completed', onCompleted);
      this.events.off('failed', onFailed);
      signal.removeEventListener('abort', abort);
    }
    if (failure !== null) throw failure;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    this.redis.disconnect();
  }
}

export interface WorkerOptions {
  readonly url: string;
  readonly queueName: string;
  readonly threads: number;
  readonly name: string;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

export const defaultWorkerName = (): string => `${hostname()}-${process.pid}`;

/** `poly worker`: takes runs until the signal aborts, then finishes the runs in flight and returns. */
export async function runWorker(o: WorkerOptions): Promise<void> {
  const redis = await connect(o.url);
  const engine = await engineFingerprint();
  const pool = new LocalPool(o.threads);
  const wkey = workerKey(o.name);
  await redis.hset(wkey, { engine, threads: String(o.threads), started: new Date().toISOString(), last_seen: new Date().toISOString() });
  await redis.expire(wkey, 7 * 24 * 3600);
  const worker = new Worker(
    o.queueName,
    async (job: Job) => {
      const data = job.data as QueueJobData;
      const j = data.job;
      if (j.engine !== engine) {
        await redis.hincrby(wkey, 'failed', 1);
        throw new UnrecoverableError(`worker ${o.name} runs poly engine ${engine}, the sweep was planned with ${j.engine}: install the same poly on every machine`);
      }
      await ensureStrategy(redis, j);
      o.log(`start ${runDirName(j.key)} ${j.recording.label} ${Object.entries(j.params).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      await redis.hset(wkey, { current: runDirName(j.key), last_seen: new Date().toISOString() });
      let lastUpdate = 0;
      const status = await pool.run(j, data.store, s3Options(), (done, total) => {
        const now = performance.now();
        if (now - lastUpdate < 500) return;
        lastUpdate = now;
        void job.updateProgress({ done, total }).catch(() => undefined);
      });
      await redis.hincrby(wkey, status === 'ran' ? 'ran' : 'cached', 1);
      await redis.hset(wkey, { current: '', last_seen: new Date().toISOString() });
      o.log(`${status === 'ran' ? 'wrote' : 'cached'} ${runDirName(j.key)}`);
      return status;
    },
    {
      connection: redisOptions(o.url),
      concurrency: o.threads,
      lockDuration: o.lockDurationMs,
      stalledInterval: o.stalledIntervalMs,
      maxStalledCount: o.maxStalledCount,
      name: o.name,
      autorun: false,
    },
  );
  worker.on('failed', (job, err) => {
    if (job !== undefined) o.log(`failed ${runDirName((job.data as QueueJobData).job.key)}: ${err.message.split('\n')[0]}`);
  });
  worker.on('error', (err) => o.log(`error: ${err.message.split('\n')[0]}`));
  const stop = (): void => void worker.close();
  o.signal.addEventListener('abort', stop, { once: true });
  o.log(`worker ${o.name}: ${o.threads} thread(s), queue ${o.queueName} at ${o.url}, engine ${engine}`);
  try {
    await worker.run();
  } finally {
    o.signal.removeEventListener('abort', stop);
    await worker.close();
    await pool.destroy();
    await redis.hset(wkey, { current: '', last_seen: new Date().toISOString(), stopped: new Date().toISOString() });
    redis.disconnect();
  }
}

/** Makes the strategy loadable in the pool's threads: its own file when it hashes right here, else the bundle from Redis. */
async function ensureStrategy(redis: Redis, j: RunJob): Promise<void> {
  if (existsSync(j.strategy.path) && (await strategyGraph(j.strategy.path)).hash === j.strategy.hash) return;
  const file = bundlePath(j.strategy.hash);
  if (existsSync(file)) return;
  const code = await redis.get(bundleKey(j.strategy.hash));
  if (code === null) throw new UnrecoverableError(`strategy ${j.strategy.label} is not on this machine and its bundle is gone from Redis (key ${bundleKey(j.strategy.hash)}); run the sweep again`);
  await writeUnique(file, code);
}

/** `poly sweep --status`: job counts, workers and what each is running. */
export async function queueStatus(url: string, name: string): Promise<string> {
  const redis = await connect(url);
  const queue = new Queue(name, { connection: redis });
  try {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    const lines = [`queue ${name} at ${url}: ${c['waiting']! + c['prioritized']!} waiting, ${c['delayed']} delayed, ${c['active']} active, ${c['completed']} done, ${c['failed']} failed`];
    const connected = new Set((await queue.getWorkers()).map((w) => (w['rawname'] ?? '').split(':w:')[1] ?? '').filter((n) => n !== ''));
    const active = await queue.getActive();
    const byWorker = new Map<string, string[]>();
    for (const j of active) {
      const p = j.progress as { done?: number; total?: number } | number;
      const pct = typeof p === 'object' && p !== null && p.total !== undefined && p.total > 0 && p.done !== undefined ? ` ${Math.round((100 * p.done) / p.total)}%` : '';
      const w = j.processedBy ?? '?';
      byWorker.set(w, [...(byWorker.get(w) ?? []), `${runDirName(j.id ?? '')}${pct}`]);
    }
    const names = new Set<string>(connected);
    for await (const batch of redis.scanStream({ match: workerKey('*'), count: 100 })) for (const k of batch as string[]) names.add(k.slice(workerKey('').length));
    const rows: (string | number | null)[][] = [];
    for (const n of [...names].sort()) {
      const h = await redis.hgetall(workerKey(n));
      rows.push([n, connected.has(n) ? 'connected' : 'gone', Number(h['ran'] ?? 0), Number(h['cached'] ?? 0), Number(h['failed'] ?? 0), (byWorker.get(n) ?? []).join(' ') || '-', h['last_seen'] ?? null]);
    }
    if (rows.length > 0) lines.push(textTable(['worker', 'state', 'ran', 'cached', 'failed', 'running', 'last seen'], rows).trimEnd());
    else lines.push('no workers have connected yet: start one with poly worker --queue ' + url);
    if (c['failed']! > 0) {
      for (const j of await queue.getFailed(0, 4)) lines.push(`failed ${runDirName(j.id ?? '')}: ${(j.failedReason ?? '').split('\n')[0]}`);
    }
    return lines.join('\n') + '\n';
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
