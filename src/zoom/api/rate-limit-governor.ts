import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { Clock } from '../../common/clock.js';
import { ShutdownSignal } from '../../common/shutdown-signal.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { errorMessage } from '../../common/errors/error-message.js';
import { AppConfig } from '../../config/app-config.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';
import { FleetSize } from '../../coordination/fleet-size.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { withSpan } from '../../tracing/span.js';
import { DailyLimits, type DailySpend } from './daily-limits.js';
import { classifyRateLimit } from './rate-limit-answer.js';
import {
  LocalSlots,
  RedisSlots,
  type Reservation,
  type SlotRequest,
  slidingWindowOf,
} from './rate-limit-slots.js';
import { RateLimits } from './rate-limits.js';
import { SlotLeases } from './slot-leases.js';
import type { ZoomRequest, ZoomResponse } from './zoom-api.types.js';
import { bucketOf, windowOf } from './zoom-limits.js';
import { describeZoomRoute, type ZoomRouteInfo } from './zoom-routes.js';

export { resetTime } from './reset-time.js';

export { PLAN_LIMITS } from './zoom-limits.js';

/** The longest a call may wait in line before it is refused locally with 429. */
export const MAX_QUEUE_WAIT_MS = 15_000;
/** Per-second 429s from Zoom (Zoom did nothing) are retried this many times. */
const MAX_QPS_RETRIES = 3;
/** What a wait in line cut by shutdown was (ShutdownSignal's 503 message). */
const IN_LINE = 'a call waiting in line for Zoom (never sent)';
/** The share of calls the gateway makes for itself, not for an app. */
const GATEWAY_APP = '_gateway';

/**
 * Paces calls to Zoom inside the account's per-second limits and its daily per-user limit, for
 * the whole fleet (in-process without Redis, or while Redis is away).
 *
 * - Counts like Zoom: up to the category's limit of calls start at once within any second;
 *   only calls beyond it wait for the moment the oldest call leaves the window. One Redis round
 *   trip per call at most (a script called by its SHA); at a steady pace a reservation also
 *   leases slots for the replica's next calls (SlotLeases), so most make none. A wait beyond
 *   MAX_QUEUE_WAIT_MS is refused at once with 429 and Retry-After.
 * - A per-second 429 from Zoom (Zoom did not act) pauses the category until Zoom's next clock
 *   second for everyone, and the call is retried, at most MAX_QPS_RETRIES times.
 * - Limits: ZOOM_RATE_LIMITS, else what Zoom reports in its headers, else the plan's.
 * - A daily-limit 429 blocks further creates/updates for that user (or the category, when the
 *   whole account is out) until Zoom's reset, answering 429 locally; the check costs no I/O.
 */
