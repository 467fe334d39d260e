import type { Response } from 'express';
import type { ZoomAnswer } from './idempotency.service.js';

/** Sends Zoom's JSON text as it is (int64 ids exact), marking a replayed create. */
export function relay(res: Response, answer: ZoomAnswer): void {
  if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(answer.status).type('application/json').send(answer.json);
}
