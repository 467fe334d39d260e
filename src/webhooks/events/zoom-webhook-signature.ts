import { createHmac, timingSafeEqual } from 'node:crypto';

/** A request whose timestamp is further than this from now, either way, is refused as a replay. */
export const WEBHOOK_TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

export type SignatureFailure =
  'missing_signature' | 'missing_timestamp' | 'bad_timestamp' | 'stale_timestamp' | 'mismatch';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

export interface SignedRequest {
  /** `x-zm-signature`; an array (the header sent twice) is refused. */
  signature: string | readonly string[] | undefined;
  /** `x-zm-request-timestamp`: epoch seconds as Zoom sends it. */
  timestamp: string | readonly string[] | undefined;
  /** The exact bytes received: a re-serialised body would not match. */
  rawBody: Buffer;
}

function hmacHex(secret: string, message: Buffer | string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{raw body}`), as Zoom signs every request. */
export function zoomSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return `v0=${hmacHex(secret, Buffer.concat([Buffer.from(`v0:${timestamp}:`, 'utf8'), body]))}`;
}

/** The answer to `endpoint.url_validation`: hex HMAC-SHA256(secret, plainToken). */
export function urlValidationToken(secret: string, plainToken: string): string {
  return hmacHex(secret, plainToken);
}

/** Epoch milliseconds of Zoom's timestamp (seconds; milliseconds accepted too), or undefined when it is not a number. */
function timestampMs(raw: string): number | undefined {
  if (!/^\d{1,13}$/.test(raw)) return undefined;
  const value = Number(raw);
  return raw.length > 11 ? value : value * 1000;
}

/** Constant-time comparison of two strings; lengths that differ still cost one full comparison. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/**
 * Checks a Zoom webhook request: the signature over the raw bytes, in constant time, and a
 * timestamp within five minutes of now, so a captured request cannot be replayed later.
 */
export function verifyZoomSignature(
  secret: string,
  request: SignedRequest,
  nowMs: number,
): SignatureCheck {
  const { signature, timestamp } = request;
  if (typeof signature !== 'string' || signature === '')
    return { ok: false, reason: 'missing_signature' };
  if (typeof timestamp !== 'string' || timestamp === '')
    return { ok: false, reason: 'missing_timestamp' };
  const at = timestampMs(timestamp.trim());
  if (at === undefined) return { ok: false, reason: 'bad_timestamp' };
  // The signature is checked before the clock, so the answer does not tell a forger which part failed first.
  const expected = zoomSignature(secret, timestamp, request.rawBody);
  if (!constantTimeEqual(signature, expected)) return { ok: false, reason: 'mismatch' };
  if (Math.abs(nowMs - at) > WEBHOOK_TIMESTAMP_TOLERANCE_MS)
    return { ok: false, reason: 'stale_timestamp' };
  return { ok: true };
}
