// A TCP proxy between a gateway and a dependency (PostgreSQL here) that can stop forwarding,
// like a hung server whose connections stay open, or go down, like a server that is gone.
import { connect, createServer, type Server, type Socket } from 'node:net';

type Mode = 'open' | 'frozen' | 'down';

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class TcpProxy {
  private server?: Server;
  private readonly pairs = new Set<Pair>();
  private mode: Mode = 'open';
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  /** Listens on a free loopback port (or the same one again after `down`). */
  async listen(): Promise<number> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy is not listening');
    this.port = address.port;
    this.server = server;
    return this.port;
  }

  /** Stops forwarding both ways; connections stay open and new ones are accepted but never answered. */
  freeze(): void {
    this.mode = 'frozen';
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Forwards again: what was held back flows on. */
  thaw(): void {
    this.mode = 'open';
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream.resume();
    }
  }

  /** Gone: every connection is cut and the port refuses new ones. */
  async down(): Promise<void> {
    this.mode = 'down';
    for (const pair of this.pairs) this.cut(pair);
    await this.closeServer();
  }

  /** Back on the same port. */
  async up(): Promise<void> {
    this.mode = 'open';
    await this.listen();
  }

  async close(): Promise<void> {
    this.mode = 'down';
    for (const pair of this.pairs) this.cut(pair);
    await this.closeServer();
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'down') {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    const pair = { client, upstream };
    this.pairs.add(pair);
    // Data is written by hand, not piped: a paused socket must stay paused (pipe resumes on drain).
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => this.cut(pair);
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
    if (this.mode === 'frozen') {
      client.pause();
      upstream.pause();
    }
  }

  private cut(pair: Pair): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
