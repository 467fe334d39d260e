import type { AuthenticatedCaller } from '../caller.js';
import { CallerIdentity, MeetingOwnership } from '../ports.js';

/** Meeting owners as the gateway's records would say: the map's, none for any other id. */
export class FixedOwners extends MeetingOwnership {
  constructor(readonly owners = new Map<string, string>()) {
    super();
  }

  ownerOf(id: string): Promise<string | null> {
    return Promise.resolve(this.owners.get(id) ?? null);
  }

  ownerOfUuid(): Promise<string | null> {
    return Promise.resolve(null);
  }

  ownedAmong(ids: readonly string[], app: string): Promise<Set<string>> {
    return Promise.resolve(new Set(ids.filter((id) => this.owners.get(id) === app)));
  }
}

/** Apps that hold live keys, by name; no key is presented in these tests. */
export class FixedApps extends CallerIdentity {
  constructor(private readonly named: (name: string) => AuthenticatedCaller | undefined) {
    super();
  }

  static of(...callers: AuthenticatedCaller[]): FixedApps {
    return new FixedApps((name) => callers.find((caller) => caller.name === name));
  }

  callerFor(): Promise<AuthenticatedCaller> {
    return Promise.reject(new Error('no key is presented in this test'));
  }

  callerNamed(name: string): AuthenticatedCaller | undefined {
    return this.named(name);
  }
}
