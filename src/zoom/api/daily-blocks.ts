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

/** One scope Zoom's daily limit currently closes, why, and until when. */
export interface DailyBlock {
  /**
   * What is blocked, exactly as narrow as Zoom counts it: `account:<bucket group>`,
   * `host:<user>`, `registrant:<meeting|webinar>:<id>:<email>`, `registrant_status:...`, or
   * `operation:<METHOD> <path>` for a daily 429 the gateway cannot place.
   */
  scope: string;
  reason: string;
  /** ms epoch */
  until: number;
}

interface Announcement {
  scope: string;
  reason?: string;
  until?: number;
  lifted?: boolean;
}

function parseStored(value: string): { until: number; reason: string } | undefined {
  // Older replicas stored the time alone.
  if (/^\d+$/.test(value)) return { until: Number(value), reason: 'daily limit reached' };
  try {
    const parsed: unknown = JSON.parse(value);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'until' in parsed &&
      typeof parsed.until === 'number' &&
      'reason' in parsed &&
      typeof parsed.reason === 'string'
    )
      return { until: parsed.until, reason: parsed.reason };
  } catch {
    // Not ours: ignored.
  }
  return undefined;
}

/**
 * Which scopes Zoom's daily limits currently block, and until when. The hot path reads process
 * memory only: a block is written to a Redis hash and announced to the fleet when it happens,
 * and re-read periodically, so no call pays a round trip while nothing is blocked. An operator
 * may lift one (fleet-wide) before it ends.
 */
@Injectable()
export class DailyBlocks implements OnModuleInit {
  private readonly logger = new Logger(DailyBlocks.name);
  private readonly blocks = new Map<string, { until: number; reason: string }>();
  /** Scopes lifted by an operator: a stale announcement or reload must not bring them back. */
  private readonly lifted = new Map<string, number>();

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

  /** The time the block on `scope` ends, if it is blocked now. */
  blockedUntil(scope: string): number | undefined {
    const block = this.blocks.get(scope);
    if (block === undefined) return undefined;
    if (block.until > this.clock.now()) return block.until;
    this.blocks.delete(scope);
    return undefined;
  }

  /** Every block in force now, soonest end first. */
  list(): DailyBlock[] {
    const now = this.clock.now();
    return [...this.blocks.entries()]
      .filter(([, block]) => block.until > now)
      .map(([scope, block]) => ({ scope, ...block }))
      .sort((a, b) => a.until - b.until || a.scope.localeCompare(b.scope));
  }

  async block(scope: string, until: number, reason: string): Promise<void> {
    this.lifted.delete(scope);
    this.set(scope, until, reason);
    if (redisReady(this.redis)) {
      try {
        await this.redis.hset(this.hashKey(), scope, JSON.stringify({ until, reason }));
        const latest = Math.max(until, ...[...this.blocks.values()].map((b) => b.until));
        await this.redis.pexpireat(this.hashKey(), latest);
      } catch (error) {
        this.logger.warn(`Could not share a daily-limit block: ${errorMessage(error)}`);
      }
    }
    await this.pubsub.publish(
      CHANNEL,
      JSON.stringify({ scope, until, reason } satisfies Announcement),
    );
  }

  /** Ends the block on `scope` on every replica; false when there was none. */
  async lift(scope: string): Promise<boolean> {
    const existed = this.blockedUntil(scope) !== undefined;
    this.blocks.delete(scope);
    this.lifted.set(scope, this.clock.now());
    if (redisReady(this.redis)) await this.redis.hdel(this.hashKey(), scope);
    await this.pubsub.publish(CHANNEL, JSON.stringify({ scope, lifted: true }));
    return existed;
  }

  private apply(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const scope = 'scope' in parsed ? parsed.scope : undefined;
    if (typeof scope !== 'string') return;
    if ('lifted' in parsed && parsed.lifted === true) {
      this.blocks.delete(scope);
      this.lifted.set(scope, this.clock.now());
      return;
    }
    const until = 'until' in parsed ? parsed.until : undefined;
    const reason = 'reason' in parsed ? parsed.reason : undefined;
    if (typeof until === 'number') {
      this.lifted.delete(scope);
      this.set(scope, until, typeof reason === 'string' ? reason : 'daily limit reached');
    }
  }

  private set(scope: string, until: number, reason: string): void {
    if ((this.blocks.get(scope)?.until ?? 0) < until) this.blocks.set(scope, { until, reason });
  }

  private async reload(): Promise<void> {
    if (!redisReady(this.redis)) return;
    try {
      const stored = await this.redis.hgetall(this.hashKey());
      const now = this.clock.now();
      for (const [scope, value] of Object.entries(stored)) {
        const block = parseStored(value);
        // A lift within the last reload period wins over what a slow replica may still hold.
        const liftedAt = this.lifted.get(scope);
        if (liftedAt !== undefined && now - liftedAt < 2 * RELOAD_MS) continue;
        if (block && block.until > now) this.set(scope, block.until, block.reason);
      }
    } catch (error) {
      this.logger.warn(`Could not read daily-limit blocks: ${errorMessage(error)}`);
    }
  }

  private hashKey(): string {
    return `${this.config.redisKeyPrefix}ratelimit:daily-blocks`;
  }
}
