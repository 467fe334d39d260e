import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ZoomAnswer } from './idempotency.service.js';

/** Zoom's answer headers callers rely on: the tracking id support asks for, and the rate limits. */
export function zoomAnswerHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (name === 'x-zm-trackingid' || name.startsWith('x-ratelimit-') || name === 'retry-after')
      kept[name] = value;
  return kept;
}

/** Sends Zoom's JSON text as it is (int64 ids exact) with Zoom's headers, marking a replayed create. */
export function relay(res: Response, answer: ZoomAnswer): void {
  if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.status(answer.status);
  if (answer.status === 204) res.end();
  else res.type('application/json').send(answer.json);
}

/** `Cache-Control: no-cache` (or no-store, or `Pragma: no-cache`): the caller wants Zoom's answer now. */
export const BypassCache = createParamDecorator(
  (_: unknown, context: ExecutionContext): boolean => {
    const headers = context.switchToHttp().getRequest<Request>().headers;
    return /no-cache|no-store/i.test(`${headers['cache-control'] ?? ''} ${headers.pragma ?? ''}`);
  },
);