@Injectable()
export class RateLimitGovernor {
  private readonly logger = new Logger(RateLimitGovernor.name);
  private readonly local = new LocalSlots();
  private readonly shared: RedisSlots | null;
  private readonly leases = new SlotLeases();
  /** Per category and app: the tail of this replica's line of calls told to come back later. */
  private readonly lines = new Map<string, Promise<void>>();
  private readonly lineLengths = new Map<string, number>();
  private readonly waitSeconds: Histogram<'category'>;
  private readonly refusals: Counter<'category' | 'reason'>;
  private readonly zoomRateLimited: Counter<'category' | 'type'>;
  private readonly retries: Counter<'category'>;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: RedisClient | null,
    metrics: MetricsService,
    private readonly limits: RateLimits,
    private readonly daily: DailyLimits,
    // Optional so unit tests may build the governor without one; the app always provides it.
    @Optional() private readonly shutdown: ShutdownSignal = new ShutdownSignal(),
    @Optional() private readonly fleetSize: FleetSize = new FleetSize(),
  ) {
    this.shared = redis
      ? new RedisSlots(
          redis,
          (name) => `${config.redisKeyPrefix}ratelimit:${name}`,
          config.replicaId,
        )
      : null;
    this.waitSeconds = metrics.histogram(
      'zoom_rate_limit_wait_seconds',
      'Time a call to Zoom waited in line for its rate-limit category',
      ['category'],
      [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15],
    );
    this.refusals = metrics.counter(
      'zoom_rate_limit_local_refusals_total',
      'Calls the gateway answered 429 itself instead of calling Zoom',
      ['category', 'reason'],
    );
    this.zoomRateLimited = metrics.counter(
      'zoom_rate_limited_responses_total',
      '429 answers received from Zoom, by category and kind (per_second, daily, concurrent)',
      ['category', 'type'],
    );
    this.retries = metrics.counter(
      'zoom_rate_limit_retries_total',
      'Calls retried after a per-second 429 from Zoom',
      ['category'],
    );
  }

  async run<R extends ZoomResponse>(request: ZoomRequest, attempt: () => Promise<R>): Promise<R> {
    const deadline = this.clock.now() + MAX_QUEUE_WAIT_MS;
    // The route's facts come from Zoom's own reference (route-table/): looked up here, or by the caller.
    const route = request.zoomRoute ?? describeZoomRoute(request.method, request.path);
    const bucket = bucketOf(route.product, route.category);
    const spends = this.daily.spendsOf(request, route);
    let counted = false;
    for (let retry = 0; ; retry++) {
      this.daily.assertNotBlocked(request, spends);
      await withSpan(
        'zoom.rate_limit.wait',
        { 'zoom.rate_limit.category': bucket, 'zoom.app': request.app ?? GATEWAY_APP },
        () => this.waitForSlot(request, route, deadline),
      );
      // Counted once, after the slot: a call refused by its slot spends nothing of the day.
      if (!counted) {
        await this.daily.take(spends);
        counted = true;
        await this.admitted(request, spends);
      }
      const response = await this.attemptCounted(attempt, spends);
      const kind = classifyRateLimit(response);
      this.limits.learn(route.product, route.category, response, kind);
      if (kind === undefined) {
        this.learnHost(request, route, response);
        return response;
      }
      this.zoomRateLimited.inc({ category: bucket, type: kind });
      if (kind === 'daily') {
        // Never retried: the quota is spent until Zoom's reset, which the caller is told.
        await this.daily.onZoomDailyLimit(request, route, spends, response);
        return response;
      }
      if (retry >= MAX_QPS_RETRIES || request.retryable === false) return response;
      this.retries.inc({ category: bucket });
      // Zoom counts whole clock seconds (minutes): nobody in the fleet calls this bucket before the next.
      const zoomWindow = windowOf(route.category);
      await this.pause(bucket, (Math.floor(this.clock.now() / zoomWindow) + 1) * zoomWindow + 20);
    }
  }

  /**
   * Refuses locally (429, Retry-After) when Zoom's daily limit already closed one of the call's
   * scopes (its host's creates and updates, a registrant's, the account's category), before
   * anything is written for it. Reads process memory only.
   */
  // oxlint-disable-next-line typescript/require-await -- async so a refusal is a rejection, as callers await it
  async assertNotBlocked(
    request: Pick<ZoomRequest, 'method' | 'path' | 'dailyLimitUser' | 'registrants' | 'route'>,
  ): Promise<void> {
    const route = describeZoomRoute(request.method, request.path);
    this.daily.assertNotBlocked(request, this.daily.spendsOf(request, route));
  }

  /** The caller's step once admitted (a create's record); if it fails, Zoom never sees the call and its counts go back. */
  private async admitted(request: ZoomRequest, spends: DailySpend[]): Promise<void> {
    if (!request.onAdmitted) return;
    try {
      await request.onAdmitted();
    } catch (error) {
      await this.daily.giveBack(spends).catch(() => undefined);
      throw error;
    }
  }

  /** One attempt; a count Zoom did not spend (it refused the call) is given back. */
  private async attemptCounted<R extends ZoomResponse>(
    attempt: () => Promise<R>,
    spends: DailySpend[],
  ): Promise<R> {
    const response = await attempt();
    if (spends.length) await this.daily.settle(spends, response.status);
    return response;
  }

  /** A create's answer names its host's id and email: `me`, the email and the id are one host. */
  private learnHost(request: ZoomRequest, route: ZoomRouteInfo, response: ZoomResponse): void {
    if (route.daily !== 'host_user' || route.pathUser === undefined || response.status !== 201)
      return;
    const data: unknown = response.data;
    if (typeof data !== 'object' || data === null) return;
    const host = data as { host_id?: unknown; host_email?: unknown };
    this.daily.learnHost(route.pathUser, host.host_id, host.host_email);
  }

  private async waitForSlot(
    request: ZoomRequest,
    route: ZoomRouteInfo,
    deadline: number,
  ): Promise<void> {
    const category = bucketOf(route.product, route.category);
    const zoomLimit = this.limits.limit(route.product, route.category);
    const windowMs = slidingWindowOf(zoomLimit.windowMs);
    // Leases suit per-second buckets only: an unused slot of a per-minute one would hold a minute.
    const leasable = zoomLimit.windowMs === 1_000;
    // Calls the gateway makes for itself (reconciliation, validation) share as one more app.
    const app = request.app ?? GATEWAY_APP;
    const weights = this.config.zoomAppWeights;
    const weight = Object.hasOwn(weights, app) ? (weights[app] ?? 1) : 1;
    const line = `${category}:${app}`;
    // A slot leased by an earlier call of this line: no round trip.
    if (this.shared && leasable && this.leases.take(line, this.clock.now())) {
      this.waitSeconds.observe({ category }, 0);
      return;
    }
    const ask = async () => {
      const now = this.clock.now();
      const maxWait = Math.max(0, deadline - now);
      const { limit } = this.limits.limit(route.product, route.category);
      // Leases save a round trip to Redis: without Redis there is none to save.
      const want = this.shared && leasable ? this.leases.wanted(line, now) : 1;
      const slot = await this.reserve({
        bucket: category,
        windowMs,
        app,
        weight,
        now,
        limit,
        maxWait,
        want,
      });
      if (slot.granted) this.leases.keep(line, (slot.slots ?? 1) - 1, now);
      return { slot, maxWait, limit };
    };
    let { slot, maxWait, limit } = await ask();
    const ahead = this.lineLengths.get(line) ?? 0;
    // Each call ahead in this replica's line needs about one slot of the app's share.
    const expected = slot.waitMs + (ahead * windowMs) / Math.max(1, slot.share);
    // Time spent in this replica's line, behind calls ahead and asking again: part of the wait.
    let inLineMs = 0;
    if (!slot.granted && slot.retry && expected < maxWait) {
      const lineEntered = this.clock.now();
      // Asked to come back: this replica's waiting calls of the app line up, and only the first
      // asks, so a long line costs one round trip per slot, not one per waiting call.
      ({ slot, maxWait, limit } = await this.inLine(line, async () => {
        // The answer from before waiting in line is stale by now: ask afresh first.
        let answer = await ask();
        while (!answer.slot.granted && answer.slot.retry && answer.slot.waitMs < answer.maxWait) {
          await this.shutdown.race(this.clock.sleep(answer.slot.waitMs), IN_LINE);
          answer = await ask();
        }
        return answer;
      }));
      inLineMs = this.clock.now() - lineEntered;
    }
    if (slot.granted) {
      this.waitSeconds.observe({ category }, (inLineMs + slot.waitMs) / 1000);
      // A wait in line ends with 503 + Retry-After at shutdown; calls already sent to Zoom finish.
      if (slot.waitMs > 0) await this.shutdown.race(this.clock.sleep(slot.waitMs), IN_LINE);
      return;
    }
    const overShare = slot.retry === 'share';
    const unit = zoomLimit.windowMs === 1_000 ? 's' : 'min';
    this.refusals.inc({ category, reason: overShare ? 'app_share' : 'queue_full' });
    const late = slot.granted ? 0 : Math.max(expected - maxWait, slot.waitMs - maxWait, 1);
    const retryAfter = String(Math.max(1, Math.ceil(late / 1000)));
    throw new DomainError(
      ErrorCode.RateLimited,
      overShare
        ? `App ${app} is over its share (${slot.share}/${unit} of ${limit}/${unit}) of Zoom's ${capitalise(category)} rate limit while other apps use theirs; retry after the Retry-After seconds.`
        : `Too many calls waiting for Zoom's ${capitalise(category)} rate limit; retry after the Retry-After seconds.`,
      {
        zoomCode: 429,
        headers: {
          'Retry-After': retryAfter,
          'X-Gateway-Refusal': overShare ? 'app_share' : 'queue_full',
        },
      },
    );
  }

  /** Runs `work` after every earlier `work` of the same line has finished. */
  private async inLine<T>(line: string, work: () => Promise<T>): Promise<T> {
    this.lineLengths.set(line, (this.lineLengths.get(line) ?? 0) + 1);
    const before = this.lines.get(line) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.lines.set(line, tail);
    try {
      return await mine;
    } finally {
      if (this.lines.get(line) === tail) this.lines.delete(line);
      const left = (this.lineLengths.get(line) ?? 1) - 1;
      if (left > 0) this.lineLengths.set(line, left);
      else this.lineLengths.delete(line);
    }
  }

  private async reserve(slot: SlotRequest): Promise<Reservation> {
    // While the Redis breaker is open (redisReady false) every call paces in-process at once.
    if (this.shared && redisReady(this.redis)) {
      try {
        return await this.shared.reserve(slot);
      } catch (error) {
        this.logger.warn(
          `Rate-limit slot from Redis failed (${errorMessage(error)}); pacing in-process`,
        );
      }
    }
    // A fleet replica without Redis paces to its share of the fleet last seen (the others do
    // the same), so the fleet stays within Zoom's limit; a single instance has the whole limit.
    return this.local.reserve(
      this.shared ? { ...slot, limit: this.fleetSize.shareOf(slot.limit) } : slot,
    );
  }

  private async pause(category: string, until: number): Promise<void> {
    this.local.pause(category, until);
    this.leases.drop(category);
    if (!this.shared || !redisReady(this.redis)) return;
    await this.shared.pause(category, until, this.clock.now()).catch(() => undefined);
  }
}

function capitalise(category: string): string {
  return category.charAt(0).toUpperCase() + category.slice(1);
}
