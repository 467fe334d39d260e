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

// Unit and integration tests: *.spec.ts beside the code, the gateway's and its packages'. SWC (not esbuild) so that
// Nest's decorator metadata is emitted.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { alias: packageSources },
  test: {
    globals: true,
    root: './',
    include: ['src/**/*.spec.ts', 'packages/*/src/**/*.spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
