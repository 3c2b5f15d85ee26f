/**
 * `poly markets [query] [filters] [--json]` — discover markets over Gamma (full pagination, offset or
 * keyset style), and `poly markets --resolve <slug|condition|token>...` — resolve identifiers to
 * MarketMeta (Gamma first, CLOB fallback).
 *
 * Output contract: a table on stdout (one market per line: question, slug, short condition id, end
 * date, tick, min size, neg-risk, fee, then every outcome=token id in full so it can be copied into
 * `poly record --market`), or with --json one JSON array of MarketMeta (exact fixed-point fields as in
 * src/core/types/market.ts). Notes (no match, skipped objects) go to stderr.
 * Bad input (flag values, unknown identifier) -> one CliError line, exit 2; an unreachable or failing
 * endpoint -> one line naming the URL, exit 1.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { gammaMarketToMeta } from '../core/normalize/index.ts';
import { formatPx, formatQty } from '../core/types/fixed.ts';
import type { MarketMeta } from '../core/types/market.ts';
import { isoFromNs, nsFromIso } from '../core/time.ts';
import { ClobClient, DEFAULT_CLOB_URL } from '../sources/clob.ts';
import { DEFAULT_GAMMA_URL, GammaClient, ResolveError, resolveMarket, type MarketFilter } from '../sources/gamma.ts';
import { HttpError } from '../sources/http.ts';
import { CliError } from './errors.ts';
import { applyUnitFlags } from './flags.ts';

const decimal = (flag: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, `${flag} expects a non-negative number such as 1000 or 2.5`);
const isoDate = (flag: string) =>
  z
    .string()
    .trim()
    .refine((s) => nsFromIso(s) !== null, `${flag} expects an ISO-8601 UTC date such as 2026-01-31 or 2026-01-31T12:00:00Z`);
const httpUrl = (flag: string) =>
  z
    .string()
    .trim()
    .refine((s) => /^https?:\/\/[^\s/]+/.test(s), `${flag} expects an http(s) URL such as https://host[:port]`);

const MarketsOptsSchema = z
  .object({
    active: z.boolean().optional(),
    closed: z.boolean().optional(),
    tag: z.string().trim().min(1, '--tag expects a Gamma tag id').optional(),
    endAfter: isoDate('--end-after').optional(),
    endBefore: isoDate('--end-before').optional(),
    minVolume: decimal('--min-volume').optional(),
    minLiquidity: decimal('--min-liquidity').optional(),
    limit: z
      .string()
      .trim()
      .regex(/^\d+$/, '--limit expects a whole number (0 = no limit)')
      .transform((s) => Number.parseInt(s, 10)),
    keyset: z.boolean().optional(),
    json: z.boolean().optional(),
    resolve: z.array(z.string()).optional(),
    gammaUrl: httpUrl('--gamma-url'),
    clobUrl: httpUrl('--clob-url'),
  })
  .refine((o) => !(o.active === true && o.closed === true), '--active and --closed exclude each other');

export type MarketsOpts = z.infer<typeof MarketsOptsSchema>;

/** zod issues -> one CliError line naming the flag. */
export function zodToCli(err: z.ZodError): CliError {
  const first = err.issues[0];
  return new CliError(first?.message ?? 'invalid options');
}

const shortId = (cid: string): string => (cid.length > 14 ? `${cid.slice(0, 8)}…${cid.slice(-4)}` : cid);

function endText(end: string | null): string {
  if (end === null) return '-';
  const ns = nsFromIso(end.replace(/\+00:00$/, 'Z'));
  return ns === null ? end : `${isoFromNs(ns).slice(0, 16)}Z`;
}

