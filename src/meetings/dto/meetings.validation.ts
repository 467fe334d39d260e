import { createParamDecorator, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError, type FieldError } from '../../common/errors/index.js';
import type { ZoomQuery } from '../../zoom/api/zoom-api.types.js';
import { MEETING_STATUSES, type MeetingStatus } from '../meeting.entity.js';
import {
  findUnsafeKeys,
  type MeetingBody,
  meetingBodySchema,
  toFieldErrors,
} from './meeting-body.schema.js';

// Everything a caller sends is checked here, before the service or Zoom sees it.

const ZOOM_USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/;
const INT64_MAX = 9_223_372_036_854_775_807n;

function invalid(field: string, message: string): DomainError {
  return DomainError.validation(`Invalid field: ${field}. ${message}`, [{ field, message }]);
}

/** A pipe from a plain parse function, so controllers stay one line. */
export class ParseWith<T> implements PipeTransform<unknown, T> {
  constructor(private readonly parse: (value: unknown) => T) {}

  transform(value: unknown): T {
    return this.parse(value);
  }
}

/** `me`, an email address, or a Zoom user id. */
export function parseUserId(value: unknown): string {
  if (
    typeof value === 'string' &&
    (value === 'me' || ZOOM_USER_ID.test(value) || (value.length <= 128 && EMAIL.test(value)))
  ) {
    return value;
  }
  throw invalid('userId', 'Must be "me", an email address or a Zoom user id.');
}

/** A positive integer of at most 19 digits that fits Zoom's int64 (kept a string: never a JS number). */
export function parseMeetingId(value: unknown): string {
  if (typeof value === 'string' && /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= INT64_MAX)
    return value;
  throw invalid('meetingId', 'Must be a positive integer of at most 19 digits.');
}

/**
 * A create or update body: a JSON object (Zoom answers 300 "Request Body should be a valid JSON
 * object." otherwise), no prototype-pollution keys at any depth, Zoom's documented fields typed
 * as Zoom reads them; other fields pass through to Zoom unchanged.
 */
export function parseMeetingBody(value: unknown): MeetingBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const message = 'Request Body should be a valid JSON object.';
    throw DomainError.validation(message, [{ field: 'body', message }]);
  }
  const unsafe = findUnsafeKeys(value);
  if (unsafe.length) throw fieldsError(unsafe);
  const parsed = meetingBodySchema.safeParse(value);
  if (!parsed.success) throw fieldsError(toFieldErrors(parsed.error.issues));
  return parsed.data;
}

function fieldsError(errors: FieldError[]): DomainError {
  return DomainError.validation(
    `Validation Failed. ${errors.map((e) => `${e.field}: ${e.message}`).join(' ')}`,
    errors,
  );
}

/** The validated `Idempotency-Key` header, or undefined when absent. */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, context: ExecutionContext): string | undefined =>
    parseIdempotencyKey(
      context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>().headers[
        'idempotency-key'
      ],
    ),
);

/** An optional `Idempotency-Key` header: 1 to 255 visible ASCII characters. */
export function parseIdempotencyKey(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^[\x21-\x7e]{1,255}$/.test(value)) return value;
  throw invalid(
    'Idempotency-Key',
    'Must be 1 to 255 visible ASCII characters (a UUID is a good choice).',
  );
}

type QueryRule = (value: string) => string | undefined;

const oneOf =
  (...values: string[]): QueryRule =>
  (v) =>
    values.includes(v) ? undefined : `Must be one of ${values.join(', ')}.`;
const intBetween =
  (min: number, max: number): QueryRule =>
  (v) =>
    /^\d{1,9}$/.test(v) && Number(v) >= min && Number(v) <= max
      ? undefined
      : `Must be an integer from ${min} to ${max}.`;
const pattern =
  (re: RegExp, message: string): QueryRule =>
  (v) =>
    re.test(v) ? undefined : message;
const date: QueryRule = pattern(/^\d{4}-\d{2}-\d{2}$/, 'Must be a date yyyy-MM-dd.');
const bool: QueryRule = oneOf('true', 'false');
const occurrenceId: QueryRule = pattern(/^\d{1,19}$/, 'Must be an occurrence id (digits).');

