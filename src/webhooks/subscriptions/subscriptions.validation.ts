import { fieldsInvalid, objectOf, onlyKnown } from '../../common/parse.js';
import { parseKeyName } from '../../auth/api-keys.validation.js';
import { parseEventPatterns } from './event-patterns.js';

export interface CreateSubscriptionInput {
  url: string;
  events: string[];
  description?: string;
  /** Admin keys only: the app that receives. */
  app?: string;
}

export interface UpdateSubscriptionInput {
  url?: string;
  events?: string[];
  description?: string | null;
  paused?: boolean;
}

export interface RotateSecretInput {
  overlapSeconds: number;
}

export interface ReplayInput {
  since: Date;
}

export const DEFAULT_SECRET_OVERLAP_SECONDS = 3_600;
const MAX_SECRET_OVERLAP_SECONDS = 30 * 86_400;

function urlField(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048)
    throw fieldsInvalid([
      { field: 'url', message: 'Must be an absolute https URL of at most 2048 characters.' },
    ]);
  return value;
}

function descriptionField(value: unknown): string {
  if (typeof value !== 'string' || value.length > 200)
    throw fieldsInvalid([
      { field: 'description', message: 'Must be a string of at most 200 characters.' },
    ]);
  return value;
}

/** `POST /api/webhook-subscriptions` `{url, events, description?, app?}`; the URL's host is checked by the service. */
export function parseCreateSubscription(value: unknown): CreateSubscriptionInput {
  const body = objectOf(value, 'body');
  onlyKnown(body, ['url', 'events', 'description', 'app']);
  return {
    url: urlField(body.url),
    events: parseEventPatterns(body.events),
    description: body.description === undefined ? undefined : descriptionField(body.description),
    app: body.app === undefined ? undefined : parseKeyName(body.app, 'app'),
  };
}

/** `PATCH /api/webhook-subscriptions/{id}` `{url?, events?, description?, paused?}`. */
export function parseUpdateSubscription(value: unknown): UpdateSubscriptionInput {
  const body = objectOf(value, 'body');
  onlyKnown(body, ['url', 'events', 'description', 'paused']);
  if (body.paused !== undefined && typeof body.paused !== 'boolean')
    throw fieldsInvalid([{ field: 'paused', message: 'Must be true or false.' }]);
  const input: UpdateSubscriptionInput = {};
  if (body.url !== undefined) input.url = urlField(body.url);
  if (body.events !== undefined) input.events = parseEventPatterns(body.events);
  if (body.description !== undefined)
    input.description = body.description === null ? null : descriptionField(body.description);
  if (typeof body.paused === 'boolean') input.paused = body.paused;
  if (Object.keys(input).length === 0)
    throw fieldsInvalid([
      { field: 'body', message: 'Name at least one of url, events, description, paused.' },
    ]);
  return input;
}

/** `POST .../rotate-secret` `{overlapSeconds?}` (0: the new secret signs at once). */
export function parseRotateSecret(value: unknown): RotateSecretInput {
  const body = objectOf(value, 'body');
  onlyKnown(body, ['overlapSeconds']);
  const overlap =
    body.overlapSeconds === undefined ? DEFAULT_SECRET_OVERLAP_SECONDS : body.overlapSeconds;
  if (
    typeof overlap !== 'number' ||
    !Number.isInteger(overlap) ||
    overlap < 0 ||
    overlap > MAX_SECRET_OVERLAP_SECONDS
  )
    throw fieldsInvalid([
      {
        field: 'overlapSeconds',
        message: `Must be an integer from 0 to ${MAX_SECRET_OVERLAP_SECONDS}.`,
      },
    ]);
  return { overlapSeconds: overlap };
}

/** `POST .../replay` `{since}`: an ISO 8601 time with a zone, not in the future. */
export function parseReplay(value: unknown, now: number): ReplayInput {
  const body = objectOf(value, 'body');
  onlyKnown(body, ['since']);
  const since =
    typeof body.since === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(body.since)
      ? new Date(body.since)
      : undefined;
  // A day that does not exist (2026-02-30) would roll over into the next month: refused.
  const day = typeof body.since === 'string' ? body.since.slice(0, 10) : '';
  const rolled =
    since !== undefined &&
    !Number.isNaN(since.getTime()) &&
    new Date(`${day}T12:00:00Z`).toISOString().slice(0, 10) !== day;
  if (!since || Number.isNaN(since.getTime()) || rolled || since.getTime() > now)
    throw fieldsInvalid([
      {
        field: 'since',
        message:
          'Must be an ISO 8601 time with a zone, not in the future, e.g. 2026-12-01T00:00:00Z.',
      },
    ]);
  return { since };
}

/** A subscription or delivery id in a path: a UUID. */
export function parseId(value: unknown): string {
  if (
    typeof value === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
  )
    return value;
  throw fieldsInvalid([{ field: 'id', message: 'Must be a UUID.' }]);
}
