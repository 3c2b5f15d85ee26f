/**
 * equity.svg: one self-contained picture of a run. An equity panel (step line of the equity samples, a dashed
 * line at the initial cash, buy/sell fill markers) above a drawdown panel (running peak - equity, as an area
 * below zero), sharing a UTC time axis.
 *
 * Invariants
 * - Deterministic bytes: no generation timestamp, no randomness, no locale (labels come from isoFromNs and
 *   decimal.js toFixed), every coordinate printed with toFixed(2). The same input gives the same file.
 * - Self-contained: no external fonts, images, scripts or stylesheets (generic font family only).
 * - Money never becomes a float except for drawing: axis ranges, tick values and labels are computed exactly in
 *   D (decimal.js) from Cash; only the pixel position of a value is computed with JS numbers (pixels are not money).
 *   The money figures in the subtitle are exact (formatCash).
 *
 * Ordering and scale
 * - Points must be in non-decreasing time order (the journal's equity samples). The x axis spans
 *   [min(startNs, first sample), max(endNs, last sample)]; the last sample's value holds until the right edge.
 * - With more samples than 2 per pixel column, each column keeps its first, lowest, highest and last sample
 *   (extremes survive); the drawdown area is built from the full series before that reduction.
 * - Fill markers are drawn at the equity in force at the fill's time when there are at most
 *   SVG_MAX_FILL_MARKERS fills; beyond that the legend says how many were omitted.
 *
 * Known limits: labels are not collision-checked for extreme ranges; times are UTC only.
 */
import { isoFromNs, NS_PER_S } from '../time.ts';
import { cashToDecimal, D, formatCash, type Cash } from '../types/fixed.ts';
import type { Side } from '../types/events.ts';

export const SVG_MAX_FILL_MARKERS = 300;

export interface EquitySvgInput {
  readonly title: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly initialCash: Cash;
  readonly points: readonly { readonly tsNs: bigint; readonly equity: Cash }[];
  readonly fills: readonly { readonly tsNs: bigint; readonly side: Side }[];
  /** Exact figures for the subtitle. */
  readonly finalEquity: Cash;
  readonly pnl: Cash;
  readonly maxDrawdown: Cash;
}

const W = 960;
const H = 600;
const LEFT = 96;
const RIGHT = 40;
const PLOT_W = W - LEFT - RIGHT;
const EQ_TOP = 70;
const EQ_H = 300;
const DD_TOP = 400;
const DD_H = 120;
const AXIS_Y = DD_TOP + DD_H;

const COLOR = { equity: '#0b5cad', initial: '#8c959f', buy: '#1a7f37', sell: '#cf222e', dd: '#cf222e', ddFill: '#f6c3c6', grid: '#e6e8eb', axis: '#57606a', text: '#24292f' };

