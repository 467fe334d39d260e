// `npm run bench` runs this after `tsc -p tsconfig.bench.json`: tsc emits no data files, so the
// JSON files the gateway and the simulator read at run time (src/zoom/api/route-table/
// zoom-routes.data.json, loaded with `new URL('./zoom-routes.data.json', import.meta.url)`) are
// copied beside their compiled modules in dist-bench/, as `nest build` copies them into dist/
// (nest-cli.json `assets`). Every *.json under src/ is copied, so a new data file needs no change here.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist-bench/bench/lib/ → the project root and dist-bench/. */
const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const copied: string[] = [];
for (const entry of readdirSync(join(PROJECT_ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
  if (!entry.endsWith('.json')) continue;
  const target = join(BUILD_ROOT, 'src', entry);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(PROJECT_ROOT, 'src', entry), target);
  copied.push(`src/${entry}`);
}
if (copied.length === 0) throw new Error(`no data files under ${join(PROJECT_ROOT, 'src')}`);
console.log(`bench: copied ${copied.join(', ')} into dist-bench/`);
