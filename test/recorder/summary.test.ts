import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import { summarizeRecording } from '../../src/recorder/summary.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';
import { cleanupTempDirs, recordFor, tempDir } from './helpers.ts';
import { CONDITION, T0, writeSample } from './sample.ts';

afterAll(cleanupTempDirs);

describe('summarizeRecording', () => {
  it('counts raw records, normalized events, connections, reconnects and gaps', async () => {
    const dir = join(tempDir(), 'rec');
    const recs = await writeSample(dir);
    const s = await summarizeRecording(dir);
    expect(s.records).toBe(recs.length);
    expect(s.bySource).toEqual({ market_ws: 10, rtds_ws: 2 });
    expect(s.byKind).toEqual({ close: 1, frame: 7, open: 3, send: 1 });
    // normalized counts are what the core normalizer makes of the same records
    const byType: Record<string, number> = {};
    for (const r of recs) for (const e of normalizeRecord(r)) byType[e.type] = (byType[e.type] ?? 0) + 1;
    expect(s.normalized.byType).toEqual(byType);
    expect(s.normalized.byType).toMatchObject({ book_snapshot: 1, book_delta: 1, trade: 2, feed_state: 4 });
    expect(s.normalized.errors).toBeGreaterThanOrEqual(1);
    expect(Object.values(s.normalized.errorsByCode).reduce((a, b) => a + b, 0)).toBe(s.normalized.errors);
    expect(s.markets).toEqual([expect.objectContaining({ conditionId: CONDITION, slug: 'will-trump-win' })]);
    expect(s.connections.map((c) => [c.source, c.conn, c.records, c.opens, c.closes, c.errors])).toEqual([
      ['market_ws', 'm1', 8, 1, 1, 0],
      ['market_ws', 'm2', 2, 1, 0, 0],
      ['rtds_ws', 'r1', 2, 1, 0, 0],
    ]);
    expect(s.reconnects).toEqual({ market_ws: 1 });
    expect(s.gaps).toEqual([
      // measured from the last data frame (the book at +500 ms; the PONG at +400 ms is not data), not the close row
      { source: 'market_ws', conn: 'm1', cause: 'close', detail: 'code 1006 abnormal closure', fromNs: (T0 + 500_000_000n).toString(), detectedNs: (T0 + 600_000_000n).toString(), toNs: (T0 + 3_100_000_000n).toString(), durationMs: 2600 },
    ]);
    expect(s.seqGaps).toEqual([]);
    expect(s.timeRange).toMatchObject({ from: '2025-12-11T11:00:00.000Z', durationS: 3.4 });
    expect(s.sessions).toHaveLength(1);
    expect(s.pendingSpoolSegments).toBe(0);
  });

  it('reports seq gaps and an open-ended gap at the end', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir });
    for (const s of [1, 2, 3, 7, 8]) w.append(recordFor(s));
    w.append({ ...recordFor(9), kind: 'error', payload: 'ECONNRESET' });
    await w.close();
    const s = await summarizeRecording(dir);
    expect(s.seqGaps).toEqual([{ afterSeq: 3, nextSeq: 7, missing: 3 }]);
    expect(s.gaps).toEqual([expect.objectContaining({ cause: 'error', detail: 'ECONNRESET', toNs: null, durationMs: null })]);
  });
});
