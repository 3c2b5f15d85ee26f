/**
 * report.html: one self-contained page per run, drawn from the run directory's own files (summary.json,
 * run.json and the CSVs), so `poly report <run-dir>` and the engine produce the same page from the same
 * files. Entry points: `renderReportHtml(files)` (file name -> text) and `renderReportHtmlFromDir(dir)`.
 *
 * Panels (each a <section data-panel="...">): summary figures, price per token (mid, best bid / ask with our
 * fills, order placements and cancels as markers), position and cash, equity and drawdown, P&L waterfall,
 * per-market table, orders and fills tables with filters, prediction-market economics (rebates as paid,
 * liquidity rewards, resolution metrics, locked capital), data quality on the time axis, run settings and
 * provenance.
 *
 * Invariants
 * - Numbers a person reads are the exact strings of the files (every figure bound to summary.json carries
 *   data-summary="<json path>" with exactly that value, or "n/a" for null). The embedded chart data holds JS
 *   numbers for coordinates only, next to the exact strings the legends print.
 * - Deterministic: the same files give the same bytes (no clock, no randomness, fixed key order). Checked by
 *   structure in tests, not bytes (the inlined library may change with its version).
 * - Bounded size: the price series are already bounded per token (core/reports/series.ts); markers and table
 *   rows are capped (MAX_MARKERS per kind and token, MAX_TABLE_ROWS per table, evenly spaced for markers, the
 *   first rows for tables) and the page says how many were left out: the CSV files keep everything.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCsv } from '../core/reports/csv.ts';
import { D } from '../core/types/fixed.ts';
import { defs, esc, jsonBlock, page, table, type CellLike } from './page.ts';

export type RunFiles = Readonly<Record<string, string>>;

/** The files report.html is drawn from (missing CSVs draw empty panels; summary.json is required). */
export const REPORT_INPUT_FILES = ['summary.json', 'run.json', 'orders.csv', 'fills.csv', 'positions.csv', 'equity.csv', 'ledger.csv', 'book_top.csv', 'quality.csv'] as const;
export const MAX_MARKERS = 3000;
export const MAX_TABLE_ROWS = 2000;

export class Csv {
  readonly header: string[];
  readonly rows: string[][];
  private readonly idx: Map<string, number>;

  constructor(text: string | undefined) {
    const p = text === undefined || text === '' ? { header: [], rows: [] } : parseCsv(text);
    this.header = p.header;
    this.rows = p.rows;
    this.idx = new Map(p.header.map((h, i) => [h, i]));
  }

  /** Accessor for a column ('' when the column is missing). */
  col(name: string): (row: readonly string[]) => string {
    const i = this.idx.get(name);
    return (row) => (i === undefined ? '' : (row[i] ?? ''));
  }
}

/** Reads the files of a run directory that exist. */
export async function loadRunFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of REPORT_INPUT_FILES) {
    try {
      out[name] = await readFile(join(dir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out;
}

export async function renderReportHtmlFromDir(dir: string): Promise<string> {
  return renderReportHtml(await loadRunFiles(dir));
}

// ------------------------------------------------------------------------------------------------ helpers

type Json = Record<string, unknown>;

/** Value at a dotted path of the summary ("pnl.total", "per_market.0.slug"). */
export function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Json)[k];
  }
  return v;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);

/** Seconds since the epoch as a JS number (exact to the microsecond) for chart coordinates. */
export function secs(ns: string): number {
  if (!/^-?\d+$/.test(ns)) return NaN;
  return Number(BigInt(ns) / 1000n) / 1e6;
}

const num = (s: string): number | null => (s === '' ? null : Number(s));

/** A figure bound to summary.json: the exact string, or n/a. */
function fig(summary: unknown, path: string, cls = 'v'): string {
  const v = str(at(summary, path));
  return `<span class="${cls}" data-summary="${esc(path)}">${esc(v ?? 'n/a')}</span>`;
}

/** An exact decimal string times 100 with 4 decimals and a % sign ("-0.006000" -> "-0.6000%"). */
export function pct(s: string | null): string {
  if (s === null) return '';
  const t = new D(s).mul(100).toFixed(4);
  return `${/^-0\.0+$/.test(t) ? t.slice(1) : t}%`;
}

/** Exact decimal seconds for people: "862.046567611" -> "14 min 22.0 s" (exact value in the title). */
export function human(sec: string | null): string {
  if (sec === null || !/^\d+(\.\d+)?$/.test(sec)) return sec ?? '';
  const d = new D(sec);
  const day = d.div(86_400).floor();
  const h = d.sub(day.mul(86_400)).div(3600).floor();
  const m = d.sub(day.mul(86_400)).sub(h.mul(3600)).div(60).floor();
  const rest = d.sub(day.mul(86_400)).sub(h.mul(3600)).sub(m.mul(60));
  const parts: string[] = [];
  if (!day.isZero()) parts.push(`${day.toFixed(0)} d`);
  if (!h.isZero()) parts.push(`${h.toFixed(0)} h`);
  if (!m.isZero()) parts.push(`${m.toFixed(0)} min`);
  if (day.isZero() && h.isZero()) parts.push(`${rest.toFixed(m.isZero() ? 3 : 1, D.ROUND_DOWN)} s`);
  return parts.join(' ');
}

