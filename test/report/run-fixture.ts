/** One replay of the bundled recording for the report tests (market maker unless told otherwise). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { at } from '../../src/report/html.ts';
import { polyIn, ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

export async function bundledRun(strategy = 'market-maker', extra: string[] = []): Promise<string> {
  const dir = tempDir('poly-report-');
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const r = await polyIn('replay', 'recordings/sol-15m', '--strategy', `strategies/${strategy}.ts`, '--out', dir, '--no-progress', ...extra);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`report: ${join(dir, 'report.html')}`);
  } finally {
    process.chdir(cwd);
  }
  return dir;
}

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Every figure of the page bound to summary.json: [path, text shown]. */
export function boundFigures(html: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of html.matchAll(/data-summary="([^"]+)"[^>]*>([^<]*)</g)) out.push([unescape(m[1]!), unescape(m[2]!)]);
  return out;
}

/** What a bound figure must show: the exact summary.json string, "n/a" for null. */
export function expectedFigure(summary: unknown, path: string): string {
  const v = at(summary, path);
  return v === null ? 'n/a' : typeof v === 'string' ? v : String(v);
}

export async function summaryOf(dir: string): Promise<unknown> {
  return JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as unknown;
}
