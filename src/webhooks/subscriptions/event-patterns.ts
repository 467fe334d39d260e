import { fieldsInvalid } from '../../common/parse.js';

/**
 * Which Zoom events a subscription asks for: exact names (`recording.completed`), a family
 * (`meeting.*`: every event whose name starts with `meeting.`), or `*` (every event). Event
 * names are Zoom's: lower-case words joined by `.` and `_`.
 */
const NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const FAMILY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$/;
export const MAX_PATTERNS = 50;

export function parseEventPatterns(value: unknown, field = 'events'): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PATTERNS) {
    throw fieldsInvalid([
      {
        field,
        message: `Must be a list of 1 to ${MAX_PATTERNS} event names or patterns such as "meeting.*".`,
      },
    ]);
  }
  const patterns: string[] = [];
  for (const [index, item] of value.entries()) {
    if (
      typeof item !== 'string' ||
      item.length > 100 ||
      !(item === '*' || NAME.test(item) || FAMILY.test(item))
    ) {
      throw fieldsInvalid([
        {
          field: `${field}[${index}]`,
          message: 'Must be an event name (recording.completed), a family (meeting.*) or *.',
        },
      ]);
    }
    if (!patterns.includes(item)) patterns.push(item);
  }
  return patterns;
}

export function matchesEvent(patterns: readonly string[], event: string): boolean {
  return patterns.some(
    (pattern) =>
      pattern === '*' ||
      pattern === event ||
      (pattern.endsWith('.*') && event.startsWith(pattern.slice(0, -1))),
  );
}

const AREAS: ReadonlyMap<string, string> = new Map([
  ['meeting', 'meetings'],
  ['recording', 'recordings'],
  ['webinar', 'webinars'],
  ['user', 'users'],
]);

/**
 * The grants area an event belongs to: `meeting.*` meetings, `recording.*` recordings,
 * `webinar.*` webinars, `user.*` users, otherwise the name before the first dot.
 */
export function eventArea(event: string): string {
  const family = event.split('.', 1)[0] ?? '';
  return AREAS.get(family) ?? family;
}

/** Areas whose events name a meeting the app must own when its grants say `ownership=own`. */
export function isMeetingArea(area: string): boolean {
  return area === 'meetings' || area === 'recordings';
}
