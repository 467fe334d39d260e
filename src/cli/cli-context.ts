import { type INestApplicationContext, Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/app-config.js';
import { EMBEDDED_SIMULATOR_CREDENTIALS } from '../embedded/embedded-simulator.js';
import { provisionEncryptionKey } from '../embedded/encryption-key.js';

/**
 * The gateway's module graph without the HTTP server, for operator commands: the same
 * configuration, database (migrated), Redis and services as a running replica.
 */
export async function withAppContext<T>(
  work: (app: INestApplicationContext) => Promise<T>,
  options: { requireZoom: boolean } = { requireZoom: true },
): Promise<T> {
  const config = loadConfig(process.env);
  provisionEncryptionKey(config);
  if (!config.zoomCredentials) {
    if (options.requireZoom) {
      throw new Error(
        'No ZOOM_ACCOUNT_ID/ZOOM_CLIENT_ID/ZOOM_CLIENT_SECRET set: this command talks to the configured Zoom',
      );
    }
    config.zoomCredentials = { ...EMBEDDED_SIMULATOR_CREDENTIALS };
  }
  Logger.overrideLogger(process.env.CLI_VERBOSE ? ['log', 'warn', 'error'] : ['error']);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: ['error'],
  });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

export function resolve<T>(app: INestApplicationContext, type: Type<T>): T {
  return app.get(type, { strict: false });
}
