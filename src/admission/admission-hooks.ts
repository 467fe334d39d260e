import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AllExceptionsFilter } from '../common/errors/all-exceptions.filter.js';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { AppConfig } from '../config/app-config.js';
import { abandonCall } from '../http/caller-gone.decorator.js';
import { Admission } from './admission.service.js';
import { type BodyDeadline, BodyDeadlines } from './body-deadlines.js';

/**
 * Adds admission to the HTTP pipeline, after the target's reading (installHttpPipeline first):
 * the body's deadlines from its first byte, then the key and the app's in-flight place before a
 * byte of the body is read.
 */
export function installAdmission(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const admission = app.get(Admission);
  const deadlines = app.get(BodyDeadlines);
  const errors = app.get(AllExceptionsFilter);
  const config = app.get(AppConfig);

  /** A body past its deadline: 408 (the connection closed after it), and the call it fed abandoned. */
  const cutOff = (request: FastifyRequest, reply: FastifyReply, deadline: BodyDeadline) => {
    abandonCall(reply.raw);
    errors.send(
      new DomainError(
        ErrorCode.RequestTimeout,
        deadline === 'idle'
          ? `The request body paused for more than ${config.requestBodyIdleTimeoutMs} ms (REQUEST_BODY_IDLE_TIMEOUT_MS).`
          : `The request body took more than ${config.requestBodyTimeoutMs} ms (REQUEST_BODY_TIMEOUT_MS).`,
        { headers: { connection: 'close' } },
      ),
      request,
      reply,
    );
    // The rest of the body is not read: the connection goes once the answer is out.
    if (reply.raw.writableFinished) request.raw.destroy();
    else reply.raw.once('finish', () => request.raw.destroy());
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    deadlines.watch(request.raw, (deadline) => cutOff(request, reply, deadline));
    done();
  });
  fastify.addHook('preParsing', async (request, reply, payload) => {
    await admission.beforeBody(request, reply);
    return payload;
  });
}
