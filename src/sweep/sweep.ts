/**
 * `poly sweep`: plans the runs (parameter sets x recordings x windows), has an executor run the ones the
 * result store does not hold yet, then writes the sweep's tables from the stored results.
 *
 * Invariants
 * - Everything is validated before the first run: engine flags, strategy, every parameter set, every
 *   recording's manifest, the walk-forward spec.
 * - The tables are a function of the stored run results in PLAN order (set index, then recording order, then
 *   window), never of completion order or worker count: byte-identical whatever executed them.
 * - A run already in the store is not executed again (the store is the cache, see store.ts); an interrupted
 *   sweep leaves only complete run folders, so the same command resumes where it stopped.
 * - Walk-forward runs in two phases: every set on every train window, then each fold's best set (by the
 *   objective, ties as in results.ts) on its test window.
 *
 * Output files (in --out): sweep.csv / sweep.json (one row per run), sets.csv (per parameter set, aggregated
 * over its runs, ranked), walkforward.csv / walkforward.json (walk-forward only), runs/<id>/ (each run's reports).
 */
import { readFile } from 'node:fs/promises';
import { PolyError } from '../core/errors.ts';
import { toCsv, toJson } from '../core/reports/csv.ts';
import { money } from '../core/reports/render.ts';
import { isoFromNs } from '../core/time.ts';
import { D, decimalToCash } from '../core/types/fixed.ts';
import { engineSettings, type EngineFlags, type EngineSettings } from '../engine/config.ts';
import { loadStrategy, type LoadedStrategy } from '../engine/strategy-loader.ts';
import { engineFingerprint, type RunResultFile, type RunStatus } from './execute.ts';
import { cacheKey, runDirName, type RunJob } from './job.ts';
import { folds, resolveRecordings, type Fold, type PlannedRecording, type Segment, type WalkSpec } from './plan.ts';
import {
  aggregate,
  compareByObjective,
  equityFromCsv,
  leaderboard,
  objectiveText,
  rank,
  renderRunsCsv,
  renderSetsCsv,
  renderSweepJson,
  textTable,
  type Metrics,
  type Objective,
  type RunRow,
  type SetRow,
} from './results.ts';
import { ensureTape } from '../tape/tape.ts';
import { isS3Url } from './s3.ts';
import { buildSpace, drawSets, type ParamSet, type SpaceInput } from './space.ts';
import { cleanStale, openStore, type ResultStore } from './store.ts';

