// `npm start` on a fresh clone: build once, then reuse dist/ while it is newer than src/.
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

const marker = 'dist/src/main.js';
if (!existsSync(marker) || statSync(marker).mtimeMs < newest('src')) {
  console.error('zoom-gateway: building (first start or sources changed)...');
  execSync('npx nest build', { stdio: 'inherit' });
}
