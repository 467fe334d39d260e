import type { EncryptionService } from '../../../common/crypto/encryption.service.js';
import type { RedisClient } from '../../../coordination/redis.provider.js';
import type {
  MintReason,
  NewToken,
  StoreSnapshot,
  TokenStore,
  WriteResult,
} from './token-store.js';

/** The authenticated-encryption purpose of a stored token: a ciphertext cannot be replayed as anything else. */
export const TOKEN_AAD = 'zoom-token';

const TOKEN_FIELDS = "'sealed', 'fp', 'minted', 'exp', 'reason', 'api'";

/** CAS write: KEYS[1] hash; ARGV expectedGen, cv, sealed, fp, minted, exp, reason, ttlMs, api. Returns {1,gen} | {0,gen} stale | {-1,gen} retired. */
export const WRITE_SCRIPT = `
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
local cv = tonumber(redis.call('HGET', KEYS[1], 'cv') or '0')
if gen ~= tonumber(ARGV[1]) then return {0, gen} end
if tonumber(ARGV[2]) < cv then return {-1, gen} end
gen = gen + 1
redis.call('HSET', KEYS[1], 'gen', gen, 'cv', ARGV[2], 'sealed', ARGV[3], 'fp', ARGV[4], 'minted', ARGV[5], 'exp', ARGV[6], 'reason', ARGV[7], 'api', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return {1, gen}`;

/** Compare-and-delete: KEYS[1] hash; ARGV gen, fingerprint. Keeps gen and cv so generations never go back. */
export const DELETE_IF_SCRIPT = `
if redis.call('HGET', KEYS[1], 'gen') == ARGV[1] and redis.call('HGET', KEYS[1], 'fp') == ARGV[2] then
  redis.call('HDEL', KEYS[1], ${TOKEN_FIELDS})
  return 1
end
return 0`;

/** KEYS[1] hash; ARGV version. Drops a token of an older credential version and raises the floor. */
export const RETIRE_SCRIPT = `
local cv = tonumber(redis.call('HGET', KEYS[1], 'cv') or '0')
if cv < tonumber(ARGV[1]) then
  redis.call('HDEL', KEYS[1], ${TOKEN_FIELDS})
  redis.call('HSET', KEYS[1], 'cv', ARGV[1])
  return 1
end
return 0`;

/** Every MintReason, so a stored value is checked rather than trusted (and a new reason cannot be missed here). */
const MINT_REASONS: Record<MintReason, true> = {
  cold: true,
  refresh_ahead: true,
  invalidated: true,
  rotation: true,
  probe: true,
};

function isMintReason(value: string): value is MintReason {
  return Object.hasOwn(MINT_REASONS, value);
}

/** WRITE_SCRIPT answers `{status, generation}`: two integers. */
function isWriteReply(reply: unknown): reply is [number, number] {
  return (
    Array.isArray(reply) &&
    reply.length === 2 &&
    typeof reply[0] === 'number' &&
    typeof reply[1] === 'number'
  );
}

/** How long the record outlives its token, so the generation survives quiet periods. */
const RECORD_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * The fleet's token in one Redis hash: generation, credential version, and the token sealed with
 * AES-256-GCM. Every mutation is a Lua script, so check and write are one atomic step.
 */
export class RedisTokenStore implements TokenStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly encryption: EncryptionService,
  ) {}

  async read(): Promise<StoreSnapshot> {
    const hash = await this.redis.hgetall(this.key);
    const generation = Number(hash.gen ?? 0);
    const credentialVersion = Number(hash.cv ?? 0);
    if (!hash.sealed || !hash.fp) return { generation, credentialVersion, token: null };
    let accessToken: string;
    try {
      accessToken = this.encryption.decrypt(hash.sealed, TOKEN_AAD);
    } catch {
      // Sealed with another ENCRYPTION_KEY: unusable here, as if absent.
      return { generation, credentialVersion, token: null };
    }
    return {
      generation,
      credentialVersion,
      token: {
        accessToken,
        generation,
        credentialVersion,
        mintedAt: Number(hash.minted),
        expiresAt: Number(hash.exp),
        fingerprint: hash.fp,
        // Written by write() only; a value from elsewhere reads as the default, like a missing one.
        reason: hash.reason !== undefined && isMintReason(hash.reason) ? hash.reason : 'cold',
        apiUrl: hash.api || undefined,
      },
    };
  }

  async write(token: NewToken, expectedGeneration: number): Promise<WriteResult> {
    const reply = await this.redis.eval(
      WRITE_SCRIPT,
      1,
      this.key,
      String(expectedGeneration),
      String(token.credentialVersion),
      this.encryption.encrypt(token.accessToken, TOKEN_AAD),
      token.fingerprint,
      String(token.mintedAt),
      String(token.expiresAt),
      token.reason,
      String(RECORD_TTL_MS),
      token.apiUrl ?? '',
    );
    if (!isWriteReply(reply))
      throw new Error(`Unexpected reply from the token write script: ${JSON.stringify(reply)}`);
    const [status, generation] = reply;
    if (status === 1) return { written: true, generation };
    return { written: false, reason: status === -1 ? 'retired_credentials' : 'stale_generation' };
  }

  async deleteIf(generation: number, fingerprint: string): Promise<boolean> {
    return (
      (await this.redis.eval(DELETE_IF_SCRIPT, 1, this.key, String(generation), fingerprint)) === 1
    );
  }

  async retireBelow(version: number): Promise<void> {
    await this.redis.eval(RETIRE_SCRIPT, 1, this.key, String(version));
  }
}