/** Runs jobs somewhere (local threads, a BullMQ queue); calls onDone once per job in any order. */
export interface Executor {
  runAll(jobs: readonly RunJob[], onDone: (job: RunJob, status: RunStatus) => void, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export class SweepInterrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

export interface SweepOptions {
  readonly recordings: readonly string[];
  readonly strategyFile: string;
  readonly space: SpaceInput;
  readonly random?: { readonly n: number } | undefined;
  readonly objective: Objective;
  readonly out: string;
  readonly flags: EngineFlags;
  readonly fromNs?: bigint | undefined;
  readonly toNs?: bigint | undefined;
  readonly markets: readonly string[];
  readonly walk?: WalkSpec | undefined;
  readonly top: number;
  /** Every run reads the raw records (`--raw`) instead of the recording's tape (default: the tape, built once here before the runs). */
  readonly raw?: boolean | undefined;
}

export interface SweepProgressEvent {
  readonly done: number;
  readonly total: number;
  readonly cached: number;
  readonly ran: number;
  readonly best: string | null;
}

export interface SweepReport {
  readonly runs: number;
  readonly ran: number;
  readonly cached: number;
  readonly stdout: string;
}

interface Planned {
  readonly strategy: LoadedStrategy;
  readonly settings: EngineSettings;
  readonly sets: readonly ParamSet[];
  readonly paramNames: readonly string[];
  readonly recordings: readonly PlannedRecording[];
  readonly engine: string;
  readonly riskJson: string | null;
  readonly store: ResultStore;
}

const nsText = (ns: bigint | null): string | null => (ns === null ? null : ns.toString());

/** Validates everything and builds the plan (no run yet). */
async function plan(o: SweepOptions): Promise<Planned> {
  const settings = await engineSettings(o.flags);
  let riskJson: string | null = null;
  if (o.flags.risk !== undefined) riskJson = await readFile(o.flags.risk, 'utf8');
  const strategy = await loadStrategy(o.strategyFile);
  const dims = await buildSpace(strategy.definition, o.space);
  const sets = drawSets(strategy.definition, dims, o.random === undefined ? undefined : { n: o.random.n, seed: settings.seed });
  const recordings = await resolveRecordings(o.recordings);
  const store = openStore(o.out);
  return { strategy, settings, sets, paramNames: dims.map((d) => d.name), recordings, engine: await engineFingerprint(), riskJson, store };
}

function jobFor(p: Planned, o: SweepOptions, set: ParamSet, seg: Segment): RunJob {
  const { risk: _risk, ...flags } = o.flags;
  const fromNs = nsText(seg.fromNs);
  const toNs = nsText(seg.toNs);
  return {
    key: cacheKey({ engine: p.engine, digest: seg.recording.digest, strategyHash: p.strategy.sha256, resolvedParams: set.resolved, described: p.settings.described, fromNs, toNs, markets: o.markets }),
    recording: { label: seg.recording.label, ref: seg.recording.ref, digest: seg.recording.digest },
    fromNs,
    toNs,
    markets: o.markets,
    strategy: { label: o.strategyFile, path: p.strategy.path, hash: p.strategy.sha256 },
    params: set.human,
    flags,
    riskJson: p.riskJson,
    engine: p.engine,
    ...(o.raw === true ? { raw: true } : {}),
  };
}

interface Planned2 {
  readonly set: ParamSet;
  readonly job: RunJob;
}

/** Runs what the store lacks (executor), reporting progress; a job listed twice runs once. */
async function execute(p: Planned, o: SweepOptions, work: readonly Planned2[], exec: Executor, signal: AbortSignal, onProgress: (e: SweepProgressEvent) => void, counts: { ran: number; cached: number }): Promise<void> {
  const unique = new Map<string, Planned2>();
  for (const w of work) if (!unique.has(w.job.key)) unique.set(w.job.key, w);
  const todo: RunJob[] = [];
  let done = 0;
  let best: { metrics: Metrics; human: Readonly<Record<string, string>> } | null = null;
  const cmp = compareByObjective<{ metrics: Metrics; human: Readonly<Record<string, string>> }>(o.objective);
  const note = async (key: string): Promise<void> => {
    const text = await p.store.readRunFile(key, 'result.json');
    if (text === null) return;
    const r = JSON.parse(text) as RunResultFile;
    const cand = { metrics: r.metrics, human: r.params };
    if (best === null || cmp(cand, best) < 0) best = cand;
  };
  const bestText = (): string | null => {
    if (best === null) return null;
    const b = best as { metrics: Metrics; human: Readonly<Record<string, string>> };
    return `${o.objective} ${objectiveText(b.metrics, o.objective) ?? 'n/a'} (${Object.entries(b.human).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults'})`;
  };
  for (const [key, w] of unique) {
    if (await p.store.hasRun(key)) {
      done += 1;
      counts.cached += 1;
      await note(key);
    } else todo.push(w.job);
  }
  const total = unique.size;
  onProgress({ done, total, cached: counts.cached, ran: counts.ran, best: bestText() });
  if (todo.length === 0) return;
  // one tape per local recording, built here once rather than by every worker at its first run
  if (o.raw !== true) for (const ref of new Set(todo.map((j) => j.recording.ref))) if (!isS3Url(ref)) await ensureTape(ref);
  await exec.runAll(
    todo,
    (job, status) => {
      done += 1;
      if (status === 'ran') counts.ran += 1;
      else counts.cached += 1;
      void note(job.key).then(() => onProgress({ done, total, cached: counts.cached, ran: counts.ran, best: bestText() }));
    },
    signal,
  );
  if (signal.aborted) throw new SweepInterrupted();
}

interface Collected {
  readonly result: RunResultFile;
  readonly equity?: ReturnType<typeof equityFromCsv>;
}

async function collect(p: Planned, key: string, withEquity: boolean): Promise<Collected> {
  const text = await p.store.readRunFile(key, 'result.json');
  if (text === null) throw new PolyError('input', `run ${runDirName(key)} has no result in ${p.store.location} (was the output folder changed during the sweep?)`);
  const result = JSON.parse(text) as RunResultFile;
  if (!withEquity) return { result };
  const eq = await p.store.readRunFile(key, 'equity.csv');
  if (eq === null) throw new PolyError('input', `run ${runDirName(key)} has no equity.csv in ${p.store.location}`);
  return { result, equity: equityFromCsv(eq) };
}

function runRow(index: number, w: Planned2, c: Collected): RunRow {
  return { run: index, set: w.set.index, recording: w.job.recording.label, from: c.result.from, to: c.result.to, human: w.set.human, metrics: c.result.metrics, dir: `runs/${runDirName(w.job.key)}`, key: w.job.key };
}

/** Aggregates each set over its work items (plan order). */
async function setRows(p: Planned, items: readonly Planned2[]): Promise<SetRow[]> {
  const bySet = new Map<number, Planned2[]>();
  for (const w of items) bySet.set(w.set.index, [...(bySet.get(w.set.index) ?? []), w]);
  const rows: SetRow[] = [];
  for (const [, ws] of [...bySet].sort((a, b) => a[0] - b[0])) {
    const multi = ws.length > 1;
    const runs = await Promise.all(ws.map((w) => collect(p, w.job.key, multi)));
    const m = aggregate(runs.map((r) => (r.equity === undefined ? { metrics: r.result.metrics } : { metrics: r.result.metrics, equity: r.equity })), p.settings.initialCash, p.settings.equityIntervalNs);
    rows.push({ set: ws[0]!.set.index, human: ws[0]!.set.human, runs: ws.length, metrics: m });
  }
  return rows;
}

function sweepMeta(p: Planned, o: SweepOptions): Record<string, unknown> {
  return {
    strategy: { name: p.strategy.definition.name, file: o.strategyFile, sha256: p.strategy.sha256 },
    engine: p.engine,
    recordings: p.recordings.map((r) => ({ recording: r.label, digest: r.digest })),
    settings: p.settings.described,
    search: o.random === undefined ? 'grid' : `random ${o.random.n} (seed ${p.settings.seed})`,
    parameters: p.paramNames,
    sets: p.sets.length,
  };
}

export async function runSweep(o: SweepOptions, exec: Executor, signal: AbortSignal, onProgress: (e: SweepProgressEvent) => void = () => undefined): Promise<SweepReport> {
  const p = await plan(o);
  await cleanStale(p.store);
  const counts = { ran: 0, cached: 0 };
  return o.walk === undefined ? plainSweep(p, o, exec, signal, onProgress, counts) : walkForward(p, o, o.walk, exec, signal, onProgress, counts);
}

async function plainSweep(p: Planned, o: SweepOptions, exec: Executor, signal: AbortSignal, onProgress: (e: SweepProgressEvent) => void, counts: { ran: number; cached: number }): Promise<SweepReport> {
  const segments: Segment[] = p.recordings.map((recording) => ({ recording, fromNs: o.fromNs ?? null, toNs: o.toNs ?? null }));
  const work: Planned2[] = p.sets.flatMap((set) => segments.map((seg) => ({ set, job: jobFor(p, o, set, seg) })));
  await execute(p, o, work, exec, signal, onProgress, counts);
  const runs: RunRow[] = [];
  for (const [i, w] of work.entries()) runs.push(runRow(i, w, await collect(p, w.job.key, false)));
  const sets = await setRows(p, work);
  await p.store.writeTop('sweep.csv', renderRunsCsv(runs, p.paramNames));
  await p.store.writeTop('sets.csv', renderSetsCsv(sets, p.paramNames, o.objective));
  await p.store.writeTop('sweep.json', renderSweepJson(sweepMeta(p, o), runs, sets, o.objective));
  const per = segments.length > 1 ? ` (each over ${segments.length} recordings: P&L summed, drawdown and ratios on the combined equity)` : '';
  const stdout =
    `sweep: ${p.sets.length} parameter set(s) x ${segments.length} recording(s) = ${work.length} run(s); ranked by ${o.objective}${per}\n` +
    leaderboard(sets, p.paramNames, o.objective, o.top) +
    `results in ${p.store.location} (sweep.csv, sets.csv, sweep.json, runs/)\n`;
  return { runs: work.length, ran: counts.ran, cached: counts.cached, stdout };
}

interface FoldResult {
  readonly fold: Fold;
  readonly ranking: (SetRow & { rank: number })[];
  readonly test: SetRow;
}

async function walkForward(p: Planned, o: SweepOptions, w: WalkSpec, exec: Executor, signal: AbortSignal, onProgress: (e: SweepProgressEvent) => void, counts: { ran: number; cached: number }): Promise<SweepReport> {
  const fs = folds(p.recordings, w);
  const trainWork = fs.map((f) => p.sets.flatMap((set) => f.train.segments.map((seg) => ({ set, job: jobFor(p, o, set, seg) }))));
  await execute(p, o, trainWork.flat(), exec, signal, onProgress, counts);
  const rankings: (SetRow & { rank: number })[][] = [];
  for (const tw of trainWork) rankings.push(rank(await setRows(p, tw), o.objective));
  const testWork = fs.map((f, i) => {
    const bestSet = p.sets[rankings[i]![0]!.set]!;
    return f.test.segments.map((seg) => ({ set: bestSet, job: jobFor(p, o, bestSet, seg) }));
  });
  await execute(p, o, testWork.flat(), exec, signal, onProgress, counts);
  const results: FoldResult[] = [];
  for (const [i, f] of fs.entries()) results.push({ fold: f, ranking: rankings[i]!, test: (await setRows(p, testWork[i]!))[0]! });

  const all = [...trainWork.flat(), ...testWork.flat()];
  const runs: RunRow[] = [];
  for (const [i, x] of all.entries()) runs.push(runRow(i, x, await collect(p, x.job.key, false)));
  await p.store.writeTop('sweep.csv', renderRunsCsv(runs, p.paramNames));

  const ob = o.objective;
  const rows = results.map((r) => {
    const is = r.ranking[0]!;
    return { fold: r.fold.index, train: r.fold.train.label, test: r.fold.test.label, human: is.human, is: is.metrics, oos: r.test.metrics };
  });
  const wfCsv = toCsv<(typeof rows)[number]>(
    [
      { name: 'fold', get: (r) => r.fold },
      { name: 'train', get: (r) => r.train },
      { name: 'test', get: (r) => r.test },
      ...p.paramNames.map((n) => ({ name: n, get: (r: (typeof rows)[number]) => r.human[n] ?? null })),
      { name: `is_${ob}`, get: (r) => objectiveText(r.is, ob) },
      { name: `oos_${ob}`, get: (r) => objectiveText(r.oos, ob) },
      { name: 'is_pnl', get: (r) => r.is.pnl },
      { name: 'oos_pnl', get: (r) => r.oos.pnl },
      { name: 'is_return', get: (r) => r.is.return },
      { name: 'oos_return', get: (r) => r.oos.return },
      { name: 'is_sharpe', get: (r) => r.is.sharpe },
      { name: 'oos_sharpe', get: (r) => r.oos.sharpe },
      { name: 'oos_max_drawdown', get: (r) => r.oos.max_drawdown },
      { name: 'oos_fills', get: (r) => r.oos.fills },
      { name: 'oos_fees', get: (r) => r.oos.fees },
    ],
    rows,
  );
  const sumPnl = (f: (r: (typeof rows)[number]) => string): string => money(rows.reduce((acc, r) => acc + decimalToCash(new D(f(r))), 0n));
  const totals = { folds: rows.length, is_pnl: sumPnl((r) => r.is.pnl), oos_pnl: sumPnl((r) => r.oos.pnl) };
  await p.store.writeTop('walkforward.csv', wfCsv);
  await p.store.writeTop(
    'walkforward.json',
    toJson({
      ...sweepMeta(p, o),
      objective: ob,
      walk: w.kind === 'time' ? { by: 'time', train_ns: w.trainNs.toString(), test_ns: w.testNs.toString(), step_ns: w.stepNs.toString() } : { by: 'recordings', train: w.train, test: w.test, step: w.step },
      totals,
      folds: results.map((r) => ({
        fold: r.fold.index,
        train: { window: r.fold.train.label, from: r.fold.train.fromNs === null ? null : isoFromNs(r.fold.train.fromNs), to: r.fold.train.toNs === null ? null : isoFromNs(r.fold.train.toNs), recordings: r.fold.train.segments.map((s) => s.recording.label) },
        test: { window: r.fold.test.label, from: r.fold.test.fromNs === null ? null : isoFromNs(r.fold.test.fromNs), to: r.fold.test.toNs === null ? null : isoFromNs(r.fold.test.toNs), recordings: r.fold.test.segments.map((s) => s.recording.label) },
        chosen: { set: r.ranking[0]!.set, params: r.ranking[0]!.human },
        in_sample: r.ranking[0]!.metrics,
        out_of_sample: r.test.metrics,
        train_ranking: r.ranking.map((s) => ({ rank: s.rank, set: s.set, params: s.human, objective: objectiveText(s.metrics, ob) })),
      })),
    }),
  );
  const table = textTable(
    ['fold', 'train', 'test', ...p.paramNames, `IS ${ob}`, `OOS ${ob}`, 'IS pnl', 'OOS pnl'],
    rows.map((r) => [r.fold, r.train, r.test, ...p.paramNames.map((n) => r.human[n] ?? null), objectiveText(r.is, ob), objectiveText(r.oos, ob), r.is.pnl, r.oos.pnl]),
  );
  const stdout =
    `walk-forward: ${rows.length} fold(s), ${p.sets.length} parameter set(s) each; best on each train window by ${ob}, then run on the following test window\n` +
    table +
    `in-sample P&L ${totals.is_pnl} (best set of each train window), out-of-sample P&L ${totals.oos_pnl} (the same sets on the windows after)\n` +
    `results in ${p.store.location} (walkforward.csv, walkforward.json, sweep.csv, runs/)\n`;
  return { runs: all.length, ran: counts.ran, cached: counts.cached, stdout };
}

