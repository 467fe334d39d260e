import { fieldsInvalid, objectOf, onlyKnown } from '../common/parse.js';
import { AUDIT_ACTIONS, type AuditQuery } from './audit.service.js';

export const AUDIT_DEFAULT_LIMIT = 50;
export const AUDIT_MAX_LIMIT = 200;

/** `GET /api/admin/audit?action=&cursor=&limit=`: each given once; limit 1 to 200 (more is refused). */
export function parseAuditQuery(value: unknown): AuditQuery {
  const query = objectOf(value, 'query');
  onlyKnown(query, ['action', 'cursor', 'limit']);
  const { action, cursor, limit } = query;
  for (const [field, raw] of Object.entries(query))
    if (typeof raw !== 'string')
      throw fieldsInvalid([{ field, message: 'Must be given once, as a plain value.' }]);
  if (typeof action === 'string' && !AUDIT_ACTIONS.includes(action))
    throw fieldsInvalid([
      { field: 'action', message: `Must be one of ${AUDIT_ACTIONS.join(', ')}.` },
    ]);
  if (typeof cursor === 'string' && !/^[A-Za-z0-9_-]{1,200}$/.test(cursor))
    throw fieldsInvalid([
      { field: 'cursor', message: 'Must be the nextCursor of a previous page.' },
    ]);
  if (
    typeof limit === 'string' &&
    !(/^\d{1,4}$/.test(limit) && +limit >= 1 && +limit <= AUDIT_MAX_LIMIT)
  )
    throw fieldsInvalid([
      { field: 'limit', message: `Must be an integer from 1 to ${AUDIT_MAX_LIMIT}.` },
    ]);
  return {
    action: typeof action === 'string' ? action : undefined,
    cursor: typeof cursor === 'string' ? cursor : undefined,
    limit: typeof limit === 'string' ? Number(limit) : AUDIT_DEFAULT_LIMIT,
  };
}
