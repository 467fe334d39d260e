import { loggableError } from './loggable-error.js';

/**
 * The human-readable message of anything thrown (an Error's message, or the value itself),
 * without where its server is: it ends up in logs, health details and stored reasons, so
 * addresses, ports and URLs are replaced (see loggableError).
 */
export function errorMessage(error: unknown): string {
  return loggableError(error);
}
