/** The metrics formatter (Prometheus text) and /health body are pure functions of a snapshot. */
import { describe, expect, it } from 'vitest';
import { formatMetrics, healthOf, METRICS, type MetricsSnapshot } from '../../src/engine/metrics.ts';

const snap: MetricsSnapshot = {
  messagesTotal: 1234,
  messagesPerSecond: 12.3456,
  lastMessageAgeSeconds: 0.25,
  reconnectsTotal: 2,
  ordersTotal: 17,
  fillsTotal: 5,
  pnlDollars: '-1.856475',
  riskHalted: false,
  normalizationErrorsTotal: 3,
  connected: true,
  strategy: { state: 'running' },
};

describe('formatMetrics', () => {
  it('writes one HELP/TYPE/value block per metric in a fixed order', () => {
    const text = formatMetrics(snap);
    const values = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(values).toEqual([
      'poly_messages_total 1234',
      'poly_messages_per_second 12.346',
      'poly_last_message_age_seconds 0.250',
      'poly_reconnects_total 2',
      'poly_orders_total 17',
      'poly_fills_total 5',
      'poly_pnl_dollars -1.856475',
      'poly_risk_halted 0',
      'poly_normalization_errors_total 3',
      'poly_strategy_running 1',
    ]);
    expect(text).toContain('# TYPE poly_messages_total counter\n');
    expect(text).toContain('# TYPE poly_pnl_dollars gauge\n');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').filter((l) => l.startsWith('# HELP'))).toHaveLength(METRICS.length);
  });

  it('keeps the P&L decimal exact (no float round trip) and exports missing values as NaN', () => {
    const text = formatMetrics({ ...snap, pnlDollars: '123456789.0123456789', lastMessageAgeSeconds: null, riskHalted: true });
    expect(text).toMatch(/^poly_pnl_dollars 123456789\.0123456789$/m);
    expect(text).toMatch(/^poly_last_message_age_seconds NaN$/m);
    expect(text).toMatch(/^poly_risk_halted 1$/m);
    expect(formatMetrics({ ...snap, pnlDollars: '1e5' })).toMatch(/^poly_pnl_dollars NaN$/m);
  });
});

describe('healthOf', () => {
  it('is ok only when connected, not halted and the strategy running', () => {
    expect(healthOf(snap)).toEqual({ ok: true, connected: true, halted: false, last_message_age_s: 0.25, messages: 1234, strategy: { state: 'running' } });
    const stopped = { state: 'stopped', reason: 'boom', hook: 'onBook', at: '2026-01-01T00:00:00.000000000Z', location: 'strategies/x.ts:3:9' } as const;
    expect(healthOf({ ...snap, strategy: stopped })).toMatchObject({ ok: false, strategy: stopped });
    expect(formatMetrics({ ...snap, strategy: stopped })).toMatch(/^poly_strategy_running 0$/m);
    expect(healthOf({ ...snap, connected: false }).ok).toBe(false);
    expect(healthOf({ ...snap, riskHalted: true }).ok).toBe(false);
    expect(healthOf({ ...snap, lastMessageAgeSeconds: null }).last_message_age_s).toBeNull();
  });
});
