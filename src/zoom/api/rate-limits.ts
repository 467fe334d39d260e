import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AppConfig, type RateLimitPlan } from '../../config/app-config.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';
import type { RateLimitKind } from './rate-limit-answer.js';
import type { ZoomRateCategory, ZoomResponse } from './zoom-api.types.js';

/** Zoom's per-second limits per account (https://developers.zoom.us/docs/api/rate-limits/). */
export const PLAN_LIMITS: Record<RateLimitPlan, Record<ZoomRateCategory, number>> = {
  free: { light: 4, medium: 2, heavy: 1 },
  pro: { light: 30, medium: 20, heavy: 10 },
  business: { light: 80, medium: 60, heavy: 40 },
};

const CHANNEL = 'ratelimit:learned';
const LEARNED_TTL_MS = 3_600_000;
const CATEGORIES: Record<string, ZoomRateCategory> = {
  light: 'light',
  medium: 'medium',
  heavy: 'heavy',
};

/**
 * The per-second limit each category is paced to: ZOOM_RATE_LIMITS when set, else what Zoom
 * itself reported for this account (`X-RateLimit-Limit` on an answer whose `X-RateLimit-Type` is
 * QPS), else the plan's. What one replica learns is announced to the fleet and kept in Redis for an
 * hour, so every replica paces to the same limit.
 */
@Injectable()
export class RateLimits implements OnModuleInit {
  private readonly logger = new Logger(RateLimits.name);
  private readonly learned = new Map<ZoomRateCategory, number>();

  constructor(
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient | null,
    private readonly pubsub: PubSubService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.pubsub.subscribe(CHANNEL, (message) => {
      const [name, value] = message.split(' ');
      const category = CATEGORIES[name ?? ''];
      if (category && /^\d{1,6}$/.test(value ?? '')) this.learned.set(category, Number(value));
    });
    if (!redisReady(this.redis)) return;
    for (const category of Object.values(CATEGORIES)) {
      const stored = await this.redis.get(this.key(category)).catch(() => null);
      if (stored && /^\d{1,6}$/.test(stored)) this.learned.set(category, Number(stored));
    }
  }

  limit(category: ZoomRateCategory): number {
    // An operator's ZOOM_RATE_LIMITS wins: it may deliberately leave room for other apps on the
    // account that do not come through the gateway.
    return (
      this.config.zoomRateLimits?.[category] ??
      this.learned.get(category) ??
      PLAN_LIMITS[this.config.rateLimitPlan][category]
    );
  }

  /**
   * Reads Zoom's rate-limit headers on any answer. Only a per-second figure is taken: on
   * ordinary answers Zoom may report a daily quota in the same headers.
   */
  learn(
    category: ZoomRateCategory,
    response: Pick<ZoomResponse, 'headers'>,
    kind: RateLimitKind | undefined,
  ): void {
    const headers = response.headers;
    const raw = headers['x-ratelimit-limit'];
    if (!raw || CATEGORIES[(headers['x-ratelimit-category'] ?? '').toLowerCase()] !== category)
      return;
    const type = (headers['x-ratelimit-type'] ?? '').toLowerCase();
    const perSecond = type === 'qps' || (type === '' && kind === 'per_second');
    if (!perSecond || !/^\d{1,6}$/.test(raw)) return;
    const limit = Number(raw);
    if (limit < 1 || limit === this.limit(category)) return;
    this.logger.warn(
      `Zoom reports a ${category} limit of ${limit}/s for this account; pacing to it`,
    );
    this.learned.set(category, limit);
    if (redisReady(this.redis))
      void this.redis
        .set(this.key(category), String(limit), 'PX', LEARNED_TTL_MS)
        .catch(() => undefined);
    void this.pubsub.publish(CHANNEL, `${category} ${limit}`);
  }

  private key(category: ZoomRateCategory): string {
    return `${this.config.redisKeyPrefix}ratelimit:learned:${category}`;
  }
}
