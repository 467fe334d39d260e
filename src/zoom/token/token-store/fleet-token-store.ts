import { Inject, Injectable, Logger } from '@nestjs/common';
import { EncryptionService } from '../../../common/crypto/encryption.service.js';
import { AppConfig } from '../../../config/app-config.js';
import { REDIS, type RedisClient, redisReady } from '../../../coordination/redis.provider.js';
import { MemoryTokenStore } from './memory-token-store.js';
import { RedisTokenStore } from './redis-token-store.js';
import type { NewToken, StoreSnapshot, TokenStore, WriteResult } from './token-store.js';
import { loggableError } from '../../../common/errors/loggable-error.js';

/**
 * The store the token service uses: Redis for the fleet when REDIS_URL is set, the in-process
 * store otherwise, and the in-process store again while Redis is unreachable (logged once per
 * outage; fleet coordination resumes by itself when Redis answers again).
 */
@Injectable()
export class FleetTokenStore implements TokenStore {
  private readonly logger = new Logger('ZoomTokenStore');
  private readonly memory = new MemoryTokenStore();
  private readonly shared: RedisTokenStore | null;
  private degraded = false;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient | null,
    config: AppConfig,
    encryption: EncryptionService,
  ) {
    this.shared = redis
      ? new RedisTokenStore(redis, `${config.redisKeyPrefix}zoom-token`, encryption)
      : null;
  }

  /** A fleet's Redis is configured but unusable now (a failover, an outage). */
  get sharedStoreAway(): boolean {
    return this.shared !== null && this.scope === 'local';
  }

  /** 'redis' when the fleet shares the token now, 'local' otherwise. */
  get scope(): 'redis' | 'local' {
    return this.shared && redisReady(this.redis) && !this.degraded ? 'redis' : 'local';
  }

  read(): Promise<StoreSnapshot> {
    return this.use((store) => store.read());
  }

  write(token: NewToken, expectedGeneration: number): Promise<WriteResult> {
    return this.use((store) => store.write(token, expectedGeneration));
  }

  deleteIf(generation: number, fingerprint: string): Promise<boolean> {
    return this.use((store) => store.deleteIf(generation, fingerprint));
  }

  async retireBelow(version: number): Promise<void> {
    await this.memory.retireBelow(version);
    await this.use((store) => store.retireBelow(version));
  }

  private async use<T>(operation: (store: TokenStore) => Promise<T>): Promise<T> {
    if (this.shared && redisReady(this.redis)) {
      try {
        const result = await operation(this.shared);
        if (this.degraded) {
          this.degraded = false;
          this.logger.log('Redis answers again: the token is shared by the fleet again');
        }
        return result;
      } catch (error) {
        this.degrade(loggableError(error, 'redis'));
      }
    } else if (this.shared) {
      const connection = this.redis?.status ?? 'absent';
      this.degrade(connection === 'ready' ? 'breaker open' : `connection ${connection}`);
    }
    return operation(this.memory);
  }

  private degrade(why: string): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(
      `Redis unreachable (${why}): serving the token from this process until it returns`,
    );
  }
}
