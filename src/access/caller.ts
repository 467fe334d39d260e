import type { Grants } from '../config/grants.js';

/** Who is calling: the app (the name before the key), recorded as the author of what it does. */
export interface Caller {
  name: string;
  admin: boolean;
}

/** A caller the guard let in, with what its key may do. */
export interface AuthenticatedCaller extends Caller {
  grants: Grants;
  /** A console user who may only look: every write is refused (403) by the guard. */
  lookOnly?: boolean;
}
