import { fieldsInvalid, objectOf, onlyKnown } from '../../common/parse.js';

/** A console session's public id: 32 hex digits. */
export function parseSessionId(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{32}$/.test(value))
    throw fieldsInvalid([
      { field: 'id', message: 'Must be a console session id (32 hex digits).' },
    ]);
  return value;
}

/** `?hours=` (1 to 24, default 24). */
export function parseFleetMinutesQuery(value: unknown): { hours: number } {
  const query = objectOf(value, 'query');
  onlyKnown(query, ['hours']);
  if (query.hours === undefined) return { hours: 24 };
  const hours =
    typeof query.hours === 'string' && /^\d{1,2}$/.test(query.hours) ? Number(query.hours) : NaN;
  if (!(hours >= 1 && hours <= 24))
    throw fieldsInvalid([{ field: 'hours', message: 'Must be a whole number from 1 to 24.' }]);
  return { hours };
}
