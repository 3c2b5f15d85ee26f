// Worker-thread entry of the local sweep pool (piscina): registers tsx in this thread (module hooks
// registered in the main thread do not reach worker threads), then hands over to the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const task = await import('./pool-task.ts');
export default task.default;
