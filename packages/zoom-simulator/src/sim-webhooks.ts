// Zoom's webhook delivery: signed POSTs, endpoint.url_validation first, retries on failure.
import { createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface WebhookConfig {
  url: string;
  secretToken: string;
  /** Delays before each retry; Zoom's schedule by default. Tests compress it. */
  retryDelaysMs?: number[];
  /** Zoom treats no 2xx within 3 s as a failure; tests may shorten it. */
  timeoutMs?: number;
}

export interface WebhookDelivery {
  event: string;
  attempts: number;
  delivered: boolean;
  lastStatus?: number;
}

/** One POST of an event to the webhook URL (validation requests are not listed), oldest first. */
export interface WebhookAttempt {
  event: string;
  /** The bytes sent (the same on every attempt of one event). */
  body: string;
  /** 1 for the first attempt of the event. */
  attempt: number;
  /** When the request went out, by the simulator's clock (ms). */
  sentAt: number;
  /** From sending to the receiver's whole answer, or to the timeout (ms). */
  durationMs: number;
  /** The receiver's status; absent when it never answered. */
  status?: number;
}

/**
 * Zoom's documented retry schedule (devsupport "Webhook delays"): 3 retries, the first 5 min
 * after the first attempt, the second 20 min after the first retry, the third 60 min after the
 * second retry; then no further attempts.
 */
export const ZOOM_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  5 * 60_000,
  20 * 60_000,
  60 * 60_000,
];
export const ZOOM_WEBHOOK_TIMEOUT_MS = 3000;
const MAX_KEPT_DELIVERIES = 1000;

/** `v0=<hex HMAC-SHA256(secretToken, "v0:{timestamp}:{body}")>` as Zoom signs every request. */
export function zoomWebhookSignature(secretToken: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secretToken).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

interface PostResult {
  status?: number;
  body: string;
}

function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', () => finish({ status: res.statusCode, body: '' }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: undefined, body: '' });
    }, timeoutMs);
    timer.unref();
    req.on('error', () => finish({ status: undefined, body: '' }));
    req.end(body);
  });
}

interface DeliveryRecord extends WebhookDelivery {
  body: string;
}

export class WebhookDispatcher {
  private config: WebhookConfig | null = null;
  private validated = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deliveries: DeliveryRecord[] = [];
  private readonly attemptLog: WebhookAttempt[] = [];
  private generation = 0;

  constructor(private readonly clock: () => number) {}

  get configured(): boolean {
    return this.config !== null;
  }

  /** Configure without validating now: validation runs before the first delivery. */
  configureLazily(config: WebhookConfig | null): void {
    this.cancelPending();
    this.config = config;
    this.validated = false;
  }

  /** Configure and validate the endpoint now (endpoint.url_validation); throws when it fails. */
  async configure(config: WebhookConfig | null): Promise<void> {
    if (config === null) {
      this.configureLazily(null);
      return;
    }
    const outcome = await this.validate(config);
    if (!outcome.ok) {
      throw new Error(
        `webhook endpoint failed endpoint.url_validation (${outcome.status ?? 'no answer'})`,
      );
    }
    this.cancelPending();
    this.config = config;
    this.validated = true;
  }

  /** Queue an event; delivery is asynchronous and never throws. */
  emit(event: string, payload: Record<string, unknown>): void {
    if (!this.config) return;
    const body = JSON.stringify({ event, payload, event_ts: this.clock() });
    const record: DeliveryRecord = { event, attempts: 0, delivered: false, body };
    this.deliveries.push(record);
    if (this.deliveries.length > MAX_KEPT_DELIVERIES) this.deliveries.shift();
    this.schedule(record, 0, this.generation);
  }

  list(): WebhookDelivery[] {
    return this.deliveries.map(({ event, attempts, delivered, lastStatus }) => ({
      event,
      attempts,
      delivered,
      ...(lastStatus === undefined ? {} : { lastStatus }),
    }));
  }

  /** Every POST of an event so far (at most the last 1000), with when it went out and how long the answer took. */
  attempts(): WebhookAttempt[] {
    return this.attemptLog.map((attempt) => ({ ...attempt }));
  }

  clearHistory(): void {
    this.deliveries.length = 0;
    this.attemptLog.length = 0;
  }

  close(): void {
    this.cancelPending();
  }

  private cancelPending(): void {
    this.generation++;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(record: DeliveryRecord, delayMs: number, generation: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(record, generation);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(record: DeliveryRecord, generation: number): Promise<void> {
    const config = this.config;
    if (!config || generation !== this.generation) return;
    record.attempts++;
    let status: number | undefined;
    if (!this.validated) {
      const outcome = await this.validate(config);
      status = outcome.status;
      if (outcome.ok && config === this.config) this.validated = true;
    }
    if (this.validated) {
      const sentAt = this.clock();
      const started = performance.now();
      const result = await this.send(config, record.body);
      status = result.status;
      this.attemptLog.push({
        event: record.event,
        body: record.body,
        attempt: record.attempts,
        sentAt,
        durationMs: performance.now() - started,
        ...(status === undefined ? {} : { status }),
      });
      if (this.attemptLog.length > MAX_KEPT_DELIVERIES) this.attemptLog.shift();
    }
    if (status !== undefined) record.lastStatus = status;
    if (this.validated && status !== undefined && status >= 200 && status < 300) {
      record.delivered = true;
      return;
    }
    const delays = config.retryDelaysMs ?? ZOOM_WEBHOOK_RETRY_DELAYS_MS;
    const retry = record.attempts - 1;
    if (retry < delays.length && generation === this.generation) {
      this.schedule(record, delays[retry], generation);
    }
  }

  private send(config: WebhookConfig, body: string): Promise<PostResult> {
    const timestamp = String(Math.floor(this.clock() / 1000));
    return post(
      config.url,
      {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Zoom Marketplace/1.0a',
        'x-zm-request-timestamp': timestamp,
        'x-zm-signature': zoomWebhookSignature(config.secretToken, timestamp, body),
        'x-zm-trackingid': `v=2.0&s=${randomBytes(8).toString('hex')}`,
      },
      body,
      config.timeoutMs ?? ZOOM_WEBHOOK_TIMEOUT_MS,
    );
  }

  private async validate(config: WebhookConfig): Promise<{ ok: boolean; status?: number }> {
    const plainToken = randomBytes(16).toString('base64url');
    const body = JSON.stringify({
      payload: { plainToken },
      event_ts: this.clock(),
      event: 'endpoint.url_validation',
    });
    const result = await this.send(config, body);
    if (result.status === undefined || result.status < 200 || result.status >= 300) {
      return { ok: false, status: result.status };
    }
    const expected = createHmac('sha256', config.secretToken).update(plainToken).digest('hex');
    try {
      const answer: unknown = JSON.parse(result.body);
      const ok =
        typeof answer === 'object' &&
        answer !== null &&
        'plainToken' in answer &&
        'encryptedToken' in answer &&
        answer.plainToken === plainToken &&
        answer.encryptedToken === expected;
      return { ok, status: result.status };
    } catch {
      return { ok: false, status: result.status };
    }
  }
}
