import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  type CopyBudget,
  OutgoingBody,
  REPLAY_LIMIT_BYTES,
  STREAM_BUFFERS_BYTES,
} from './outgoing-body.js';

/** A request whose body is `chunks`, as node:http would hand it over. */
function incoming(chunks: Buffer[]): IncomingMessage {
  const message = new IncomingMessage(new Socket());
  message.headers['content-length'] = String(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  for (const chunk of chunks) message.push(chunk);
  message.push(null);
  return message;
}

class Budget implements CopyBudget {
  held = 0;
  constructor(private readonly limit: number) {}
  tryHold(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }
  release(bytes: number): void {
    this.held -= bytes;
  }
}

async function drain(body: OutgoingBody): Promise<Buffer> {
  const payload = body.next();
  if (payload === undefined || Buffer.isBuffer(payload)) return payload ?? Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of payload) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('OutgoingBody', () => {
  it('keeps a streamed body for the retry within the budget, and gives the bytes back on release', async () => {
    const budget = new Budget(STREAM_BUFFERS_BYTES + 1_000);
    const body = OutgoingBody.from(
      incoming([Buffer.from('abc'), Buffer.from('def')]),
      undefined,
      budget,
    );
    expect((await drain(body)).toString()).toBe('abcdef');
    expect(budget.held).toBe(STREAM_BUFFERS_BYTES + 6);
    expect(body.replayable).toBe(true);
    expect((await drain(body)).toString()).toBe('abcdef');
    body.release();
    expect(budget.held).toBe(0);
  });

  it('streams a body past the budget without its copy, holding nothing, and says so', async () => {
    const budget = new Budget(STREAM_BUFFERS_BYTES + 4);
    const body = OutgoingBody.from(
      incoming([Buffer.from('abc'), Buffer.from('def')]),
      undefined,
      budget,
    );
    expect((await drain(body)).toString()).toBe('abcdef');
    expect(body.copyDropped).toBe('over_budget');
    expect(body.replayable).toBe(false);
    body.release();
    expect(budget.held).toBe(0);
  });

  it('sends a body larger than the replay limit once, without a copy', async () => {
    const budget = new Budget(Number.MAX_SAFE_INTEGER);
    const big = Buffer.alloc(REPLAY_LIMIT_BYTES + 1);
    const body = OutgoingBody.from(incoming([big]), undefined, budget);
    expect((await drain(body)).length).toBe(big.length);
    expect(body.copyDropped).toBe('too_large');
    body.release();
    expect(budget.held).toBe(0);
  });

  it('forwards a body read whole as its exact bytes, counting nothing', async () => {
    const budget = new Budget(0);
    const body = OutgoingBody.from(incoming([]), Buffer.from('{"a":1}'), budget);
    expect((await drain(body)).toString()).toBe('{"a":1}');
    expect(body.length).toBe(7);
  });
});
