#!/usr/bin/env node
// Entry point: registers tsx so that cli.ts and user strategy files written in TypeScript
// run without a build step, then hands over to cli.ts.
import { register } from 'tsx/esm/api';

register();
// `poly ... | head` closes our stdout early: that is not an error worth a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv);