const dur = (s: Json, path: string): string => `<span class="inline" title="${esc(str(at(s, path)) ?? '')} s">${esc(human(str(at(s, path))))}</span>`;

/** Evenly spaced indices (first and last kept) when there are more than max. */
export function spaced(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.floor((k * (n - 1)) / (max - 1)));
  return [...new Set(out)];
}

const short = (id: string): string => (id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id);

function section(id: string, title: string, body: string, note = ''): string {
  return `<section class="panel" id="${id}" data-panel="${id}"><h2>${esc(title)}</h2>${note === '' ? '' : `<p class="note">${note}</p>`}${body}</section>`;
}

// ------------------------------------------------------------------------------------------------ the page

interface TokenInfo {
  readonly assetId: string;
  readonly market: string;
  readonly outcome: string;
}

export function renderReportHtml(files: RunFiles): string {
  const summaryText = files['summary.json'];
  if (summaryText === undefined) throw new Error('report.html needs summary.json');
  const s = JSON.parse(summaryText) as Json;
  const run = files['run.json'] === undefined ? null : (JSON.parse(files['run.json']) as Json);
  const orders = new Csv(files['orders.csv']);
  const fills = new Csv(files['fills.csv']);
  const equity = new Csv(files['equity.csv']);
  const ledger = new Csv(files['ledger.csv']);
  const book = new Csv(files['book_top.csv']);
  const quality = new Csv(files['quality.csv']);

  // token labels from every file that names tokens
  const tokens = new Map<string, TokenInfo>();
  const slugOf = new Map<string, string>();
  for (const m of (at(s, 'per_market') as Json[] | undefined) ?? []) if (typeof m.market === 'string' && typeof m.slug === 'string') slugOf.set(m.market, m.slug);
  for (const t of [book, fills, orders, ledger]) {
    const a = t.col('asset_id'), mk = t.col('market'), o = t.col('outcome');
    for (const r of t.rows) if (!tokens.has(a(r))) tokens.set(a(r), { assetId: a(r), market: mk(r), outcome: o(r) });
  }
  const tokenLabel = (id: string): string => {
    const t = tokens.get(id);
    const mk = t === undefined ? '' : (slugOf.get(t.market) ?? short(t.market));
    return t === undefined ? short(id) : `${t.outcome || short(id)}${mk === '' ? '' : ` · ${mk}`}`;
  };

  const title = `${str(at(s, 'strategy')) ?? 'run'}${run === null ? '' : ` on ${str(at(run, 'recording.id')) ?? ''}`}`;
  const data: Json = { start: null, end: null };

  const body: string[] = [];
  body.push(header(s, run, title));
  body.push(summaryPanel(s));

  // ---------------------------------------------------------------- price
  const price = priceData(book, fills, orders, tokenLabel);
  data.price = price.charts;
  body.push(
    section(
      'price',
      'Price per token',
      price.charts.length === 0 ? '<p class="empty">No book data for the traded tokens.</p>' : price.charts.map((c, i) => `<h3>${esc(c.label)}</h3><div class="chart" data-chart="price" data-index="${i}"></div><p class="note">${esc(c.note)}</p>`).join(''),
      'Mid (line), best bid and ask (thin) from book_top.csv; our fills (triangles: up = buy, down = sell), order placements (hollow circles) and cancels (crosses) from orders.csv and fills.csv. Drag to zoom, double-click to reset; the legend shows exact values.',
    ),
  );

  // ---------------------------------------------------------------- position and cash
  const pos = positionData(ledger, s, tokenLabel);
  data.position = pos;
  body.push(section('position', 'Position and cash', '<div class="chart" data-chart="position"></div>', 'Shares held per token (left axis) and cash (right axis) after every fill, merge and settlement (ledger.csv).'));

  // ---------------------------------------------------------------- equity and drawdown
  const eq = equityData(equity, s);
  data.equity = eq;
  body.push(
    section(
      'equity',
      'Equity and drawdown',
      '<div class="chart" data-chart="equity"></div><div class="chart" data-chart="drawdown"></div>',
      `Equity sampled every ${esc(str(at(s, 'ratio_basis.sampling_period')) ?? '?')} on the clock grid (equity.csv), the dashed line at the initial cash; drawdown = running peak − equity. Max drawdown ${fig(s, 'max_drawdown.amount', 'inline')} $ (${fig(s, 'max_drawdown.fraction', 'inline')} of the peak).`,
    ),
  );

  // ---------------------------------------------------------------- waterfall
  const wf = waterfallData(s);
  data.waterfall = wf;
  body.push(
    section(
      'pnl',
      'P&L split',
      `<div class="chart" data-chart="waterfall"></div>${table(
        ['line', '$', 'what it is'],
        wf.map((b) => [b.label, { text: b.value, attrs: b.path === null ? '' : `data-summary="${esc(b.path)}"` }, b.what]),
      )}`,
      'Steps add up to the total exactly (summary.json pnl identity); fees are already inside the trading, merge and settlement lines and are shown apart. The venue programs (rebates as paid, liquidity rewards) are estimates kept apart from P&L.',
    ),
  );

  // ---------------------------------------------------------------- per market
  const pm = (at(s, 'per_market') as Json[] | undefined) ?? [];
  body.push(
    section(
      'markets',
      'Per market',
      pm.length === 0
        ? '<p class="empty">No market traded.</p>'
        : table(
            ['market', 'question', 'P&L', 'trading', 'unrealized', 'merges', 'settlement', 'fees', 'rebates', 'fills', 'shares', 'notional'],
            pm.map((m, i) => {
              const p = (k: string): CellLike => ({ text: str(at(m, k)) ?? 'n/a', attrs: `data-summary="per_market.${i}.${k}"` });
              return [str(m.slug) ?? short(str(m.market) ?? ''), str(m.question), p('pnl.total'), p('pnl.trading_realized'), p('pnl.unrealized'), p('pnl.merges'), p('pnl.settlement'), p('pnl.fee_value'), p('pnl.rebates'), p('fills'), p('volume'), p('notional')];
            }),
          ),
    ),
  );

  // ---------------------------------------------------------------- orders and fills
  body.push(section('orders', 'Orders', filterable('orders', orders, ['client_id', 'created_at', 'outcome', 'side', 'tif', 'post_only', 'px', 'qty', 'amount', 'status', 'filled_qty', 'avg_px', 'fee_cash', 'fee_shares', 'fee_value', 'rebates', 'reason', 'updated_at'], ['side', 'status'], tokenLabel)));
  body.push(section('fills', 'Fills', filterable('fills', fills, ['fill_id', 'ts', 'client_id', 'outcome', 'side', 'px', 'qty', 'notional', 'liquidity', 'fee_cash', 'fee_shares', 'fee_value', 'rebate'], ['side', 'liquidity'], tokenLabel)));

  // ---------------------------------------------------------------- economics
  const econ = economicsPanel(s);
  data.calibration = econ.calibration;
  body.push(section('economics', 'Prediction-market economics (estimates, apart from P&L)', econ.html, esc(str(at(s, 'economics.note')) ?? '')));

  // ---------------------------------------------------------------- data quality
  const dq = qualityData(quality, book, s);
  data.quality = dq.data;
  body.push(section('quality', 'Data quality', dq.html));

  // ---------------------------------------------------------------- provenance
  body.push(section('provenance', 'Run settings and provenance', provenance(s, run)));

  data.start = eq.x[0] ?? price.charts[0]?.x[0] ?? null;
  data.end = eq.x[eq.x.length - 1] ?? null;
  data.initial = str(at(s, 'capital.initial'));
  return page({ title: `poly report: ${title}`, body: `<main>${body.join('\n')}</main>`, data });
}

