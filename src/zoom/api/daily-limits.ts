import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { errorMessage } from '../../common/errors/error-message.js';
import { AppConfig } from '../../config/app-config.js';
import { FleetSize } from '../../coordination/fleet-size.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { type DailyBlock, DailyBlocks } from './daily-blocks.js';
import { zoomMessageOf } from './rate-limit-answer.js';
import { resetTime } from './reset-time.js';
import type { ZoomRequest, ZoomResponse } from './zoom-api.types.js';
import {
  dailyCapOf,
  HOST_DAILY_LIMIT,
  nextUtcMidnight,
  REGISTRANT_STATUS_DAILY_LIMIT,
  REGISTRATION_DAILY_LIMIT,
  utcDay,
} from './zoom-limits.js';
import type { ZoomRouteInfo } from './zoom-routes.js';

/** One daily count a call spends: its scope (also the block's name) and the day's cap. */
export interface DailySpend {
  scope: string;
  cap: number;
  /** Counts spent by Zoom only when it acts: given back when Zoom refuses the call. */
  refundable: boolean;
  /** Words for a refusal: "user jane@example.com", "this account's Heavy and Resource-intensive calls". */
  label: string;
}

/** Zoom's per-registrant 429 names the registrant: `... permitted for (<email>) this particular registrant`. */
const REGISTRANT_IN_MESSAGE = /permitted for \(([^)]{1,320})\) this particular registrant/i;
const PARTICULAR_USER = /this particular user/i;
const HOSTS_KEY = 'ratelimit:hosts';
const HOSTS_CHANNEL = 'ratelimit:hosts';

function label(category: string): string {
  return category.replaceAll('_', '-').replace('+', ' and ');
}

/**
 * Zoom's daily limits, counted as they are spent and for the scope Zoom counts them: the account's
 * caps (Heavy and Resource-intensive together; Free's per category), 100 meeting and webinar
 * creates and updates per host user, 3 registrations and 10 status changes per registrant per
 * meeting or webinar, all per UTC day and fleet-wide (Redis; in-process without it). The call that
 * would pass a cap is refused locally with Retry-After to the reset; a daily 429 from Zoom blocks
 * exactly the scope it names, never wider.
 */
/** Scopes whose fleet count is remembered for an outage of Redis. */
const FLEET_SEEN_MAX = 20_000;

