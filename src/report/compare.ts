/**
 * The comparison page for several runs (`poly report --compare RUN...`) and a sweep's report.html (the sweep
 * calls `renderCompareHtml` with its rows): a leaderboard, the equity curves overlaid, and the objective
 * against each parameter (scatter) plus a heat-map of the objective over the two parameters with the most
 * values (an HTML table of coloured cells, exact numbers in every cell).
 *
 * Input rows are plain strings (exact decimals from the runs' files); `compareRunFromFiles` builds one from a
 * run directory's files. Ordering: the leaderboard sorts by the objective (higher is better unless
 * `higherIsBetter: false`), ties and nulls keep the input order (nulls last). Deterministic output.
 * Bounds: at most MAX_OVERLAY equity curves are drawn (the best ones; the leaderboard lists every run).
 */
import { D } from '../core/types/fixed.ts';
import { at, Csv, loadRunFiles, secs, spaced, type RunFiles } from './html.ts';
import { esc, page, table, type CellLike } from './page.ts';

export const MAX_OVERLAY = 20;
/** Points per overlaid curve at most (evenly spaced, first and last kept). */
export const MAX_CURVE_POINTS = 2000;

export interface CompareRun {
  /** Run id, directory name or the sweep's label. */
  readonly label: string;
  /** Parameters, flattened ("a.b"), as exact strings. */
  readonly params: Readonly<Record<string, string>>;
  /** Figures for the leaderboard (exact strings or null), in display order. */
  readonly metrics: Readonly<Record<string, string | null>>;
  /** The objective's value (an exact decimal string) or null when undefined for this run. */
  readonly objective: string | null;
  /** Equity samples: ns since the epoch and dollars, exact strings. */
  readonly equity: { readonly tsNs: readonly string[]; readonly equity: readonly string[] };
  /** Link to the run's own report.html (relative to the comparison page), when there is one. */
  readonly href?: string;
}

export interface CompareInput {
  readonly title: string;
  /** What `objective` is, e.g. "pnl.total" or "sharpe". */
  readonly objectiveName: string;
  readonly higherIsBetter?: boolean;
  readonly runs: readonly CompareRun[];
  /** A sentence under the title (e.g. the sweep's grid or walk-forward windows). */
  readonly note?: string;
}

/** The leaderboard's figures (summary.json paths). */
export const COMPARE_METRICS = [
  'pnl.total', 'return', 'max_drawdown.amount', 'sharpe', 'sortino', 'win_rate', 'fills.count', 'fill_ratio', 'exposure', 'turnover',
  'pnl.fee_value', 'economics.maker_rebates.total_paid', 'economics.liquidity_rewards.total_estimate',
] as const;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);

/** Flattens nested parameters to "a.b" keys with exact strings (JSON for arrays). */
export function flattenParams(v: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const k of Object.keys(v).sort()) flattenParams((v as Record<string, unknown>)[k], prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') {
    out[prefix] = str(v) ?? JSON.stringify(v);
  }
  return out;
}

/** A comparison row from a run directory's files; params are those given (the resolved ones when none were). */
export function compareRunFromFiles(label: string, files: RunFiles, objective = 'pnl.total', href?: string): CompareRun {
  const s = JSON.parse(files['summary.json'] ?? '{}') as unknown;
  const run = files['run.json'] === undefined ? null : (JSON.parse(files['run.json']) as unknown);
  const given = at(run ?? s, 'params.given');
  const params = flattenParams(given !== undefined && given !== null && Object.keys(given as object).length > 0 ? given : (at(run ?? s, 'params.resolved') ?? {}));
  const metrics: Record<string, string | null> = {};
  for (const m of COMPARE_METRICS) metrics[m] = str(at(s, m));
  const eq = new Csv(files['equity.csv']);
  const t = eq.col('ts_ns'), e = eq.col('equity');
  return { label, params, metrics, objective: str(at(s, objective)), equity: { tsNs: eq.rows.map(t), equity: eq.rows.map(e) }, ...(href !== undefined ? { href } : {}) };
}

