// Module resolution hooks registered by bin/poly.mjs (node:module register), so that a strategy file
// anywhere on disk loads:
// - `import ... from 'poly'` always resolves to THIS poly's public API (src/api.ts), wherever the strategy
//   lives (inside a project that installed poly, in /tmp, in a checkout): one copy of poly per run, the one
//   running the kernel;
// - a bare `zod` that cannot be resolved from the strategy's directory falls back to poly's own zod (the
//   bundled strategies import it; `import { z } from 'poly'` needs nothing);
// - a .ts strategy is an ES module wherever it is (see resolve()).
// tsx (registered before these hooks) still transforms the TypeScript.
const API = new URL('../src/api.ts', import.meta.url).href;
const SELF = new URL('../package.json', import.meta.url).href;
const FALLBACK = new Set(['zod']);

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'poly') return nextResolve(API, context);
  try {
    const r = await nextResolve(specifier, context);
    // strategies are ES modules: a .ts file outside node_modules loads as one even where the nearest
    // package.json has no "type": "module" (or there is none: Node's default would be CommonJS); .cts stays CJS
    if ((r.format === 'commonjs' || r.format === 'commonjs-typescript') && r.url.startsWith('file:') && /\.tsx?$/.test(r.url) && !r.url.includes('/node_modules/')) return { ...r, format: 'module' };
    return r;
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && FALLBACK.has(specifier)) return nextResolve(specifier, { ...context, parentURL: SELF });
    throw err;
  }
}
