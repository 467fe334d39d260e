import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode, errorMessage } from '../common/errors/index.js';
import { AppConfig } from '../config/app-config.js';
import { JobsService } from '../coordination/jobs.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { KeyedWorkQueue } from './keyed-work-queue.js';
import { DeliveryWorker } from './delivery/delivery-worker.service.js';
import { EventFanOut } from './delivery/event-fan-out.js';
import { DeliveriesRepository } from './delivery/deliveries.repository.js';
import { WebhookEventProcessor } from './webhook-event.processor.js';
import { WebhookEventStore } from './events/webhook-event.store.js';
import { urlValidationToken, verifyZoomSignature } from './events/zoom-webhook-signature.js';
import {
  eventLabel,
  meetingObjectOf,
  parseZoomEvent,
  plainTokenOf,
  type ZoomWebhookEvent,
} from './zoom-webhook-event.js';
import { loggableError } from '../common/errors/loggable-error.js';

/** Zoom wants a 2xx within 3 s; past this budget the answer goes out before the event id is stored. */
export const ACK_BUDGET_MS = 2_000;
/** Zoom's events are a few KB; a larger body is refused (413) rather than stored. */
export const MAX_STORED_EVENT_BYTES = 256 * 1024;

/** Zoom's event_ts (ms) when it is plausible, else when the event arrived. */
export function eventTimeOf(event: ZoomWebhookEvent, now: number): number {
  const ts = event.event_ts;
  return ts !== undefined && Number.isSafeInteger(ts) && ts > 0 && ts < now + 86_400_000 ? ts : now;
}

/** Events processed at once per replica, and the backlog beyond which new events get 503 (Zoom retries). */
const CONCURRENCY = 4;
const BACKLOG = 1_000;
const PRUNE_INTERVAL_MS = 3600_000;
/** Our own creates also raise meeting.created: adoption waits until the create flow has recorded its id. */
export const ADOPT_GRACE_MS = 5_000;

/**
 * Events received before this are pruned: WEBHOOK_EVENTS_RETENTION_DAYS (default 7, at least 1)
 * back, far beyond Zoom's ~85 minutes of retries, so a late retry is still recognised.
 */
export function retentionCutoff(now: number, retentionDays: number): number {
  return now - retentionDays * 86_400_000;
}

export type WebhookAnswer =
  | { plainToken: string; encryptedToken: string }
  | { status: 'accepted' | 'duplicate'; event: string };

type ClaimResult =
  { kind: 'new' } | { kind: 'duplicate' } | { kind: 'error'; error: Error } | { kind: 'slow' };

