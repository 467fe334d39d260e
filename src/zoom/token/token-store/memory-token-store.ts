import type { NewToken, StoreSnapshot, TokenStore, WriteResult, ZoomToken } from './token-store.js';

/** The in-process store: the single-instance default and the fallback while Redis is unreachable. */
export class MemoryTokenStore implements TokenStore {
  private generation = 0;
  private credentialVersion = 0;
  private token: ZoomToken | null = null;

  read(): Promise<StoreSnapshot> {
    return Promise.resolve(this.snapshot());
  }

  snapshot(): StoreSnapshot {
    return {
      generation: this.generation,
      credentialVersion: this.credentialVersion,
      token: this.token,
    };
  }

  write(token: NewToken, expectedGeneration: number): Promise<WriteResult> {
    if (expectedGeneration !== this.generation)
      return Promise.resolve({ written: false, reason: 'stale_generation' });
    if (token.credentialVersion < this.credentialVersion) {
      return Promise.resolve({ written: false, reason: 'retired_credentials' });
    }
    this.generation += 1;
    this.credentialVersion = token.credentialVersion;
    this.token = { ...token, generation: this.generation };
    return Promise.resolve({ written: true, generation: this.generation });
  }

  deleteIf(generation: number, fingerprint: string): Promise<boolean> {
    if (this.token?.generation !== generation || this.token.fingerprint !== fingerprint)
      return Promise.resolve(false);
    this.token = null;
    return Promise.resolve(true);
  }

  retireBelow(version: number): Promise<void> {
    if (this.credentialVersion < version) {
      this.credentialVersion = version;
      if (this.token && this.token.credentialVersion < version) this.token = null;
    }
    return Promise.resolve();
  }
}
