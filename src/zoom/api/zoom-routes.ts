import type { ZoomRateCategory } from './zoom-api.types.js';
import { decodePathSegment } from '../../common/zoom-path.js';

/**
 * Which of Zoom's rate-limit categories an endpoint counts against, from Zoom's rate-limit
 * reference (https://developers.zoom.us/docs/api/rate-limits/) and each endpoint's "Rate Limit
 * Label": single-resource create/read/update/delete is Light, lists and batch calls and Chat are
 * Medium, Reports and most Dashboards are Heavy (the Dashboard "Resource-intensive" ones, counted
 * per minute by Zoom, are paced as Heavy here, the strictest per-second category the governor has).
 */
export interface ZoomRouteInfo {
  /** The route template, e.g. `/users/:userId/meetings`: a bounded label for metrics and logs. */
  template: string;
  category: ZoomRateCategory;
  /**
   * The path parameter naming the host user whose per-day create/update quota the call spends
   * (Zoom: 100 meeting creates or updates per user per UTC day).
   */
  dailyLimitParam?: string;
}

interface RouteRule extends ZoomRouteInfo {
  method: string;
  label: string;
  pattern: RegExp;
  params: string[];
}

/** `METHOD /template category [daily=param]`, one line per endpoint; most specific first is not required. */
const TABLE = `
POST   /users/{userId}/meetings                     medium daily=userId
GET    /users/{userId}/meetings                     medium
GET    /users/{userId}/upcoming_meetings            medium
GET    /meetings/{meetingId}                        light
PATCH  /meetings/{meetingId}                        light
DELETE /meetings/{meetingId}                        light
PUT    /meetings/{meetingId}/status                 light
GET    /meetings/{meetingId}/invitation             light
GET    /meetings/{meetingId}/registrants            medium
POST   /meetings/{meetingId}/registrants            light
PUT    /meetings/{meetingId}/registrants/status     light
GET    /meetings/{meetingId}/polls                  light
POST   /meetings/{meetingId}/polls                  light
GET    /meetings/{meetingId}/recordings             light
DELETE /meetings/{meetingId}/recordings             light
GET    /meetings/{meetingId}/recordings/settings    light
GET    /meetings/{meetingId}/livestream             light
PATCH  /meetings/{meetingId}/livestream             light
GET    /past_meetings/{meetingId}                   light
GET    /past_meetings/{meetingId}/instances         medium
GET    /past_meetings/{meetingId}/participants      medium
GET    /users                                       medium
POST   /users                                       light
GET    /users/{userId}                              light
PATCH  /users/{userId}                              light
DELETE /users/{userId}                              light
GET    /users/{userId}/settings                     medium
PATCH  /users/{userId}/settings                     medium
GET    /users/{userId}/permissions                  light
GET    /users/{userId}/token                        light
POST   /users/{userId}/picture                      medium
DELETE /users/{userId}/picture                      light
GET    /users/{userId}/assistants                   medium
POST   /users/{userId}/assistants                   medium
DELETE /users/{userId}/assistants                   light
GET    /users/{userId}/recordings                   medium
POST   /users/{userId}/webinars                     medium
GET    /users/{userId}/webinars                     medium
GET    /webinars/{webinarId}                        light
PATCH  /webinars/{webinarId}                        light
DELETE /webinars/{webinarId}                        light
GET    /webinars/{webinarId}/registrants            medium
POST   /webinars/{webinarId}/registrants            light
GET    /webinars/{webinarId}/panelists              medium
GET    /past_webinars/{webinarId}/participants      medium
GET    /groups                                      medium
GET    /groups/{groupId}                            light
GET    /groups/{groupId}/members                    medium
GET    /rooms                                       medium
GET    /rooms/{roomId}                              light
GET    /phone/users                                 medium
GET    /phone/users/{userId}                        light
GET    /phone/call_logs                             heavy
GET    /phone/recordings                            medium
GET    /phone/recording/download/{fileId}           light
`;

/** Whole products whose endpoints share a label, for routes the table does not list. */
const PRODUCT_DEFAULTS: { prefix: string; category: ZoomRateCategory }[] = [
  { prefix: '/report/', category: 'heavy' },
  { prefix: '/metrics/', category: 'heavy' },
  { prefix: '/chat/', category: 'medium' },
  { prefix: '/im/', category: 'medium' },
];

/** Zoom's top-level API resources (https://developers.zoom.us/docs/api/), for metric labels. */
const PRODUCTS = new Set(
  (
    'accounts archive_files chat clips contact_center contacts devices docs groups h323 im ' +
    'live_meetings live_webinars mail marketplace meetings metrics past_meetings past_webinars ' +
    'phone report roles rooms scheduler sip_phones tasks tracking_fields tsp users webinars ' +
    'whiteboards workspaces zoom_events'
  ).split(' '),
);

/**
 * Everything else is paced as Heavy: the strictest per-second category, so an endpoint the table
 * does not know can slow its own callers a little but never spends the Light or Medium budgets of
 * the account's other apps faster than Zoom would allow.
 */
export const DEFAULT_CATEGORY: ZoomRateCategory = 'heavy';

function compile(line: string): RouteRule {
  const [method = '', template = '', category = '', daily] = line.trim().split(/\s+/);
  const params: string[] = [];
  const source = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return {
    method,
    template,
    label: template.replace(/\{(\w+)\}/g, ':$1'),
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- the table above only names the three categories
    category: category as ZoomRateCategory,
    dailyLimitParam: daily?.replace(/^daily=/, ''),
    pattern: new RegExp(`^${source}/?$`, 'i'),
    params,
  };
}

const RULES: RouteRule[] = TABLE.trim()
  .split('\n')
  .map(compile)
  // Fewer parameters first: where two templates could match, the more literal one wins.
  .sort((a, b) => a.params.length - b.params.length);

/** The route's template, category and daily-limit user, for a path relative to `/v2`. */
export function describeZoomRoute(
  method: string,
  path: string,
): ZoomRouteInfo & { dailyLimitUser?: string } {
  const upper = method.toUpperCase();
  for (const rule of RULES) {
    if (rule.method !== upper) continue;
    const match = rule.pattern.exec(path);
    if (!match) continue;
    const index = rule.dailyLimitParam ? rule.params.indexOf(rule.dailyLimitParam) : -1;
    const dailyLimitUser = index >= 0 ? decodePathSegment(match[index + 1] ?? '') : undefined;
    // Labelled in Express style (`/users/:userId`), like the meetings routes' own labels.
    return { template: rule.label, category: rule.category, dailyLimitUser };
  }
  const lower = path.toLowerCase();
  const product = PRODUCT_DEFAULTS.find((p) => lower.startsWith(p.prefix));
  // Unlisted routes are labelled by their product only (from a fixed list), so neither ids nor
  // a caller's made-up paths can grow the metrics' label set.
  const first = path.split('/')[1]?.toLowerCase() ?? '';
  const label = PRODUCTS.has(first) ? `/${first}/*` : '/*';
  return { template: label, category: product?.category ?? DEFAULT_CATEGORY };
}
