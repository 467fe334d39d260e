// First: starts tracing (when configured) before anything it instruments loads.
import { stopTracing } from './tracing/register.js';
// oxlint-disable-next-line import/no-unassigned-import -- decorator metadata polyfill, loaded for its effect
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ShutdownSignal } from './common/shutdown-signal.js';
import { type AppConfig, ConfigError, loadConfig, withProvisioned } from './config/app-config.js';
import { type EmbeddedSimulator, startEmbeddedSimulator } from './embedded/embedded-simulator.js';
import { provisionEncryptionKey } from './embedded/encryption-key.js';
import { closeHttpServer, ShutdownDrain } from './health/shutdown-drain.js';
import { loggableError } from './common/errors/loggable-error.js';
import { startUpSummary } from './logging/start-up-summary.js';

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
  for (const line of startUpSummary(config, url, simulator?.baseUrl)) logger.log(line);
  if (simulator && config.webhookSecretToken) {
    await simulator
      .configureWebhook(url.replace('[::1]', '127.0.0.1'), config.webhookSecretToken)
      .catch((error: Error) => {
        logger.warn(`Embedded simulator could not validate the webhook endpoint: ${error.message}`);
      });
  }

  let stopping = false;
  const drain = app.get(ShutdownDrain);
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal: the operator does not want to wait out the drain.
      drain.end();
      return;
    }
    stopping = true;
    // Orchestrators stop with SIGTERM; Ctrl-C (SIGINT) in a terminal wants no pause.
    const drainMs = signal === 'SIGTERM' ? config.shutdownDrainMs : 0;
    logger.log(
      `${signal}: not ready from now on; serving for ${drainMs} ms more, each answer with Connection: close; ` +
        `then waits in line answered 503, in-flight requests finishing (at most ${config.shutdownTimeoutMs} ms), then closing the database and Redis`,
    );
    const server = app.getHttpServer();
    void drain
      .run(server, drainMs)
      .then(() => {
        // Counted from the drain's end, so a call accepted during the drain has all of it.
        const deadlineAt = Date.now() + config.shutdownTimeoutMs;
        setTimeout(() => {
          logger.error('Shutdown took too long; exiting');
          process.exit(1);
        }, config.shutdownTimeoutMs).unref();
        // Calls waiting in the rate-limit queue or on an Idempotency-Key end now (503 +
        // Retry-After), not at SIGTERM: during the drain they are served like the new calls
        // beside them. Calls already sent to Zoom run on, with the database and Redis still
        // open, until answered. The deadline tells work at the end of shutdown (record repairs)
        // how long it has left.
        app.get(ShutdownSignal).trigger(deadlineAt);
        return closeHttpServer(server);
      })
      .then(() => app.close())
      .then(() => simulator?.close())
      // Spans still batched are exported before the process ends (a no-op without tracing).
      .then(() => stopTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${loggableError(error)}`);
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

void bootstrap();
