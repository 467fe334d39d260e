// Every request the simulator receives, as tests need to see it: what came in (method, path,
// query, the headers that matter, body size) and what went out (status), newest last.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RateLimitKind } from './sim-rate-tables.js';

export interface SimRequest {
  /** 1, 2, ... in arrival order (not reset by clearing the log) */
  seq: number;
  /** simulator clock, ms epoch, at arrival */
  at: number;
  method: string;
  /** without the query string */
  path: string;
  /** the request target exactly as received (path and query, still encoded) */
  url: string;
  /** the names of the headers received, lower-case (values are not kept: they may be secrets) */
  headerNames: string[];
  query: Record<string, string>;
  target: 'token' | 'api' | 'control' | 'other';
  /** the matched route pattern for API calls (`GET /v2/meetings/:meetingId`), if any */
  route?: string;
  /** API calls: the rate-limit bucket Zoom counts the call in (`light`, `phone.medium`, ...) */
  bucket?: string;
  /** API calls answered 429 by the rate limits: which limit */
  rateLimited?: RateLimitKind;
  /** the Authorization scheme sent, never its value */
  authorization: 'none' | 'bearer' | 'basic' | 'other';
  contentType?: string;
  /** the Content-Length header, when sent */
  contentLength?: number;
  /** bytes actually received in the body */
  bodyBytes: number;
  userAgent?: string;
  /** answered status; undefined while in flight or when the connection was dropped */
  status?: number;
  dropped?: boolean;
}

const DEFAULT_KEPT = 1000;

export class RequestLog {
  private entries: SimRequest[] = [];
  private seq = 0;

  constructor(
    private readonly clock: () => number,
    private readonly kept = DEFAULT_KEPT,
  ) {}

  /** Records a request as it arrives; the answer's status is filled in when it is sent. */
  start(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    target: SimRequest['target'],
  ): SimRequest {
    const auth = req.headers.authorization;
    const scheme = auth === undefined ? 'none' : /^(\w+)\s/.exec(auth)?.[1]?.toLowerCase();
    const length = req.headers['content-length'];
    const entry: SimRequest = {
      seq: ++this.seq,
      at: this.clock(),
      method: req.method ?? 'GET',
      path,
      url: req.url ?? '/',
      headerNames: Object.keys(req.headers),
      query: Object.fromEntries(query),
      target,
      authorization:
        scheme === 'none' || scheme === 'bearer' || scheme === 'basic' ? scheme : 'other',
      contentType: req.headers['content-type'],
      contentLength: length === undefined ? undefined : Number(length),
      bodyBytes: 0,
      userAgent: req.headers['user-agent'],
    };
    this.entries.push(entry);
    if (this.entries.length > this.kept) this.entries.shift();
    res.once('finish', () => {
      entry.status = res.statusCode;
    });
    res.once('close', () => {
      if (entry.status === undefined) entry.dropped = true;
    });
    return entry;
  }

  list(): SimRequest[] {
    return this.entries.map((e) => ({
      ...e,
      query: { ...e.query },
      headerNames: [...e.headerNames],
    }));
  }

  clear(): void {
    this.entries = [];
  }
}