/** A pixel coordinate: 2 fixed decimals, never "-0.00". */
function n(v: number): string {
  const s = v.toFixed(2);
  return s === '-0.00' ? '0.00' : s;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

export interface NiceScale {
  readonly lo: D;
  readonly hi: D;
  readonly step: D;
  readonly ticks: readonly D[];
  /** Decimals for tick labels. */
  readonly dp: number;
}

/** Round axis bounds and a 1/2/5 x 10^k step giving at most about `maxTicks` intervals; exact (D). */
export function niceScale(lo0: D, hi0: D, maxTicks = 5): NiceScale {
  let lo = lo0;
  let hi = hi0;
  if (hi.lt(lo)) [lo, hi] = [hi, lo];
  if (hi.eq(lo)) {
    const pad = lo.isZero() ? new D(1) : lo.abs().mul('0.01');
    lo = lo.sub(pad);
    hi = hi.add(pad);
  }
  const raw = hi.sub(lo).div(maxTicks);
  const base = new D(10).pow(raw.e);
  const f = raw.div(base);
  const step = base.mul(f.lte(1) ? 1 : f.lte(2) ? 2 : f.lte(5) ? 5 : 10);
  const a = lo.div(step).floor().mul(step);
  const b = hi.div(step).ceil().mul(step);
  const ticks: D[] = [];
  for (let t = a; t.lte(b); t = t.add(step)) ticks.push(t);
  return { lo: a, hi: b, step, ticks, dp: Math.max(0, -step.e) };
}

function label(d: D, dp: number): string {
  const s = d.toFixed(dp);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** Time ticks at round UTC multiples of a step chosen for at most 8 intervals. */
export function timeTicks(t0: bigint, t1: bigint): { ticks: bigint[]; stepNs: bigint } {
  const span = t1 - t0;
  let stepNs = 0n;
  for (const s of TIME_STEPS_S) {
    const st = BigInt(s) * NS_PER_S;
    if (span / st <= 8n) {
      stepNs = st;
      break;
    }
  }
  if (stepNs === 0n) {
    const day = 86_400n * NS_PER_S;
    stepNs = ((span / 8n + day - 1n) / day) * day;
  }
  const ticks: bigint[] = [];
  const rem = ((t0 % stepNs) + stepNs) % stepNs;
  for (let t = rem === 0n ? t0 : t0 + stepNs - rem; t <= t1; t += stepNs) ticks.push(t);
  return { ticks, stepNs };
}

function timeLabel(t: bigint, stepNs: bigint, spanNs: bigint): string {
  const s = isoFromNs(t); // YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ
  const day = 86_400n * NS_PER_S;
  if (stepNs >= day) return s.slice(0, 10);
  if (spanNs >= day) return `${s.slice(5, 10)} ${s.slice(11, 16)}`;
  return stepNs < 60n * NS_PER_S ? s.slice(11, 19) : s.slice(11, 16);
}

/** Indices to draw: all of them, or per pixel column the first, lowest, highest and last. */
function reduceByColumn(xs: readonly number[], vs: readonly Cash[]): number[] {
  if (xs.length <= PLOT_W * 2) return xs.map((_, i) => i);
  const keep = new Set<number>();
  let start = 0;
  while (start < xs.length) {
    const colX = Math.floor(xs[start]!);
    let end = start;
    let lo = start;
    let hi = start;
    while (end + 1 < xs.length && Math.floor(xs[end + 1]!) === colX) {
      end += 1;
      if (vs[end]! < vs[lo]!) lo = end;
      if (vs[end]! > vs[hi]!) hi = end;
    }
    keep.add(start).add(lo).add(hi).add(end);
    start = end + 1;
  }
  return [...keep].sort((a, b) => a - b);
}

/** Renders the picture; see the module header. */
export function renderEquitySvg(input: EquitySvgInput): string {
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${LEFT}" y="28" font-size="16" font-weight="bold" fill="${COLOR.text}">${escapeXml(input.title)}</text>`);
  out.push(
    `<text x="${LEFT}" y="50" fill="${COLOR.axis}">${escapeXml(
      `final equity $${formatCash(input.finalEquity)} | P&L $${formatCash(input.pnl)} | max drawdown $${formatCash(input.maxDrawdown)} | ${input.points.length} samples, ${input.fills.length} fills`,
    )}</text>`,
  );

  const pts = input.points;
  const first = pts[0];
  const last = pts[pts.length - 1];
  if (first === undefined || last === undefined) {
    out.push(`<rect x="${LEFT}" y="${EQ_TOP}" width="${PLOT_W}" height="${EQ_H}" fill="none" stroke="${COLOR.axis}"/>`);
    out.push(`<text x="${n(LEFT + PLOT_W / 2)}" y="${n(EQ_TOP + EQ_H / 2)}" text-anchor="middle" fill="${COLOR.axis}">no equity samples</text>`);
    out.push('</svg>');
    return out.join('\n') + '\n';
  }

  // time axis
  const t0 = input.startNs < first.tsNs ? input.startNs : first.tsNs;
  let t1 = input.endNs > last.tsNs ? input.endNs : last.tsNs;
  if (t1 <= t0) t1 = t0 + NS_PER_S;
  const spanNs = t1 - t0;
  const spanF = Number(spanNs);
  const x = (t: bigint): number => LEFT + (Number(t - t0) / spanF) * PLOT_W;

  // equity values and drawdowns (exact Cash; floats only for pixel positions)
  const eq = pts.map((p) => p.equity);
  const dd: Cash[] = [];
  let peak = eq[0]!;
  let eqLo = input.initialCash;
  let eqHi = eqLo;
  let ddMin = 0n;
  for (const v of eq) {
    if (v > peak) peak = v;
    if (v < eqLo) eqLo = v;
    if (v > eqHi) eqHi = v;
    dd.push(v - peak); // <= 0
    if (v - peak < ddMin) ddMin = v - peak;
  }
  const ys = niceScale(cashToDecimal(eqLo), cashToDecimal(eqHi));
  const ds = niceScale(ddMin === 0n ? new D(-1) : cashToDecimal(ddMin), new D(0), 3);
  const yScale = (s: NiceScale, top: number, h: number) => {
    const lo = s.lo.toNumber();
    const range = s.hi.toNumber() - lo;
    const px = (v: number): number => top + h - ((v - lo) / range) * h;
    return { cash: (v: Cash): number => px(Number(v) / 1e10), tick: (v: D): number => px(v.toNumber()) };
  };
  const yEq = yScale(ys, EQ_TOP, EQ_H);
  const yDd = yScale(ds, DD_TOP, DD_H);

  // grid and axis labels
  out.push(`<g stroke="${COLOR.grid}" stroke-width="1">`);
  for (const t of ys.ticks) out.push(`<line x1="${LEFT}" y1="${n(yEq.tick(t))}" x2="${LEFT + PLOT_W}" y2="${n(yEq.tick(t))}"/>`);
  for (const t of ds.ticks) out.push(`<line x1="${LEFT}" y1="${n(yDd.tick(t))}" x2="${LEFT + PLOT_W}" y2="${n(yDd.tick(t))}"/>`);
  const tt = timeTicks(t0, t1);
  for (const t of tt.ticks) {
    out.push(`<line x1="${n(x(t))}" y1="${EQ_TOP}" x2="${n(x(t))}" y2="${EQ_TOP + EQ_H}"/>`);
    out.push(`<line x1="${n(x(t))}" y1="${DD_TOP}" x2="${n(x(t))}" y2="${DD_TOP + DD_H}"/>`);
  }
  out.push('</g>');
  out.push(`<g fill="${COLOR.axis}" text-anchor="end">`);
  for (const t of ys.ticks) out.push(`<text x="${LEFT - 6}" y="${n(yEq.tick(t) + 4)}">${label(t, ys.dp)}</text>`);
  for (const t of ds.ticks) out.push(`<text x="${LEFT - 6}" y="${n(yDd.tick(t) + 4)}">${label(t, ds.dp)}</text>`);
  out.push('</g>');
  out.push(`<g fill="${COLOR.axis}" text-anchor="middle">`);
  for (const t of tt.ticks) out.push(`<text x="${n(x(t))}" y="${AXIS_Y + 18}">${timeLabel(t, tt.stepNs, spanNs)}</text>`);
  out.push(`<text x="${n(LEFT + PLOT_W / 2)}" y="${AXIS_Y + 40}">time (UTC) from ${isoFromNs(t0).slice(0, 19)}Z to ${isoFromNs(t1).slice(0, 19)}Z</text>`);
  out.push(`<text transform="translate(16 ${n(EQ_TOP + EQ_H / 2)}) rotate(-90)">equity ($)</text>`);
  out.push(`<text transform="translate(16 ${n(DD_TOP + DD_H / 2)}) rotate(-90)">drawdown ($)</text>`);
  out.push('</g>');

  // initial cash reference
  const yInit = yEq.cash(input.initialCash);
  out.push(`<line x1="${LEFT}" y1="${n(yInit)}" x2="${LEFT + PLOT_W}" y2="${n(yInit)}" stroke="${COLOR.initial}" stroke-width="1" stroke-dasharray="4 4"/>`);

  // equity step line
  const xs = pts.map((p) => x(p.tsNs));
  const idx = reduceByColumn(xs, eq);
  const path: string[] = [];
  idx.forEach((i, k) => path.push(k === 0 ? `M${n(xs[i]!)} ${n(yEq.cash(eq[i]!))}` : `H${n(xs[i]!)}V${n(yEq.cash(eq[i]!))}`));
  path.push(`H${n(x(t1))}`);
  out.push(`<path d="${path.join('')}" fill="none" stroke="${COLOR.equity}" stroke-width="1.5" stroke-linejoin="round"/>`);

  // drawdown area
  const didx = reduceByColumn(xs, dd);
  const y0 = yDd.cash(0n);
  const area: string[] = [`M${n(xs[didx[0]!]!)} ${n(y0)}`];
  for (const i of didx) area.push(`H${n(xs[i]!)}V${n(yDd.cash(dd[i]!))}`);
  area.push(`H${n(x(t1))}V${n(y0)}Z`);
  out.push(`<path d="${area.join('')}" fill="${COLOR.ddFill}" stroke="${COLOR.dd}" stroke-width="1"/>`);

  // fill markers at the equity in force at the fill's time
  const showFills = input.fills.length <= SVG_MAX_FILL_MARKERS;
  if (showFills && input.fills.length > 0) {
    const at = (t: bigint): Cash => {
      let lo = 0;
      let hi = pts.length - 1;
      if (t < pts[0]!.tsNs) return eq[0]!;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (pts[mid]!.tsNs <= t) lo = mid;
        else hi = mid - 1;
      }
      return eq[lo]!;
    };
    const marks = { BUY: [] as string[], SELL: [] as string[] };
    for (const f of input.fills) {
      const fx = x(f.tsNs);
      const fy = yEq.cash(at(f.tsNs));
      marks[f.side].push(f.side === 'BUY' ? `M${n(fx)} ${n(fy - 5)}L${n(fx + 4.5)} ${n(fy + 3.5)}L${n(fx - 4.5)} ${n(fy + 3.5)}Z` : `M${n(fx)} ${n(fy + 5)}L${n(fx + 4.5)} ${n(fy - 3.5)}L${n(fx - 4.5)} ${n(fy - 3.5)}Z`);
    }
    if (marks.BUY.length > 0) out.push(`<path d="${marks.BUY.join('')}" fill="${COLOR.buy}" fill-opacity="0.85"/>`);
    if (marks.SELL.length > 0) out.push(`<path d="${marks.SELL.join('')}" fill="${COLOR.sell}" fill-opacity="0.85"/>`);
  }

  // frames
  out.push(`<rect x="${LEFT}" y="${EQ_TOP}" width="${PLOT_W}" height="${EQ_H}" fill="none" stroke="${COLOR.axis}"/>`);
  out.push(`<rect x="${LEFT}" y="${DD_TOP}" width="${PLOT_W}" height="${DD_H}" fill="none" stroke="${COLOR.axis}"/>`);

  // legend
  const ly = H - 14;
  let lx = LEFT;
  const legend: string[] = [];
  legend.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${COLOR.equity}" stroke-width="1.5"/><text x="${lx + 26}" y="${ly}">equity</text>`);
  lx += 90;
  legend.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${COLOR.initial}" stroke-dasharray="4 4"/><text x="${lx + 26}" y="${ly}">initial cash</text>`);
  lx += 120;
  legend.push(`<rect x="${lx}" y="${ly - 10}" width="20" height="10" fill="${COLOR.ddFill}" stroke="${COLOR.dd}"/><text x="${lx + 26}" y="${ly}">drawdown</text>`);
  lx += 110;
  if (showFills) {
    legend.push(`<path d="M${lx + 5} ${ly - 10}L${lx + 9.5} ${ly - 1.5}L${lx + 0.5} ${ly - 1.5}Z" fill="${COLOR.buy}"/><text x="${lx + 16}" y="${ly}">buy fill</text>`);
    lx += 90;
    legend.push(`<path d="M${lx + 5} ${ly}L${lx + 9.5} ${ly - 8.5}L${lx + 0.5} ${ly - 8.5}Z" fill="${COLOR.sell}"/><text x="${lx + 16}" y="${ly}">sell fill</text>`);
  } else {
    legend.push(`<text x="${lx}" y="${ly}">${input.fills.length} fills (markers omitted above ${SVG_MAX_FILL_MARKERS})</text>`);
  }
  out.push(`<g fill="${COLOR.text}">${legend.join('')}</g>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
