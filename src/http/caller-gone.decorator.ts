import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';

const SIGNALS = new WeakMap<ServerResponse, AbortController>();

function controllerOf(response: ServerResponse): AbortController {
  let gone = SIGNALS.get(response);
  if (!gone) {
    const created = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) created.abort();
    });
    SIGNALS.set(response, created);
    gone = created;
  }
  return gone;
}

/** Ends the work done for this response's caller (its call to Zoom): its body was cut off. */
export function abandonCall(response: ServerResponse): void {
  controllerOf(response).abort();
}

/**
 * A signal aborted when the caller leaves before its answer is sent, or its body is cut off at
 * a deadline: a call to Zoom made for it stops there (and its stream is released), instead of
 * running on for nobody.
 */
export const CallerGone = createParamDecorator(
  (_: unknown, context: ExecutionContext): AbortSignal =>
    controllerOf(context.switchToHttp().getResponse<FastifyReply>().raw).signal,
);