@Injectable()
export class DailyLimits implements OnModuleInit {
  private readonly logger = new Logger(DailyLimits.name);
  /** Without Redis (or while it is away): this replica's own counts, by day and scope. */
  private readonly local = new Map<string, number>();
  /** The fleet's count of a scope (by day and scope) the last time Redis answered. */
  private readonly fleetSeen = new Map<string, number>();
  /** A host's names (`me`, its email, its id), lower-cased, to the id Zoom gave it. */
  private readonly hosts = new Map<string, string>();
  private readonly refusals: Counter<'scope_kind'>;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: RedisClient | null,
    private readonly blocks: DailyBlocks,
    metrics: MetricsService,
    private readonly pubsub: PubSubService,
    // Optional so unit tests may build the service without one; the app always provides it.
    @Optional() private readonly fleetSize: FleetSize = new FleetSize(),
  ) {
    this.refusals = metrics.counter(
      'zoom_rate_limit_daily_refusals_total',
      "Calls refused locally because a Zoom daily limit's scope is spent or blocked",
      ['scope_kind'],
    );
    metrics.gauge(
      'zoom_rate_limit_daily_blocks',
      'Daily-limit blocks in force, by the kind of scope they close (account, host, registrant, registrant_status, operation)',
      ['scope_kind'],
      (gauge) => {
        gauge.reset();
        for (const block of this.blocks.list())
          gauge.inc({ scope_kind: block.scope.slice(0, block.scope.indexOf(':')) });
      },
    );
  }

  async onModuleInit(): Promise<void> {
    // A host learned on one replica is counted under the same name on every other at once.
    await this.pubsub.subscribe(HOSTS_CHANNEL, (message) => {
      const [id, ...names] = message.split(' ');
      if (id) for (const name of names) this.hosts.set(name, id);
    });
    if (!redisReady(this.redis)) return;
    try {
      const stored = await this.redis.hgetall(this.key(HOSTS_KEY));
      for (const [name, id] of Object.entries(stored)) this.hosts.set(name, id);
    } catch (error) {
      this.logger.warn(`Could not read known hosts: ${errorMessage(error)}`);
    }
  }

  /** The one name a host is counted under: its Zoom id once any of its names was seen with it. */
  hostName(name: string): string {
    const lower = name.toLowerCase();
    return this.hosts.get(lower) ?? lower;
  }

  /** Remembers that `name` (as used in a path) is the host `id` (from Zoom's create answer). */
  learnHost(name: string, id: unknown, email: unknown): void {
    if (typeof id !== 'string' || id === '' || id.length > 64) return;
    const names = [name.toLowerCase(), id.toLowerCase()];
    if (typeof email === 'string' && email.length <= 320) names.push(email.toLowerCase());
    const fresh = names.filter((n) => this.hosts.get(n) !== id);
    if (fresh.length === 0) return;
    for (const n of fresh) this.hosts.set(n, id);
    // Names with a space cannot travel in the announcement; Redis still has them.
    const announced = fresh.filter((n) => !n.includes(' '));
    if (!id.includes(' ') && announced.length)
      void this.pubsub.publish(HOSTS_CHANNEL, [id, ...announced].join(' '));
    if (redisReady(this.redis))
      void this.redis
        .hset(this.key(HOSTS_KEY), ...fresh.flatMap((n) => [n, id]))
        .catch(() => undefined);
  }

  /** The daily counts a call spends, from its route's facts. */
  spendsOf(request: ZoomRequest, route: ZoomRouteInfo): DailySpend[] {
    const spends: DailySpend[] = [];
    const account = dailyCapOf(this.config.rateLimitPlan, route.product, route.category);
    if (account)
      spends.push({
        scope: account.scope,
        cap: account.cap,
        refundable: false,
        label: `this account's ${label(account.scope.slice('account:'.length))} calls`,
      });
    if (route.daily === 'host_user') {
      const host = request.dailyLimitUser ?? route.pathUser;
      if (host !== undefined)
        spends.push({
          scope: `host:${this.hostName(host)}`,
          cap: this.config.zoomRateLimits?.host_user ?? HOST_DAILY_LIMIT,
          refundable: true,
          label: `meeting and webinar creates and updates of user ${host}`,
        });
    } else if (route.daily !== null && route.pathResource !== undefined) {
      const cap =
        this.config.zoomRateLimits?.[route.daily] ??
        (route.daily === 'registrant' ? REGISTRATION_DAILY_LIMIT : REGISTRANT_STATUS_DAILY_LIMIT);
      for (const registrant of new Set((request.registrants ?? []).map((r) => r.toLowerCase())))
        spends.push({
          scope: `${route.daily}:${route.pathResource}:${registrant}`,
          cap,
          refundable: true,
          label: `${route.daily === 'registrant' ? 'registrations' : 'registrant status changes'} of ${registrant} in ${route.pathResource.replace(':', ' ')}`,
        });
    }
    return spends;
  }

  /**
   * Refuses locally (429, Retry-After) when Zoom's daily limit already closed one of the call's
   * scopes, or this very operation on this resource. Reads process memory only.
   */
  assertNotBlocked(request: Pick<ZoomRequest, 'method' | 'path'>, spends: DailySpend[]): void {
    const operation = operationScope(request);
    for (const { scope, label: what } of [...spends, { scope: operation, label: 'this call' }]) {
      const until = this.blocks.blockedUntil(scope);
      if (until !== undefined) throw this.refusal(scope, what, until);
    }
  }

  /**
   * Counts the call against each of its daily scopes, fleet-wide; refuses it (and counts nothing)
   * when one is spent for the day.
   */
  async take(spends: DailySpend[]): Promise<void> {
    if (spends.length === 0) return;
    const now = this.clock.now();
    const counts = await this.add(spends, 1, now);
    const spend = spends.find((s, i) => (counts[i] ?? 0) > s.cap);
    if (spend === undefined) return;
    await this.add(spends, -1, now);
    throw this.refusal(spend.scope, spend.label, nextUtcMidnight(now));
  }

  /** Gives back what a call Zoom refused did not spend (not its account calls: Zoom counted those). */
  async settle(spends: DailySpend[], status: number): Promise<void> {
    if (status < 400 || status === 429) return;
    const refunds = spends.filter((s) => s.refundable);
    if (refunds.length) await this.add(refunds, -1, this.clock.now());
  }

  /** Gives back every count of a call that never reached Zoom (its caller's step before it failed). */
  async giveBack(spends: DailySpend[]): Promise<void> {
    if (spends.length) await this.add(spends, -1, this.clock.now());
  }

  /**
   * Zoom answered a daily 429: block exactly the scope it names (a user's, a registrant's, the
   * account's category), read from its message, headers and the route; one it cannot place
   * blocks only this operation on this resource. Never wider.
   */
  async onZoomDailyLimit(
    request: ZoomRequest,
    route: ZoomRouteInfo,
    spends: DailySpend[],
    response: ZoomResponse,
  ): Promise<DailyBlock> {
    const message = zoomMessageOf(response.data);
    const now = this.clock.now();
    const until = resetTime(response.headers['retry-after'], now);
    // Zoom's captured daily-limit answers may lack Retry-After; the caller still gets one.
    response.headers['retry-after'] ??= String(Math.max(1, Math.ceil((until - now) / 1000)));
    const registrant = REGISTRANT_IN_MESSAGE.exec(message)?.[1]?.toLowerCase();
    const host = spends.find((s) => s.scope.startsWith('host:'));
    const account = spends.find((s) => s.scope.startsWith('account:'));
    let scope: string;
    if (
      registrant !== undefined &&
      route.daily !== null &&
      route.daily !== 'host_user' &&
      route.pathResource
    )
      scope = `${route.daily}:${route.pathResource}:${registrant}`;
    else if (PARTICULAR_USER.test(message) && host) scope = host.scope;
    else if (registrant === undefined && !PARTICULAR_USER.test(message) && account)
      scope = account.scope;
    else scope = operationScope(request);
    const reason = message.slice(0, 300) || 'Zoom answered 429 with its daily limit';
    this.logger.warn(
      `Zoom's daily limit reached for ${scope}; refusing it locally until ${new Date(until).toISOString()}`,
    );
    await this.blocks.block(scope, until, reason);
    return { scope, until, reason };
  }

  /** Lifts a block and forgets today's count of its scope: an operator's decision. */
  async lift(scope: string): Promise<boolean> {
    const lifted = await this.blocks.lift(scope);
    const day = utcDay(this.clock.now());
    this.local.delete(`${day}|${scope}`);
    if (redisReady(this.redis)) await this.redis.del(this.countKey(day, scope));
    return lifted;
  }

  /** Today's count of a scope (the limits report). */
  async spent(scope: string): Promise<number> {
    const day = utcDay(this.clock.now());
    if (redisReady(this.redis)) {
      try {
        return Number((await this.redis.get(this.countKey(day, scope))) ?? 0);
      } catch {
        // Fall through to this replica's own count.
      }
    }
    return this.local.get(`${day}|${scope}`) ?? 0;
  }

  private refusal(scope: string, what: string, until: number): DomainError {
    const now = this.clock.now();
    this.refusals.inc({ scope_kind: scope.slice(0, scope.indexOf(':')) });
    const resume = new Date(until).toISOString().replace('.000Z', 'Z');
    return new DomainError(
      ErrorCode.DailyLimitReached,
      `Zoom's daily limit for ${what} is reached (${scope}); the gateway will not call Zoom for it until ${resume}.`,
      {
        zoomCode: 429,
        headers: {
          'Retry-After': String(Math.max(1, Math.ceil((until - now) / 1000))),
          'X-RateLimit-Type': 'Daily-limit',
          'X-Gateway-Refusal': 'daily_limit',
        },
      },
    );
  }

  /** Adds `delta` to each scope's count for today; one round trip for them all. */
  private async add(spends: DailySpend[], delta: number, now: number): Promise<number[]> {
    const day = utcDay(now);
    if (redisReady(this.redis)) {
      try {
        const expireAt = nextUtcMidnight(now) + 3_600_000;
        const pipeline = this.redis.multi();
        for (const spend of spends) {
          pipeline.incrby(this.countKey(day, spend.scope), delta);
          pipeline.pexpireat(this.countKey(day, spend.scope), expireAt);
        }
        const results = (await pipeline.exec()) ?? [];
        const counts = spends.map((_, i) => Number(results[i * 2]?.[1] ?? 0));
        spends.forEach((spend, i) => this.remember(`${day}|${spend.scope}`, counts[i] ?? 0));
        return counts;
      } catch (error) {
        this.logger.warn(
          `Daily counts in Redis failed (${errorMessage(error)}); counting in-process`,
        );
      }
    }
    // In-process: this replica's own count. In a fleet whose Redis is away, the count it answers
    // is the fleet's last known count plus its own spends times the replicas last seen, so each
    // replica refuses at its share of what was left of the cap (the others do the same).
    const fleet = this.redis ? this.fleetSize.replicas : 1;
    return spends.map((spend) => {
      const key = `${day}|${spend.scope}`;
      const count = Math.max(0, (this.local.get(key) ?? 0) + delta);
      this.local.set(key, count);
      return (this.fleetSeen.get(key) ?? 0) + count * fleet;
    });
  }

  /** Bounded: a day's scopes are many (registrants); the oldest remembered go first. */
  private remember(key: string, count: number): void {
    this.fleetSeen.delete(key);
    this.fleetSeen.set(key, count);
    if (this.fleetSeen.size > FLEET_SEEN_MAX) {
      const oldest = this.fleetSeen.keys().next();
      if (!oldest.done) this.fleetSeen.delete(oldest.value);
    }
  }

  private countKey(day: string, scope: string): string {
    return `${this.config.redisKeyPrefix}ratelimit:daily:${day}:${scope}`;
  }

  private key(name: string): string {
    return `${this.config.redisKeyPrefix}${name}`;
  }
}

/** The narrowest scope there is: this method on this path (query left out). */
export function operationScope(request: Pick<ZoomRequest, 'method' | 'path'>): string {
  return `operation:${request.method.toUpperCase()} ${request.path}`;
}
