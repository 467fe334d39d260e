import type { Readable } from 'node:stream';
import type { ZoomRouteInfo } from './zoom-routes.js';

export type { ZoomProduct, ZoomRateCategory } from '@zoom-gateway/zoom-routes';

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
  /**
   * A label for metrics and messages, e.g. `POST /users/:userId/meetings`; from the route table
   * when absent (the client fills it in), so labels and route facts have one source.
   */
  route?: string;
  /** The query exactly as the caller wrote it (`?a=1&a=2`), sent instead of `query` (the pass-through). */
  rawQuery?: string;
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
  /** The same bytes, when the client read them whole for a relay. */
  raw?: Buffer;
  /** Zoom's body still arriving, when a relay streams it (neither `text` nor `raw` then). */
  stream?: Readable;
}

/** A caller's body sent as it is (the pass-through), instead of `ZoomRequest.body` as JSON. */
export interface ZoomPayload {
  /** The body for one attempt: undefined when there is none. */
  next(): Buffer | AsyncIterable<Buffer> | undefined;
  /** Its length when known (a buffered body, or a stream captured whole for the retry). */
  readonly length: number | undefined;
}

/** How one call is sent and its answer read. */
export interface ZoomCallOptions {
  /** The caller's own body and (allow-listed) headers, sent as they are. */
  payload?: ZoomPayload;
  headers?: Record<string, string>;
  /** Aborts the call (the caller left, or its body was cut off). */
  signal?: AbortSignal;
  /**
   * `whole` reads every answer (the gateway's own routes and jobs); `relay` reads only what the
   * gateway must inspect (401, 429) or what is small enough to send in one write, and streams
   * the rest back.
   */
  answer: 'whole' | 'relay';
}
