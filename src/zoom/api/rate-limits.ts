import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';
import type { RateLimitKind } from './rate-limit-answer.js';
import type { ZoomProduct, ZoomRateCategory, ZoomResponse } from './zoom-api.types.js';
import {
  ALL_BUCKETS,
  type BucketLimit,
  bucketOf,
  planLimit,
  type RateBucket,
} from './zoom-limits.js';

export { planLimit } from './zoom-limits.js';

const CHANNEL = 'ratelimit:learned';
const LEARNED_TTL_MS = 3_600_000;
/** `X-RateLimit-Category` as Zoom writes it (`Light`, `Resource-intensive`), to our names. */
const HEADER_CATEGORIES: Record<string, ZoomRateCategory> = {
  light: 'light',
  medium: 'medium',
  heavy: 'heavy',
  'resource-intensive': 'resource_intensive',
  resource_intensive: 'resource_intensive',
};
const KNOWN_BUCKETS = new Set(ALL_BUCKETS.map((b) => bucketOf(b.product, b.category)));

/**
 * The limit each bucket (a product's category) is paced to: ZOOM_RATE_LIMITS when set, else what
 * Zoom itself reported for this account (`X-RateLimit-Limit` on an answer of that product whose
 * `X-RateLimit-Type` is QPS), else the plan's. What one replica learns is announced to the fleet
 * and kept in Redis for an hour, so every replica paces to the same limit. Learned limits are
 * keyed by product and category: a Phone answer's "Heavy" is not the general Heavy.
 */
@Injectable()
export class RateLimits implements OnModuleInit {
  private readonly logger = new Logger(RateLimits.name);
  private readonly learned = new Map<RateBucket, number>();

  constructor(
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient | null,
    private readonly pubsub: PubSubService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.pubsub.subscribe(CHANNEL, (message) => {
      const [bucket = '', value] = message.split(' ');
      if (KNOWN_BUCKETS.has(bucket) && /^\d{1,6}$/.test(value ?? ''))
        this.learned.set(bucket, Number(value));
    });
    if (!redisReady(this.redis)) return;
    for (const bucket of KNOWN_BUCKETS) {
      const stored = await this.redis.get(this.key(bucket)).catch(() => null);
      if (stored && /^\d{1,6}$/.test(stored)) this.learned.set(bucket, Number(stored));
    }
  }

  limit(product: ZoomProduct, category: ZoomRateCategory): BucketLimit {
    const plan = planLimit(this.config.rateLimitPlan, product, category);
    const bucket = bucketOf(product, category);
    // An operator's ZOOM_RATE_LIMITS wins: it may deliberately leave room for other apps on the
    // account that do not come through the gateway.
    const limit = this.config.zoomRateLimits?.[bucket] ?? this.learned.get(bucket) ?? plan.limit;
    return { limit, windowMs: plan.windowMs };
  }

  /**
   * Reads Zoom's rate-limit headers on any answer. Only a per-second figure is taken: on
   * ordinary answers Zoom may report a daily quota in the same headers.
   */
  learn(
    product: ZoomProduct,
    category: ZoomRateCategory,
    response: Pick<ZoomResponse, 'headers'>,
    kind: RateLimitKind | undefined,
  ): void {
    const headers = response.headers;
    const raw = headers['x-ratelimit-limit'];
    if (!raw || category === 'resource_intensive') return;
    if (HEADER_CATEGORIES[(headers['x-ratelimit-category'] ?? '').toLowerCase()] !== category)
      return;
    const type = (headers['x-ratelimit-type'] ?? '').toLowerCase();
    const perSecond = type === 'qps' || (type === '' && kind === 'per_second');
    if (!perSecond || !/^\d{1,6}$/.test(raw)) return;
    const limit = Number(raw);
    if (limit < 1 || limit === this.limit(product, category).limit) return;
    const bucket = bucketOf(product, category);
    this.logger.warn(`Zoom reports a ${bucket} limit of ${limit}/s for this account; pacing to it`);
    this.learned.set(bucket, limit);
    if (redisReady(this.redis))
      void this.redis
        .set(this.key(bucket), String(limit), 'PX', LEARNED_TTL_MS)
        .catch(() => undefined);
    void this.pubsub.publish(CHANNEL, `${bucket} ${limit}`);
  }

  private key(bucket: RateBucket): string {
    return `${this.config.redisKeyPrefix}ratelimit:learned:${bucket}`;
  }
}
