/**
 * Structured log events of the recording writer and repair (the `onEvent` hook). Every event carries a
 * one-line `message` fit for a log; the other fields are for machines. Emitting never throws into the
 * writer: a throwing hook is ignored.
 */
import type { RecordingErrorCode } from './errors.ts';
import type { ManifestFile } from './manifest.ts';
import type { RepairReport } from './repair-report.ts';

export type WriterEvent =
  | { readonly type: 'session_started'; readonly message: string; readonly nextSeq: number }
  | { readonly type: 'lock_taken_over'; readonly message: string; readonly stalePid: number | null }
  | { readonly type: 'repaired'; readonly message: string; readonly report: RepairReport }
  | {
      readonly type: 'spool_damage';
      readonly message: string;
      readonly spool: string;
      readonly tornLines: number;
      readonly tornBytes: number;
      readonly corruptLines: number;
    }
  | { readonly type: 'rotated'; readonly message: string; readonly spool: string; readonly parts: readonly ManifestFile[]; readonly rows: number }
  | { readonly type: 'error'; readonly message: string; readonly code: RecordingErrorCode }
  | { readonly type: 'closed'; readonly message: string; readonly rows: number; readonly files: number };

export type EventSink = (e: WriterEvent) => void;

export function safeEmit(sink: EventSink | undefined, e: WriterEvent): void {
  if (sink === undefined) return;
  try {
    sink(e);
  } catch {
    // a logging hook must never break recording
  }
}