/** Query parameters that would reach an object's prototype; never forwarded. */
const FORBIDDEN_QUERY_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks the parameters Zoom documents for the route; with `forwardUnknown` the others go to
 * Zoom unchanged (Zoom ignores query parameters it does not know), else they are refused (the
 * gateway's own routes). A parameter given twice is refused: Zoom reads one value.
 */
function parseQuery(
  value: unknown,
  rules: Record<string, QueryRule>,
  forwardUnknown = false,
): Partial<Record<string, string>> & ZoomQuery {
  const query: object = typeof value === 'object' && value !== null ? value : {};
  const out: Partial<Record<string, string>> = {};
  const errors: FieldError[] = [];
  for (const [name, raw] of Object.entries(query)) {
    const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
    if (FORBIDDEN_QUERY_KEYS.has(name) || (!rule && !forwardUnknown)) {
      errors.push({ field: name, message: 'Unknown query parameter.' });
      continue;
    }
    if (typeof raw !== 'string') {
      errors.push({ field: name, message: 'Must be given once, as a plain value.' });
      continue;
    }
    const problem = rule?.(raw);
    if (problem) errors.push({ field: name, message: problem });
    else out[name] = raw;
  }
  if (errors.length) throw fieldsError(errors);
  return out;
}

/** Zoom's list answers at most 300 meetings a page and reads a larger page_size as 300 (developers.zoom.us/docs/api/pagination: "up to 300 items per page"). */
export const MAX_PAGE_SIZE = 300;

/** `GET /v2/users/{userId}/meetings` (developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings). */
export function parseListQuery(value: unknown): ZoomQuery {
  const query = parseQuery(
    value,
    {
      type: oneOf('scheduled', 'live', 'upcoming', 'upcoming_meetings', 'previous_meetings'),
      page_size: pattern(/^\d{1,15}$/, 'Must be a positive integer.'),
      next_page_token: pattern(
        /^[A-Za-z0-9._~+/=-]{1,512}$/,
        'Must be the next_page_token Zoom returned.',
      ),
      page_number: intBetween(1, 100_000),
      from: date,
      to: date,
      timezone: pattern(/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/, 'Must be a time zone id.'),
    },
    true,
  );
  const size = query.page_size === undefined ? undefined : Number(query.page_size);
  if (size === 0) throw invalid('page_size', 'Must be a positive integer.');
  if (size !== undefined && size > MAX_PAGE_SIZE) query.page_size = String(MAX_PAGE_SIZE);
  return query;
}

/** `GET /v2/meetings/{meetingId}`: `occurrence_id` scopes the answer to one occurrence. */
export const parseGetQuery = (value: unknown) =>
  parseQuery(value, { occurrence_id: occurrenceId, show_previous_occurrences: bool }, true);

/** `PATCH /v2/meetings/{meetingId}`: `occurrence_id` updates one occurrence. */
export const parsePatchQuery = (value: unknown) =>
  parseQuery(value, { occurrence_id: occurrenceId }, true);

/** `DELETE /v2/meetings/{meetingId}`: `occurrence_id` deletes one occurrence. */
export const parseDeleteQuery = (value: unknown) =>
  parseQuery(
    value,
    { occurrence_id: occurrenceId, schedule_for_reminder: bool, cancel_meeting_reminder: bool },
    true,
  );

export const RECORDS_DEFAULT_LIMIT = 20;
export const RECORDS_MAX_LIMIT = 100;

export interface RecordsQuery {
  userId?: string;
  status?: MeetingStatus;
  createdBy?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

const isoTime: QueryRule = (v) =>
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(v) &&
  !Number.isNaN(Date.parse(v))
    ? undefined
    : 'Must be an ISO 8601 date or time, e.g. 2026-01-31T12:00:00Z.';

/** `GET /api/meetings`: filters, an opaque cursor and a limit of 1 to 100 (more is refused, not clamped). */
export function parseRecordsQuery(value: unknown): RecordsQuery {
  const q = parseQuery(value, {
    // No whitespace or control characters (a NUL cannot even reach PostgreSQL).
    userId: (v) =>
      v.length <= 128 && /^[^\s\p{Cc}]+$/u.test(v)
        ? undefined
        : 'Must be a user id, email or "me".',
    status: oneOf(...MEETING_STATUSES),
    createdBy: pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Must be an API key name.'),
    from: isoTime,
    to: isoTime,
    cursor: pattern(/^[A-Za-z0-9_-]{1,200}$/, 'Must be the nextCursor of a previous page.'),
    limit: intBetween(1, RECORDS_MAX_LIMIT),
  });
  return {
    userId: q.userId,
    status: MEETING_STATUSES.find((s) => s === q.status),
    createdBy: q.createdBy,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    cursor: q.cursor,
    limit: q.limit ? Number(q.limit) : RECORDS_DEFAULT_LIMIT,
  };
}

/** `GET /api/meetings/:meetingId`: Zoom's meeting id, or the record's own id (a UUID, for records Zoom never numbered). */
export function parseRecordId(value: unknown): string {
  if (
    typeof value === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
  )
    return value;
  return parseMeetingId(value);
}

/** `POST /api/admin/meetings/reconcile?olderThanSeconds=N` (default 120). */
export function parseReconcileQuery(value: unknown): { olderThanMs: number } {
  const q = parseQuery(value, { olderThanSeconds: intBetween(0, 604_800) });
  return {
    olderThanMs: q.olderThanSeconds === undefined ? 120_000 : Number(q.olderThanSeconds) * 1000,
  };
}