function header(s: Json, run: Json | null, title: string): string {
  const q = (at(s, 'per_market.0.question') as string | undefined) ?? '';
  const period = `${str(at(s, 'period.start'))?.slice(0, 19).replace('T', ' ') ?? '?'} → ${str(at(s, 'period.end'))?.slice(0, 19).replace('T', ' ') ?? '?'} UTC`;
  return [
    '<header>',
    `<h1>${esc(title)}</h1>`,
    `<p class="sub">${q === '' ? '' : `${esc(q)} · `}${esc(period)} (${dur(s, 'period.duration_s')})${run === null ? '' : ` · run <code>${esc(str(at(run, 'run_id')) ?? '')}</code>`}</p>`,
    '</header>',
  ].join('');
}

function summaryPanel(s: Json): string {
  const kpi = (label: string, path: string, sub = ''): string => `<div class="kpi"><div class="k">${esc(label)}</div>${fig(s, path)}${sub === '' ? '' : `<div class="s">${sub}</div>`}</div>`;
  const ret = str(at(s, 'return'));
  const pnl = str(at(s, 'pnl.total')) ?? '0';
  const sign = pnl.startsWith('-') ? 'neg' : pnl === '0' ? '' : 'pos';
  const ratioKpi = (label: string, key: 'sharpe' | 'sortino'): string => {
    const v = at(s, key);
    const basis = `${esc(str(at(s, 'ratio_basis.returns')) ?? '?')} returns at ${esc(str(at(s, 'ratio_basis.sampling_period')) ?? '?')}`;
    return v === null || v === undefined
      ? `<div class="kpi muted"><div class="k">${label}</div>${fig(s, key)}<div class="s">omitted: <span data-summary="ratio_basis.${key}_omitted">${esc(str(at(s, `ratio_basis.${key}_omitted`)) ?? '')}</span></div></div>`
      : `<div class="kpi"><div class="k">${label}</div>${fig(s, key)}<div class="s">annualised, ${basis}</div></div>`;
  };
  return section(
    'summary',
    'Summary',
    `<div class="kpis">
${`<div class="kpi big ${sign}"><div class="k">P&amp;L ($)</div>${fig(s, 'pnl.total')}<div class="s">return ${fig(s, 'return', 'inline')} (${esc(pct(ret))})</div></div>`}
${kpi('Final equity ($)', 'capital.final_equity', `from ${fig(s, 'capital.initial', 'inline')}`)}
${kpi('Max drawdown ($)', 'max_drawdown.amount', `lasted ${dur(s, 'max_drawdown.duration_s')}`)}
${kpi('Fills', 'fills.count', `${fig(s, 'fills.maker', 'inline')} maker / ${fig(s, 'fills.taker', 'inline')} taker`)}
${kpi('Orders', 'orders.placed', `fill ratio ${fig(s, 'fill_ratio', 'inline')}`)}
${kpi('Win rate', 'win_rate', `${fig(s, 'round_trips.wins', 'inline')} of ${fig(s, 'round_trips.closed', 'inline')} round trips`)}
${kpi('Exposure', 'exposure', 'fraction of the run with a position')}
${kpi('Turnover', 'turnover', 'traded $ / initial cash')}
${ratioKpi('Sharpe', 'sharpe')}
${ratioKpi('Sortino', 'sortino')}
${kpi('Fees ($)', 'pnl.fee_value', `rebates per fill ${fig(s, 'pnl.rebates', 'inline')}`)}
${kpi('Rebates as paid (est. $)', 'economics.maker_rebates.total_paid', `accrued ${fig(s, 'economics.maker_rebates.total_estimate', 'inline')}`)}
${kpi('Liquidity rewards (est. $)', 'economics.liquidity_rewards.total_paid', at(s, 'economics.liquidity_rewards.markets.0') === undefined ? 'no reward program known for these markets' : `accrued ${fig(s, 'economics.liquidity_rewards.total_estimate', 'inline')}`)}
</div>`,
  );
}

