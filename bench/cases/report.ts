/**
 * Bench case `report`: the cost of what a run keeps for report.html, and of drawing it.
 *
 * Workload: 2,000,000 top-of-book changes of one token (20 a second for 27.8 hours, a mid wandering around
 * 0.50), built before timing.
 * FLOOR: pushing the same points onto a plain array (what keeping "every change" costs, unbounded).
 * Subjects: TopOfBookSeries.add (bounded: at most 4,000 stored points, the notes print how many it kept and
 * its bucket width); renderReportHtml of a synthetic run directory with 50,000 orders and fills (the page
 * shows 2,000 of each), measured per order row, against the same floor.
 */
import { renderReportHtml } from '../../src/report/html.ts';
import { TopOfBookSeries, type TopPoint } from '../../src/core/reports/series.ts';
import { fmtInt, measure, type CaseResult } from '../lib.ts';

export const name = 'report';

const N = 2_000_000;
const BASE = 1_765_000_000_000_000_000n;

function points(): TopPoint[] {
  const out = new Array<TopPoint>(N);
  let bid = 4_900;
  for (let i = 0; i < N; i++) {
    bid += ((i * 2_654_435_761) >>> 29) % 3 - 1; // a deterministic walk
    if (bid < 100) bid = 100;
    if (bid > 9_800) bid = 9_800;
    out[i] = { tsNs: BASE + BigInt(i) * 50_000_000n, bid, ask: bid + 100, bidQty: 1_000_000 + (i % 7), askQty: 2_000_000 };
  }
  return out;
}

function runFiles(rows: number): Record<string, string> {
  const orders = ['client_id,created_ns,created_at,market,outcome,asset_id,side,tif,post_only,px,qty,amount,status,filled_qty,avg_px,notional,fees,fee_shares,rebates,reason,updated_ns,updated_at'];
  const fills = ['fill_id,ts_ns,ts,client_id,market,outcome,asset_id,side,px,qty,notional,liquidity,fee,fee_shares,rebate'];
  for (let i = 0; i < rows; i++) {
    const t = (BASE + BigInt(i) * 1_000_000_000n).toString();
    orders.push(`o${i},${t},2025-12-11T11:00:00.000000000Z,0xm,Up,1,BUY,GTC,true,0.5,10,,canceled,0,,0,0,0,0,user,${t},2025-12-11T11:00:00.000000000Z`);
    fills.push(`pf-${i},${t},2025-12-11T11:00:00.000000000Z,o${i},0xm,Up,1,BUY,0.5,10,5,maker,0,0,0`);
  }
  const summary = { strategy: 'bench', pnl: { total: '0', trading_realized: '0', unrealized: '0', merges: '0', settlement: '0', rebates: '0', fees: '0' }, economics: { maker_rebates: { total_paid: '0' }, liquidity_rewards: { total_paid: null } }, capital: { initial: '1000' } };
  return { 'summary.json': JSON.stringify(summary), 'orders.csv': orders.join('\n') + '\n', 'fills.csv': fills.join('\n') + '\n' };
}

export async function run(): Promise<CaseResult> {
  const pts = points();
  const floor = await measure('array push (unbounded)', () => {
    const a: TopPoint[] = [];
    for (const p of pts) a.push(p);
    return a.length;
  }, { iterations: 5 });
  let kept = 0;
  let bucket = 0n;
  const series = await measure('TopOfBookSeries.add (bounded)', () => {
    const s = new TopOfBookSeries();
    for (const p of pts) s.add(p);
    kept = s.points().length;
    bucket = s.resolutionNs;
    return N;
  }, { iterations: 5 });
  const ROWS = 50_000;
  const files = runFiles(ROWS);
  let bytes = 0;
  const html = await measure('renderReportHtml (per order row)', () => {
    bytes = renderReportHtml(files).length;
    return ROWS;
  }, { iterations: 3 });
  return {
    name,
    floorName: 'array push',
    floor,
    subjects: [series, html],
    notes: [
      `${fmtInt(N)} changes -> ${fmtInt(kept)} stored points, bucket ${Number(bucket) / 1e9} s (an array keeps all ${fmtInt(N)})`,
      `report.html of ${fmtInt(ROWS)} orders and ${fmtInt(ROWS)} fills: ${fmtInt(bytes)} bytes (tables capped at 2,000 rows each)`,
    ],
  };
}
