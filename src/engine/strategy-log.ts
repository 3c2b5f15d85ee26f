/**
 * ctx.log for people: every line a strategy logs goes to strategy.log.jsonl beside the reports, one JSON
 * object per line, stamped with virtual time (ISO and ns) and the seq of the last raw record the kernel had
 * taken (null before the first):
 *
 *   {"ts":"2025-12-11T11:00:42.123456789Z","ts_ns":"1765450842123456789","seq":17,"level":"info","msg":"filled","fields":{"px":4100}}
 *
 * and, with --verbose, on stderr as `strategy <ISO> seq=<n> <level>: <msg> <fields>`.
 *
 * Invariants: lines are written in the order logged (the kernel's total order), so the file is deterministic
 * (same run, same bytes, any --speed); bigint fields are written as strings, a field that cannot be
 * serialised is written as its String(); memory stays flat (lines are buffered up to 64 KiB, then appended to
 * the file). The file is only created when a line is logged. It is a diagnostic, not a report: it is not in
 * run.json's outputs and `--check` ignores it (a log line added while debugging must not fail a golden).
 * When the report directory is not known yet (replay: it is named after the run), lines go to a temp file
 * that `finish(dir)` moves into place.
 */
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StrategyLogLine } from '../core/kernel/trading-kernel.ts';
import { isoFromNs } from '../core/time.ts';

export const STRATEGY_LOG_FILE = 'strategy.log.jsonl';
const FLUSH_BYTES = 64 * 1024;

function fieldsJson(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) out[k] = typeof v === 'bigint' ? v.toString() : String(v);
    return JSON.stringify(out);
  }
}

export class StrategyLog {
  /** Lines logged so far. */
  lines = 0;
  private buf: string[] = [];
  private bufBytes = 0;
  private fd: number | null = null;
  private path: string | null;
  private tempDir: string | null = null;

  private failed = false;

  /**
   * @param path where to write (live: the report directory is known); null = a temp file until finish(dir)
   * @param verbose also print each line on stderr
   * @param flushBytes buffer this much before appending to the file (live: 0, every line at once)
   */
  constructor(
    path: string | null,
    private readonly verbose: boolean,
    private readonly stderr: (text: string) => void = (t) => void process.stderr.write(t),
    private readonly flushBytes = FLUSH_BYTES,
  ) {
    this.path = path;
  }

  /** The kernel's logSink. */
  readonly sink = (l: StrategyLogLine): void => {
    const iso = isoFromNs(l.tsNs);
    const fields = l.fields === undefined ? null : fieldsJson(l.fields);
    const line = `{"ts":${JSON.stringify(iso)},"ts_ns":"${l.tsNs}","seq":${l.seq ?? 'null'},"level":"${l.level}","msg":${JSON.stringify(l.msg)}${fields === null ? '' : `,"fields":${fields}`}}\n`;
    this.lines += 1;
    this.buf.push(line);
    this.bufBytes += line.length;
    if (this.bufBytes >= this.flushBytes) this.flush();
    if (this.verbose) this.stderr(`strategy ${iso} seq=${l.seq ?? '-'} ${l.level}: ${l.msg}${fields === null ? '' : ` ${fields}`}\n`);
  };

  /**
   * Appends buffered lines to the file (creating it, and its directory, on first use). Never throws: the
   * sink runs inside strategy hooks, and a log that cannot be written must not stop the strategy; the first
   * failure is reported on stderr and the file is given up.
   */
  flush(): void {
    if (this.buf.length === 0 || this.failed) return;
    try {
      if (this.fd === null) {
        if (this.path === null) {
          this.tempDir = mkdtempSync(join(tmpdir(), 'poly-log-'));
          this.path = join(this.tempDir, STRATEGY_LOG_FILE);
        } else {
          mkdirSync(dirname(this.path), { recursive: true });
        }
        this.fd = openSync(this.path, 'w');
      }
      writeSync(this.fd, this.buf.join(''));
    } catch (err) {
      this.failed = true;
      this.stderr(`poly: warning: cannot write the strategy log ${this.path ?? ''} (${(err as NodeJS.ErrnoException).code ?? String(err)}); logging to it stops\n`);
    }
    this.buf = [];
    this.bufBytes = 0;
  }

  /** Flushes and closes; with `dir`, moves a temp file to dir/strategy.log.jsonl. Returns the file, or null when nothing was logged. */
  finish(dir?: string): string | null {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.path === null) {
      // nothing logged: no file, and none left over from an earlier run into the same directory
      if (dir !== undefined) rmSync(join(dir, STRATEGY_LOG_FILE), { force: true });
      return null;
    }
    if (this.tempDir !== null && dir !== undefined) {
      const target = join(dir, STRATEGY_LOG_FILE);
      try {
        renameSync(this.path, target);
      } catch {
        copyFileSync(this.path, target); // another filesystem
      }
      rmSync(this.tempDir, { recursive: true, force: true });
      this.tempDir = null;
      this.path = target;
    }
    return this.path;
  }
}
