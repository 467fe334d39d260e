/** JSON with object keys sorted at every level: equal requests hash equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A unique-index violation on PostgreSQL (23505) or SQLite (SQLITE_CONSTRAINT_UNIQUE).
 * A second copy lives in src/zoom/credentials/credentials.store.ts (not this module's folder);
 * the two should become one in src/common.
 */
export function isUniqueViolation(error: unknown): boolean {
  const driver: unknown =
    typeof error === 'object' && error !== null && 'driverError' in error
      ? error.driverError
      : error;
  const code =
    typeof driver === 'object' &&
    driver !== null &&
    'code' in driver &&
    typeof driver.code === 'string'
      ? driver.code
      : '';
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
