import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the bundled strategies import the public API by its package name, as users' strategies do
  resolve: { alias: { poly: fileURLToPath(new URL('./src/api.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts', 'strategies/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // never write a snapshot as a side effect of a run: goldens change only by `npm run golden:update`
    update: 'none',
  },
});
