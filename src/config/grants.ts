/**
 * What an API key may do with Zoom's API: per area (`meetings`, `users`, ... or `*` for every
 * area) read and/or write, which meetings (`own`: those created through this app's keys; `all`)
 * and whether it may use the admin routes.
 *
 * Written as `;`-separated items, the same in ADMIN_API_KEYS / API_KEYS (`name[grants]:key`),
 * the admin API and the CLI: `meetings=rw;users=r;ownership=own`, `*=rw;ownership=all;admin`.
 */
export type Access = 'r' | 'w' | 'rw';
export type Ownership = 'own' | 'all';
export type CallKind = 'read' | 'write';

export interface Grants {
  /** Area (or `*`) → access. A named area wins over `*`. */
  readonly areas: ReadonlyMap<string, Access>;
  readonly ownership: Ownership;
  readonly admin: boolean;
}

/** API_KEYS and keys made without grants: meetings, read and write, own meetings only. */
export const DEFAULT_APP_GRANTS: Grants = Object.freeze({
  areas: new Map<string, Access>([['meetings', 'rw']]),
  ownership: 'own',
  admin: false,
});

/** ADMIN_API_KEYS without grants: everything. */
export const ADMIN_GRANTS: Grants = Object.freeze({
  areas: new Map<string, Access>([['*', 'rw']]),
  ownership: 'all',
  admin: true,
});

const AREA = /^(\*|[a-z][a-z0-9_]{0,39})$/;
const ACCESS: readonly Access[] = ['r', 'w', 'rw'];
const MAX_GRANTS_LENGTH = 512;

/** A grants text that does not parse; the message says which item and why. */
export class GrantsSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrantsSyntaxError';
  }
}

/** Parses `area=r|w|rw;...;ownership=own|all[;admin]`; `defaults.admin` (ADMIN_API_KEYS) sets admin without the item. */
export function parseGrants(text: string, defaults: { admin: boolean }): Grants {
  if (text.length > MAX_GRANTS_LENGTH)
    throw new GrantsSyntaxError(`grants must be at most ${MAX_GRANTS_LENGTH} characters`);
  const areas = new Map<string, Access>();
  let ownership: Ownership | undefined;
  let admin = defaults.admin;
  const items = text.split(';').map((item) => item.trim());
  if (items.every((item) => item === ''))
    throw new GrantsSyntaxError('grants must name at least one area, e.g. meetings=rw');
  for (const item of items) {
    if (item === '') continue;
    if (item === 'admin') {
      admin = true;
      continue;
    }
    const [rawName, value, extra] = item.split('=').map((part) => part.trim());
    const name = rawName?.toLowerCase() ?? '';
    if (value === undefined || extra !== undefined)
      throw new GrantsSyntaxError(
        `"${item}" must be area=r|w|rw, ownership=own|all or admin (items separated by ;)`,
      );
    if (name === 'ownership') {
      if (ownership !== undefined) throw new GrantsSyntaxError('names ownership twice');
      if (value !== 'own' && value !== 'all')
        throw new GrantsSyntaxError(`ownership must be own or all, got "${value}"`);
      ownership = value;
      continue;
    }
    if (!AREA.test(name))
      throw new GrantsSyntaxError(
        `"${rawName}" is not an area: use * or a Zoom API path's first segment, e.g. meetings, users`,
      );
    const access = ACCESS.find((candidate) => candidate === value.toLowerCase());
    if (!access) throw new GrantsSyntaxError(`${name} must be r, w or rw, got "${value}"`);
    if (areas.has(name)) throw new GrantsSyntaxError(`names the area ${name} twice`);
    areas.set(name, access);
  }
  if (areas.size === 0)
    throw new GrantsSyntaxError('grants must name at least one area, e.g. meetings=rw');
  return Object.freeze({ areas, ownership: ownership ?? (admin ? 'all' : 'own'), admin });
}

/** The canonical text: `*` first, areas sorted, then ownership, then `admin`. */
export function formatGrants(grants: Grants): string {
  const areas = [...grants.areas.entries()].sort(([a], [b]) =>
    a === '*' ? -1 : b === '*' ? 1 : a.localeCompare(b),
  );
  return [
    ...areas.map(([area, access]) => `${area}=${access}`),
    `ownership=${grants.ownership}`,
    ...(grants.admin ? ['admin'] : []),
  ].join(';');
}

/** Whether the grants cover a call of `kind` to `area`; a named area wins over `*`. */
export function allows(grants: Grants, area: string, kind: CallKind): boolean {
  const access = grants.areas.get(area) ?? grants.areas.get('*');
  if (access === undefined) return false;
  return kind === 'read' ? access.includes('r') : access.includes('w');
}

/** Words for a refusal: which grant was missing. */
export function missingGrantMessage(area: string, kind: CallKind): string {
  const letter = kind === 'read' ? 'r' : 'w';
  return `This API key has no grant for ${kind} calls to the ${area} area: it needs ${area}=${letter} (or ${area}=rw).`;
}
