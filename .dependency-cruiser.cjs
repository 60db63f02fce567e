/**
 * The layering of DESIGN.md, checked in CI:
 *   kernel <- engine, store <- services <- actions <- gateway <- cli/main
 * Only main (src/main.ts) picks concrete implementations (SQLite store, local
 * engine, NBD server); services see the engine and store through their ports.
 */
const TESTS = '(\\.test\\.ts$|\\.bench\\.ts$|/testing/)';

const layer = (name, path, allowed) => ({
  name: `${name}-imports`,
  comment: `${name} may import only: ${allowed.join(', ')}`,
  severity: 'error',
  from: { path: `^src/${path}`, pathNot: TESTS },
  to: { path: '^src/', pathNot: allowed.map((a) => `^src/${a}`) },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('kernel', 'kernel/', ['kernel/']),
    layer('engine', 'engine/', ['kernel/', 'engine/']),
    layer('store', 'store/', ['kernel/', 'store/']),
    layer('services', 'services/', [
      'kernel/', 'services/', 'engine/engine\\.ts$', 'engine/block-device\\.ts$', 'store/metadata-store\\.ts$',
      'store/records\\.ts$',
    ]),
    layer('actions', 'actions/', ['kernel/', 'actions/', 'services/index\\.ts$', 'store/records\\.ts$']),
    layer('gateway', 'gateway/', [
      'kernel/', 'gateway/', 'actions/index\\.ts$', 'services/index\\.ts$', 'services/accounts\\.ts$',
    ]),
    layer('cli', 'cli/', ['cli/', 'main\\.ts$']),
    {
      name: 'tests-only-from-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: TESTS },
      to: { path: TESTS },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
