import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from './database-errors.js';
import { DomainError, type FieldError } from './domain-error.js';
import { ErrorCode } from './error-code.js';
import { loggableError, loggableText } from './loggable-error.js';
import { ZOOM_SURFACE } from '../zoom-path.js';

interface ErrorBody {
  code: string | number;
  message: string;
  errors?: FieldError[];
  correlationId?: string;
}

/** Zoom's own numbers for the gateway's errors on the Zoom-compatible /v2 surface. */
const ZOOM_CODES: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.ValidationFailed]: 300,
  [ErrorCode.MalformedJson]: 300,
  [ErrorCode.Unauthorized]: 124,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.TooManyInFlight]: 429,
  [ErrorCode.DailyLimitReached]: 429,
};

const HTTP_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.RouteNotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

/** Seconds a caller waits before retrying when the database is unavailable: one query deadline or so. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Headers a code always carries unless the throw site set its own. */
const DEFAULT_HEADERS: Partial<Record<ErrorCode, Record<string, string>>> = {
  [ErrorCode.DatabaseUnavailable]: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
};

/** Fastify's own errors (body parsing, media type): a string `code` such as `FST_ERR_CTP_BODY_TOO_LARGE`. */
function fastifyErrorCode(value: unknown): { code: string; status: number } | undefined {
  if (
    typeof value !== 'object' ||
    value === null ||
    !('code' in value) ||
    typeof value.code !== 'string' ||
    !value.code.startsWith('FST_')
  )
    return undefined;
  const status =
    'statusCode' in value && typeof value.statusCode === 'number' ? value.statusCode : 500;
  return { code: value.code, status };
}

/** The request path, without the query: what error messages and logs name. */
function pathOf(request: FastifyRequest): string {
  return request.url.split('?', 1)[0] ?? '';
}

/** The one place where errors become HTTP: JSON `{code, message}`, never a stack or a secret. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.send(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /** Answers `exception` as JSON, for Nest's pipeline and the HTTP pipeline's own hooks alike. */
  send(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    // The caller has gone (its abort also ends a call to Zoom): nobody reads an answer, and
    // the request log's "request aborted" line already says what happened.
    if (reply.sent || reply.raw.headersSent || reply.raw.destroyed) return;
    const zoomSurface = ZOOM_SURFACE.test(request.url);
    const { status, body, headers } = this.describe(exception, request, zoomSurface);
    // JSON whatever the route announced (a @Header('Content-Type') of its own answer).
    void reply
      .code(status)
      .headers(headers)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(body));
  }

  private describe(
    exception: unknown,
    request: FastifyRequest,
    zoomSurface: boolean,
  ): { status: number; body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof DomainError) {
      const zoomCode = exception.options.zoomCode ?? ZOOM_CODES[exception.code];
      const body: ErrorBody = {
        code: zoomSurface && zoomCode !== undefined ? zoomCode : exception.code,
        message: exception.message,
      };
      if (exception.options.errors?.length) body.errors = exception.options.errors;
      if (exception.status >= 500)
        body.correlationId =
          exception.cause === undefined
            ? this.logRefusal(exception, request)
            : this.logServerError(exception, request);
      const headers = { ...DEFAULT_HEADERS[exception.code], ...exception.options.headers };
      return { status: exception.status, body, headers };
    }
    // A driver error that means "the database is not there right now" (refused, dropped, timed
    // out): the caller may retry, so 503 with Retry-After, not 500. Never its host or port.
    if (isDatabaseUnavailable(exception)) {
      return this.describe(
        new DomainError(
          ErrorCode.DatabaseUnavailable,
          'The database is unavailable; retry shortly.',
          { cause: exception },
        ),
        request,
        zoomSurface,
      );
    }
    // Nest wraps Fastify's errors in an HttpException whose cause is the original.
    const parserError = fastifyErrorCode(
      exception instanceof HttpException ? exception.cause : exception,
    );
    if (parserError?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return this.simple(
        413,
        ErrorCode.PayloadTooLarge,
        'Request body is larger than 1 MB.',
        zoomSurface,
      );
    }
    if (
      parserError?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      parserError?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
    ) {
      return this.simple(
        400,
        ErrorCode.MalformedJson,
        'Request body is not valid JSON.',
        zoomSurface,
      );
    }
    if (parserError && parserError.status < 500) {
      const status = parserError.status;
      return this.simple(
        status,
        HTTP_CODES[status] ?? ErrorCode.ValidationFailed,
        'Request body could not be read.',
        zoomSurface,
      );
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500) return this.internal(exception, request);
      const code = HTTP_CODES[status] ?? ErrorCode.ValidationFailed;
      const message =
        status === 404
          ? `No route for ${request.method} ${pathOf(request)}.`
          : this.httpMessage(exception);
      return this.simple(status, code, message, zoomSurface);
    }
    return this.internal(exception, request);
  }

  private httpMessage(exception: HttpException): string {
    const response = exception.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    return typeof message === 'string' ? message : exception.message;
  }

  private simple(status: number, code: ErrorCode, message: string, zoomSurface: boolean) {
    const zoomCode = ZOOM_CODES[code];
    return {
      status,
      body: { code: zoomSurface && zoomCode !== undefined ? zoomCode : code, message },
      headers: {},
    };
  }

  private internal(exception: unknown, request: FastifyRequest) {
    const correlationId = this.logServerError(exception, request);
    return {
      status: 500,
      body: {
        code: ErrorCode.Internal,
        message: 'Internal error. Quote the correlation id when reporting it.',
        correlationId,
      },
      headers: {},
    };
  }

  /**
   * A 5xx the gateway chose with no underlying failure attached (an event not stored in time,
   * Zoom unavailable): the service that raised it has logged why; this line ties the answer's
   * correlation id to it. Not an unhandled error, so no stack.
   */
  private logRefusal(exception: DomainError, request: FastifyRequest): string {
    const correlationId = request.id || randomUUID();
    this.logger.warn(
      { correlationId, code: exception.code },
      `Answered ${exception.status} ${exception.code} on ${request.method} ${pathOf(request)}: ${loggableError(exception, 'address')}`,
    );
    return correlationId;
  }

  private logServerError(exception: unknown, request: FastifyRequest): string {
    const correlationId = request.id || randomUUID();
    const error = exception instanceof Error ? exception : new Error(String(exception));
    // The cause is for the operator (the log), never for the caller (the body); neither says
    // where a server is (a driver's `connect ECONNREFUSED 10.0.0.5:5432`, a connection string).
    const server = isDatabaseUnavailable(exception) ? 'database' : 'address';
    const cause = error.cause === undefined ? undefined : loggableError(error.cause, server);
    const stack = error.stack === undefined ? undefined : loggableText(error.stack, server);
    this.logger.error(
      {
        correlationId,
        err: { name: error.name, message: loggableError(error, server), stack, cause },
      },
      `Unhandled error on ${request.method} ${pathOf(request)}`,
    );
    return correlationId;
  }
}
