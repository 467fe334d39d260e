// Whom Zoom's per-scope daily limits count for one call: the host user of a meeting or webinar
// create or update, the registrants of a registration or a registrant status change.
import type { ZoomRouteMatch } from '@zoom-gateway/zoom-routes';
import type { ScopedCall } from './sim-rate-limiter.js';

export interface SubjectSources {
  /** `me`, a user id or an e-mail address -> that user's id (undefined when unknown) */
  userId(userId: string): string | undefined;
  /** a meeting id -> its host's user id (undefined when unknown) */
  meetingHost(meetingId: string): string | undefined;
}

type Subject = ScopedCall['subjects'][number];

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function jsonObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A registrant named by e-mail (case-insensitive, as Zoom matches them) or, for status changes, by id. */
function registrant(entry: unknown, byId: boolean): { key: string; shown: string } | undefined {
  if (!isRecord(entry)) return undefined;
  if (typeof entry.email === 'string' && entry.email !== '') {
    return { key: entry.email.toLowerCase(), shown: entry.email };
  }
  if (byId && typeof entry.id === 'string' && entry.id !== '') {
    return { key: `id:${entry.id}`, shown: entry.id };
  }
  return undefined;
}

/**
 * The scoped daily limit this call meets, with its subjects; undefined when the row has none or
 * its subject cannot be told (an unknown user or meeting: the handler answers 404 then; a
 * webinar's host: the simulator keeps no webinars).
 */
export function scopedCallOf(
  match: ZoomRouteMatch,
  rawBody: Buffer,
  sources: SubjectSources,
): ScopedCall | undefined {
  const scope = match.daily;
  if (!scope) return undefined;
  const { params, template } = match;
  const noun = template.includes('/webinars') ? 'Webinar' : 'Meeting';
  const batch = template.endsWith('/batch_registrants');
  let subjects: Subject[] = [];
  if (scope === 'host_user') {
    const host =
      params.userId !== undefined
        ? sources.userId(decode(params.userId))
        : params.meetingId !== undefined
          ? sources.meetingHost(decode(params.meetingId))
          : undefined;
    if (host !== undefined) subjects = [{ key: host, shown: host }];
  } else {
    const target = params.meetingId ?? params.webinarId;
    const body = jsonObject(rawBody);
    if (target === undefined || !body) return undefined;
    const entries: unknown[] =
      scope === 'registrant' && !batch
        ? [body]
        : Array.isArray(body.registrants)
          ? body.registrants
          : [];
    const prefix = `${noun.toLowerCase()}:${decode(target)}:`;
    for (const entry of entries) {
      const r = registrant(entry, scope === 'registrant_status');
      if (r) subjects.push({ key: prefix + r.key, shown: r.shown });
    }
  }
  return subjects.length > 0 ? { scope, subjects, noun, batch } : undefined;
}
