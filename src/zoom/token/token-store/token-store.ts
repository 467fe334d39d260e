/** Why a token was minted; the ledger and the rejected-state rule both read it. */
export type MintReason = 'cold' | 'refresh_ahead' | 'invalidated' | 'rotation' | 'probe';

/** An access token with the identity needed to compare-and-delete exactly it. */
export interface ZoomToken {
  accessToken: string;
  /** Increases by one with every write to the shared store; 0 for a token never stored. */
  generation: number;
  credentialVersion: number;
  mintedAt: number;
  expiresAt: number;
  /** sha256 prefix of the token: names it in logs, the ledger and compare-and-delete. */
  fingerprint: string;
  reason: MintReason;
  /** The regional API host the token answer named (`api_url`), if any. */
  apiUrl?: string;
}

export type NewToken = Omit<ZoomToken, 'generation'>;

export interface StoreSnapshot {
  /** The generation of the last write, kept even after the token itself was deleted. */
  generation: number;
  /** The newest credential version the store has seen; writes of older versions are refused. */
  credentialVersion: number;
  token: ZoomToken | null;
}

export type WriteResult =
  | { written: true; generation: number }
  | { written: false; reason: 'stale_generation' | 'retired_credentials' };

/**
 * Where the fleet's one token lives. Every write is a compare-and-set on the generation and
 * refuses a credential version older than the newest seen, so a late writer can neither
 * overwrite a newer token nor bring back one minted with a retired secret.
 */
export interface TokenStore {
  read(): Promise<StoreSnapshot>;
  write(token: NewToken, expectedGeneration: number): Promise<WriteResult>;
  /** Deletes the token only if it is still exactly this one (generation and fingerprint). */
  deleteIf(generation: number, fingerprint: string): Promise<boolean>;
  /** Drops a token minted with a credential version older than `version` and remembers `version`. */
  retireBelow(version: number): Promise<void>;
}