/**
 * POST /webhooks/zoom: verifies Zoom's signature over the raw bytes, answers URL validation,
 * and takes each event in once. Its bytes (id: their sha256, which Zoom's retries repeat) and a
 * delivery for every subscription that may have it are stored in one transaction before Zoom
 * hears 2xx; when the database cannot take them within the budget Zoom gets a 503 and retries.
 * Subscribers' deliveries then start (delivery/), and the meeting records follow the event in
 * the background with bounded concurrency.
 */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly queue = new KeyedWorkQueue(CONCURRENCY, BACKLOG, (error) =>
    this.logger.error(`Webhook processing failed: ${errorMessage(error)}`),
  );
  private readonly delayed = new Set<NodeJS.Timeout>();
  private readonly events;
  private readonly signatureFailures;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly store: WebhookEventStore,
    private readonly processor: WebhookEventProcessor,
    private readonly jobs: JobsService,
    private readonly fanOut: EventFanOut,
    private readonly deliveries: DeliveryWorker,
    private readonly deliveryRows: DeliveriesRepository,
    metrics: MetricsService,
  ) {
    this.events = metrics.counter(
      'zoom_webhook_events_total',
      'Zoom webhook events received, by event type and outcome',
      ['event', 'outcome'],
    );
    this.signatureFailures = metrics.counter(
      'zoom_webhook_signature_failures_total',
      'Webhook requests refused for a missing, wrong or stale Zoom signature',
      ['reason'],
    );
  }

  get enabled(): boolean {
    return this.config.webhookSecretToken !== undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      this.logger.warn(
        'Webhooks off: ZOOM_WEBHOOK_SECRET_TOKEN is not set, so POST /webhooks/zoom answers 404; ' +
          `records follow Zoom through reconciliation only (every ${this.config.reconcileIntervalSeconds} s)`,
      );
      return;
    }
    this.logger.log(
      'Webhooks on: POST /webhooks/zoom accepts Zoom events signed with ZOOM_WEBHOOK_SECRET_TOKEN',
    );
    // One replica of the fleet per interval prunes (JobsService claims the window through the lease).
    this.jobs.fleetEvery('webhook-events-prune', PRUNE_INTERVAL_MS, () => this.pruneOnce());
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.delayed) clearTimeout(timer);
    if (!(await this.queue.drain(5_000))) {
      this.logger.warn(
        `Shutting down with ${this.queue.size} webhook event(s) unfinished; their rows stay 'received'`,
      );
    }
  }

  async receive(rawBody: Buffer | undefined, headers: IncomingHttpHeaders): Promise<WebhookAnswer> {
    const secret = this.config.webhookSecretToken;
    if (!secret) {
      throw new DomainError(
        ErrorCode.WebhooksDisabled,
        'Webhooks are off: ZOOM_WEBHOOK_SECRET_TOKEN is not set.',
      );
    }
    const body = rawBody ?? Buffer.alloc(0);
    const check = verifyZoomSignature(
      secret,
      {
        signature: headers['x-zm-signature'],
        timestamp: headers['x-zm-request-timestamp'],
        rawBody: body,
      },
      this.clock.now(),
    );
    if (!check.ok) {
      this.signatureFailures.inc({ reason: check.reason });
      this.logger.warn(`Refused a webhook request: ${check.reason.replace('_', ' ')}`);
      throw new DomainError(
        ErrorCode.InvalidSignature,
        'Missing, invalid or expired Zoom webhook signature.',
      );
    }
    const event = parseZoomEvent(body);
    if (event.event === 'endpoint.url_validation') {
      const plainToken = plainTokenOf(event);
      this.events.inc({ event: event.event, outcome: 'answered' });
      return { plainToken, encryptedToken: urlValidationToken(secret, plainToken) };
    }
    if (body.length > MAX_STORED_EVENT_BYTES)
      throw new DomainError(
        ErrorCode.PayloadTooLarge,
        `Webhook events larger than ${MAX_STORED_EVENT_BYTES} bytes are not stored.`,
      );
    if (!Buffer.from(body.toString('utf8'), 'utf8').equals(body))
      throw DomainError.validation('Request body is not UTF-8 JSON.');
    return this.accept(event, body, createHash('sha256').update(body).digest('hex'));
  }

  private async accept(event: ZoomWebhookEvent, body: Buffer, id: string): Promise<WebhookAnswer> {
    const label = eventLabel(event.event);
    if (!this.queue.tryReserve()) {
      this.events.inc({ event: label, outcome: 'refused' });
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        'Too many webhook events in progress; Zoom will retry.',
      );
    }
    const meetingId = meetingObjectOf(event)?.id ?? null;
    const now = this.clock.now();
    const stored = {
      id,
      event: event.event.slice(0, 100),
      meetingId,
      body: body.toString('utf8'),
      eventAt: eventTimeOf(event, now),
    };
    // The bytes and every delivery they owe are stored before Zoom hears 2xx.
    const claim: Promise<ClaimResult> = this.fanOut
      .deliveriesFor(stored)
      .then((deliveries) => this.store.claim(stored, deliveries))
      .then(
        (won): ClaimResult => (won ? { kind: 'new' } : { kind: 'duplicate' }),
        (error: Error): ClaimResult => ({ kind: 'error', error }),
      );
    const first = await Promise.race([
      claim,
      this.clock.sleep(ACK_BUDGET_MS).then((): ClaimResult => ({ kind: 'slow' })),
    ]);
    if (first.kind === 'error' || first.kind === 'slow') {
      this.events.inc({ event: label, outcome: 'refused' });
      const why =
        first.kind === 'error'
          ? loggableError(first.error, 'database')
          : `the database took over ${ACK_BUDGET_MS} ms`;
      this.logger.error(
        `Could not store webhook event ${event.event}: ${why}; answering 503 so Zoom retries`,
      );
      // Never acknowledge what is not stored. A store that lands late is processed then; Zoom's
      // retry of it is a duplicate.
      if (first.kind === 'slow')
        void claim.then((late) => this.settle(late, event, id, meetingId, label));
      else this.queue.release();
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        'The event could not be stored now; Zoom will retry.',
      );
    }
    this.settle(first, event, id, meetingId, label);
    return { status: first.kind === 'new' ? 'accepted' : 'duplicate', event: event.event };
  }

  private settle(
    result: ClaimResult,
    event: ZoomWebhookEvent,
    id: string,
    meetingId: string | null,
    label: string,
  ): void {
    if (result.kind !== 'new') {
      this.queue.release();
      if (result.kind === 'duplicate') {
        this.events.inc({ event: label, outcome: 'duplicate' });
        this.logger.debug(
          `${event.event} already taken in (${id.slice(0, 12)}); not processed again`,
        );
      } else {
        this.events.inc({ event: label, outcome: 'lost' });
        const reason =
          result.kind === 'error' ? loggableError(result.error, 'database') : 'timeout';
        this.logger.error(
          `Accepted ${event.event} but could not record it (${reason}); reconciliation will catch up`,
        );
      }
      return;
    }
    // Subscribers' deliveries start now (the rest of the fleet finds them on its next poll).
    this.deliveries.nudge();
    const run = () => this.queue.run(meetingId ?? id, () => this.processOne(event, id, label));
    if (event.event === 'meeting.created' && this.config.webhookAdoptCreated) {
      const timer = setTimeout(() => {
        this.delayed.delete(timer);
        run();
      }, ADOPT_GRACE_MS);
      timer.unref();
      this.delayed.add(timer);
      return;
    }
    run();
  }

  private async processOne(event: ZoomWebhookEvent, id: string, label: string): Promise<void> {
    try {
      const result = await this.processor.process(event);
      await this.store.complete(id, result.outcome, result.detail);
      this.events.inc({ event: label, outcome: result.outcome });
    } catch (error) {
      // At most once: a failed event is not retried; its row says so and reconciliation catches up.
      this.events.inc({ event: label, outcome: 'failed' });
      this.logger.error(`Processing ${event.event} failed: ${errorMessage(error)}`);
      await this.store.complete(id, 'failed', errorMessage(error)).catch(() => undefined);
    }
  }

  /** Prunes old event ids and says when events were left unprocessed. */
  private async pruneOnce(): Promise<void> {
    try {
      const now = this.clock.now();
      const days = this.config.webhookEventsRetentionDays;
      const cutoff = retentionCutoff(now, days);
      const settled = await this.deliveryRows.pruneSettled(new Date(cutoff));
      const pruned = await this.store.prune(cutoff);
      if (settled)
        this.logger.log(`Pruned ${settled} settled webhook deliveries older than ${days} day(s)`);
      const unfinished = await this.store.countUnfinished(now - 10 * 60_000);
      if (pruned) this.logger.log(`Pruned ${pruned} webhook event id(s) older than ${days} day(s)`);
      if (unfinished) {
        this.logger.warn(
          `${unfinished} webhook event(s) were received but never processed (a replica stopped mid-way)`,
        );
      }
    } catch (error) {
      this.logger.warn(`Pruning webhook events failed: ${errorMessage(error)}`);
    }
  }
}
