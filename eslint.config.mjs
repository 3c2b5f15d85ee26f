// Lint exists mainly for one rule: src/core/ is pure. It never reads the wall clock,
// Math.random, timers, the environment or the locale, and imports nothing from node:* (habit 5 in
// STYLE.md). Which layer may import which is dependency-cruiser's job (.dependency-cruiser.mjs).
import tseslint from 'typescript-eslint';

const impure = 'src/core is pure: time and randomness are passed in (Clock, Rng); I/O lives outside core.';
const localeDependent = 'src/core is pure: output must not depend on the machine\'s locale (format with explicit code, e.g. src/core/reports)';
const localeProps = ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString', 'toLocaleUpperCase', 'toLocaleLowerCase', 'localeCompare'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/**', 'recordings/**', 'coverage/**', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-var': 'error',
      'prefer-const': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'Date', message: impure }, { name: 'setTimeout', message: impure },
        { name: 'setInterval', message: impure }, { name: 'setImmediate', message: impure },
        { name: 'clearTimeout', message: impure }, { name: 'clearInterval', message: impure },
        { name: 'queueMicrotask', message: impure }, { name: 'performance', message: impure },
        { name: 'process', message: impure }, { name: 'require', message: impure },
        { name: 'fetch', message: impure }, { name: 'crypto', message: impure },
        { name: 'Intl', message: localeDependent },
        { name: 'globalThis', message: `${impure} (no globalThis: everything core uses is imported or passed in)` },
        { name: 'global', message: impure },
      ],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: impure },
        { object: 'globalThis', property: 'Date', message: impure },
        { object: 'globalThis', property: 'process', message: impure },
        { object: 'globalThis', property: 'setTimeout', message: impure },
        ...localeProps.map((property) => ({ property, message: localeDependent })),
      ],
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*'], message: impure },
        { group: ['fs', 'path', 'os', 'net', 'http', 'https', 'child_process', 'worker_threads', 'crypto', 'timers', 'timers/*', 'perf_hooks'], message: impure },
        { group: ['ws', 'undici', '@duckdb/*', 'apache-arrow', 'commander'], message: impure },
        { group: ['**/sources/**', '**/recorder/**', '**/engine/**', '**/io/**', '**/cli/**', '**/sim/**'], message: 'core imports only core' },
      ] }],
    },
  },
  {
    // strategies use only the public strategy API ('poly', as in a user's project), so internals can change without breaking them
    files: ['strategies/**/*.ts'],
    ignores: ['strategies/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/src/*', '**/src/**'], message: "strategies import only the public API, by its package name: import { ... } from 'poly'" },
        { group: ['node:*', 'fs', 'path', 'os', 'net', 'http', 'https', 'child_process'], message: 'strategies do no I/O: they get everything through ctx' },
      ] }],
      'no-restricted-globals': ['error', { name: 'Date', message: 'use ctx.now()' }, { name: 'setTimeout', message: 'use ctx.setTimeout()' }, { name: 'setInterval', message: 'use ctx timers' }, { name: 'process', message: 'strategies get parameters through their zod schema' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'use ctx.rng' }],
    },
  },
);
