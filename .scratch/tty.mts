import { exec } from 'node:child_process';
import { startFileServer } from '../test/import/helpers.ts';
const srv = await startFileServer('bench/out/pmxt-v1-5000000-2000');
const cmd = `node bin/poly.mjs import pmxt --from 2026-05-01T10 --to 2026-05-01T12 --market bench-import-8 --meta bench/out/pmxt-v1-5000000-2000/meta.json --base-url ${srv.url} --cache /tmp/imp/ttycache-${Date.now()} --out /tmp/imp/tty-out --force`;
const out = await new Promise<string>((r) => exec(`script -qec "${cmd}" /dev/null`, (_e, so) => r(so))); console.log(JSON.stringify(out.slice(-2500)));
await srv.close();
