/**
 * Live paper-trading metrics: a pure snapshot -> text formatter (Prometheus text exposition format
 * 0.0.4, and the /health JSON), and a tiny HTTP server that serves them.
 *
 * Invariants
 * - The server binds 127.0.0.1 ONLY (never 0.0.0.0): metrics are for the local machine; port 0 picks an
 *   ephemeral port (the URL is returned). GET /metrics and GET /health; anything else is 404, any other
 *   method 405. It reads a snapshot per request (the getter must be cheap and must not touch the kernel's
 *   state); it never blocks or alters the run.
 * - Money: poly_pnl_dollars is written from an exact decimal string (Cash formatted with formatCash), never
 *   through a binary float. Counters are integers; the rate and age are gauges in seconds with 3 decimals.
 * - Output order is fixed (one HELP/TYPE block per metric, in METRICS order), so the text is a pure
 *   function of the snapshot (unit-tested byte for byte).
 * Known limits: no labels (one process = one run); a missing value (no message yet) is exported as NaN,
 * which Prometheus accepts.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StrategyFailure } from '../core/reports/journal.ts';
import { isoFromNs } from '../core/time.ts';
import { describeFailure } from './strategy-errors.ts';

export interface MetricsSnapshot {
  /** Raw market-data messages (WS frames) handed to the kernel. */
  readonly messagesTotal: number;
  /** Messages per second over the recent window (see live.ts). */
  readonly messagesPerSecond: number;
  /** Seconds since the last market-data message; null before the first one. */
  readonly lastMessageAgeSeconds: number | null;
  readonly reconnectsTotal: number;
  /** Orders the strategy placed (accepted, rejected or denied). */
  readonly ordersTotal: number;
  readonly fillsTotal: number;
  /** Equity minus starting cash at current marks, as an exact decimal string (e.g. "-1.25"). */
  readonly pnlDollars: string;
  readonly riskHalted: boolean;
  readonly normalizationErrorsTotal: number;
  /** Every market-data connection is open. */
  readonly connected: boolean;
  /** The strategy: running, or stopped by an error in one of its hooks (which, where, when). */
  readonly strategy: StrategyState;
}

export type StrategyState =
  | { readonly state: 'running' }
  | { readonly state: 'stopped'; readonly reason: string; readonly hook: string; readonly at: string; readonly location: string | null };

interface MetricDef {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly value: (s: MetricsSnapshot) => string;
}

const int = (n: number): string => (Number.isFinite(n) ? String(Math.trunc(n)) : 'NaN');
const secs = (n: number | null): string => (n === null || !Number.isFinite(n) ? 'NaN' : n.toFixed(3));

export const METRICS: readonly MetricDef[] = [
  { name: 'poly_messages_total', type: 'counter', help: 'Market-data messages received', value: (s) => int(s.messagesTotal) },
  { name: 'poly_messages_per_second', type: 'gauge', help: 'Market-data messages per second (recent window)', value: (s) => secs(s.messagesPerSecond) },
  { name: 'poly_last_message_age_seconds', type: 'gauge', help: 'Seconds since the last market-data message', value: (s) => secs(s.lastMessageAgeSeconds) },
  { name: 'poly_reconnects_total', type: 'counter', help: 'WebSocket reconnects', value: (s) => int(s.reconnectsTotal) },
  { name: 'poly_orders_total', type: 'counter', help: 'Paper orders placed by the strategy', value: (s) => int(s.ordersTotal) },
  { name: 'poly_fills_total', type: 'counter', help: 'Paper fills', value: (s) => int(s.fillsTotal) },
  { name: 'poly_pnl_dollars', type: 'gauge', help: 'Paper P&L in dollars at current marks (equity minus starting cash)', value: (s) => decimalText(s.pnlDollars) },
  { name: 'poly_risk_halted', type: 'gauge', help: '1 when the risk engine has halted trading', value: (s) => (s.riskHalted ? '1' : '0') },
  { name: 'poly_normalization_errors_total', type: 'counter', help: 'Raw messages that failed normalization', value: (s) => int(s.normalizationErrorsTotal) },
  { name: 'poly_strategy_running', type: 'gauge', help: '1 while the strategy runs, 0 once an error in a hook stopped it', value: (s) => (s.strategy.state === 'running' ? '1' : '0') },
];

/** A decimal string passed through verbatim when it is one; anything else becomes NaN (never a float round trip). */
function decimalText(s: string): string {
  return /^-?\d+(\.\d+)?$/.test(s) ? s : 'NaN';
}

/** Prometheus text exposition of a snapshot (pure). */
export function formatMetrics(s: MetricsSnapshot): string {
  const lines: string[] = [];
  for (const m of METRICS) {
    lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, `${m.name} ${m.value(s)}`);
  }
  return lines.join('\n') + '\n';
}

export interface Health {
  readonly ok: boolean;
  readonly connected: boolean;
  readonly halted: boolean;
  readonly last_message_age_s: number | null;
  readonly messages: number;
  readonly strategy: StrategyState;
}

/** /health body (pure): ok = connected, not halted and the strategy running. */
export function healthOf(s: MetricsSnapshot): Health {
  const age = s.lastMessageAgeSeconds === null || !Number.isFinite(s.lastMessageAgeSeconds) ? null : Math.round(s.lastMessageAgeSeconds * 1000) / 1000;
  return {
    ok: s.connected && !s.riskHalted && s.strategy.state === 'running',
    connected: s.connected,
    halted: s.riskHalted,
    last_message_age_s: age,
    messages: s.messagesTotal,
    strategy: s.strategy,
  };
}

export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves /metrics and /health on 127.0.0.1:port (0 = ephemeral). */
export async function startMetricsServer(port: number, snapshot: () => MetricsSnapshot): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(formatMetrics(snapshot()));
    } else if (path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(healthOf(snapshot())) + '\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /health\n');
    }
  });
  server.listen(port, '127.0.0.1');
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => {
      throw err as Error;
    }),
  ]);
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((res) => {
        server.closeAllConnections();
        server.close(() => res());
      }),
  };
}

/** The /health strategy state of a kernel's failure record (null = running). */
export function strategyState(f: StrategyFailure | null): StrategyState {
  if (f === null) return { state: 'running' };
  const d = describeFailure(f);
  return { state: 'stopped', reason: d?.message ?? f.message, hook: f.hook, at: isoFromNs(f.tsNs), location: d?.location ?? null };
}
