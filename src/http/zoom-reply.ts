import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';

/** Zoom's answer as a meetings route holds it: JSON text (int64 ids exact) and Zoom's headers. */
export interface ZoomJsonAnswer {
  status: number;
  json: string;
  /** True when the answer is a stored one for a repeated Idempotency-Key. */
  replayed?: boolean;
  headers?: Record<string, string>;
}

/**
 * "Send Zoom's answer": what a `/v2` handler returns instead of writing to the response itself.
 * Its status and headers are Zoom's, so it is sent by the adapter (GatewayFastifyAdapter) as it
 * is, never with the route's default status; a stream body is piped with backpressure and
 * destroyed if the caller leaves.
 */
export class ZoomReply {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: Buffer | string | Readable | undefined,
  ) {}

  /** A meetings route's answer: Zoom's JSON text as it came, marking a replayed create. */
  static json(answer: ZoomJsonAnswer): ZoomReply {
    const headers: Record<string, string> = { ...answer.headers };
    if (answer.replayed) headers['idempotent-replayed'] = 'true';
    if (answer.status === 204) return new ZoomReply(204, headers, undefined);
    headers['content-type'] = 'application/json; charset=utf-8';
    return new ZoomReply(answer.status, headers, answer.json);
  }

  sendTo(reply: FastifyReply): FastifyReply {
    reply.code(this.status).headers(this.headers);
    return this.body === undefined ? reply.send() : reply.send(this.body);
  }
}
