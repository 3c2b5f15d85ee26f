#!/usr/bin/env node
// Entry point: registers tsx so that cli.ts and user strategy files written in TypeScript
// run without a build step, and resolve-hooks.mjs so that `import ... from 'poly'` in a strategy file
// anywhere resolves to this poly; then hands over to cli.ts.
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

register();
registerHooks('./resolve-hooks.mjs', import.meta.url);
// `poly ... | head` closes our stdout early: that is not an error worth a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv);
