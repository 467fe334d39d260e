import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { bypassesCache } from '../zoom/cache/zoom-read-cache.js';

/** `Cache-Control: no-cache` (or no-store, or `Pragma: no-cache`): the caller wants Zoom's answer now. */
export const BypassCache = createParamDecorator((_: unknown, context: ExecutionContext): boolean =>
  bypassesCache(context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>().headers),
);
