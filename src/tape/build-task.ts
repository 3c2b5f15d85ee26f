/**
 * A tape build worker thread (see build.ts): encodes the chunks it is sent, one at a time, and posts each
 * batch back with its buffers transferred.
 */
import { parentPort } from 'node:worker_threads';
import { RecordingError } from '../recorder/errors.ts';
import { buffersOf, encodeChunk, type FromWorker, type ToWorker } from './build.ts';

const port = parentPort;
if (port === null) throw new Error('build-task.ts runs in a worker thread');
const shapes = new Map<string, boolean>();
port.on('message', (m: ToWorker) => {
  void (async () => {
    try {
      for await (const batch of encodeChunk(m.dir, m.chunk, shapes)) {
        port.postMessage({ type: 'batch', id: m.chunk.id, batch } satisfies FromWorker, buffersOf(batch));
      }
      port.postMessage({ type: 'done', id: m.chunk.id } satisfies FromWorker);
    } catch (e) {
      const code = e instanceof RecordingError ? e.code : null;
      port.postMessage({ type: 'error', id: m.chunk.id, message: e instanceof Error ? e.message : String(e), recordingCode: code } satisfies FromWorker);
    }
  })();
});