export async function compareRunFromDir(dir: string, label: string, objective = 'pnl.total', href?: string): Promise<CompareRun> {
  return compareRunFromFiles(label, await loadRunFiles(dir), objective, href);
}

const isNum = (s: string | null | undefined): s is string => s != null && /^-?\d+(\.\d+)?$/.test(s);

function cmpDec(a: string, b: string): number {
  return new D(a).cmp(new D(b));
}

/** Runs in leaderboard order (stable; nulls last). */
export function rankRuns(runs: readonly CompareRun[], higherIsBetter = true): CompareRun[] {
  return runs
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      const a = x.r.objective, b = y.r.objective;
      if (!isNum(a) || !isNum(b)) return isNum(a) ? -1 : isNum(b) ? 1 : x.i - y.i;
      const c = higherIsBetter ? cmpDec(b, a) : cmpDec(a, b);
      return c !== 0 ? c : x.i - y.i;
    })
    .map((x) => x.r);
}

/** White -> blue for the better half, white -> red for the worse (by rank of value in [lo, hi]); exact decimals in. */
export function heatColour(v: string, lo: string, hi: string, higherIsBetter: boolean): string {
  const span = new D(hi).sub(lo);
  let f = span.isZero() ? new D('0.5') : new D(v).sub(lo).div(span);
  if (!higherIsBetter) f = new D(1).sub(f);
  const t = f.sub('0.5').mul(2).toNumber(); // -1 .. 1
  const mix = (a: number, b: number, k: number): number => Math.round(a + (b - a) * k);
  const [r, g, b] = t >= 0 ? [mix(255, 33, t), mix(255, 102, t), mix(255, 172, t)] : [mix(255, 207, -t), mix(255, 34, -t), mix(255, 46, -t)];
  return `rgb(${r},${g},${b})`;
}

function heatmap(runs: readonly CompareRun[], px: string, py: string, higherIsBetter: boolean): string {
  const xs = [...new Set(runs.map((r) => r.params[px]).filter(isNum))].sort(cmpDec);
  const ys = [...new Set(runs.map((r) => r.params[py]).filter(isNum))].sort(cmpDec);
  const cell = new Map<string, { best: string; n: number }>();
  for (const r of runs) {
    const x = r.params[px], y = r.params[py];
    if (!isNum(x) || !isNum(y) || !isNum(r.objective)) continue;
    const k = `${x}|${y}`;
    const c = cell.get(k);
    if (c === undefined) cell.set(k, { best: r.objective, n: 1 });
    else {
      c.n += 1;
      if ((higherIsBetter ? cmpDec(r.objective, c.best) : cmpDec(c.best, r.objective)) > 0) c.best = r.objective;
    }
  }
  const vals = [...cell.values()].map((c) => c.best).sort(cmpDec);
  const lo = vals[0] ?? '0', hi = vals[vals.length - 1] ?? '0';
  const rows: CellLike[][] = ys.map((y) => [
    { text: y, cls: 'axis' },
    ...xs.map((x): CellLike => {
      const c = cell.get(`${x}|${y}`);
      return c === undefined ? { text: '', cls: 'cell' } : { text: c.best, cls: 'cell', attrs: `style="background:${heatColour(c.best, lo, hi, higherIsBetter)}" title="${esc(`${px}=${x}, ${py}=${y}: ${c.n} run(s), best ${c.best}`)}"` };
    }),
  ]);
  return `<h3>${esc(py)} (rows) × ${esc(px)} (columns)</h3>${table([`${py} \\ ${px}`, ...xs], rows, 'class="heat" data-heatmap="true"')}`;
}

