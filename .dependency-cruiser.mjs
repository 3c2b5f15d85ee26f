// The layer rule, enforced by dependency-cruiser in `npm test` (`npm run lint:deps`); ARCHITECTURE.md's map is
// this table. Each layer lists the layers it may import (itself always allowed); anything else is an error,
// and so is any import cycle. Layers that do not exist yet are configured so that they are valid when they
// land. Type-only imports count: a type is a dependency too.
//
//   layer       path                     may import
const LAYERS = {
  cli: { path: '^(cli\\.ts$|src/cli/)', may: ['sweep', 'engine', 'report', 'import', 'tape', 'recorder', 'sources', 'io', 'sim', 'api', 'core'] },
  sweep: { path: '^src/sweep/', may: ['engine', 'report', 'tape', 'recorder', 'import', 'io', 'sources', 'core'] },
  engine: { path: '^src/engine/', may: ['report', 'tape', 'recorder', 'io', 'sources', 'core'] },
  report: { path: '^src/report/', may: ['io', 'core'] },
  import: { path: '^src/import/', may: ['recorder', 'io', 'sources', 'core'] },
  tape: { path: '^src/tape/', may: ['recorder', 'io', 'core'] },
  recorder: { path: '^src/recorder/', may: ['io', 'sources', 'core'] },
  sources: { path: '^src/sources/', may: ['io', 'core'] },
  io: { path: '^src/io/', may: ['core'] },
  sim: { path: '^src/sim/', may: ['sources', 'io', 'core'] },
  // the public strategy API (what `import ... from 'poly'` gives) re-exports core only
  api: { path: '^src/api\\.ts$', may: ['core'] },
  core: { path: '^src/core/', may: [] },
  // strategies (bundled, and the shape of a user's) import only the public API and their own helpers
  strategies: { path: '^strategies/(?!.*\\.test\\.ts$)', may: ['api'] },
};

const layerRules = Object.entries(LAYERS).map(([name, layer]) => {
  const allowed = [layer.path, ...layer.may.map((m) => LAYERS[m].path)];
  return {
    name: `layer-${name}`,
    severity: 'error',
    comment: `${name} may import only: ${[name, ...layer.may].join(', ')} (ARCHITECTURE.md, "Layers")`,
    from: { path: layer.path },
    to: { path: '^(cli\\.ts$|src/|strategies/|test/|bench/|recordings/)', pathNot: allowed },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...layerRules,
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'dependencies point one way: an import cycle hides which module owns what',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'src/core imports no node: module (time, randomness and I/O are passed in; the eslint rule says the same)',
      from: { path: LAYERS.core.path },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-packages',
      severity: 'error',
      comment: 'src/core uses only pure libraries: zod and decimal.js',
      from: { path: LAYERS.core.path },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: '(^|/)node_modules/(zod|decimal\\.js)/' },
    },
    {
      name: 'sim-is-a-test-tool',
      severity: 'error',
      comment: 'only the CLI (poly exchange) and tests use the simulator',
      from: { path: '^src/', pathNot: `${LAYERS.sim.path}|${LAYERS.cli.path}` },
      to: { path: LAYERS.sim.path },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'an import that does not resolve is a typo or a missing dependency',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|reports|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['poly-source', 'import', 'default'], extensions: ['.ts', '.mjs', '.js', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

export { LAYERS };