// ------------------------------------------------------------------------------------------------ price

interface PriceChart {
  readonly assetId: string;
  readonly label: string;
  readonly note: string;
  readonly x: number[];
  readonly bid: (number | null)[];
  readonly ask: (number | null)[];
  readonly mid: (number | null)[];
  readonly bidS: string[];
  readonly askS: string[];
  readonly midS: string[];
  readonly markers: { readonly kind: 'buy' | 'sell' | 'place_buy' | 'place_sell' | 'cancel'; readonly x: number[]; readonly y: number[]; readonly label: string[]; readonly total: number }[];
}

function priceData(book: Csv, fills: Csv, orders: Csv, label: (id: string) => string): { charts: PriceChart[] } {
  const a = book.col('asset_id'), t = book.col('ts_ns'), b = book.col('best_bid'), bq = book.col('best_bid_size'), k = book.col('best_ask'), kq = book.col('best_ask_size'), m = book.col('mid');
  const by = new Map<string, string[][]>();
  for (const r of book.rows) {
    const id = a(r);
    let arr = by.get(id);
    if (arr === undefined) by.set(id, (arr = []));
    arr.push(r);
  }
  const charts: PriceChart[] = [];
  for (const [id, rows] of by) {
    const marks: PriceChart['markers'][number][] = [];
    const add = (kind: PriceChart['markers'][number]['kind'], items: { x: number; y: number; label: string }[]): void => {
      const keep = spaced(items.length, MAX_MARKERS);
      marks.push({ kind, x: keep.map((i) => items[i]!.x), y: keep.map((i) => items[i]!.y), label: keep.map((i) => items[i]!.label), total: items.length });
    };
    const fa = fills.col('asset_id'), ft = fills.col('ts_ns'), fp = fills.col('px'), fs = fills.col('side'), fqq = fills.col('qty'), fl = fills.col('liquidity'), fid = fills.col('fill_id');
    const fr = fills.rows.filter((r) => fa(r) === id);
    const fillItem = (r: string[]) => ({ x: secs(ft(r)), y: Number(fp(r)), label: `${fid(r)} ${fs(r)} ${fqq(r)} @ ${fp(r)} (${fl(r)})` });
    add('buy', fr.filter((r) => fs(r) === 'BUY').map(fillItem));
    add('sell', fr.filter((r) => fs(r) === 'SELL').map(fillItem));
    const oa = orders.col('asset_id'), oc = orders.col('created_ns'), op = orders.col('px'), os = orders.col('side'), oq = orders.col('qty'), oam = orders.col('amount'), ost = orders.col('status'), ou = orders.col('updated_ns'), oid = orders.col('client_id'), otif = orders.col('tif');
    const orr = orders.rows.filter((r) => oa(r) === id);
    const placeItem = (r: string[]) => ({ x: secs(oc(r)), y: Number(op(r)), label: `${oid(r)} ${os(r)} ${otif(r)} ${oq(r) !== '' ? oq(r) : `$${oam(r)}`} @ ${op(r)} placed` });
    add('place_buy', orr.filter((r) => os(r) === 'BUY').map(placeItem));
    add('place_sell', orr.filter((r) => os(r) === 'SELL').map(placeItem));
    add('cancel', orr.filter((r) => ost(r) === 'canceled').map((r) => ({ x: secs(ou(r)), y: Number(op(r)), label: `${oid(r)} ${os(r)} @ ${op(r)} canceled` })));
    charts.push({
      assetId: id,
      label: label(id),
      note: `${rows.length} top-of-book points; ${fr.length} fills, ${orr.length} orders${marks.some((x) => x.total > MAX_MARKERS) ? ` (markers thinned to ${MAX_MARKERS} per kind: orders.csv and fills.csv keep every one)` : ''}.`,
      x: rows.map((r) => secs(t(r))),
      bid: rows.map((r) => num(b(r))),
      ask: rows.map((r) => num(k(r))),
      mid: rows.map((r) => num(m(r))),
      bidS: rows.map((r) => (b(r) === '' ? '—' : `${b(r)} × ${bq(r)}`)),
      askS: rows.map((r) => (k(r) === '' ? '—' : `${k(r)} × ${kq(r)}`)),
      midS: rows.map((r) => (m(r) === '' ? '—' : m(r))),
      markers: marks,
    });
  }
  return { charts };
}

