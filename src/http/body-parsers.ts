import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { JSON_BODY_LIMIT_BYTES } from './gateway-adapter.js';

/** The exact bytes of a JSON body, kept for webhook signatures and forwarded as received. */
export interface WithRawBody {
  rawBody?: Buffer;
}

/**
 * The gateway's body parsing, set on purpose instead of Nest's and Fastify's defaults:
 * - JSON (`application/json`, with any parameters): read whole up to 1 MB (413 beyond), the exact bytes
 *   kept as `rawBody`, parsed with prototype poisoning refused; an empty body is no body (as
 *   Express read it, so a DELETE that announces JSON and sends none still works);
 * - every other type (multipart uploads, binaries, forms): not read at all. The pass-through
 *   streams it to Zoom as it arrives; a route that needs JSON refuses it by validation.
 */
export function installBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT_BYTES },
    (request: FastifyRequest & WithRawBody, body: Buffer, done) => {
      request.rawBody = body;
      if (body.length === 0) {
        done(null, undefined);
        return;
      }
      try {
        // Prototype poisoning (`__proto__`, `constructor.prototype`) is refused, not parsed.
        done(null, secureJson.parse(body, { protoAction: 'error', constructorAction: 'error' }));
      } catch {
        done(
          new DomainError(ErrorCode.MalformedJson, 'Request body is not valid JSON.'),
          undefined,
        );
      }
    },
  );
  // Left unread: `request.raw` is the stream, for the pass-through to send on.
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}
