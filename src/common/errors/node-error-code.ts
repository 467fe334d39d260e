/** The Node.js / axios error code (`ECONNABORTED`, `ECONNREFUSED`...) of a failed request, if any. */
export function nodeErrorCode(error: unknown): string | undefined {
  return typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string'
    ? error.code
    : undefined;
}
