/** Test helpers for the live-source tests: deterministic ids and compact simulator markets. */
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { RawRecord } from '../../src/core/types/raw.ts';

/** A 77-digit token id, distinct per n. */
export const tokenId = (n: number): string => (10n ** 76n + BigInt(n) * 7_919n).toString();
/** 0x + 64 hex condition id, distinct per n. */
export const conditionId = (n: number): string => `0x${n.toString(16).padStart(64, 'c')}`;

export interface MarketSpec {
  n: number;
  slug?: string;
  question?: string;
  closed?: boolean;
  active?: boolean;
  volume?: string;
  liquidity?: string;
  endDate?: string;
  tags?: { id: string; label: string; slug: string }[];
  tickSize?: '0.01' | '0.001';
  negRisk?: boolean;
  feeSchedule?: { rate: number; exponent: number; takerOnly: boolean; rebateRate: number };
}

/** Compact scenario market with two tokens: Yes = tokenId(2n), No = tokenId(2n + 1). */
export function compactMarket(s: MarketSpec): Record<string, unknown> {
  const m: Record<string, unknown> = {
    conditionId: conditionId(s.n),
    slug: s.slug ?? `market-${s.n}`,
    question: s.question ?? `Question number ${s.n}?`,
    tokens: [
      { tokenId: tokenId(2 * s.n), outcome: 'Yes' },
      { tokenId: tokenId(2 * s.n + 1), outcome: 'No' },
    ],
  };
  for (const k of ['closed', 'active', 'volume', 'liquidity', 'endDate', 'tags', 'tickSize', 'negRisk', 'feeSchedule'] as const) {
    if (s[k] !== undefined) m[k] = s[k];
  }
  return m;
}

/**
 * Compact markets for the rounds of a rolling series around now (previous, current and the next three:
 * whatever the series planner holds right now is among them); market n = firstN + k.
 */
export function seriesMarkets(series: { name: string; periodMs: number }, nowMs: number, firstN = 10): Record<string, unknown>[] {
  const starts = [-1, 0, 1, 2, 3].map((k) => (Math.floor(nowMs / series.periodMs) + k) * series.periodMs);
  return starts.map((s, i) => compactMarket({ n: firstN + i, slug: `${series.name}-${s / 1000}`, endDate: new Date(s + series.periodMs).toISOString().replace('.000Z', 'Z') }));
}

/** A 127.0.0.1 port that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  await new Promise<void>((res) => srv.close(() => res()));
  return port;
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000, stepMs = 10): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Collects records delivered to a sink. */
export function collector(): { records: RawRecord[]; sink: (r: RawRecord) => void } {
  const records: RawRecord[] = [];
  return { records, sink: (r) => records.push(r) };
}

export async function waitForAsync(cond: () => Promise<boolean>, what: () => string, timeoutMs = 10_000, stepMs = 25): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
