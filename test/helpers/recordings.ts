/** Test recordings made from the bundled one: split by receive time into two recordings (different data, different digests). */
import { join } from 'node:path';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';

export const BUNDLED = join(import.meta.dirname, '..', '..', 'recordings', 'sol-15m');

/** Writes the bundled recording's records with recvNs < midNs into `a` and the rest into `b`. */
export async function splitBundled(a: string, b: string, midNs: bigint): Promise<void> {
  const m = await readManifest(BUNDLED);
  const wa = await RecordingWriter.open({ dir: a, markets: [...m.markets], now: () => 0n });
  const wb = await RecordingWriter.open({ dir: b, markets: [...m.markets], now: () => 0n });
  for await (const r of readRecording(BUNDLED)) (r.recvNs < midNs ? wa : wb).append(r);
  await wa.close();
  await wb.close();
}
