// Plain node:http helpers: read a request body, write a JSON (or empty) answer.
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 1_048_576;

let trackingSeq = 0;

/** Zoom's tracking header on every answer. */
export const trackingHeader = () => ({
  'x-zm-trackingid': `v=2.0;clid=sim;rid=${++trackingSeq}`,
});

/** The body, kept up to 1 MiB (the rest is read and dropped so the socket stays usable). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.alloc(0)));
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
  reply: Reply;
}
