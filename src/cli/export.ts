/**
 * `poly export <recording> --to parquet|csv [--events book,trades,...] [--from ISO --to ISO] [--market ID]...
 *  [--depth N --interval DUR] --out DIR`: the recording's normalized events as tables (src/engine/export.ts
 * lists tables and columns).
 *
 * `--to` is given once as the format (parquet | csv) and, optionally, once more as the end of the window
 * (an ISO-8601 UTC time, exclusive), as `poly replay --to`. Everything is checked before any work: the
 * recording (missing / not a recording -> not_found / input), every flag (usage), every --market against
 * the recording's markets (not_found), and --out (must be a new or empty directory; io when it cannot be
 * written). Then DIR is created and filled; one summary line per table on stdout.
 */
import { mkdir, readdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { PolyError } from '../core/errors.ts';
import { parseDuration, parseTime } from '../core/units.ts';
import { resolveMarketFilter } from '../engine/backtest.ts';
import { DEFAULT_FAMILIES, parseFamilies, runExport, type ExportFormat, type Family } from '../engine/export.ts';
import { isCode, unwritableDirReason } from '../io/paths.ts';
import { readManifest } from '../recorder/read.ts';
import { collect } from './engine-options.ts';
import { applyUnitFlags } from './flags.ts';

export interface ExportFlags {
  to: string[];
  events?: string;
  from?: string;
  market: string[];
  depth?: string;
  interval?: string;
  out?: string;
}

export function registerExport(program: Command): void {
  const cmd = program
    .command('export')
    .description("write a recording's normalized events (book levels, trades, BBO, depth, ...) as Parquet or CSV tables")
    .argument('<recording>', 'recording directory (made by poly record or poly import)')
    .option('--to <parquet|csv|time>', 'output format (parquet | csv); given a second time: end of the window (ISO UTC, exclusive)', collect, [])
    .option('--events <families>', `comma-separated: book,trades,ticks,resolutions,feed,errors,bbo,depth (default ${DEFAULT_FAMILIES.join(',')}; depth also with --depth/--interval)`)
    .option('--from <time>', 'start at this receive time (inclusive, UTC)')
    .option('--market <slug|condition|token>', 'only this market (repeatable)', collect, [])
    .option('--depth <n>', 'depth table: levels per side (default 10)')
    .option('--interval <duration>', 'depth table: grid interval on the virtual clock (default 1s)')
    .option('--out <dir>', 'output directory (new or empty)')
    .action(async (recording: string, flags: ExportFlags) => {
      const res = await exportCommand(recording, flags);
      for (const t of res.tables) process.stdout.write(`${t.table}: ${t.rows} rows -> ${t.file}\n`);
      process.stdout.write(`${res.events} events exported\n`);
    });
  applyUnitFlags(cmd);
}

const isoFlag = (text: string, flag: string): bigint => parseTime(text, flag);

export async function exportCommand(recording: string, flags: ExportFlags): Promise<Awaited<ReturnType<typeof runExport>>> {
  const formats = flags.to.filter((t) => t === 'parquet' || t === 'csv') as ExportFormat[];
  const times = flags.to.filter((t) => t !== 'parquet' && t !== 'csv');
  for (const t of times) isoFlag(t, '--to');
  if (formats.length !== 1) throw new PolyError('usage', formats.length === 0 ? `--to parquet|csv is required (the output format)` : `--to: give one format, not ${formats.join(' and ')}`);
  if (times.length > 1) throw new PolyError('usage', `--to: at most one end time, got ${times.join(' and ')}`);
  const toNs = times.length === 1 ? isoFlag(times[0]!, '--to') : undefined;
  const fromNs = flags.from === undefined ? undefined : isoFlag(flags.from, '--from');
  if (fromNs !== undefined && toNs !== undefined && toNs <= fromNs) throw new PolyError('usage', '--to must be after --from');
  let families: Family[] = flags.events === undefined ? [...DEFAULT_FAMILIES] : parseFamilies(flags.events);
  if (flags.events === undefined && (flags.depth !== undefined || flags.interval !== undefined)) families = [...families, 'depth'];
  const depth = flags.depth === undefined ? 10 : Number(flags.depth);
  if (!Number.isInteger(depth) || depth < 1 || depth > 10_000) throw new PolyError('usage', `--depth '${flags.depth}' is not a whole number of levels in 1..10000`);
  const intervalNs = flags.interval === undefined ? 1_000_000_000n : parseDuration(flags.interval, '--interval');
  if (intervalNs <= 0n) throw new PolyError('usage', `--interval '${flags.interval}' is not a positive duration (e.g. 1s, 500ms, 1m)`);
  if (flags.out === undefined) throw new PolyError('usage', '--out <dir> is required (a new or empty directory)');

  const manifest = await readManifest(recording); // RecordingError: a PolyError (not_found / input)
  const filter = flags.market.length > 0 ? resolveMarketFilter(manifest.markets, flags.market) : null;
  const assetIds = filter === null ? [] : [...filter.assetIds];
  if (filter !== null) {
    for (const c of filter.conditionIds) {
      for (const t of manifest.markets.find((m) => m.conditionId === c)?.tokens ?? []) if (!assetIds.includes(t.tokenId)) assetIds.push(t.tokenId);
    }
  }

  const out = flags.out;
  const why = await unwritableDirReason(out);
  if (why !== null) throw new PolyError('io', `--out ${out}: ${why}`);
  try {
    const entries = await readdir(out);
    if (entries.length > 0) throw new PolyError('usage', `--out ${out} is not empty (export writes into a new or empty directory)`);
  } catch (e) {
    if (!isCode(e, 'ENOENT')) throw e;
  }
  await mkdir(out, { recursive: true });
  return runExport({
    recording,
    out,
    format: formats[0]!,
    families,
    filter: { fromNs, toNs, assetIds, conditionIds: filter?.conditionIds ?? [] },
    markets: manifest.markets,
    depth,
    intervalNs,
  });
}
