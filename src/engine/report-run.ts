/**
 * Renders a finished kernel's reports and writes them with run.json (shared by replay and live).
 * The report directory defaults to reports/<run-id>/, where run-id is a hash of the inputs
 * (recording digest, strategy module-graph hash, params, seed, settings, data window) — so the same run always
 * lands in the same place with the same bytes. report.html is drawn last, from the files on disk (the same
 * renderer `poly report` uses), so it always shows what the CSV/JSON say.
 */
import { basename, join } from 'node:path';
import type { TradingKernel } from '../core/kernel/trading-kernel.ts';
import type { StrategyFailure } from '../core/reports/journal.ts';
import { renderReports, reportInputFromKernel } from '../core/reports/render.ts';
import { isoFromNs } from '../core/time.ts';
import { formatCash } from '../core/types/fixed.ts';
import { projectRelative } from '../io/paths.ts';
import type { EngineSettings } from './config.ts';
import { computeRunId, writeReportHtml, writeReports, type RunMeta, type WriteResult } from './reports-writer.ts';
import { humanParams } from '../core/strategy/params.ts';
import { describeFailure } from './strategy-errors.ts';
import type { LoadedStrategy } from './strategy-loader.ts';

export interface RenderRunInput {
  readonly kernel: TradingKernel;
  readonly recording: string;
  readonly recordingDigest: string;
  readonly strategy: LoadedStrategy;
  /** The strategy file as the user named it (run.json stores it relative to the project directory). */
  readonly strategyFile: string;
  /** Validated parameters (the strategy's exact internal values: ticks, micro-shares, ns). */
  readonly params: unknown;
  /** Parameters as the user gave them (--params file, then --param); defaults are not listed. */
  readonly paramsGiven: Record<string, unknown>;
  readonly settings: EngineSettings;
  readonly outDir: string | undefined;
  readonly window: { readonly fromNs?: bigint | undefined; readonly toNs?: bigint | undefined; readonly markets?: readonly string[] };
  /** Where the equity series and period start when the kernel saw no data. */
  readonly fallbackNs?: bigint;
  /**
   * The recording and strategy paths run.json stores, when the caller knows them better than the working
   * directory does (poly init writes a golden for a project that will find the recording in node_modules).
   */
  readonly runPaths?: { readonly recording: string; readonly strategy: string };
}

export interface RenderRunResult extends WriteResult {
  readonly summaryLines: string[];
  /** The strategy's failure (location and project-relative stack), null when it ran to the end. */
  readonly failure: StrategyFailure | null;
  /** Path of report.html (written after run.json, from the files just written). */
  readonly html: string;
}

export async function renderRun(input: RenderRunInput): Promise<RenderRunResult> {
  const k = input.kernel;
  const startNs = k.quality.firstRecvNs ?? input.fallbackNs ?? 0n;
  const endNs = k.quality.lastRecvNs !== null && k.now() > k.quality.lastRecvNs ? k.now() : (k.quality.lastRecvNs ?? startNs);
  const failure = describeFailure(k.journal.strategyFailure);
  const files = renderReports({
    ...reportInputFromKernel(k, {
      strategyName: input.strategy.definition.name,
      params: { given: input.paramsGiven, resolved: humanParams(input.strategy.definition.params, input.params) },
      initialCash: input.settings.initialCash,
      equityIntervalNs: input.settings.equityIntervalNs,
      startNs,
      endNs,
    }),
    // where in the strategy's code it threw, with project-relative paths (no machine paths in summary.json)
    strategyFailure: failure,
  });
  const config: Record<string, string> = { ...input.settings.described };
  if (input.window.fromNs !== undefined) config['from'] = isoFromNs(input.window.fromNs);
  if (input.window.toNs !== undefined) config['to'] = isoFromNs(input.window.toNs);
  if (input.window.markets !== undefined && input.window.markets.length > 0) config['markets'] = input.window.markets.join(',');
  const run: RunMeta = {
    recording: { path: input.runPaths?.recording ?? projectRelative(input.recording), id: basename(input.recording.replace(/[/\\]+$/, '')), digest: input.recordingDigest },
    strategy: { name: input.strategy.definition.name, file: input.runPaths?.strategy ?? projectRelative(input.strategyFile), sha256: input.strategy.sha256 },
    params: { given: input.paramsGiven, resolved: humanParams(input.strategy.definition.params, input.params) },
    seed: input.settings.seed,
    config,
  };
  const dir = input.outDir ?? join('reports', computeRunId(run));
  const written = await writeReports(dir, files, run);
  const html = await writeReportHtml(dir);
  const summary = JSON.parse(files['summary.json']) as {
    pnl: { total: string; trading_realized: string; unrealized: string; merges: string; fee_value: string; rebates: string; settlement: string };
    return: string | null;
    orders: { placed: number; filled: number; partially_filled: number; canceled: number; rejected: number; denied: number; open: number };
    fills: { count: number };
    merges: { merged: number };
    data_quality: { normalization_errors: number; disconnects: number };
    risk: { denials_by_rule: Record<string, number> };
    strategy_error: { hook: string; message: string; location: string | null } | null;
  };
  // both lines add up: orders by final status, P&L by its parts (the identity of summary.json); denials
  // counts every command refused (orders, cancels and merges) by risk or at the strategy-context edge
  const o = summary.orders;
  const p = summary.pnl;
  const denials = Object.values(summary.risk.denials_by_rule).reduce((a, n) => a + n, 0);
  const lines = [
    `strategy ${input.strategy.definition.name}: ${k.quality.records.toLocaleString('en-US')} records, ${o.placed} orders = ${o.filled} filled + ${o.partially_filled} partly filled + ${o.canceled} canceled + ${o.rejected} rejected + ${o.denied} denied by risk + ${o.open} open; ${summary.fills.count} fills, ${summary.merges.merged} merges, ${denials} denials`,
    `P&L ${p.total} = trading ${p.trading_realized} + unrealized ${p.unrealized} + merges ${p.merges} + settlement ${p.settlement} + rebates ${p.rebates} (fees ${p.fee_value} are inside those), return ${summary.return ?? 'n/a'}, final cash ${formatCash(k.portfolio.cash())}`,
  ];
  if (summary.data_quality.normalization_errors > 0 || summary.data_quality.disconnects > 0) {
    lines.push(`data quality: ${summary.data_quality.normalization_errors} normalization errors, ${summary.data_quality.disconnects} disconnects (see summary.json)`);
  }
  if (summary.strategy_error !== null) {
    const e = summary.strategy_error;
    lines.push(`strategy stopped: ${e.hook} threw${e.location === null ? '' : ` at ${e.location}`}: ${e.message}`);
  }
  return { ...written, summaryLines: lines, failure, html };
}
