import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** The claims of a Zoom S2S access token, as seen when one is decoded. */
export interface ZoomTokenClaims {
  aud: string;
  uid: string;
  ver: number;
  auid: string;
  nbf: number;
  code: string;
  iss: string;
  gno: number;
  sty: number;
  tid: number;
  aid: string;
  exp: number;
  iat: number;
  jti: string;
}

function isClaims(value: unknown): value is ZoomTokenClaims {
  return (
    typeof value === 'object' &&
    value !== null &&
    'jti' in value &&
    typeof value.jti === 'string' &&
    'exp' in value &&
    typeof value.exp === 'number'
  );
}

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  const parsed: unknown = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('not a JWT-shaped token');
  }
  return { ...parsed };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs and verifies JWT-shaped HS512 access tokens, like Zoom's
 * (header `{"alg":"HS512","v":"2.0","kid":...}`). The key is random per simulator instance and
 * never leaves it, so a token from another instance is simply unknown.
 */
export class TokenSigner {
  private readonly key = randomBytes(64);
  private readonly header = b64url({ alg: 'HS512', v: '2.0', kid: randomUUID() });

  sign(claims: ZoomTokenClaims): string {
    const unsigned = `${this.header}.${b64url(claims)}`;
    return `${unsigned}.${this.mac(unsigned).toString('base64url')}`;
  }

  /** The claims of a token this instance signed, or undefined for anything else. */
  verify(token: string): ZoomTokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== this.header) return undefined;
    const expected = this.mac(`${parts[0]}.${parts[1]}`);
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      return isClaims(claims) ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(data: string): Buffer {
    return createHmac('sha512', this.key).update(data).digest();
  }
}

/** Decodes (without verifying) the claims of a JWT-shaped token; for tests and diagnostics. */
export function decodeTokenClaims(token: string): Record<string, unknown> {
  return decodeSegment(token.split('.')[1]);
}

export function decodeTokenHeader(token: string): Record<string, unknown> {
  return decodeSegment(token.split('.')[0]);
}
