/** Zoom's rate-limit categories (https://developers.zoom.us/docs/api/rate-limits/). */
export type ZoomRateCategory = 'light' | 'medium' | 'heavy';

export type ZoomQuery = Record<string, string | number | boolean | undefined>;

export interface ZoomRequest {
  /** Any method Zoom serves (the pass-through relays HEAD and OPTIONS too). */
  method: string;
  /** Relative to ZOOM_API_BASE_URL, e.g. `/users/me/meetings`. Path segments must already be encoded. */
  path: string;
  query?: ZoomQuery;
  body?: unknown;
  category: ZoomRateCategory;
  /** The host user a create/update counts against (Zoom's 100 per user per UTC day). */
  dailyLimitUser?: string;
  /** A label for metrics: the route template, e.g. `POST /users/:userId/meetings`. */
  route: string;
  timeoutMs?: number;
  /** The internal app (API key's app name) the call is made for: its fair share of the limits. */
  app?: string;
  /** False when the body is a stream already sent: the call must not be repeated (no 401 or 429 retry). */
  retryable?: boolean;
}

export interface ZoomResponse<T = unknown> {
  status: number;
  data: T;
  headers: Record<string, string>;
  /** Zoom's body exactly as it came, when the client read it whole. */
  text?: string;
}