export function renderCompareHtml(input: CompareInput): string {
  const hib = input.higherIsBetter ?? true;
  const ranked = rankRuns(input.runs, hib);
  const paramNames = [...new Set(input.runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricNames = [...new Set(input.runs.flatMap((r) => Object.keys(r.metrics)))];
  const varied = paramNames.filter((p) => new Set(input.runs.map((r) => r.params[p] ?? '')).size > 1);
  const numericVaried = varied.filter((p) => input.runs.filter((r) => isNum(r.params[p])).length >= 2 && new Set(input.runs.map((r) => r.params[p]).filter(isNum)).size >= 2);

  const body: string[] = [];
  body.push(`<header><h1>${esc(input.title)}</h1><p class="sub">${input.runs.length} runs · objective <b>${esc(input.objectiveName)}</b> (${hib ? 'higher' : 'lower'} is better)${input.note === undefined ? '' : ` · ${esc(input.note)}`}</p></header>`);

  const lb = table(
    ['rank', 'run', input.objectiveName, ...metricNames.filter((m) => m !== input.objectiveName), ...varied],
    ranked.map((r, i) => [
      String(i + 1),
      { text: r.label, attrs: r.href === undefined ? '' : `data-href="${esc(r.href)}"` },
      { text: r.objective ?? 'n/a', attrs: 'data-objective="true"' },
      ...metricNames.filter((m) => m !== input.objectiveName).map((m) => r.metrics[m] ?? 'n/a'),
      ...varied.map((p) => r.params[p] ?? ''),
    ]),
    'class="data" data-table="leaderboard"',
  );
  body.push(`<section class="panel" id="leaderboard" data-panel="leaderboard"><h2>Leaderboard</h2><div class="scroll">${lb}</div>${ranked.some((r) => r.href !== undefined) ? '<p class="note">Run names link to each run\'s own report.html.</p>' : ''}</section>`);

  const overlay = ranked.slice(0, MAX_OVERLAY).map((r) => {
    const keep = spaced(r.equity.tsNs.length, MAX_CURVE_POINTS);
    return { label: r.label, x: keep.map((i) => secs(r.equity.tsNs[i]!)), y: keep.map((i) => Number(r.equity.equity[i]!)), yS: keep.map((i) => r.equity.equity[i]!) };
  });
  body.push(`<section class="panel" id="curves" data-panel="curves"><h2>Equity curves</h2><p class="note">${overlay.length < input.runs.length ? `The best ${overlay.length} of ${input.runs.length} runs by the objective.` : 'Every run.'} Hover for exact values; drag to zoom.</p><div class="chart" data-chart="overlay"></div></section>`);

  const scatters = numericVaried.map((p) => {
    const pts = input.runs.filter((r) => isNum(r.params[p]) && isNum(r.objective)).map((r) => ({ x: Number(r.params[p]), y: Number(r.objective), label: `${r.label}: ${p}=${r.params[p]}, ${input.objectiveName}=${r.objective}` }));
    pts.sort((a, b) => a.x - b.x);
    return { param: p, x: pts.map((q) => q.x), y: pts.map((q) => q.y), labels: pts.map((q) => q.label) };
  });
  const byValues = [...numericVaried].sort((a, b) => new Set(input.runs.map((r) => r.params[b])).size - new Set(input.runs.map((r) => r.params[a])).size);
  const heat = byValues.length >= 2 ? heatmap(input.runs, byValues[0]!, byValues[1]!, hib) : '';
  body.push(
    `<section class="panel" id="params" data-panel="params"><h2>Objective against parameters</h2>${
      scatters.length === 0 ? '<p class="empty">No numeric parameter varies across these runs.</p>' : scatters.map((_, i) => `<div class="chart small" data-chart="scatter" data-index="${i}"></div>`).join('')
    }${heat}</section>`,
  );

  const starts = overlay.flatMap((o) => o.x.slice(0, 1));
  const ends = overlay.flatMap((o) => o.x.slice(-1));
  const data = {
    start: starts.length === 0 ? null : Math.min(...starts),
    end: ends.length === 0 ? null : Math.max(...ends),
    compare: { objective: input.objectiveName, overlay, scatter: scatters },
  };
  return page({ title: input.title, body: `<main>${body.join('\n')}</main>`, data });
}
