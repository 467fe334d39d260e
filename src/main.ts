// oxlint-disable-next-line import/no-unassigned-import -- decorator metadata polyfill, loaded for its effect
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
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
    logger.log(`${signal}: finishing in-flight requests, then closing the database and Redis`);
    setTimeout(() => {
      logger.error('Shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    void app
      .close()
      .then(() => simulator?.close())
      .then(() => process.exit(0));
  };
  // Nest's own shutdown hooks would also listen; ours adds the deadline and the simulator.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void bootstrap();
