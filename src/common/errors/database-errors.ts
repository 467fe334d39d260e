/** The driver's error code (`23505`, `SQLITE_CONSTRAINT_UNIQUE`, `ECONNREFUSED`...), under TypeORM's wrapper or not. */
export function driverErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const driver = 'driverError' in error ? error.driverError : undefined;
  const source: object = typeof driver === 'object' && driver !== null ? driver : error;
  return 'code' in source && typeof source.code === 'string' ? source.code : undefined;
}

/** A unique-constraint violation: PostgreSQL's unique_violation, SQLite's constraint errors. */
export function isUniqueViolation(error: unknown): boolean {
  const code = driverErrorCode(error);
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** Socket-level codes: the database could not be reached or dropped the connection. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * PostgreSQL SQLSTATEs meaning "not now" rather than "wrong query": class 08 (connection
 * exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too
 * many connections), 57014 (statement_timeout cancelled the query).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/** node-postgres and TypeORM say these in words only, without a code. */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /query read timeout/i,
  /connection timeout/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /sqlite_busy|database is locked/i,
  // better-sqlite3 once its handle is closed.
  /database connection is not open/i,
];

function messageOf(error: object): string {
  return 'message' in error && typeof error.message === 'string' ? error.message : '';
}

/**
 * Whether an error means "the database is unavailable" (refused, dropped, timed out, busy) as
 * opposed to a bug or bad data: such a request answers 503 `database_unavailable`, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; depth < 4; depth++) {
    if (typeof current !== 'object' || current === null) return false;
    const code = driverErrorCode(current);
    if (code !== undefined) {
      if (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
      if (code.startsWith('08') && code.length === 5) return true;
      if (code === 'SQLITE_BUSY') return true;
    }
    const message = messageOf(current);
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    const driver = 'driverError' in current ? current.driverError : undefined;
    current = driver ?? ('cause' in current ? current.cause : undefined);
  }
  return false;
}