function feeText(m: MarketMeta): string {
  const f = m.feeSchedule;
  if (f !== null) return `${f.rate}${f.exponent === '1' ? '' : `^${f.exponent}`}${f.takerOnly ? ' taker' : ''}`;
  return m.feesEnabled ? 'yes' : '0';
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Renders markets as an aligned text table (one line per market). */
export function marketTable(markets: readonly MarketMeta[]): string {
  const header = ['QUESTION', 'SLUG', 'CONDITION', 'END', 'TICK', 'MIN', 'NEGRISK', 'FEE', 'OUTCOMES=TOKEN IDS'];
  const rows = markets.map((m) => [
    clip(m.question ?? '-', 60),
    m.slug ?? '-',
    shortId(m.conditionId),
    endText(m.endDate),
    m.tickSize === null ? '-' : formatPx(m.tickSize),
    m.minOrderSize === null ? '-' : formatQty(m.minOrderSize),
    m.negRisk ? 'yes' : 'no',
    feeText(m),
    m.tokens.length === 0 ? '(no tokens)' : m.tokens.map((t) => `${t.outcome}=${t.tokenId}`).join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function toCliError(err: unknown): unknown {
  if (err instanceof ResolveError) return new CliError(err.message, 'not_found');
  if (err instanceof HttpError) return new CliError(err.message, 'network');
  return err;
}

export async function runMarkets(query: string | undefined, raw: unknown, out: (s: string) => void = (s) => void process.stdout.write(s), note: (s: string) => void = (s) => void process.stderr.write(s)): Promise<void> {
  const parsed = MarketsOptsSchema.safeParse(raw);
  if (!parsed.success) throw zodToCli(parsed.error);
  const o = parsed.data;
  let gamma: GammaClient;
  let clob: ClobClient;
  try {
    gamma = GammaClient.create({ baseUrl: o.gammaUrl });
    clob = ClobClient.create({ baseUrl: o.clobUrl });
  } catch (err) {
    throw toCliError(err);
  }
  try {
    const metas: MarketMeta[] = [];
    if (o.resolve !== undefined) {
      if (query !== undefined) throw new CliError(`--resolve takes identifiers only; drop the search text '${query}' or put it after --resolve`, 'usage');
      for (const id of o.resolve) metas.push((await resolveMarket(id, { gamma, clob })).meta);
    } else {
      const filter: MarketFilter = {
        ...(query !== undefined && query.trim() !== '' ? { query } : {}),
        ...(o.active === true ? { active: true } : {}),
        ...(o.closed === true ? { closed: true } : {}),
        ...(o.tag !== undefined ? { tagId: o.tag } : {}),
        ...(o.endAfter !== undefined ? { endAfter: o.endAfter } : {}),
        ...(o.endBefore !== undefined ? { endBefore: o.endBefore } : {}),
        ...(o.minVolume !== undefined ? { minVolume: o.minVolume } : {}),
        ...(o.minLiquidity !== undefined ? { minLiquidity: o.minLiquidity } : {}),
      };
      let skipped = 0;
      const limit = o.limit === 0 ? Number.POSITIVE_INFINITY : o.limit;
      for await (const m of gamma.listMarkets(filter, { style: o.keyset === true ? 'keyset' : 'offset' })) {
        const meta = gammaMarketToMeta(m);
        if ('error' in meta) {
          skipped += 1;
          continue;
        }
        metas.push(meta);
        if (metas.length >= limit) break;
      }
      if (skipped > 0) note(`poly markets: ${skipped} Gamma market object(s) skipped (not mappable to a market)\n`);
      if (metas.length === 0 && o.json !== true) note('poly markets: no market matches\n');
    }
    out(o.json === true ? `${JSON.stringify(metas, null, 2)}\n` : metas.length === 0 ? '' : marketTable(metas));
  } catch (err) {
    throw toCliError(err);
  } finally {
    await Promise.all([gamma.close(), clob.close()]);
  }
}

export function registerMarkets(program: Command): void {
  const cmd = program
    .command('markets')
    .description('discover markets over Gamma, or resolve identifiers to market metadata')
    .argument('[query...]', 'words that must occur in the question or slug (every word; quotes not needed)')
    .option('--active', 'only active, open markets')
    .option('--closed', 'only closed markets')
    .option('--tag <id>', 'Gamma tag id')
    .option('--end-after <time>', 'end date on or after (UTC)')
    .option('--end-before <time>', 'end date on or before (UTC)')
    .option('--min-volume <dollars>', 'minimum volume (USD)')
    .option('--min-liquidity <dollars>', 'minimum liquidity (USD)')
    .option('--limit <n>', 'print at most N markets (0 = all)', '50')
    .option('--keyset', 'use keyset pagination (/markets/keyset) instead of offset')
    .option('--json', 'print a JSON array of MarketMeta')
    .option('--resolve <id...>', 'resolve slugs, condition ids (0x…) or token ids instead of searching')
    .option('--gamma-url <url>', 'Gamma REST base URL', DEFAULT_GAMMA_URL)
    .option('--clob-url <url>', 'CLOB REST base URL (fallback for --resolve)', DEFAULT_CLOB_URL)
    .action(async (words: string[], opts: unknown) => runMarkets(words.length > 0 ? words.join(' ') : undefined, opts));
  applyUnitFlags(cmd);
}