// ------------------------------------------------------------------------------------------------ position

function positionData(ledger: Csv, s: Json, label: (id: string) => string) {
  const t = ledger.col('ts_ns'), a = ledger.col('asset_id'), p = ledger.col('position_after'), c = ledger.col('cash_after');
  const ids: string[] = [];
  for (const r of ledger.rows) if (!ids.includes(a(r))) ids.push(a(r));
  // one x per ledger row; every token's position holds between its own rows
  const x: number[] = [];
  const cash: number[] = [];
  const cashS: string[] = [];
  const pos = ids.map(() => ({ y: [] as number[], yS: [] as string[] }));
  const cur = ids.map(() => '0');
  for (const r of ledger.rows) {
    cur[ids.indexOf(a(r))] = p(r);
    x.push(secs(t(r)));
    cash.push(Number(c(r)));
    cashS.push(c(r));
    ids.forEach((_, i) => {
      pos[i]!.y.push(Number(cur[i]));
      pos[i]!.yS.push(cur[i]!);
    });
  }
  return { x, cash, cashS, initial: str(at(s, 'capital.initial')), series: ids.map((id, i) => ({ label: label(id), y: pos[i]!.y, yS: pos[i]!.yS })) };
}

// ------------------------------------------------------------------------------------------------ equity

function equityData(equity: Csv, s: Json) {
  const t = equity.col('ts_ns'), e = equity.col('equity'), d = equity.col('drawdown'), c = equity.col('cash'), pv = equity.col('positions_value');
  return {
    x: equity.rows.map((r) => secs(t(r))),
    equity: equity.rows.map((r) => Number(e(r))),
    equityS: equity.rows.map((r) => e(r)),
    cashS: equity.rows.map((r) => c(r)),
    valueS: equity.rows.map((r) => pv(r)),
    dd: equity.rows.map((r) => -Number(d(r))),
    ddS: equity.rows.map((r) => (d(r) === '0' ? '0' : `-${d(r)}`)),
    initial: Number(str(at(s, 'capital.initial')) ?? '0'),
  };
}

// ------------------------------------------------------------------------------------------------ waterfall

interface Bar {
  readonly label: string;
  readonly kind: 'step' | 'total' | 'info' | 'estimate';
  /** Exact value. */
  readonly value: string;
  /** Bar from/to for drawing (floats, from exact cumulative sums). */
  readonly from: number;
  readonly to: number;
  readonly path: string | null;
  readonly what: string;
}

export function waterfallData(s: Json): Bar[] {
  const v = (p: string): string => str(at(s, p)) ?? '0';
  const bars: Bar[] = [];
  let run = new D(0);
  const step = (label: string, path: string, what: string): void => {
    const x = new D(v(path));
    const from = run;
    run = run.add(x);
    bars.push({ label, kind: 'step', value: v(path), from: from.toNumber(), to: run.toNumber(), path, what });
  };
  step('trading', 'pnl.trading_realized', 'realized P&L of sells, net of sell fees');
  step('unrealized', 'pnl.unrealized', 'held positions at the final mark minus their cost');
  step('merges', 'pnl.merges', 'YES + NO merged into $1 minus their cost');
  step('settlement', 'pnl.settlement', 'payout at resolution minus cost');
  step('rebates (per fill)', 'pnl.rebates', 'maker rebates the fill engine credited per fill');
  bars.push({ label: 'total P&L', kind: 'total', value: v('pnl.total'), from: 0, to: new D(v('pnl.total')).toNumber(), path: 'pnl.total', what: 'final equity − initial cash' });
  const fees = new D(v('pnl.fee_value'));
  bars.push({ label: 'fees (inside)', kind: 'info', value: fees.isZero() ? '0' : `-${v('pnl.fee_value')}`, from: 0, to: fees.neg().toNumber(), path: null, what: 'taker fees paid, already inside the lines above' });
  // the venue programs, estimated apart from P&L: rebates as paid replace the per-fill estimate
  const perFill = new D(v('pnl.rebates'));
  const asPaid = new D(v('economics.maker_rebates.total_paid'));
  const rewards = new D(str(at(s, 'economics.liquidity_rewards.total_paid')) ?? '0');
  let est = new D(v('pnl.total'));
  const adj = asPaid.sub(perFill);
  bars.push({ label: 'rebates as paid − per fill', kind: 'estimate', value: adj.toFixed(), from: est.toNumber(), to: est.add(adj).toNumber(), path: null, what: 'estimated venue payout (economics.maker_rebates.total_paid) in place of the per-fill credit' });
  est = est.add(adj);
  bars.push({ label: 'liquidity rewards', kind: 'estimate', value: str(at(s, 'economics.liquidity_rewards.total_paid')) === null ? 'n/a' : rewards.toFixed(), from: est.toNumber(), to: est.add(rewards).toNumber(), path: null, what: 'estimated reward payout (economics.liquidity_rewards.total_paid)' });
  est = est.add(rewards);
  bars.push({ label: 'with venue programs', kind: 'total', value: est.toFixed(), from: 0, to: est.toNumber(), path: null, what: 'total P&L with the estimated venue payouts (not in equity)' });
  return bars;
}

