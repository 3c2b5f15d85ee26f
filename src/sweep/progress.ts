/**
 * The sweep's progress line on stderr: runs done / total, cached, rate, ETA and the best result so far.
 * Only on a terminal (a redirected stderr gets the final summary line only). Wall time is used for the rate
 * and ETA shown to people; it never reaches a result.
 */
import type { SweepProgressEvent } from './sweep.ts';

export function sweepProgress(enabled: boolean): { update: (e: SweepProgressEvent) => void; done: () => void } {
  let firstRan: { t: number; ran: number } | null = null;
  let last = '';
  return {
    update(e) {
      if (!enabled) return;
      const now = performance.now();
      if (firstRan === null) firstRan = { t: now, ran: e.ran };
      const width = 24;
      const frac = e.total > 0 ? e.done / e.total : 1;
      const filled = Math.round(frac * width);
      const secs = (now - firstRan.t) / 1000;
      const rate = secs > 0.5 ? (e.ran - firstRan.ran) / secs : 0;
      const left = e.total - e.done;
      const eta = rate > 0 ? `ETA ${fmt(left / rate)}` : 'ETA -';
      const line = `sweep [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${e.total} runs (${e.cached} cached) ${rate.toFixed(1)} runs/s ${eta}${e.best !== null ? ` | best ${e.best}` : ''}`;
      const cols = Math.max(40, (process.stderr.columns || 120) - 1);
      const shown = line.length > cols ? `${line.slice(0, cols - 1)}…` : line;
      if (shown !== last) process.stderr.write(`\r\x1b[2K${shown}`);
      last = shown;
    },
    done() {
      if (enabled && last !== '') process.stderr.write('\n');
    },
  };
}

function fmt(s: number): string {
  if (!Number.isFinite(s)) return '-';
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
