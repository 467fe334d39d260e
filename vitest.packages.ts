// The workspace packages from their sources, so tests need no build of them (the gateway's own
// processes in the e2e tests run the built ones, as production does).
export const packageSources = [
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
