import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { bypassesCache } from '../zoom/cache/zoom-read-cache.js';
import type { ZoomAnswer } from './idempotency.service.js';

/** Sends Zoom's JSON text as it is (int64 ids exact) with Zoom's headers, marking a replayed create. */
export function relay(res: Response, answer: ZoomAnswer): void {
  if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.status(answer.status);
  if (answer.status === 204) res.end();
  else res.type('application/json').send(answer.json);
}

/** `Cache-Control: no-cache` (or no-store, or `Pragma: no-cache`): the caller wants Zoom's answer now. */
export const BypassCache = createParamDecorator((_: unknown, context: ExecutionContext): boolean =>
  bypassesCache(context.switchToHttp().getRequest<Request>().headers),
);
