import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository.js';
import { DeliveriesRepository, type SubscriptionBacklog } from './deliveries.repository.js';

/** Gauges read the database at most this often (every replica reports the fleet's numbers). */
const STATE_TTL_MS = 5_000;

interface FleetState {
  at: number;
  backlog: SubscriptionBacklog[];
  failingSince: Map<string, number>;
}

/**
 * Delivery metrics: attempts by outcome and their latency, from Zoom's event to a subscriber's
 * receipt, and per subscription the backlog, its oldest pending delivery's age and how long it
 * has been failing (the alerts' inputs). The gauges are the fleet's, read from the shared
 * tables: alert on `max by (subscription)`.
 */
@Injectable()
export class DeliveryMetrics {
  private readonly outcomes;
  private readonly attemptSeconds;
  private readonly receiptSeconds;
  private state: Promise<FleetState> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly deliveries: DeliveriesRepository,
    private readonly subscriptions: SubscriptionsRepository,
    metrics: MetricsService,
  ) {
    this.outcomes = metrics.counter(
      'zoom_gateway_webhook_deliveries_total',
      'Delivery attempts to subscribers by outcome: success, retry (failed, tried again later), dead_letter (failed for good), dropped (the app may not see the event)',
      ['outcome'],
    );
    // Every outcome from 0, so a replica's first dead letter is an increase Prometheus can see.
    for (const outcome of ['success', 'retry', 'dead_letter', 'dropped'])
      this.outcomes.inc({ outcome }, 0);
    this.attemptSeconds = metrics.histogram(
      'zoom_gateway_webhook_delivery_attempt_seconds',
      'One delivery attempt to a subscriber, by result',
      ['result'],
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.receiptSeconds = metrics.histogram(
      'zoom_gateway_webhook_delivery_latency_seconds',
      'From Zoom event (event_ts) to the subscriber acknowledging it, for deliveries that succeeded',
      [],
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    );
    metrics.gauge(
      'zoom_gateway_webhook_backlog',
      'Pending deliveries per subscription (the fleet)',
      ['subscription'],
      async (gauge) => {
        const state = await this.fleetState();
        gauge.reset();
        for (const row of state.backlog)
          gauge.set({ subscription: row.subscriptionId }, row.pending);
      },
    );
    metrics.gauge(
      'zoom_gateway_webhook_oldest_pending_seconds',
      'Age of the oldest pending delivery per subscription (the fleet)',
      ['subscription'],
      async (gauge) => {
        const state = await this.fleetState();
        gauge.reset();
        for (const row of state.backlog)
          gauge.set(
            { subscription: row.subscriptionId },
            Math.max(0, (state.at - row.oldestCreatedAt.getTime()) / 1000),
          );
      },
    );
    metrics.gauge(
      'zoom_gateway_webhook_subscription_failing_seconds',
      'How long each subscription has failed without a success since (0 when it is not failing)',
      ['subscription'],
      async (gauge) => {
        const state = await this.fleetState();
        gauge.reset();
        for (const [id, since] of state.failingSince)
          gauge.set({ subscription: id }, since === 0 ? 0 : Math.max(0, (state.at - since) / 1000));
      },
    );
  }

  attempted(
    outcome: 'success' | 'retry' | 'dead_letter',
    seconds: number,
    delivery: Pick<WebhookDeliveryEntity, 'eventAt'>,
    now: number,
  ): void {
    this.outcomes.inc({ outcome });
    this.attemptSeconds.observe({ result: outcome === 'success' ? 'success' : 'failure' }, seconds);
    if (outcome === 'success')
      this.receiptSeconds.observe(Math.max(0, (now - delivery.eventAt.getTime()) / 1000));
  }

  dropped(): void {
    this.outcomes.inc({ outcome: 'dropped' });
  }

  private fleetState(): Promise<FleetState> {
    const now = this.clock.now();
    if (this.state === undefined || !this.fresh(now)) {
      this.state = this.readState(now).catch((error: unknown) => {
        this.state = undefined;
        throw error;
      });
    }
    return this.state;
  }

  private freshUntil = 0;

  private fresh(now: number): boolean {
    return now < this.freshUntil;
  }

  private async readState(now: number): Promise<FleetState> {
    this.freshUntil = now + STATE_TTL_MS;
    const [backlog, subscriptions] = await Promise.all([
      this.deliveries.backlog(),
      this.subscriptions.list(undefined),
    ]);
    return {
      at: now,
      backlog,
      failingSince: new Map(subscriptions.map((row) => [row.id, row.failingSince?.getTime() ?? 0])),
    };
  }
}
