/**
 * What a repair of a recording directory found and did (src/recorder/repair.ts). Its own module so that the
 * recorder's event types (events.ts) can name it without importing repair.ts, which emits those events.
 */
export interface RepairReport {
  readonly dir: string;
  /** Spool segments found (all converted and removed when repair returns). */
  spoolSegments: number;
  /** Records moved from spool to new Parquet parts. */
  recovered: number;
  /** Spool records skipped because their seq was already in Parquet. */
  alreadyStored: number;
  /** Torn tail lines/bytes dropped (an interrupted last write). */
  tornTailLines: number;
  tornTailBytes: number;
  /** Unreadable lines in the middle of a spool (records around them were kept). */
  corruptLines: number;
  partsWritten: string[];
  /** Parts found on disk but not in the manifest, now indexed. */
  partsIndexed: string[];
  /** Parts listed in the old manifest but missing on disk (their rows are lost). */
  missingParts: string[];
  tempFilesRemoved: number;
  sessionsClosed: number;
  /** The old manifest was missing or invalid and was rebuilt from the parts. */
  manifestRebuilt: boolean;
  /** One line each, for people. */
  messages: string[];
}

export function emptyRepairReport(dir: string): RepairReport {
  return {
    dir,
    spoolSegments: 0,
    recovered: 0,
    alreadyStored: 0,
    tornTailLines: 0,
    tornTailBytes: 0,
    corruptLines: 0,
    partsWritten: [],
    partsIndexed: [],
    missingParts: [],
    tempFilesRemoved: 0,
    sessionsClosed: 0,
    manifestRebuilt: false,
    messages: [],
  };
}

/** True if repair did anything that a person should hear about. */
export function repairChangedSomething(r: RepairReport): boolean {
  return (
    r.spoolSegments > 0 ||
    r.partsIndexed.length > 0 ||
    r.missingParts.length > 0 ||
    r.tempFilesRemoved > 0 ||
    r.sessionsClosed > 0 ||
    r.manifestRebuilt
  );
}
