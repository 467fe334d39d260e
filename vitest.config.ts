import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import { packageSources } from './vitest.packages.js';

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
