// The console's one way to the gateway: its own admin API, with the session cookie (HttpOnly,
// never read here) and, on every write, the session's CSRF token.

let csrfToken: string | undefined;
let onSignedOut: () => void = () => undefined;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const sent: Record<string, string> = { accept: 'application/json', ...headers };
  if (method !== 'GET' && csrfToken) sent['x-csrf-token'] = csrfToken;
  if (body !== undefined) sent['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers: sent,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = (parsed ?? {}) as { code?: string; message?: string };
    if (response.status === 401 && !headers.authorization) onSignedOut();
    throw new ApiError(
      response.status,
      error.code ?? String(response.status),
      error.message ?? response.statusText,
    );
  }
  return parsed as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** A date in the reader's words: "2026-12-06 13:04 UTC (5 min ago)". */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const at = new Date(iso);
  const minutes = Math.round((Date.now() - at.getTime()) / 60_000);
  const ago =
    Math.abs(minutes) < 1
      ? 'just now'
      : Math.abs(minutes) < 120
        ? minutes >= 0
          ? `${minutes} min ago`
          : `in ${-minutes} min`
        : Math.abs(minutes) < 2880
          ? minutes >= 0
            ? `${Math.round(minutes / 60)} h ago`
            : `in ${Math.round(-minutes / 60)} h`
          : minutes >= 0
            ? `${Math.round(minutes / 1440)} days ago`
            : `in ${Math.round(-minutes / 1440)} days`;
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC (${ago})`;
}
