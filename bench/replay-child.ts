/**
 * Child process of the `replay` bench: runs ONE subject over a recording and reports
 * { events, ms, maxRssBytes, detail } over IPC, so each subject's peak RSS (process.resourceUsage)
 * is its own (the 10M-row recording must replay under 1 GiB RSS).
 * Subjects: json-parse (readRecording + JSON.parse of every frame payload: floor), duckdb-scan
 * (sum(length(payload)) over the part: floor), tape-build-serial (ensureTape --force, threads 1),
 * tape-build (ensureTape --force, default worker threads, into <recording>/.tape), tape-read (readTape:
 * every record (the replay's shared one) and its events decoded and kept alive past the loop, no kernel), noop and market-maker (runBacktest from the tape,
 * speed max; the tape must exist: tape-build runs first), noop-raw and market-maker-raw (runBacktest --raw).
 * Each throws when the work was not done (counts checked against the manifest).
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runBacktest } from '../src/engine/backtest.ts';
import { engineSettings } from '../src/engine/config.ts';
import { loadStrategy, validateParams } from '../src/engine/strategy-loader.ts';
import { openDuck, sqlString } from '../src/io/duckdb.ts';
import { readManifest, readRecording } from '../src/recorder/read.ts';
import { defaultBuildThreads, ensureTape, readTape } from '../src/tape/tape.ts';
import { join } from 'node:path';

import type { ChildResult } from './lib.ts';

export type { ChildResult };

const [subject, dir] = process.argv.slice(2);
if (subject === undefined || dir === undefined) throw new Error('usage: replay-child.ts <subject> <recording dir>');
const strategiesDir = fileURLToPath(new URL('../strategies/', import.meta.url));

/** `ms`, when given, is the timed part only (the replay or the read loop, not the strategy's tsx compile). */
async function run(): Promise<{ events: number; detail: string; ms?: number }> {
  const m = await readManifest(dir as string);
  switch (subject) {
    case 'json-parse': {
      let n = 0;
      let parsed = 0;
      for await (const r of readRecording(dir as string)) {
        n++;
        if (r.kind === 'frame' && JSON.parse(r.payload) !== null) parsed++;
      }
      if (n !== m.rows || parsed === 0) throw new Error(`json-parse read ${n} rows, manifest says ${m.rows}`);
      return { events: n, detail: `${parsed} payloads parsed` };
    }
    case 'duckdb-scan': {
      const duck = await openDuck({ threads: 1 });
      try {
        const paths = m.files.map((f) => sqlString(join(dir as string, f.path))).join(', ');
        const row = (await duck.conn.runAndReadAll(`SELECT count(*)::BIGINT, sum(length(payload))::BIGINT FROM read_parquet([${paths}], hive_partitioning = false)`)).getRows()[0];
        const n = Number(row?.[0] ?? 0);
        if (n !== m.rows || (row?.[1] ?? 0n) === 0n) throw new Error(`duckdb-scan counted ${n} rows, manifest says ${m.rows}`);
        return { events: n, detail: `${String(row?.[1])} payload chars` };
      } finally {
        duck.close();
      }
    }
    case 'tape-build':
    case 'tape-build-serial': {
      // tape-build: worker threads (the default's count, at least 2, so the threaded build is measured on any machine)
      const threads = subject === 'tape-build' ? Math.max(2, defaultBuildThreads()) : 1;
      const t = await ensureTape(dir as string, { force: true, threads });
      if (t.records !== m.rows) throw new Error(`${subject} wrote ${t.records} records, manifest says ${m.rows}`);
      const cpu = process.cpuUsage();
      return { events: t.records, detail: `${t.threads} thread(s) (asked ${threads}), ${t.events} events into ${t.path}, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (all threads)` };
    }
    case 'tape-read': {
      const t = await ensureTape(dir as string, { onProgress: () => { throw new Error('the tape was not built before tape-read'); } });
      const t0 = performance.now();
      let n = 0;
      let ev = 0;
      // as the replay loop reads (the shared record, recordAt); every event list is stored into a small ring
      // that outlives the loop, so the JIT cannot drop the allocations as unused (escape analysis)
      const ring: (readonly unknown[])[] = new Array<readonly unknown[]>(64);
      for await (const b of readTape(t.path, dir as string)) {
        for (let i = 0; i < b.length; i++) {
          const evs = b.eventsOf(i, b.recordAt(i));
          ring[i & 63] = evs;
          ev += evs.length;
        }
        n += b.length;
      }
      if (ring.every((x) => x === undefined)) throw new Error('tape-read decoded nothing');
      const s = (performance.now() - t0) / 1000;
      if (n !== m.rows) throw new Error(`tape-read read ${n} records, manifest says ${m.rows}`);
      return { events: n, ms: s * 1000, detail: `${Math.round(ev / s)} events/s, ${ev} events decoded (records and events built, no kernel)` };
    }
    case 'noop':
    case 'market-maker':
    case 'noop-raw':
    case 'market-maker-raw': {
      const raw = subject.endsWith('-raw');
      const strategy = await loadStrategy(join(strategiesDir, `${subject.replace(/-raw$/, '')}.ts`));
      const params = validateParams(strategy.definition, {});
      const settings = await engineSettings({});
      const t0 = performance.now();
      const r = await runBacktest({ recording: dir as string, strategy, params, settings, speed: 'max', keepEventLog: false, raw, onTapeProgress: () => { throw new Error('the tape was not built before the replay subject'); } }); // as the CLI runs it
      const s = (performance.now() - t0) / 1000;
      const q = r.kernel.quality;
      if (r.records !== m.rows || q.events === 0) throw new Error(`${subject}: replayed ${r.records} records, manifest says ${m.rows}`);
      const j = r.kernel.journal;
      return { events: r.records, ms: s * 1000, detail: `${Math.round(q.events / s)} events/s, ${Math.round(r.records / s)} msgs/s; ${q.events} events, ${q.normalizationErrors} normalization errors, ${q.crossedBooks} crossed, ${j.orders.size} orders, ${j.fills.length} fills` };
    }
    default:
      throw new Error(`unknown subject '${subject}'`);
  }
}

try {
  const t0 = performance.now();
  const { ms: timed, ...r } = await run();
  const ms = timed ?? performance.now() - t0;
  process.send?.({ ok: true, result: { ...r, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 } satisfies ChildResult });
} catch (e) {
  process.send?.({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
}
process.disconnect?.();
