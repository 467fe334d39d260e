import { type INestApplicationContext, Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { userInfo } from 'node:os';
import { AppModule } from '../app.module.js';
import { loadConfig, withProvisioned } from '../config/app-config.js';
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
  const loaded = loadConfig(process.env, { role: 'cli' });
  if (!loaded.zoomCredentials && options.requireZoom) {
    throw new Error(
      'No ZOOM_ACCOUNT_ID/ZOOM_CLIENT_ID/ZOOM_CLIENT_SECRET set: this command talks to the configured Zoom',
    );
  }
  const config = withProvisioned(loaded, {
    encryptionKey: provisionEncryptionKey(loaded).key,
    // The embedded default's stand-in, so the module graph starts; in the CLI role it only
    // ever seeds an empty database (see CredentialsService).
    zoomCredentials: loaded.zoomCredentials ? undefined : { ...EMBEDDED_SIMULATOR_CREDENTIALS },
  });
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

/** Who the audit trail names for an operator command: `cli:<OS user>`. */
export function cliActor(): string {
  try {
    return `cli:${
      userInfo()
        .username.replace(/[^A-Za-z0-9._-]/g, '')
        .slice(0, 48) || 'unknown'
    }`;
  } catch {
    return 'cli:unknown';
  }
}