// ------------------------------------------------------------------------------------------------ tables

function filterable(id: string, csv: Csv, cols: readonly string[], selects: readonly string[], label: (id: string) => string): string {
  if (csv.rows.length === 0) return `<p class="empty">No ${id}.</p>`;
  const get = cols.map((c) => csv.col(c));
  const tok = csv.col('asset_id');
  const show = csv.rows.slice(0, MAX_TABLE_ROWS);
  const header = ['token', ...cols.filter((c) => c !== 'outcome')];
  const rows = show.map((r) => [label(tok(r)), ...cols.map((c, i) => (c === 'outcome' ? null : get[i]!(r))).filter((x) => x !== null)]);
  const options = selects.map((c) => {
    const vals = [...new Set(csv.rows.map((r) => csv.col(c)(r)))].sort();
    return `<label>${esc(c)} <select data-filter-col="${esc(String(header.indexOf(c)))}"><option value="">all</option>${vals.map((v) => `<option>${esc(v)}</option>`).join('')}</select></label>`;
  });
  const tokens = [...new Set(csv.rows.map((r) => label(tok(r))))].sort();
  options.unshift(`<label>token <select data-filter-col="0"><option value="">all</option>${tokens.map((v) => `<option>${esc(v)}</option>`).join('')}</select></label>`);
  const capped = csv.rows.length > MAX_TABLE_ROWS ? ` Showing the first ${MAX_TABLE_ROWS} of ${csv.rows.length}: ${id}.csv has all.` : '';
  return `<div class="filters" data-table="${id}"><input type="search" placeholder="filter ${esc(id)}…" data-filter-text>${options.join('')}<span class="count" data-count>${show.length} of ${csv.rows.length}</span></div><p class="note">${esc(capped)}</p><div class="scroll">${table(header, rows, `data-table="${id}" class="data"`)}</div>`;
}

// ------------------------------------------------------------------------------------------------ economics

