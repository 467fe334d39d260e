// A Kubernetes Service in front of gateway replicas, reduced to what a rolling deploy exercises:
// the endpoints controller (readiness decides who is in rotation) and clients that keep
// connections alive, one pool per replica, as callers of a Service's address do.
import { Agent, buildConnector, request } from 'undici';
import type { GatewayProcess } from './gateway-process.js';
import { sleep } from './fleet.js';

/** The replicas in rotation: added when /health/ready answers 200, dropped when it does not. */
export class Endpoints {
  private readonly pods = new Set<GatewayProcess>();
  /** Deleted with a preStop hook: out of rotation at once, and never back. */
  private readonly deleted = new WeakSet<GatewayProcess>();
  private readonly rotation: GatewayProcess[] = [];
  private turn = 0;
  private running = true;
  private readonly watching: Promise<void>;

  /** `periodMs`: how often each replica's readiness is read (the probe period). */
  constructor(private readonly periodMs: number) {
    this.watching = this.watch();
  }

  /** A new pod: it enters rotation once its readiness answers 200. */
  add(pod: GatewayProcess): void {
    this.pods.add(pod);
    void pod.exited.then(() => {
      this.pods.delete(pod);
      this.drop(pod);
    });
  }

  /** What a pod's deletion does before its preStop hook runs: no new traffic from now on. */
  delete(pod: GatewayProcess): void {
    this.deleted.add(pod);
    this.drop(pod);
  }

  has(pod: GatewayProcess): boolean {
    return this.rotation.includes(pod);
  }

  /** The next replica, round-robin; undefined when none is in rotation. */
  pick(): GatewayProcess | undefined {
    if (this.rotation.length === 0) return undefined;
    this.turn = (this.turn + 1) % this.rotation.length;
    return this.rotation[this.turn];
  }

  async untilInRotation(pod: GatewayProcess, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.has(pod)) {
      if (Date.now() > deadline)
        throw new Error(`replica ${pod.url} not ready within ${timeoutMs} ms:\n${pod.output()}`);
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    this.running = false;
    await this.watching;
  }

  private drop(pod: GatewayProcess): void {
    const at = this.rotation.indexOf(pod);
    if (at >= 0) this.rotation.splice(at, 1);
  }

  private async watch(): Promise<void> {
    while (this.running) {
      await Promise.all(
        [...this.pods].map(async (pod) => {
          const ready = (await readiness(pod)) === 200;
          if (ready && !this.deleted.has(pod) && !this.has(pod)) this.rotation.push(pod);
          if (!ready) this.drop(pod);
        }),
      );
      await sleep(this.periodMs);
    }
  }
}

/** /health/ready's status; 0 when the replica did not answer (not listening, reset). */
export async function readiness(pod: Pick<GatewayProcess, 'url'>): Promise<number> {
  try {
    const answer = await fetch(`${pod.url}/health/ready`, { signal: AbortSignal.timeout(1_000) });
    await answer.arrayBuffer();
    return answer.status;
  } catch {
    return 0;
  }
}

/** One call's outcome: status 0 with `error` (undici's code) when no answer came. */
export interface Outcome {
  replica: string;
  status: number;
  error?: string;
  /** The answer's Connection header. */
  connection?: string;
  body?: string;
}

/** A caller's HTTP client: keep-alive connections, one pool per replica (origin). */
export class KeepAliveClient {
  /** TCP connections opened so far: far fewer than calls when keep-alive works. */
  opened = 0;
  readonly agent: Agent;

  constructor() {
    const connect = buildConnector({});
    this.agent = new Agent({
      connections: 16,
      // Idle connections are kept as long as the server allows (its Keep-Alive hint wins).
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connect: (options, callback) => {
        this.opened++;
        connect(options, callback);
      },
    });
  }

  async send(
    pod: Pick<GatewayProcess, 'url'>,
    method: 'GET' | 'POST',
    path: string,
    options: { key?: string; body?: unknown } = {},
  ): Promise<Outcome> {
    const headers: Record<string, string> = {};
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const answer = await request(`${pod.url}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        dispatcher: this.agent,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      const body = await answer.body.text();
      const connection = answer.headers.connection;
      return {
        replica: pod.url,
        status: answer.statusCode,
        connection: typeof connection === 'string' ? connection : undefined,
        body: body.slice(0, 500),
      };
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : 'error';
      const message = error instanceof Error ? error.message : String(error);
      return { replica: pod.url, status: 0, error: `${code}: ${message}` };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/**
 * Callers sending one request after another through the Service: each picks the next replica in
 * rotation, over that replica's pool of kept-alive connections.
 */
export class SteadyLoad {
  readonly outcomes: Outcome[] = [];
  private running = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly endpoints: Endpoints,
    private readonly call: (pod: GatewayProcess, n: number) => Promise<Outcome>,
  ) {}

  start(workers: number): void {
    this.running = true;
    let n = 0;
    this.workers = Array.from({ length: workers }, async () => {
      while (this.running) {
        const pod = this.endpoints.pick();
        if (!pod) {
          await sleep(5);
          continue;
        }
        this.outcomes.push(await this.call(pod, ++n));
      }
    });
  }

  /** Stops sending; resolves when every call sent has its outcome. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }
}
