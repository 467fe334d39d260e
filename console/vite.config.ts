import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The operator console: Preact, built into dist/console and served by the gateway at /console
// (no CDN; one hashed script and one stylesheet).
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
