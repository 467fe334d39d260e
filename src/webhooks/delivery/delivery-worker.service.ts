import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AccessPolicy } from '../../access/access-policy.service.js';
import { Clock } from '../../common/clock.js';
import { errorMessage } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import type { WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';
import { SubscriptionSecrets } from '../subscriptions/subscription-secrets.js';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository.js';
import { DeliveriesRepository, type DueDelivery } from './deliveries.repository.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import { DELIVERY_TIMEOUT_MS, DeliverySender } from './delivery-sender.js';
import { targetOf } from './event-fan-out.js';
import { SubscriberBreakers } from './subscriber-breakers.js';

/** Deliveries in flight per replica, and per subscription (so one subscriber cannot take them all). */
const MAX_IN_FLIGHT = 32;
const MAX_IN_FLIGHT_PER_SUBSCRIPTION = 4;
/** Each replica looks for due deliveries this often (retries, and events another replica took in). */
const POLL_MS = 500;
/** A claim outlives an attempt; a replica killed mid-attempt leaves one that lapses after this. */
const CLAIM_MS = DELIVERY_TIMEOUT_MS * 3;
/** Waits between attempts: 1 s, doubling, at most an hour, each jittered by ±50%. */
const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 3_600_000;

export function retryDelayMs(attempts: number, random: number): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_RETRY_MS);
  return Math.round(base * (0.5 + random));
}

