import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { errorMessage } from '../../common/errors/error-message.js';
import { AppConfig } from '../../config/app-config.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';

const CHANNEL = 'ratelimit:daily-block';
/** Pub/sub is best effort: every replica also re-reads the blocks this often. */
const RELOAD_MS = 30_000;

/**
 * Who Zoom's daily limits currently block (`user:<email or id>` or `account:<category>`), and
 * until when. The hot path reads process memory only: a block is written to a Redis hash and
 * announced to the fleet when it happens, and re-read periodically, so no call pays a round
 * trip while nothing is blocked.
 */
@Injectable()
export class DailyBlocks implements OnModuleInit {
  private readonly logger = new Logger(DailyBlocks.name);
  private readonly blocks = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: RedisClient | null,
    private readonly pubsub: PubSubService,
    private readonly jobs: JobsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.pubsub.subscribe(CHANNEL, (message) => this.apply(message));
    await this.reload();
    this.jobs.every('rate-limit-daily-blocks', RELOAD_MS, () => this.reload());
  }

  /** The time the block on `key` ends, if it is blocked now. */
  blockedUntil(key: string): number | undefined {
    const until = this.blocks.get(key);
    if (until === undefined) return undefined;
    if (until > this.clock.now()) return until;
    this.blocks.delete(key);
    return undefined;
  }

  async block(key: string, until: number): Promise<void> {
    this.set(key, until);
    if (redisReady(this.redis)) {
      try {
        await this.redis.hset(this.hashKey(), key, String(until));
        await this.redis.pexpireat(this.hashKey(), Math.max(until, ...this.blocks.values()));
      } catch (error) {
        this.logger.warn(`Could not share a daily-limit block: ${errorMessage(error)}`);
      }
    }
    await this.pubsub.publish(CHANNEL, `${until} ${key}`);
  }

  private apply(message: string): void {
    const space = message.indexOf(' ');
    const until = Number(message.slice(0, space));
    if (space > 0 && Number.isFinite(until)) this.set(message.slice(space + 1), until);
  }

  private set(key: string, until: number): void {
    if ((this.blocks.get(key) ?? 0) < until) this.blocks.set(key, until);
  }

  private async reload(): Promise<void> {
    if (!redisReady(this.redis)) return;
    try {
      const stored = await this.redis.hgetall(this.hashKey());
      const now = this.clock.now();
      for (const [key, value] of Object.entries(stored)) {
        const until = Number(value);
        if (Number.isFinite(until) && until > now) this.set(key, until);
      }
    } catch (error) {
      this.logger.warn(`Could not read daily-limit blocks: ${errorMessage(error)}`);
    }
  }

  private hashKey(): string {
    return `${this.config.redisKeyPrefix}ratelimit:daily-blocks`;
  }
}
