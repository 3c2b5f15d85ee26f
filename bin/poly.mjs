#!/usr/bin/env node
// Entry point: registers tsx so that cli.ts and user strategy files written in TypeScript
// run without a build step, then hands over to cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv);