function economicsPanel(s: Json): { html: string; calibration: unknown } {
  const e = (p: string): unknown => at(s, `economics.${p}`);
  const rows = (p: string): Json[] => ((e(p) as Json[] | undefined) ?? []);
  const list = (p: string): string => `<ul class="assumptions">${((e(p) as string[] | undefined) ?? []).map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`;
  const out: string[] = [];

  out.push('<h3>Maker rebates as the venue pays them</h3>');
  out.push(`<p>${esc(str(e('maker_rebates.method')) ?? '')}</p>`);
  out.push(`<p>Estimated payout ${fig(s, 'economics.maker_rebates.total_paid', 'inline')} $ (accrued ${fig(s, 'economics.maker_rebates.total_estimate', 'inline')} $) against the per-fill estimate in P&amp;L of ${fig(s, 'economics.maker_rebates.total_per_fill_estimate', 'inline')} $.</p>`);
  const reb = rows('maker_rebates.by_market_day');
  out.push(
    reb.length === 0
      ? '<p class="empty">No prints or maker fills.</p>'
      : table(
          ['market', 'day', 'prints', 'print fee-eq.', 'taker fees', 'rebate rate', 'pool', 'our maker fills', 'our fee-eq.', 'share', 'estimate', 'paid', 'per-fill (in P&L)'],
          reb.map((r, i) => {
            const c = (k: string): CellLike => ({ text: str(r[k]) ?? 'n/a', attrs: `data-summary="economics.maker_rebates.by_market_day.${i}.${k}"` });
            return [str(r.slug) ?? short(str(r.market) ?? ''), c('day'), c('prints'), c('print_fee_equivalent'), c('taker_fees'), c('rebate_rate'), c('pool'), c('our_maker_fills'), c('our_fee_equivalent'), c('share'), c('estimate'), c('paid'), c('per_fill_estimate')];
          }),
        ),
  );
  out.push('<details><summary>Assumptions</summary>' + list('maker_rebates.assumptions') + '</details>');

  out.push('<h3>Liquidity rewards</h3>');
  out.push(`<p>${esc(str(e('liquidity_rewards.method')) ?? '')}</p>`);
  const status = str(e('liquidity_rewards.status'));
  if (status !== null) out.push(`<p class="warn" data-summary="economics.liquidity_rewards.status">${esc(status)}</p>`);
  const terms = rows('liquidity_rewards.markets');
  if (terms.length > 0) {
    out.push(table(['market', 'terms from', 'max spread (¢)', 'min size', '$ per day'], terms.map((t) => [str(t.slug) ?? short(str(t.market) ?? ''), str(t.source), str(t.max_spread_cents), str(t.min_size), str(t.rate_per_day) ?? 'unknown'])));
  }
  const rw = rows('liquidity_rewards.by_market_day');
  if (rw.length > 0) {
    out.push(
      table(
        ['market', 'day', 'samples', 'no midpoint', 'scored', 'share sum', 'mean share', '$ per day', 'estimate', 'paid'],
        rw.map((r, i) => {
          const c = (k: string): CellLike => ({ text: str(r[k]) ?? 'n/a', attrs: `data-summary="economics.liquidity_rewards.by_market_day.${i}.${k}"` });
          return [str(r.slug) ?? short(str(r.market) ?? ''), c('day'), c('samples'), c('samples_without_midpoint'), c('samples_scored'), c('share_sum'), c('mean_share'), c('rate_per_day'), c('estimate'), c('paid')];
        }),
      ),
    );
  }
  out.push('<details><summary>Assumptions</summary>' + list('liquidity_rewards.assumptions') + '</details>');

  out.push('<h3>Resolution</h3>');
  const res = rows('resolution.markets');
  out.push(
    res.length === 0
      ? '<p class="empty">No market resolved during the run.</p>'
      : `<p>${res.map((r) => `${esc(str(r.slug) ?? short(str(r.market) ?? ''))} resolved ${esc(str(r.resolved_at)?.slice(0, 19).replace('T', ' ') ?? '')} UTC: <b>${esc(str(r.winner_outcome) ?? str(r.winner) ?? '?')}</b> won`).join('; ')}.</p>`,
  );
  out.push(`<p>Brier score of our fill prices ${fig(s, 'economics.resolution.brier.score', 'inline')} over ${fig(s, 'economics.resolution.brier.fills', 'inline')} fills (${fig(s, 'economics.resolution.brier.shares', 'inline')} shares). ${esc(str(e('resolution.brier.definition')) ?? '')}</p>`);
  const cal = rows('resolution.calibration');
  out.push('<div class="chart small" data-chart="calibration"></div>');
  out.push(table(['price bin', 'fills', 'shares', 'mean price', 'won'], cal.filter((b) => Number(b.fills) > 0).map((b) => [`${str(b.from)}–${str(b.to)}`, str(b.fills), str(b.shares), str(b.mean_price), str(b.win_rate)])));
  const sv = rows('resolution.settlement_vs_mark');
  out.push(`<p>Settlement P&amp;L ${fig(s, 'economics.resolution.settlement_pnl', 'inline')} $ against ${fig(s, 'economics.resolution.mark_to_market_pnl', 'inline')} $ at the last marks before resolution: resolution jump ${fig(s, 'economics.resolution.resolution_jump', 'inline')} $.</p>`);
  if (sv.length > 0) {
    out.push(table(['token', 'shares', 'cost', 'mark', 'value at mark', 'payout', 'settlement P&L', 'MtM P&L', 'jump'], sv.map((r) => [str(r.outcome) ?? short(str(r.asset_id) ?? ''), str(r.qty), str(r.cost_basis), str(r.mark), str(r.value_at_mark), str(r.payout), str(r.settlement_pnl), str(r.mark_to_market_pnl), str(r.resolution_jump)])));
  }

  out.push('<h3>Capital locked</h3>');
  out.push(`<p>Average ${fig(s, 'economics.capital.average_locked', 'inline')} $, peak ${fig(s, 'economics.capital.peak_locked', 'inline')} $, ${fig(s, 'economics.capital.dollar_days', 'inline')} dollar-days; return on locked capital ${fig(s, 'economics.capital.return_on_locked', 'inline')}. ${esc(str(e('capital.definition')) ?? '')}</p>`);
  const days = rows('capital.by_day');
  if (days.length > 0) out.push(table(['day', 'covered (s)', 'average locked', 'peak locked'], days.map((d) => [str(d.day), str(d.covered_s), str(d.average_locked), str(d.peak_locked)])));
  return {
    html: out.join(''),
    calibration: cal.filter((b) => Number(b.fills) > 0).map((b) => ({ price: Number(str(b.mean_price)), won: Number(str(b.win_rate)), shares: Number(str(b.shares)), label: `${str(b.from)}–${str(b.to)}: ${str(b.fills)} fills, ${str(b.shares)} shares, mean price ${str(b.mean_price)}, won ${str(b.win_rate)}` })),
  };
}

// ------------------------------------------------------------------------------------------------ quality

const QUALITY_KINDS = ['gap', 'disconnect', 'reconnect', 'normalization_error', 'crossed_book', 'book_mismatch'] as const;

