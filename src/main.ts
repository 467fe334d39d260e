// First: starts tracing (when configured) before anything it instruments loads.
import { stopTracing } from './tracing/register.js';
// oxlint-disable-next-line import/no-unassigned-import -- decorator metadata polyfill, loaded for its effect
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ShutdownSignal } from './common/shutdown-signal.js';
import { type AppConfig, ConfigError, loadConfig, withProvisioned } from './config/app-config.js';
import { type EmbeddedSimulator, startEmbeddedSimulator } from './embedded/embedded-simulator.js';
import { provisionEncryptionKey } from './embedded/encryption-key.js';

async function bootstrap(): Promise<void> {
  let loaded: AppConfig;
  try {
    loaded = loadConfig(process.env, { role: 'server' });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`zoom-gateway: ${error.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = new Logger('Bootstrap');
  const encryption = provisionEncryptionKey(loaded);
  let simulator: EmbeddedSimulator | undefined;
  if (loaded.useEmbeddedSimulator) {
    simulator = await startEmbeddedSimulator(loaded);
  }
  const config = withProvisioned(loaded, {
    encryptionKey: encryption.key,
    ...simulator?.provisioned,
  });

  // Loaded only after the configuration is known good, so a bad value fails in milliseconds.
  const { createApp } = await import('./app.factory.js');
  const app = await createApp(config);
  if (encryption.source === 'generated') {
    logger.warn(
      `No ENCRYPTION_KEY: generated one into ${config.dataDir}/encryption.key (owner-only); back it up`,
    );
  }
  if (simulator) {
    logger.warn(
      `EMBEDDED ZOOM SIMULATOR on ${simulator.baseUrl}: no ZOOM_ACCOUNT_ID/ZOOM_CLIENT_ID/ZOOM_CLIENT_SECRET set, ` +
        'so meetings are created in a local stand-in, not in Zoom. Set those three variables to use real Zoom.',
    );
  }
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  logger.log(`zoom-gateway listening on ${url} (replica ${config.replicaId}); docs at ${url}/docs`);
  if (simulator && config.webhookSecretToken) {
    await simulator
      .configureWebhook(url.replace('[::1]', '127.0.0.1'), config.webhookSecretToken)
      .catch((error: Error) => {
        logger.warn(`Embedded simulator could not validate the webhook endpoint: ${error.message}`);
      });
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(
      `${signal}: waits in line answered 503, in-flight requests finishing (at most ${config.shutdownTimeoutMs} ms), then closing the database and Redis`,
    );
    setTimeout(() => {
      logger.error('Shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // Calls waiting in the rate-limit queue or on an Idempotency-Key end now (503 + Retry-After);
    // calls already sent to Zoom run on, with the database and Redis still open, until answered.
    app.get(ShutdownSignal).trigger();
    void drainHttp(app.getHttpServer())
      .then(() => app.close())
      .then(() => simulator?.close())
      // Spans still batched are exported before the process ends (a no-op without tracing).
      .then(() => stopTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(
            `Shutdown failed: ${error instanceof Error ? error.message : String(error)}`,
          );
          process.exit(1);
        },
      );
  };
  // Nest's own shutdown hooks would also listen; ours adds the deadline and the simulator.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/**
 * Stops taking connections and resolves once every request in flight has been answered: idle
 * keep-alive connections close now, busy ones right after their answer (`Connection: close`).
 */
function drainHttp(server: Server): Promise<void> {
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    res.shouldKeepAlive = false;
  });
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

void bootstrap();
