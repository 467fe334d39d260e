import type { ZoomRouteInfo } from './zoom-routes.js';

export type { ZoomProduct, ZoomRateCategory } from './route-table/zoom-route-table.js';

export type ZoomQuery = Record<string, string | number | boolean | undefined>;

export interface ZoomRequest {
  /** Any method Zoom serves (the pass-through relays HEAD and OPTIONS too). */
  method: string;
  /** Relative to ZOOM_API_BASE_URL, e.g. `/users/me/meetings`. Path segments must already be encoded. */
  path: string;
  query?: ZoomQuery;
  body?: unknown;
  /**
   * The host user a create/update counts against (Zoom's 100 per user per UTC day), when the
   * path does not name it (an update: the meeting's host, from the gateway's record).
   */
  dailyLimitUser?: string;
  /** The registrants (emails) a registration or status change counts against, from its body. */
  registrants?: readonly string[];
  /** A label for metrics: the route template, e.g. `POST /users/:userId/meetings`. */
  route: string;
  /**
   * The route table's facts for this method and path, when the caller has read them already
   * (the pass-through does, for its label and registrants): the governor then does not look again.
   */
  zoomRoute?: ZoomRouteInfo;
  timeoutMs?: number;
  /** The internal app (API key's app name) the call is made for: its fair share of the limits. */
  app?: string;
  /** False when the body is a stream already sent: the call must not be repeated (no 401 or 429 retry). */
  retryable?: boolean;
  /**
   * Run once the governor admitted the call (slot reserved, daily counts taken), just before its
   * first attempt, at most once (the 401 retry does not run it again). A create writes its record
   * here, so a call refused locally leaves none; when it fails, nothing is sent and the counts go back.
   */
  onAdmitted?: () => Promise<void>;
}

export interface ZoomResponse<T = unknown> {
  status: number;
  data: T;
  headers: Record<string, string>;
  /** Zoom's body exactly as it came, when the client read it whole. */
  text?: string;
}
