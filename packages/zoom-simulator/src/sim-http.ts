// Plain node:http helpers: read a request body, write a JSON (or empty) answer.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

// Enough for JSON bodies and a profile picture (Zoom: at most 2 MB) in its multipart envelope.
const MAX_BODY_BYTES = 4 * 1_048_576;

let trackingSeq = 0;

/** Zoom's tracking header on every answer. */
export const trackingHeader = () => ({
  'x-zm-trackingid': `v=2.0;clid=sim;rid=${++trackingSeq}`,
});

/** The body, kept up to 4 MiB (the rest is read and dropped so the socket stays usable), and
 * how many bytes arrived in all. */
export function readBody(req: IncomingMessage): Promise<{ body: Buffer; size: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), size }));
    req.on('error', () => resolve({ body: Buffer.alloc(0), size }));
  });
}

export function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = body === undefined ? '' : JSON.stringify(body);
  const base: Record<string, string | number> = { ...trackingHeader(), ...headers };
  if (body !== undefined) {
    base['content-type'] = 'application/json;charset=UTF-8';
    base['content-length'] = Buffer.byteLength(payload);
  } else {
    base['content-length'] = 0;
  }
  res.writeHead(status, base);
  res.end(payload);
}

export type Reply = (status: number, body?: unknown, headers?: Record<string, string>) => void;

/** What a route handler gets: the path's segments (`['v2', ...]`), query, parsed JSON body. */
export interface RouteContext {
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  /** the body as received (multipart uploads) */
  raw: Buffer;
  headers: IncomingHttpHeaders;
  reply: Reply;
  /** Streams a binary answer (downloads): `chunks` are written as the client reads them. */
  stream: (
    status: number,
    headers: Record<string, string | number>,
    chunks: Iterable<Buffer>,
  ) => void;
}
