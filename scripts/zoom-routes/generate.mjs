// Builds packages/zoom-routes/src/zoom-routes.data.json, every Zoom API operation with its
// rate-limit category, from the copies of Zoom's own API reference kept in ./specs (see README.md).
//
//   node scripts/zoom-routes/generate.mjs            regenerate the data file (no network)
//   node scripts/zoom-routes/generate.mjs import NAME FILE --repo OWNER/NAME --path PATH
//        --commit SHA --as-of YYYY-MM-DD              trim a spec (JSON, YAML, or a docs page.md
//                                                    with an "## OpenAPI" section) into ./specs
//
// The pure core (rowsFromSpec, mergeSources, ...) is exported for the route table's spec.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SPECS_DIR = path.join(HERE, 'specs');
const OUT_FILE = path.resolve(HERE, '../../packages/zoom-routes/src/zoom-routes.data.json');

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Operations whose description names no category are paced as Heavy: the strictest per-second
 * category, so an unlabelled call can slow its own callers but never spends the Light or Medium
 * budgets faster than Zoom would (phone and contact center paths count against their product's
 * own Heavy, as the row's `product` says).
 */
export const DEFAULT_CATEGORY = 'heavy';

/** Zoom's per-scope daily limits, by `METHOD shape` (parameters written `{}`). */
const DAILY = new Map([
  // 100 meeting/webinar creates and updates per host user per UTC day.
  ['POST /users/{}/meetings', 'host_user'],
  ['PATCH /meetings/{}', 'host_user'],
  ['POST /users/{}/webinars', 'host_user'],
  ['PATCH /webinars/{}', 'host_user'],
  // 3 registrations per registrant per meeting or webinar per UTC day.
  ['POST /meetings/{}/registrants', 'registrant'],
  ['POST /webinars/{}/registrants', 'registrant'],
  ['POST /meetings/{}/batch_registrants', 'registrant'],
  ['POST /webinars/{}/batch_registrants', 'registrant'],
  // 10 registrant status changes per registrant per meeting or webinar per UTC day.
  ['PUT /meetings/{}/registrants/status', 'registrant_status'],
  ['PUT /webinars/{}/registrants/status', 'registrant_status'],
]);

// The grant areas of src/access/zoom-areas.ts (`zoomTargetOf`), re-implemented here because this
// script runs without a TypeScript build; the route table's spec checks every row against it.
const FIRST_SEGMENT_ALIASES = new Map([
  ['past_meetings', 'meetings'],
  ['live_meetings', 'meetings'],
  ['past_webinars', 'webinars'],
  ['report', 'reports'],
  ['metrics', 'dashboards'],
]);
const USER_SUB_RESOURCES = new Map([
  ['meetings', 'meetings'],
  ['upcoming_meetings', 'meetings'],
  ['meeting_templates', 'meetings'],
  ['meeting_summaries', 'meetings'],
  ['recordings', 'recordings'],
  ['webinars', 'webinars'],
  ['webinar_templates', 'webinars'],
]);
const MEETING_ROOTS = new Set(['meetings', 'past_meetings', 'live_meetings']);
const MEETING_REPORT_ROOTS = new Map([
  ['report', 'reports'],
  ['metrics', 'dashboards'],
]);

/** The label's text in an operation's description ("Rate Limit Label: `LIGHT`"), if any. */
export function rateLimitLabelOf(description) {
  const match = /Rate Limit Label[^`\n]*`([^`\n]+)`/i.exec(description ?? '');
  return match?.[1]?.trim();
}

/** `LIGHT`, `Medium`, `Resource-intensive`, `RESOURCE-INTENSIVE`, ... to the category, or undefined. */
export function categoryOfLabel(label) {
  switch ((label ?? '').toLowerCase().replace(/[\s_-]+/g, '')) {
    case 'light':
      return 'light';
    case 'medium':
      return 'medium';
    case 'heavy':
      return 'heavy';
    case 'resourceintensive':
      return 'resource_intensive';
    default:
      return undefined;
  }
}

/** A template's segments, e.g. `/users/{userId}` -> `['users', '{userId}']`. */
function segmentsOf(template) {
  return template.split('/').slice(1);
}

function isParam(segment) {
  return /^\{[^{}]+\}$/.test(segment);
}

/** `METHOD /path` with every parameter written `{}` and literals lower-cased: two rows Zoom can't tell apart. */
export function shapeOf(method, template) {
  const shape = segmentsOf(template)
    .map((segment) => (isParam(segment) ? '{}' : segment.toLowerCase()))
    .join('/');
  return `${method.toUpperCase()} /${shape}`;
}

export function productOf(template) {
  const first = segmentsOf(template)[0]?.toLowerCase();
  if (first === 'phone') return 'phone';
  if (first === 'contact_center') return 'contact_center';
  return 'general';
}

export function dailyOf(method, template) {
  return DAILY.get(shapeOf(method, template)) ?? null;
}

/** The grant area of a template, as `zoomTargetOf(template).area` answers it. */
export function areaOf(template) {
  const names = segmentsOf(template).map((segment) => segment.toLowerCase());
  const [first = '', second, third] = names;
  const userArea =
    first === 'users' && third !== undefined ? USER_SUB_RESOURCES.get(third) : undefined;
  if (userArea !== undefined) return userArea;
  if (MEETING_ROOTS.has(first) && second !== undefined && second !== '') {
    return third === 'recordings' && first !== 'live_meetings' ? 'recordings' : 'meetings';
  }
  const reportArea = MEETING_REPORT_ROOTS.get(first);
  if (reportArea !== undefined && second === 'meetings' && names[2] !== undefined)
    return reportArea;
  return FIRST_SEGMENT_ALIASES.get(first) ?? first;
}

/** `/users/{userId}/` -> `/users/{userId}`; undefined for what can't be a `/v2` route template. */
export function normaliseTemplate(template) {
  const trimmed = template.trim().replace(/\/+$/, '');
  if (!/^(\/[^/?#\s]+)+$/.test(trimmed)) return undefined;
  // A segment mixing text and a parameter (`{id}.json`) can't be matched segment by segment.
  if (segmentsOf(trimmed).some((segment) => segment.includes('{') && !isParam(segment))) {
    return undefined;
  }
  return trimmed;
}

/**
 * One row per operation of an OpenAPI document (its `paths`; servers are taken to be
 * `https://api.zoom.us/v2`). Pure: the spec's captured fragments run through it too.
 */
export function rowsFromSpec(spec, sourceName) {
  const rows = [];
  for (const [rawTemplate, item] of Object.entries(spec?.paths ?? {})) {
    const template = normaliseTemplate(rawTemplate);
    if (template === undefined) continue;
    for (const method of METHODS) {
      const operation = item?.[method];
      if (operation === undefined || operation === null) continue;
      const upper = method.toUpperCase();
      const category = categoryOfLabel(rateLimitLabelOf(operation.description));
      const row = {
        method: upper,
        path: template,
        category: category ?? DEFAULT_CATEGORY,
        product: productOf(template),
        daily: dailyOf(upper, template),
        area: areaOf(template),
        source: sourceName,
      };
      if (category === undefined) row.labelled = false;
      rows.push(row);
    }
  }
  return rows;
}

export function compareRows(a, b) {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  if (a.method !== b.method) return a.method < b.method ? -1 : 1;
  return 0;
}

/**
 * One row per operation from several sources, given newest first: the newest source that names
 * the operation gives its template and, when it labels it, its category; an operation the newest
 * copy leaves unlabelled takes the label of the newest older copy that has one.
 */
export function mergeSources(sources) {
  const byShape = new Map();
  const stats = { duplicates: 0, labelsFromOlder: 0, conflicts: [] };
  for (const { name, spec } of sources) {
    for (const row of rowsFromSpec(spec, name)) {
      const shape = shapeOf(row.method, row.path);
      const kept = byShape.get(shape);
      if (kept === undefined) {
        byShape.set(shape, row);
        continue;
      }
      stats.duplicates++;
      if (kept.labelled === false && row.labelled !== false) {
        kept.category = row.category;
        kept.source = `${kept.source}+${row.source}`;
        delete kept.labelled;
        stats.labelsFromOlder++;
      } else if (row.labelled !== false && kept.category !== row.category) {
        stats.conflicts.push(
          `${shape}: ${kept.source} says ${kept.category}, older ${row.source} says ${row.category}`,
        );
      }
    }
  }
  return { rows: [...byShape.values()].sort(compareRows), stats };
}

/** The trimmed specs in ./specs, newest first (by `source.asOf`, then name). */
function readSources() {
  return readdirSync(SPECS_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const spec = JSON.parse(readFileSync(path.join(SPECS_DIR, file), 'utf8'));
      return {
        name: spec.source?.name ?? path.basename(file, '.json'),
        asOf: spec.source?.asOf ?? '',
        spec,
      };
    })
    .sort((a, b) => (a.asOf !== b.asOf ? (a.asOf < b.asOf ? 1 : -1) : a.name < b.name ? -1 : 1));
}

function countBy(rows, key) {
  const counts = {};
  for (const row of rows) counts[key(row)] = (counts[key(row)] ?? 0) + 1;
  return counts;
}

function generate() {
  const sources = readSources();
  const { rows, stats } = mergeSources(sources);
  const found = new Set(rows.map((row) => shapeOf(row.method, row.path)));
  const missingDaily = [...DAILY.keys()].filter((shape) => !found.has(shape));
  if (missingDaily.length > 0) {
    throw new Error(`daily-limited operations missing from the specs: ${missingDaily.join(', ')}`);
  }
  // One row per line: reviewable diffs when Zoom relabels an operation.
  writeFileSync(OUT_FILE, `[\n${rows.map((row) => `  ${JSON.stringify(row)}`).join(',\n')}\n]\n`);
  const unlabelled = rows.filter((row) => row.labelled === false);
  console.log(`${path.relative(process.cwd(), OUT_FILE)}: ${rows.length} operations`);
  console.log(`  sources (newest first): ${sources.map((s) => `${s.name}@${s.asOf}`).join(' ')}`);
  console.log(`  by category: ${JSON.stringify(countBy(rows, (row) => row.category))}`);
  console.log(`  by product:  ${JSON.stringify(countBy(rows, (row) => row.product))}`);
  console.log(
    `  by product and category: ${JSON.stringify(countBy(rows, (row) => `${row.product}/${row.category}`))}`,
  );
  console.log(
    `  daily-limited: ${JSON.stringify(
      countBy(
        rows.filter((r) => r.daily),
        (r) => r.daily,
      ),
    )}`,
  );
  console.log(
    `  unlabelled (paced as ${DEFAULT_CATEGORY}): ${unlabelled.length}` +
      unlabelled.map((row) => `\n    ${row.method} ${row.path} (${row.source})`).join(''),
  );
  console.log(
    `  duplicates across sources: ${stats.duplicates}; labels taken from an older copy: ${stats.labelsFromOlder}`,
  );
  for (const conflict of stats.conflicts) console.log(`  newer label kept: ${conflict}`);
}

/** The OpenAPI document in FILE: JSON, YAML, or the fenced block under a page's "## OpenAPI". */
async function readSpecFile(file) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.md')) {
    const section = text.indexOf('\n## OpenAPI\n');
    if (section < 0) throw new Error(`${file}: no "## OpenAPI" section`);
    const open = text.indexOf('```', section);
    const bodyStart = text.indexOf('\n', open) + 1;
    return JSON.parse(text.slice(bodyStart, text.indexOf('\n```', bodyStart)));
  }
  if (/\.ya?ml$/.test(file)) {
    const yaml = await import('js-yaml');
    // js-yaml 5 has no `!!binary` type; the tag only marks example payloads this script drops.
    return yaml.load(text.replace(/!!binary(?=\s)/g, ''));
  }
  return JSON.parse(text);
}

/** Keeps what the generator reads: paths, methods, operationId, summary, rate-limit lines. */
export function trimSpec(spec, source) {
  const paths = {};
  for (const [template, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      if (!operation) continue;
      const lines = (operation.description ?? '')
        .split('\n')
        .filter((line) => /rate limit/i.test(line))
        .map((line) => line.trim());
      paths[template] ??= {};
      paths[template][method] = {
        operationId: operation.operationId,
        summary: operation.summary,
        description: lines.join('\n'),
      };
    }
  }
  return {
    source,
    openapi: spec.openapi,
    info: { title: spec.info?.title, version: spec.info?.version },
    servers: spec.servers,
    paths,
  };
}

async function importSpec(args) {
  const [name, file, ...rest] = args;
  const options = {};
  for (let i = 0; i < rest.length; i += 2) options[rest[i].replace(/^--/, '')] = rest[i + 1];
  for (const required of ['repo', 'path', 'commit', 'as-of']) {
    if (!options[required]) throw new Error(`import: --${required} is required`);
  }
  const spec = await readSpecFile(file);
  const source = {
    name,
    repo: options.repo,
    path: options.path,
    commit: options.commit,
    asOf: options['as-of'],
    ...(options.note ? { note: options.note } : {}),
  };
  const out = path.join(SPECS_DIR, `${name}.json`);
  writeFileSync(out, `${JSON.stringify(trimSpec(spec, source), null, 1)}\n`);
  console.log(
    `${path.relative(process.cwd(), out)}: ${rowsFromSpec(spec, name).length} operations`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'import') await importSpec(process.argv.slice(3));
  else generate();
}
