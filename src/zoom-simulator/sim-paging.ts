// Opaque list page tokens, like Zoom's.
import { randomInt } from 'node:crypto';
const ALNUM = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const randomString = (length: number) =>
  Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');

/** Opaque page tokens: base64url of the offset plus a random salt, like Zoom's opaque ones. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`${offset}:${randomString(8)}`).toString('base64url');
}

export function decodePageToken(token: string): number | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const m = /^(\d+):[A-Za-z0-9]{8}$/.exec(text);
  return m ? Number(m[1]) : undefined;
}
