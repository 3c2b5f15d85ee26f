// Worker-thread entry of the tape's parallel build (src/tape/build.ts): registers tsx in this thread (module
// hooks registered in the main thread do not reach worker threads), then loads the TypeScript task.
import { register } from 'tsx/esm/api';

register();
await import('./build-task.ts');
