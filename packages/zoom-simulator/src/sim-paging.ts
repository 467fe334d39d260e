// Zoom's list paging: `page_size` (default 30, at most 300) and opaque `next_page_token`s that
// expire after 15 minutes (Zoom's docs: "The expiration period for this token is 15 minutes").
import { randomInt } from 'node:crypto';
import type { RouteContext } from './sim-http.js';

export const PAGE_TOKEN_TTL_MS = 15 * 60_000;
export const DEFAULT_PAGE_SIZE = 30;
export const MAX_PAGE_SIZE = 300;

const ALNUM = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const salt = () => Array.from({ length: 8 }, () => ALNUM[randomInt(ALNUM.length)]).join('');

/** Opaque page tokens: base64url of the offset, the issue time and a random salt. */
export function encodePageToken(offset: number, issuedAt: number): string {
  return Buffer.from(`${offset}:${issuedAt}:${salt()}`).toString('base64url');
}

/** The offset a token stands for; undefined when it is not one of ours or has expired. */
export function decodePageToken(token: string, now: number): number | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const m = /^(\d+):(\d+):[A-Za-z0-9]{8}$/.exec(text);
  if (!m) return undefined;
  const issuedAt = Number(m[2]);
  if (now - issuedAt > PAGE_TOKEN_TTL_MS || now < issuedAt) return undefined;
  return Number(m[1]);
}

export const INVALID_PAGE_TOKEN = {
  code: 300,
  message: 'The next page token is invalid or expired.',
} as const;

export interface PageRequest {
  pageSize: number;
  offset: number;
  /** 1-based, from `page_number` (Zoom's older paging) or derived from the offset */
  pageNumber: number;
}

/** Reads `page_size`, `next_page_token` (and `page_number`); answers 400 itself when invalid. */
export function readPage(c: RouteContext, now: number): PageRequest | undefined {
  const invalid = (field: string): undefined => {
    c.reply(400, {
      code: 300,
      message: 'Validation Failed.',
      errors: [{ field, message: 'Invalid field.' }],
    });
    return undefined;
  };
  const rawSize = c.query.get('page_size');
  let pageSize = DEFAULT_PAGE_SIZE;
  if (rawSize !== null) {
    if (!/^\d+$/.test(rawSize) || Number(rawSize) < 1) return invalid('page_size');
    pageSize = Math.min(MAX_PAGE_SIZE, Number(rawSize));
  }
  const token = c.query.get('next_page_token');
  if (token) {
    const offset = decodePageToken(token, now);
    if (offset === undefined) {
      c.reply(400, INVALID_PAGE_TOKEN);
      return undefined;
    }
    return { pageSize, offset, pageNumber: Math.floor(offset / pageSize) + 1 };
  }
  const rawNumber = c.query.get('page_number');
  if (rawNumber !== null) {
    if (!/^\d+$/.test(rawNumber) || Number(rawNumber) < 1) return invalid('page_number');
    const pageNumber = Number(rawNumber);
    return { pageSize, offset: (pageNumber - 1) * pageSize, pageNumber };
  }
  return { pageSize, offset: 0, pageNumber: 1 };
}

/** One page of `all` and the token for the next one ('' on the last page). */
export function pageOf<T>(all: T[], page: PageRequest, now: number) {
  const end = page.offset + page.pageSize;
  return {
    items: all.slice(page.offset, end),
    next_page_token: end < all.length ? encodePageToken(end, now) : '',
  };
}
