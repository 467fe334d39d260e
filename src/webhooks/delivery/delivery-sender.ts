import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { request } from 'undici';
import { errorMessage } from '../../common/errors/index.js';
import { zoomSignature } from '../events/zoom-webhook-signature.js';
import type { SigningSecrets } from '../subscriptions/subscription-secrets.js';
import { assertDeliverableHost, createDeliveryAgent } from '../subscriptions/destination-policy.js';

/** A 2xx within this is success; anything slower is a failed attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** How much of a receiver's answer is kept, to say why it failed. */
const EXCERPT_BYTES = 200;

export interface DeliveryAttempt {
  url: string;
  body: string;
  deliveryId: string;
  eventId: string;
  secrets: SigningSecrets;
  /** Unix seconds, for `x-zm-request-timestamp`. */
  timestamp: number;
}

export type AttemptOutcome =
  { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * The one way deliveries leave the gateway: POST with Zoom's bytes, signed as Zoom signs, on
 * its own connection pool (never the one to Zoom), through an agent that refuses link-local and
 * metadata addresses on the address it connects to. Redirects are not followed.
 */
@Injectable()
export class DeliverySender implements OnApplicationShutdown {
  private readonly agent = createDeliveryAgent();

  async send(attempt: DeliveryAttempt): Promise<AttemptOutcome> {
    const timestamp = String(attempt.timestamp);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'zoom-gateway-webhooks',
      'x-zm-request-timestamp': timestamp,
      'x-zm-signature': zoomSignature(attempt.secrets.signing, timestamp, attempt.body),
      'x-zoom-gateway-delivery': attempt.deliveryId,
      'x-zoom-gateway-event': attempt.eventId,
    };
    if (attempt.secrets.next !== undefined)
      headers['x-zoom-gateway-signature-next'] = zoomSignature(
        attempt.secrets.next,
        timestamp,
        attempt.body,
      );
    try {
      const url = new URL(attempt.url);
      assertDeliverableHost(url);
      const answer = await request(url, {
        method: 'POST',
        headers,
        body: attempt.body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      if (answer.statusCode >= 200 && answer.statusCode < 300) {
        answer.body.resume();
        return { ok: true, status: answer.statusCode };
      }
      return { ok: false, status: answer.statusCode, error: await excerptOf(answer.body) };
    } catch (error) {
      return { ok: false, status: null, error: errorMessage(error).slice(0, 300) };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/** The first bytes of an answer, as text, then the rest dropped unread. */
async function excerptOf(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= EXCERPT_BYTES) break;
    }
  } catch {
    // What arrived is enough to say why.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks)
    .subarray(0, EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\s+/g, ' ')
    .trim();
}
