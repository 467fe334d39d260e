import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { nodeErrorCode } from '../../common/errors/node-error-code.js';
import { UPSTREAM_CONNECTIONS } from '../../config/app-config.js';

export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer | AsyncIterable<Buffer>;
  /** Deadline for Zoom's answer to start, and for each pause while its body streams. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** A label for error messages, e.g. `GET /users/{userId}`. */
  route: string;
}

export interface TransportResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", " (set-cookie is never relayed). */
  headers: Record<string, string>;
  body: Readable;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * Streaming HTTP to Zoom over one keep-alive pool (undici): bodies go out and come back as
 * streams, so an upload or a recording download never sits whole in memory. The only side
 * effect of the pass-through, so tests can replace it.
 */
@Injectable()
export class ZoomHttpTransport implements OnModuleDestroy {
  private readonly agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: UPSTREAM_CONNECTIONS,
  });

  async send(req: TransportRequest): Promise<TransportResponse> {
    try {
      const response = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body:
          req.body === undefined || Buffer.isBuffer(req.body)
            ? req.body
            : Readable.from(req.body, { objectMode: false }),
        dispatcher: this.agent,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        signal: req.signal,
      });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined) continue;
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, headers, body: response.body };
    } catch (error) {
      const code = nodeErrorCode(error);
      if (code && TIMEOUT_CODES.has(code)) {
        throw new DomainError(
          ErrorCode.ZoomTimeout,
          `Zoom did not answer ${req.route} within ${req.timeoutMs} ms.`,
          { cause: error },
        );
      }
      throw new DomainError(
        ErrorCode.ZoomUnreachable,
        `Zoom could not be reached for ${req.route} (${code ?? 'network error'}).`,
        { cause: error },
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }
}

/**
 * An answer's body read whole, keeping at most `limit` bytes (the rest is drained, so the
 * connection goes back to the pool): Zoom's JSON, or a refusal whose status and code matter.
 */
export async function readBody(body: AsyncIterable<unknown>, limit = Infinity): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    if (size < limit) chunks.push(buffer);
    size += buffer.length;
  }
  return Buffer.concat(chunks);
}
