// Optional persistence of users and meetings to a JSON file (`stateFile`), so a standalone
// simulator keeps its meetings across restarts. Best effort: never takes the simulator down.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isPlainObject } from './sim-meeting-input.js';
import type { MeetingRecord } from './sim-meeting-service.js';
import type { SimUser } from './sim-types.js';

export interface PersistedState {
  version: 1;
  users: SimUser[];
  meetings: MeetingRecord[];
}

/** Trusts the file we wrote ourselves, checking only its outline. */
function isPersistedState(value: unknown): value is PersistedState {
  return (
    isPlainObject(value) &&
    value.version === 1 &&
    Array.isArray(value.users) &&
    Array.isArray(value.meetings)
  );
}

export class StateFile {
  private saveTimer?: NodeJS.Timeout;

  constructor(
    private readonly path: string | undefined,
    /** what to write: read at save time */
    private readonly snapshot: () => Omit<PersistedState, 'version'>,
  ) {}

  load(): PersistedState | undefined {
    if (!this.path || !existsSync(this.path)) return undefined;
    try {
      const state: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      return isPersistedState(state) ? state : undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.error(`zoom-simulator: ignoring unreadable state file: ${reason}`);
      return undefined;
    }
  }

  /** Saves soon (coalescing bursts of changes). */
  scheduleSave(): void {
    if (!this.path || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), 200);
    this.saveTimer.unref();
  }

  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.path) return;
    const state: PersistedState = { version: 1, ...this.snapshot() };
    const temp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(temp, JSON.stringify(state));
      renameSync(temp, this.path);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.error(`zoom-simulator: could not save state: ${reason}`);
    }
  }
}
