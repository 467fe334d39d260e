// `npm start` on a fresh clone: build once, then reuse the builds while they are newer than their sources.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

// The gateway and its packages (the route table; the simulator of the embedded default).
const builds = [
  { marker: 'dist/src/main.js', sources: ['src', 'packages/zoom-routes/src'] },
  { marker: 'packages/zoom-simulator/dist/standalone.js', sources: ['packages/zoom-simulator/src'] },
  // The operator console's page (served at /console).
  { marker: 'dist/console/index.html', sources: ['console/src'] },
];
const stale = builds.some(
  ({ marker, sources }) =>
    !existsSync(marker) || sources.some((dir) => statSync(marker).mtimeMs < newest(dir)),
);
if (stale) {
  console.error('zoom-gateway: building (first start or sources changed)...');
  execSync('npm run build', { stdio: 'inherit' });
}