/**
 * Delivers stored events to subscribers, at least once, in order per meeting per subscription.
 * Every replica polls the shared table and claims what is due; the replica that took an event
 * in starts at once. A subscriber that hangs or fails holds at most its own share of this
 * replica's deliveries and, after repeated failures, one attempt at a time (its breaker);
 * nothing here runs on Zoom's answer or an API call's path.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookDelivery');
  private readonly inFlight = new Set<Promise<void>>();
  private readonly perSubscription = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;
  private stopped = false;
  private lastError = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly deliveries: DeliveriesRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly secrets: SubscriptionSecrets,
    private readonly sender: DeliverySender,
    private readonly access: AccessPolicy,
    private readonly breakers: SubscriberBreakers,
    private readonly metrics: DeliveryMetrics,
  ) {}

  onApplicationBootstrap(): void {
    // An operator command (`npm run cli`) builds the same application; it delivers nothing.
    if (this.config.role === 'cli') {
      this.stopped = true;
      return;
    }
    this.timer = setInterval(() => this.nudge(), POLL_MS);
    this.timer.unref();
    this.nudge();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // Attempts still running end with the process; their claims lapse and another replica retries.
    await Promise.race([Promise.allSettled(this.inFlight), this.clock.sleep(5_000)]);
  }

  /** Looks for due deliveries now (an event was just stored, or an attempt ended). */
  nudge(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void (async () => {
      try {
        do {
          this.again = false;
          await this.fill();
        } while (this.again && !this.stopped);
      } catch (error) {
        const now = this.clock.now();
        if (now - this.lastError > 30_000) {
          this.lastError = now;
          this.logger.warn(`Looking for due webhook deliveries failed: ${errorMessage(error)}`);
        }
      } finally {
        this.ticking = false;
      }
    })();
  }

  private capOf(subscriptionId: string, now: number): number {
    const state = this.breakers.state(subscriptionId, now);
    if (state === 'open') return 0;
    return state === 'half-open' ? 1 : MAX_IN_FLIGHT_PER_SUBSCRIPTION;
  }

  private async fill(): Promise<void> {
    const free = MAX_IN_FLIGHT - this.inFlight.size;
    if (free <= 0) return;
    const now = this.clock.now();
    const skip = [
      ...new Set([
        ...this.breakers.blocked(now),
        ...[...this.perSubscription]
          .filter(([id, count]) => count >= this.capOf(id, now))
          .map(([id]) => id),
      ]),
    ];
    const due = await this.deliveries.due(new Date(now), skip, free * 2);
    // Within this replica's caps, then claimed and loaded as one batch (a few statements for
    // the lot rather than several per delivery).
    const picked: WebhookDeliveryEntity[] = [];
    const taking = new Map<string, number>();
    for (const row of due) {
      if (picked.length >= free) break;
      const running =
        (this.perSubscription.get(row.subscriptionId) ?? 0) + (taking.get(row.subscriptionId) ?? 0);
      if (running >= this.capOf(row.subscriptionId, now)) continue;
      taking.set(row.subscriptionId, (taking.get(row.subscriptionId) ?? 0) + 1);
      picked.push(row);
    }
    if (picked.length === 0 || this.stopped) return;
    const claimed = await this.deliveries.claimMany(
      picked.map((row) => row.id),
      this.config.replicaId,
      new Date(now),
      new Date(now + CLAIM_MS),
    );
    if (claimed.length === 0) return;
    const loaded = await this.deliveries.loadMany(claimed);
    const found = new Set(loaded.map((item) => item.delivery.id));
    // Its subscription was removed, or its event pruned: nothing left to send.
    for (const id of claimed) if (!found.has(id)) await this.deliveries.remove(id);
    for (const item of loaded) this.start(item);
  }

  private start(due: DueDelivery): void {
    const subscription = due.delivery.subscriptionId;
    this.perSubscription.set(subscription, (this.perSubscription.get(subscription) ?? 0) + 1);
    const run = this.deliver(due)
      .catch((error: unknown) =>
        this.logger.error(
          `Delivery ${due.delivery.id} failed unexpectedly: ${errorMessage(error)}`,
        ),
      )
      .finally(() => {
        this.inFlight.delete(run);
        const left = (this.perSubscription.get(subscription) ?? 1) - 1;
        if (left > 0) this.perSubscription.set(subscription, left);
        else this.perSubscription.delete(subscription);
        this.nudge();
      });
    this.inFlight.add(run);
  }

  private async deliver(due: DueDelivery): Promise<void> {
    const id = due.delivery.id;
    if (due.delivery.holdUntil !== null && !(await this.decideHeld(due))) return;
    const now = this.clock.now();
    const started = performance.now();
    const outcome = await this.sender.send({
      url: due.subscription.url,
      body: due.body,
      deliveryId: due.delivery.id,
      eventId: due.delivery.eventId,
      secrets: this.secrets.signingAt(due.subscription, now),
      timestamp: Math.floor(now / 1000),
    });
    const seconds = (performance.now() - started) / 1000;
    const finished = this.clock.now();
    const attempts = due.delivery.attempts + 1;
    const at = new Date(finished);
    if (outcome.ok) {
      this.breakers.succeeded(due.subscription.id);
      await this.deliveries.settle(id, this.config.replicaId, {
        status: 'delivered',
        attempts,
        lastStatus: outcome.status,
        lastError: null,
        lastAttemptAt: at,
        deliveredAt: at,
      });
      await this.markOutcome(due, true, at);
      this.metrics.attempted('success', seconds, due.delivery, finished);
      return;
    }
    this.breakers.failed(due.subscription.id, finished);
    // Retried until the window ends (the last wait cut short to end with it), then failed.
    const retryUntil = due.delivery.retryUntil.getTime();
    const dead = finished >= retryUntil;
    const next = Math.min(finished + retryDelayMs(attempts, Math.random()), retryUntil);
    await this.deliveries.settle(id, this.config.replicaId, {
      status: dead ? 'failed' : 'pending',
      attempts,
      nextAttemptAt: new Date(dead ? finished : next),
      lastStatus: outcome.status,
      lastError: outcome.error.slice(0, 300) || null,
      lastAttemptAt: at,
    });
    await this.markOutcome(due, false, at);
    this.metrics.attempted(dead ? 'dead_letter' : 'retry', seconds, due.delivery, finished);
    if (dead)
      this.logger.warn(
        `Delivery ${id} of ${due.delivery.event} to subscription ${due.subscription.id} failed for good after ${attempts} attempt(s): ${outcome.error.slice(0, 120)}`,
      );
  }

  /**
   * The subscription's failing mark, written only when it changes (and a success's time at most
   * every 10 s), read from the row loaded with the delivery: most deliveries write nothing here.
   */
  private async markOutcome(due: DueDelivery, ok: boolean, at: Date): Promise<void> {
    const { subscription } = due;
    const unchanged = ok
      ? subscription.failingSince === null &&
        subscription.lastSuccessAt !== null &&
        at.getTime() - subscription.lastSuccessAt.getTime() < 10_000
      : subscription.failingSince !== null;
    if (unchanged) return;
    await this.subscriptions.markOutcome(subscription.id, ok, at);
  }

  /**
   * A delivery held until its app's ownership of the meeting is known: sent once the app owns
   * it, dropped when another app does or the grace ends, else looked at again shortly.
   */
  private async decideHeld(due: DueDelivery): Promise<boolean> {
    const { delivery } = due;
    const visibility = await this.access.eventVisibility(delivery.app, targetOf(delivery));
    const now = this.clock.now();
    if (visibility === 'visible') {
      await this.deliveries.releaseHold(delivery.id, this.config.replicaId);
      return true;
    }
    if (visibility === 'unknown' && now < (delivery.holdUntil?.getTime() ?? 0)) {
      await this.deliveries.settle(delivery.id, this.config.replicaId, {
        nextAttemptAt: new Date(now + 500),
      });
      return false;
    }
    await this.deliveries.remove(delivery.id);
    this.metrics.dropped();
    return false;
  }
}
