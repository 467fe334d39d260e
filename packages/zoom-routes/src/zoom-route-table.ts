import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Every Zoom API operation and the rate-limit category Zoom's own reference labels it with
 * (https://developers.zoom.us/docs/api/rate-limits/), from `zoom-routes.data.json`, which
 * `npm run zoom:routes` generates from the copies of Zoom's specs in scripts/zoom-routes/specs.
 */

const CATEGORIES = ['light', 'medium', 'heavy', 'resource_intensive'] as const;
const PRODUCTS_WITH_OWN_LIMITS = ['general', 'phone', 'contact_center'] as const;
const DAILY_SCOPES = ['host_user', 'registrant', 'registrant_status'] as const;

export type ZoomRateCategory = (typeof CATEGORIES)[number];
/** Whose rate-limit table a call counts against: Zoom Phone and Contact Center have their own. */
export type ZoomProduct = (typeof PRODUCTS_WITH_OWN_LIMITS)[number];
/**
 * Zoom's per-scope daily limits: meeting and webinar creates and updates per host user,
 * registrations per registrant, registrant status changes per registrant.
 */
export type DailyScope = (typeof DAILY_SCOPES)[number];

export interface ZoomRouteRow {
  /** Upper case, e.g. `GET`. */
  method: string;
  /** The template as Zoom's reference writes it, e.g. `/users/{userId}/meetings`. */
  path: string;
  category: ZoomRateCategory;
  product: ZoomProduct;
  daily: DailyScope | null;
  /** The grant area (`zoomTargetOf(path).area`). */
  area: string;
  /** Which spec copy the row came from (scripts/zoom-routes/README.md). */
  source: string;
  /** False where the spec names no category and the row carries the default, Heavy. */
  labelled: boolean;
}

export interface ZoomRouteMatch {
  row: ZoomRouteRow | undefined;
  /** Express-style (`/users/:userId/meetings`), or `/<product>/*` or `/*` when unknown: a bounded metric label. */
  template: string;
  category: ZoomRateCategory;
  product: ZoomProduct;
  daily: DailyScope | null;
  /** The path's segments by parameter name, raw (still percent-encoded). */
  params: Record<string, string>;
}

/**
 * What an operation the table does not know is paced as: Heavy, the strictest per-second
 * category, so it can slow its own callers but never spends the Light or Medium budgets of the
 * account's other apps faster than Zoom would allow.
 */
export const UNKNOWN_CATEGORY: ZoomRateCategory = 'heavy';

/** Zoom's top-level API resources (https://developers.zoom.us/docs/api/), for unknown routes' labels. */
const PRODUCTS: readonly string[] = (
  'accounts archive_files chat clips contact_center contacts devices docs groups h323 im ' +
  'live_meetings live_webinars mail marketplace meetings metrics past_meetings past_webinars ' +
  'phone report roles rooms scheduler sip_phones tasks tracking_fields tsp users webinars ' +
  'whiteboards workspaces zoom_events'
).split(' ');

const rowSchema = z
  .object({
    method: z.string().regex(/^[A-Z]+$/),
    path: z.string().regex(/^(\/[^/?#\s]+)+$/),
    category: z.enum(CATEGORIES),
    product: z.enum(PRODUCTS_WITH_OWN_LIMITS),
    daily: z.enum(DAILY_SCOPES).nullable(),
    area: z.string(),
    source: z.string(),
    labelled: z.literal(false).optional(),
  })
  .strict();

const DATA_FILE = new URL('./zoom-routes.data.json', import.meta.url);

/** The rows of `zoom-routes.data.json`, checked: a malformed file fails at startup, not mid-request. */
export function readZoomRouteRows(file: URL = DATA_FILE): ZoomRouteRow[] {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return z
    .array(rowSchema)
    .parse(raw)
    .map((row) => ({ ...row, labelled: row.labelled ?? true }));
}

interface CompiledRoute {
  row: ZoomRouteRow;
  template: string;
  /** Segment index and parameter name, from this row's own template (siblings may name it otherwise). */
  params: readonly (readonly [number, string])[];
}

interface RouteNode {
  /** Keyed by the lower-cased literal segment. */
  literals: Map<string, RouteNode>;
  param: RouteNode | undefined;
  routes: Map<string, CompiledRoute>;
}

function newNode(): RouteNode {
  return { literals: new Map(), param: undefined, routes: new Map() };
}

function isParam(segment: string): boolean {
  return segment.startsWith('{') && segment.endsWith('}');
}

/** Literal segments are compared decoded and case-insensitively, as Zoom (and zoomTargetOf) do. */
function literalKey(segment: string): string {
  return (segment.includes('%') ? decoded(segment) : segment).toLowerCase();
}

function productOfFirst(first: string): ZoomProduct {
  if (first === 'phone') return 'phone';
  if (first === 'contact_center') return 'contact_center';
  return 'general';
}

/** `/users/me/` -> `['users', 'me']`; a query, which callers should not pass, is ignored. */
function segmentsOf(path: string): string[] {
  const query = path.indexOf('?');
  let trimmed = query >= 0 ? path.slice(0, query) : path;
  if (trimmed.endsWith('/')) trimmed = trimmed.slice(0, -1);
  if (trimmed === '') return [];
  return (trimmed.startsWith('/') ? trimmed.slice(1) : trimmed).split('/');
}

export class ZoomRouteTable {
  private static defaultTable: ZoomRouteTable | undefined;

  private readonly root: RouteNode = newNode();
  /** First segments that get their own unknown-route label: Zoom's products and the table's roots. */
  private readonly roots: ReadonlySet<string>;

  constructor(readonly rows: readonly ZoomRouteRow[]) {
    const roots = new Set(PRODUCTS);
    for (const row of rows) {
      const segments = row.path.split('/').slice(1);
      let node = this.root;
      const params: [number, string][] = [];
      segments.forEach((segment, index) => {
        if (isParam(segment)) {
          params.push([index, segment.slice(1, -1)]);
          node.param ??= newNode();
          node = node.param;
        } else {
          const key = segment.toLowerCase();
          let next = node.literals.get(key);
          if (next === undefined) {
            next = newNode();
            node.literals.set(key, next);
          }
          node = next;
        }
      });
      if (node.routes.has(row.method)) {
        throw new Error(`Zoom route table: ${row.method} ${row.path} is listed twice`);
      }
      const template = row.path.replace(/\{([^}]+)\}/g, ':$1');
      node.routes.set(row.method, { row, template, params });
      const first = segments[0];
      if (first !== undefined && !isParam(first)) roots.add(first.toLowerCase());
    }
    this.roots = roots;
  }

  /** The table of every operation in zoom-routes.data.json, read once. */
  static default(): ZoomRouteTable {
    ZoomRouteTable.defaultTable ??= new ZoomRouteTable(readZoomRouteRows());
    return ZoomRouteTable.defaultTable;
  }

  /**
   * The operation a call reaches: `path` is relative to `/v2` (`/users/me/meetings`), still
   * percent-encoded, without its query. HEAD is answered as GET.
   */
  lookup(method: string, path: string): ZoomRouteMatch {
    const upper = method.toUpperCase();
    const segments = segmentsOf(path);
    const route = this.match(this.root, segments, 0, upper === 'HEAD' ? 'GET' : upper);
    if (route === undefined) return this.unknown(segments);
    const params: Record<string, string> = {};
    for (const [index, name] of route.params) params[name] = segments[index] ?? '';
    const { row } = route;
    return {
      row,
      template: route.template,
      category: row.category,
      product: row.product,
      daily: row.daily,
      params,
    };
  }

  /**
   * Depth first, a literal child before the parameter: `/users/summary` is that route, not
   * `/users/{userId}`, but `PATCH /users/summary` (no such literal route) still reaches
   * `PATCH /users/{userId}`.
   */
  private match(
    node: RouteNode,
    segments: readonly string[],
    index: number,
    method: string,
  ): CompiledRoute | undefined {
    const segment = segments[index];
    if (segment === undefined) return node.routes.get(method);
    if (segment === '') return undefined;
    const literal = node.literals.get(literalKey(segment));
    const found = literal && this.match(literal, segments, index + 1, method);
    if (found) return found;
    return node.param && this.match(node.param, segments, index + 1, method);
  }

  private unknown(segments: readonly string[]): ZoomRouteMatch {
    const first = segments[0] === undefined ? '' : literalKey(segments[0]);
    return {
      row: undefined,
      // Labelled by product only (from a fixed set), so neither ids nor made-up paths can grow
      // the metrics' label set.
      template: this.roots.has(first) ? `/${first}/*` : '/*',
      category: UNKNOWN_CATEGORY,
      product: productOfFirst(first),
      daily: null,
      params: {},
    };
  }
}

/** A path segment as its writer meant it; a malformed escape is kept as written, never a throw. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
