import { createHash, randomBytes } from 'node:crypto';

/** The console's session cookie. */
export const SESSION_COOKIE = 'zgw_console';
/** How long a console session lasts. */
export const SESSION_TTL_MS = 8 * 3_600_000;

/** A new session secret: 32 random bytes. */
export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The session's CSRF token, derived from its secret (so every replica checks it without a lookup of its own). */
export function csrfTokenOf(secret: string): string {
  return createHash('sha256').update(`csrf:${secret}`).digest('base64url');
}

/** The console session's secret in a `Cookie` header, if any. */
export function sessionSecretIn(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(at + 1).trim();
    return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/** `Set-Cookie` for a session: HttpOnly, Secure, SameSite=Strict, the whole gateway's path. */
export function sessionCookie(secret: string, maxAgeMs: number): string {
  const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
  return `${SESSION_COOKIE}=${secret}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`;
}

/** `Set-Cookie` that ends the session in the browser. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}
