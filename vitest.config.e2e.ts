import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// The workspace packages from their sources, so tests need no build of them (the gateway's own
// processes in the e2e tests run the built ones, as production does).
const packageSources = [
  { find: /^@zoom-gateway\/zoom-simulator$/, replacement: '/packages/zoom-simulator/src/index.ts' },
  {
    find: /^@zoom-gateway\/zoom-simulator\/testing$/,
    replacement: '/packages/zoom-simulator/src/testing/sim-test-helpers.ts',
  },
  { find: /^@zoom-gateway\/zoom-routes$/, replacement: '/packages/zoom-routes/src/index.ts' },
].map(({ find, replacement }) => ({
  find,
  replacement: new URL(`.${replacement}`, import.meta.url).pathname,
}));

// End-to-end tests start the built gateway (dist/) as real processes, so they run
// one file at a time: each file owns its replicas, ports and databases.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { alias: packageSources },
  test: {
    globals: true,
    root: './',
    include: ['test/**/*.e2e-spec.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
