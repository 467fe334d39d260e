// A subscriber to the gateway's webhook deliveries: a real HTTP server on 127.0.0.1 that records
// every request it gets (bytes, headers, when) and answers as the test tells it: a status, or
// never (the connection stays open, unanswered).
import { createHmac } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { z } from 'zod';

/** One request as the subscriber received it. */
export interface Receipt {
  /** Date.now() once the whole body was read. */
  at: number;
  body: string;
  headers: IncomingHttpHeaders;
  /** `x-zoom-gateway-delivery` */
  deliveryId: string;
  /** `x-zoom-gateway-event` */
  eventId: string;
  /** Which attempt of this delivery id this is, as seen here (1 for the first). */
  attempt: number;
  event: string;
  eventTs: number;
  /** payload.object.id as a decimal string, when the event names one. */
  meetingId: string | undefined;
  /** What this subscriber answered; undefined when it never did. */
  answered: number | undefined;
}

/** How to answer a request: a status, or 'hang' (read it, never answer). */
export type Answer = number | 'hang';
export type Behaviour = (receipt: Omit<Receipt, 'answered'>) => Answer;

const EventBody = z.looseObject({
  event: z.string(),
  event_ts: z.number(),
  payload: z.looseObject({
    object: z.looseObject({ id: z.union([z.number(), z.string()]).optional() }).optional(),
  }),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class WebhookSubscriber {
  readonly receipts: Receipt[] = [];
  private readonly parked = new Set<ServerResponse>();
  private readonly seen = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private behaviour: Behaviour,
  ) {}

  static async start(behaviour: Behaviour = () => 200): Promise<WebhookSubscriber> {
    let self: WebhookSubscriber | undefined;
    const server = createServer((req, res) => self?.handle(req, res));
    // A delivery takes at most 10 s at the gateway; the server never cuts a hung one first.
    server.requestTimeout = 0;
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('not listening');
    self = new WebhookSubscriber(server, `http://127.0.0.1:${address.port}/hooks`, behaviour);
    return self;
  }

  /** From now on, answer this way. */
  answer(behaviour: Behaviour): void {
    this.behaviour = behaviour;
  }

  /** Requests answered 2xx. */
  accepted(): Receipt[] {
    return this.receipts.filter((r) => r.answered !== undefined && r.answered < 300);
  }

  /** Requests by delivery id, in arrival order. */
  byDelivery(): Map<string, Receipt[]> {
    const groups = new Map<string, Receipt[]>();
    for (const r of this.receipts)
      groups.set(r.deliveryId, [...(groups.get(r.deliveryId) ?? []), r]);
    return groups;
  }

  async close(): Promise<void> {
    for (const res of this.parked) res.destroy();
    this.parked.clear();
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = EventBody.safeParse(parseJson(body));
      const deliveryId = String(req.headers['x-zoom-gateway-delivery'] ?? '');
      const attempt = (this.seen.get(deliveryId) ?? 0) + 1;
      this.seen.set(deliveryId, attempt);
      const id = parsed.success ? parsed.data.payload.object?.id : undefined;
      const receipt: Receipt = {
        at: Date.now(),
        body,
        headers: req.headers,
        deliveryId,
        eventId: String(req.headers['x-zoom-gateway-event'] ?? ''),
        attempt,
        event: parsed.success ? parsed.data.event : '',
        eventTs: parsed.success ? parsed.data.event_ts : 0,
        meetingId: id === undefined ? undefined : String(id),
        answered: undefined,
      };
      this.receipts.push(receipt);
      const answer = this.behaviour(receipt);
      if (answer === 'hang') {
        this.parked.add(res);
        res.on('close', () => this.parked.delete(res));
        return;
      }
      receipt.answered = answer;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'nope');
    });
  }
}

/**
 * Zoom's documented signature, written here from the docs and not imported from the gateway:
 * `v0=` + hex HMAC-SHA256(secret, `v0:{x-zm-request-timestamp}:{raw body}`).
 */
export function zoomDocsSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Whether `header` (e.g. x-zm-signature) of the receipt verifies with `secret`. */
export function signedWith(receipt: Receipt, secret: string, header = 'x-zm-signature'): boolean {
  const timestamp = receipt.headers['x-zm-request-timestamp'];
  const given = receipt.headers[header];
  return (
    typeof timestamp === 'string' &&
    typeof given === 'string' &&
    given === zoomDocsSignature(secret, timestamp, receipt.body)
  );
}
