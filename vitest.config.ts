import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'strategies/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // never write a snapshot as a side effect of a run: goldens change only by `npm run golden:update`
    update: 'none',
  },
});
