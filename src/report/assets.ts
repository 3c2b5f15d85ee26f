/**
 * The pieces report.html inlines so it opens offline: the charting library, its stylesheet, and our own
 * browser script and stylesheet (src/report/client/). Read once per process from the installed package and
 * from this directory; no network, no build step.
 *
 * Charting library: uPlot (leeoniya/uPlot, MIT, 51 KB minified + 2 KB CSS). Chosen over Apache ECharts
 * (about 1 MB minified for the full build: heat-maps, LTTB sampling, waterfalls and markers in one library)
 * and TradingView lightweight-charts (about 170 KB; price charts with markers, but a time axis of whole
 * seconds that merges sub-second book changes, no scatter or heat-map, and an attribution requirement):
 * - file size per run: a sweep writes one report.html per run, so 1,000 runs carry 51 MB of uPlot instead of
 *   about 1 GB of ECharts;
 * - built for large time series: canvas drawing of 100k+ points per series in milliseconds, cursor sync across
 *   charts sharing a time axis, drag-to-zoom, step paths (order-book state holds until the next change);
 * - what it lacks is small and drawn on its own canvas with its hooks: triangle fill markers (a points path),
 *   floating waterfall bars and gap bands (draw hooks). Heat-maps of sweep parameters are HTML tables of
 *   coloured cells (exact numbers in every cell), which read better than a canvas heat-map anyway.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface ReportAssets {
  readonly uplotJs: string;
  readonly uplotCss: string;
  readonly clientJs: string;
  readonly css: string;
  /** "uPlot 1.6.32" for the page's footer. */
  readonly library: string;
}

let cache: ReportAssets | undefined;

export function reportAssets(): ReportAssets {
  if (cache !== undefined) return cache;
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve('uplot/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: string };
  const dist = pkgPath.replace(/package\.json$/, 'dist/');
  const here = new URL('./client/', import.meta.url);
  cache = {
    uplotJs: readFileSync(`${dist}uPlot.iife.min.js`, 'utf8'),
    uplotCss: readFileSync(`${dist}uPlot.min.css`, 'utf8'),
    clientJs: readFileSync(new URL('report.js', here), 'utf8'),
    css: readFileSync(new URL('report.css', here), 'utf8'),
    library: `uPlot ${pkg.version ?? 'unknown'}`,
  };
  return cache;
}
