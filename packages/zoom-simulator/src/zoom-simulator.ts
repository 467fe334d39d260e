// A faithful stand-in for Zoom's Server-to-Server OAuth token endpoint and the Meetings API,
// with the faults that hurt (token caps, refused apps, rate limits, 5xx, drops, latency).
// Plain node:http, no framework: benchmarks drive it hard. This file is the public class; the
// concerns live in the sim-*.ts files beside it.
import { createServer, type Server } from 'node:http';
import { buildControl, handleControlRoute } from './sim-control.js';
import { SimCore } from './sim-core.js';
import { SimServer } from './sim-server.js';
import type { SimulatorControl, SimUser, ZoomSimulatorOptions } from './sim-types.js';

export type { RateLimitPlan } from './sim-rate-limits.js';
export type { ZoomMeeting } from './sim-meetings.js';
export type { WebhookAttempt, WebhookConfig, WebhookDelivery } from './sim-webhooks.js';
export type {
  FaultOptions,
  ResetOptions,
  SimulatorControl,
  SimulatorStats,
  SimUser,
  TokenModel,
  ZoomSimulatorOptions,
} from './sim-types.js';
export { SIM_DEFAULTS } from './sim-types.js';
export { DEFAULT_SIM_SCOPES, SIM_SCOPES } from './sim-scopes.js';
export { secretFingerprint } from './sim-oauth.js';

export class ZoomSimulator {
  readonly control: SimulatorControl;

  private readonly core: SimCore;
  private readonly http: SimServer;
  private server?: Server;

  constructor(options: ZoomSimulatorOptions = {}) {
    this.core = new SimCore(options);
    this.control = buildControl(this.core);
    this.http = new SimServer(this.core, (req, res, action, body) =>
      handleControlRoute(this.control, req, res, action, body),
    );
  }

  /** OAuth base: `POST {baseUrl}/oauth/token`. Empty until `listen()` resolves. */
  get baseUrl(): string {
    return this.core.url;
  }

  get apiBaseUrl(): string {
    return this.core.url ? `${this.core.url}/v2` : '';
  }

  /** The app owner (`me`). */
  get ownerUser(): SimUser {
    return { ...this.core.users.owner };
  }

  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) return Promise.resolve(this.core.url);
    const server = createServer((req, res) => this.http.onRequest(req, res));
    server.keepAliveTimeout = 30_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        const bound = typeof address === 'object' && address !== null ? address.port : port;
        const shownHost = host.includes(':') ? `[${host}]` : host;
        this.core.url = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${bound}`;
        resolve(this.core.url);
      });
    });
  }

  async close(): Promise<void> {
    this.core.webhooks.close();
    this.core.state.flush();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
