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
 * Zoom's int64 meeting id as a decimal string. A string or bigint is taken as is; a JS number
 * only while it is exact (below 2^53): anything else is refused rather than rounded.
 */
export function zoomIdString(id: unknown): string | null {
  if (typeof id === 'string' && /^[1-9]\d{0,18}$/.test(id)) return id;
  if (typeof id === 'bigint' && id > 0n) return id.toString();
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return String(id);
  return null;
}

/** A unique-index violation on PostgreSQL (23505) or SQLite (SQLITE_CONSTRAINT_UNIQUE). */
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
