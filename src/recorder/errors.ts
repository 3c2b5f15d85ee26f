/**
 * Recording errors: every failure of the storage layer that a person may see is a RecordingError with
 * ONE line that names the directory/file and, where there is one, the fix. The CLI prints `message` as is.
 *
 * Codes
 * - MISSING          the recording directory does not exist
 * - NOT_A_RECORDING  the directory exists but holds no manifest.json / spool / Parquet parts
 * - UNWRITABLE       the directory cannot be created or written
 * - LOCKED           another live process holds DIR/.lock
 * - DISK_FULL        ENOSPC while writing (what was flushed before is kept)
 * - IO               any other filesystem error while writing
 * - CORRUPT          stored data contradicts itself (bad manifest, overlapping or out-of-order seqs)
 * - UPSTREAM         the caller broke the append contract (seq not increasing, recvNs going back)
 * - CLOSED           the writer was used after close() or after a fatal error
 * - INPUT            a request that cannot be carried out as given (e.g. merge inputs); nothing was written
 */
export type RecordingErrorCode =
  | 'MISSING'
  | 'NOT_A_RECORDING'
  | 'UNWRITABLE'
  | 'LOCKED'
  | 'DISK_FULL'
  | 'IO'
  | 'CORRUPT'
  | 'UPSTREAM'
  | 'CLOSED'
  | 'INPUT';

export class RecordingError extends Error {
  constructor(
    readonly code: RecordingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RecordingError';
  }
}
