import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import { packageSources } from './vitest.packages.js';

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