function qualityData(quality: Csv, book: Csv, s: Json) {
  const t = quality.col('ts_ns'), k = quality.col('kind'), w = quality.col('where'), d = quality.col('detail'), e = quality.col('end_ns');
  const events = quality.rows.map((r) => ({ x: secs(t(r)), x2: e(r) === '' ? null : secs(e(r)), kind: QUALITY_KINDS.indexOf(k(r) as (typeof QUALITY_KINDS)[number]), label: `${k(r)} ${short(w(r))}: ${d(r)}` }));
  // book activity per minute (top-of-book changes recorded in book_top.csv), the context line
  const bt = book.col('ts_ns');
  const perMin = new Map<bigint, number>();
  for (const r of book.rows) {
    const ns = bt(r);
    if (!/^\d+$/.test(ns)) continue;
    const m = (BigInt(ns) / 60_000_000_000n) * 60n;
    perMin.set(m, (perMin.get(m) ?? 0) + 1);
  }
  const mins = [...perMin.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const dq = (p: string) => fig(s, `data_quality.${p}`, 'inline');
  const counts = table(
    ['records', 'events', 'normalization errors', 'disconnects', 'reconnects', 'crossed books', 'book vs venue mismatches', 'first record', 'last record'],
    [[
      { text: str(at(s, 'data_quality.records')) ?? 'n/a', attrs: 'data-summary="data_quality.records"' },
      { text: str(at(s, 'data_quality.events')) ?? 'n/a', attrs: 'data-summary="data_quality.events"' },
      { text: str(at(s, 'data_quality.normalization_errors')) ?? 'n/a', attrs: 'data-summary="data_quality.normalization_errors"' },
      { text: str(at(s, 'data_quality.disconnects')) ?? 'n/a', attrs: 'data-summary="data_quality.disconnects"' },
      { text: str(at(s, 'data_quality.reconnects')) ?? 'n/a', attrs: 'data-summary="data_quality.reconnects"' },
      { text: str(at(s, 'data_quality.crossed_books')) ?? 'n/a', attrs: 'data-summary="data_quality.crossed_books"' },
      { text: str(at(s, 'data_quality.book_mismatches')) ?? 'n/a', attrs: 'data-summary="data_quality.book_mismatches"' },
      str(at(s, 'data_quality.first_record_at')),
      str(at(s, 'data_quality.last_record_at')),
    ]],
  );
  const byType = (at(s, 'data_quality.by_type') as Json | undefined) ?? {};
  const types = table(['event type', 'count'], Object.entries(byType).map(([kk, v]) => [kk, str(v)]));
  const list =
    quality.rows.length === 0
      ? '<p class="ok">No gaps, disconnects, normalization errors, crossed books or book-vs-venue mismatches in this run.</p>'
      : table(['at', 'kind', 'where', 'detail', 'until'], quality.rows.slice(0, 200).map((r) => [quality.col('ts')(r), k(r), short(w(r)), d(r), quality.col('end')(r)]));
  const omitted = at(s, 'data_quality.timeline_omitted') as Json | undefined;
  const om = omitted !== undefined && Object.keys(omitted).length > 0 ? `<p class="warn">Beyond the first events only counts were kept: ${esc(JSON.stringify(omitted))}.</p>` : '';
  return {
    html: `<div class="chart" data-chart="quality"></div><p class="note">Events on the time axis (gaps as bands, from quality.csv) above the book activity: top-of-book changes recorded per minute. ${dq('normalization_errors')} normalization errors, ${dq('disconnects')} disconnects, ${dq('reconnects')} reconnects.</p>${counts}${types}${list}${om}`,
    data: { kinds: [...QUALITY_KINDS], events, activity: { x: mins.map((m) => Number(m)), n: mins.map((m) => perMin.get(m)!) } },
  };
}

// ------------------------------------------------------------------------------------------------ provenance

function provenance(s: Json, run: Json | null): string {
  const pairs: [string, string][] = [];
  const j = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  pairs.push(['strategy', str(at(s, 'strategy')) ?? '']);
  if (run !== null) {
    pairs.push(['run id', j(at(run, 'run_id'))]);
    pairs.push(['engine', `${j(at(run, 'engine.name'))} ${j(at(run, 'engine.version'))}`]);
    pairs.push(['recording', `${j(at(run, 'recording.path'))} (id ${j(at(run, 'recording.id'))})`]);
    pairs.push(['recording digest', j(at(run, 'recording.digest'))]);
    pairs.push(['strategy file', `${j(at(run, 'strategy.file'))} sha256 ${j(at(run, 'strategy.sha256'))}`]);
    pairs.push(['seed', j(at(run, 'seed'))]);
    pairs.push(['outputs digest', j(at(run, 'outputs_digest'))]);
  }
  pairs.push(['period', `${str(at(s, 'period.start')) ?? ''} → ${str(at(s, 'period.end')) ?? ''}`]);
  const config = run === null ? null : (at(run, 'config') as Json | undefined);
  const cfg = config === undefined || config === null ? '' : `<h3>Settings</h3>${table(['setting', 'value'], Object.entries(config).map(([k, v]) => [k, j(v)]))}`;
  const params = at(s, 'params');
  return `${defs(pairs)}${cfg}<h3>Parameters</h3><pre>${esc(JSON.stringify(params ?? null, null, 2))}</pre>${jsonBlock('poly-summary', s)}`;
}
