import { KEY_NAME_PATTERN } from './api-key-names.js';
import { GrantsSyntaxError, parseGrants } from '../config/grants.js';
import type { Grants } from '../config/grants.js';
import { fieldsInvalid, objectOf, onlyKnown } from '../common/parse.js';

export interface CreateKeyInput {
  name: string;
  grants?: Grants;
  expiresAt?: Date;
}

export interface RotateKeyInput {
  overlapSeconds: number;
  /** A new expiry for the app; null clears it; absent keeps it. */
  expiresAt?: Date | null;
}

export interface UpdateKeyInput {
  grants?: Grants;
  expiresAt?: Date | null;
}

/** How long the old key keeps working after a rotation unless the request says otherwise. */
export const DEFAULT_OVERLAP_SECONDS = 3_600;
export const MAX_OVERLAP_SECONDS = 30 * 86_400;

/** An app name: letters, digits, `.`, `_`, `-`; at most 64 characters. */
export function parseKeyName(value: unknown, field = 'name'): string {
  if (typeof value === 'string' && KEY_NAME_PATTERN.test(value)) return value;
  throw fieldsInvalid([
    { field, message: 'Must be 1 to 64 letters, digits, . _ - (starting with a letter or digit).' },
  ]);
}

export function parseGrantsField(value: unknown): Grants {
  if (typeof value !== 'string')
    throw fieldsInvalid([
      { field: 'grants', message: 'Must be a string such as "meetings=rw;users=r;ownership=own".' },
    ]);
  try {
    return parseGrants(value, { admin: false });
  } catch (error) {
    if (error instanceof GrantsSyntaxError)
      throw fieldsInvalid([{ field: 'grants', message: error.message }]);
    throw error;
  }
}

/** An ISO 8601 time with a zone, in the future (`now` in ms). */
export function parseExpiry(value: unknown, now: number): Date {
  const at =
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
      ? new Date(value)
      : undefined;
  if (!at || Number.isNaN(at.getTime()))
    throw fieldsInvalid([
      {
        field: 'expiresAt',
        message: 'Must be an ISO 8601 time with a zone, e.g. 2027-01-31T12:00:00Z.',
      },
    ]);
  if (at.getTime() <= now)
    throw fieldsInvalid([{ field: 'expiresAt', message: 'Must be in the future.' }]);
  return at;
}

/** `POST /api/admin/api-keys` `{name, grants?, expiresAt?}`. */
export function parseCreateKey(value: unknown, now: number): CreateKeyInput {
  const body = objectOf(value, 'body');
  onlyKnown(body, ['name', 'grants', 'expiresAt']);
  return {
    name: parseKeyName(body.name),
    grants: body.grants === undefined ? undefined : parseGrantsField(body.grants),
    expiresAt: body.expiresAt === undefined ? undefined : parseExpiry(body.expiresAt, now),
  };
}

/** `POST /api/admin/api-keys/{name}/rotate` `{overlapSeconds?, expiresAt?}`. */
export function parseRotateKey(value: unknown, now: number): RotateKeyInput {
  const body = objectOf(value, 'body');
  onlyKnown(body, ['overlapSeconds', 'expiresAt']);
  const overlap = body.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
  if (
    typeof overlap !== 'number' ||
    !Number.isInteger(overlap) ||
    overlap < 0 ||
    overlap > MAX_OVERLAP_SECONDS
  )
    throw fieldsInvalid([
      {
        field: 'overlapSeconds',
        message: `Must be a whole number of seconds from 0 to ${MAX_OVERLAP_SECONDS}.`,
      },
    ]);
  return {
    overlapSeconds: overlap,
    expiresAt:
      body.expiresAt === undefined || body.expiresAt === null
        ? body.expiresAt
        : parseExpiry(body.expiresAt, now),
  };
}

/** `PATCH /api/admin/api-keys/{name}` `{grants?, expiresAt?}` (expiresAt null: never expires). */
export function parseUpdateKey(value: unknown, now: number): UpdateKeyInput {
  const body = objectOf(value, 'body');
  onlyKnown(body, ['grants', 'expiresAt']);
  if (body.grants === undefined && body.expiresAt === undefined)
    throw fieldsInvalid([{ field: 'body', message: 'Must change grants, expiresAt or both.' }]);
  return {
    grants: body.grants === undefined ? undefined : parseGrantsField(body.grants),
    expiresAt:
      body.expiresAt === undefined || body.expiresAt === null
        ? body.expiresAt
        : parseExpiry(body.expiresAt, now),
  };
}
