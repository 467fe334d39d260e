import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ServerResponse } from 'node:http';
import type { AppConfig } from '../config/app-config.js';
import { requestIdOf } from '../logging/logging.module.js';
import { ZoomReply } from './zoom-reply.js';

/** JSON bodies (the gateway's own and Zoom's JSON calls) are read whole up to this size; others stream. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * The longest path segment the router matches: Zoom's ids, emails (at most 320 characters) and
 * UUIDs encoded twice are far shorter. Longer is refused (400 invalid_path), never routed to the
 * pass-through's wildcard instead of the route it names.
 */
export const MAX_SEGMENT_LENGTH = 512;
/** How long a replica keeps an idle keep-alive connection: longer than load balancers' 60 s. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

type FrameworkErrorHandler = (
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) => void;

/** A request's headers must all have arrived within this (a slow trickle of headers holds a socket). */
export const HEADERS_TIMEOUT_MS = 10_000;
/**
 * Node's own deadline for a whole request: a backstop behind the body deadlines (BodyDeadlines
 * answers 408 first, on time; Node only checks every few seconds and closes without an answer).
 */
const BACKSTOP_MS = 30_000;

/**
 * Nest's Fastify adapter with the gateway's limits set on purpose (none left at Fastify's
 * defaults), and one addition: a handler that returns a ZoomReply has Zoom's status and headers
 * sent as they are (Nest would set the route's default status over them).
 */
export class GatewayFastifyAdapter extends FastifyAdapter {
  private readonly refusals: { answer: FrameworkErrorHandler };

  constructor(limits: Pick<AppConfig, 'requestBodyTimeoutMs'>) {
    const refusals = {
      answer: ((error, _request, reply) => void reply.send(error)) as FrameworkErrorHandler,
    };
    super({
      frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
        refusals.answer(error, request, reply),
      bodyLimit: JSON_BODY_LIMIT_BYTES,
      requestTimeout: limits.requestBodyTimeoutMs + BACKSTOP_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // No Fastify logger (so no request log of its own): the HttpLogger writes one line per request.
      logger: false,
      trustProxy: false,
      genReqId: requestIdOf,
      routerOptions: {
        // As Express routed: `/V2/Meetings/1` and `/v2/meetings/1/` are the same route.
        caseSensitive: false,
        ignoreTrailingSlash: true,
        ignoreDuplicateSlashes: false,
        maxParamLength: MAX_SEGMENT_LENGTH,
      },
      // A prototype-poisoning body is refused (400), never parsed into a surprise.
      onProtoPoisoning: 'error',
      onConstructorPoisoning: 'error',
    });
    this.refusals = refusals;
  }

  /** How a request the router refused (bad URL, over-long segment) is answered; set by the pipeline. */
  set onFrameworkError(answer: FrameworkErrorHandler) {
    this.refusals.answer = answer;
  }

  override reply(
    response: FastifyReply | ServerResponse,
    body: unknown,
    statusCode?: number,
  ): FastifyReply {
    // Handlers' replies are Fastify's; only Nest's own raw responses (none here) are not.
    if (body instanceof ZoomReply && !(response instanceof ServerResponse))
      return body.sendTo(response);
    return super.reply(response, body, statusCode);
  }
}
