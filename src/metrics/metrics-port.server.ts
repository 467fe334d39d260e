import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import { DomainError } from '../common/errors/index.js';
import { errorMessage } from '../common/errors/error-message.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from './metrics.service.js';

/**
 * `/metrics` on METRICS_PORT, apart from the API: a port the network policy can open to
 * Prometheus alone. Serves nothing else; METRICS_TOKEN still applies.
 */
@Injectable()
export class MetricsPortServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsPortServer.name);
  private server: Server | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metricsPort;
    if (port === undefined || this.config.role !== 'server') return;
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'route_not_found', message: 'Only GET /metrics here.' }));
        return;
      }
      this.metrics.scrape(req.headers.authorization, 'metrics-port').then(
        (text) => {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(text);
        },
        (error: unknown) => {
          const status = error instanceof DomainError ? error.status : 500;
          const code = error instanceof DomainError ? error.code : 'internal_error';
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code, message: errorMessage(error) }));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`/metrics served on port ${port} only`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A scraper's keep-alive connection would hold close() open.
    server.closeAllConnections();
    await closed;
  }
}
