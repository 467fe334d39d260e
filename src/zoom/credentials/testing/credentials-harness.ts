// Test harness: the credentials module as a replica runs it (real database, Redis, Zoom simulator),
// without HTTP, so integration specs can start several "replicas" in one process.
import { HttpModule } from '@nestjs/axios';
import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { CommonModule } from '../../../common/common.module.js';
import { loadConfig, type ProcessRole } from '../../../config/app-config.js';
import { ConfigModule } from '../../../config/config.module.js';
import { CoordinationModule } from '../../../coordination/coordination.module.js';
import { DatabaseModule } from '../../../database/database.module.js';
import type { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { ZoomOAuthClient } from '../../token/zoom-oauth.client.js';
import { CredentialRotationService } from '../../rotation/credential-rotation.service.js';
import { EnvironmentCredentialsAdopter } from '../../rotation/environment-credentials.adopter.js';
import { CredentialsModule } from '../credentials.module.js';
import { CredentialsService } from '../credentials.service.js';
import { CredentialsStore } from '../credentials.store.js';

export const ACCOUNT_ID = 'rotation-account';
export const CLIENT_ID = 'rotation-client';
export const APP_ID = 'rotation-app';

/** Everything a replica logged, one string per call, to grep for secrets. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private capture(level: string, message: unknown, params: unknown[]): void {
    this.lines.push(
      [level, message, ...params]
        .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
        .join(' '),
    );
  }
  log(message: unknown, ...params: unknown[]): void {
    this.capture('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.capture('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.capture('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.capture('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.capture('verbose', message, params);
  }
}

export interface Replica {
  module: TestingModule;
  credentials: CredentialsService;
  rotation: CredentialRotationService;
  store: CredentialsStore;
  dataSource: DataSource;
  close(): Promise<void>;
}

export const logger = new CapturingLogger();

/** Starts the credentials module against `databaseUrl` with `secret` as ZOOM_CLIENT_SECRET. */
export async function startReplica(options: {
  databaseUrl: string;
  encryptionKey: string;
  secret: string;
  simulator: ZoomSimulator;
  redis?: { url: string; prefix: string };
  replicaId?: string;
  /** 'server' (default) adopts an environment Zoom accepts; 'cli' only seeds an empty database. */
  role?: ProcessRole;
}): Promise<Replica> {
  const config = loadConfig(
    {
      DATABASE_URL: options.databaseUrl,
      ENCRYPTION_KEY: options.encryptionKey,
      ZOOM_ACCOUNT_ID: ACCOUNT_ID,
      ZOOM_CLIENT_ID: CLIENT_ID,
      ZOOM_CLIENT_SECRET: options.secret,
      ZOOM_OAUTH_BASE_URL: options.simulator.baseUrl,
      ZOOM_API_BASE_URL: options.simulator.apiBaseUrl,
      REDIS_URL: options.redis?.url,
      REDIS_KEY_PREFIX: options.redis?.prefix,
      REPLICA_ID: options.replicaId,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'zg-cred-')),
    },
    { role: options.role ?? 'server' },
  );
  const module = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      CommonModule,
      DatabaseModule,
      CoordinationModule,
      CredentialsModule,
      HttpModule,
    ],
    providers: [ZoomOAuthClient, CredentialRotationService, EnvironmentCredentialsAdopter],
  })
    .setLogger(logger)
    .compile();
  await module.init();
  return {
    module,
    credentials: module.get(CredentialsService),
    rotation: module.get(CredentialRotationService),
    store: module.get(CredentialsStore),
    dataSource: module.get(DataSource),
    close: () => module.close(),
  };
}

/** Mints a token at the simulator with `secret` (test plumbing, not through the gateway). */
export async function simulatorToken(simulator: ZoomSimulator, secret: string): Promise<string> {
  const response = await fetch(`${simulator.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'account_credentials',
      account_id: ACCOUNT_ID,
    }).toString(),
  });
  const body: { access_token?: string } = await response.json();
  if (!body.access_token) throw new Error(`simulator refused ${response.status}`);
  return body.access_token;
}

/** Opens an overlap window through the simulator's rotate endpoint; returns the new secret. */
export async function openOverlap(
  simulator: ZoomSimulator,
  currentSecret: string,
): Promise<string> {
  const token = await simulatorToken(simulator, currentSecret);
  const response = await fetch(
    `${simulator.apiBaseUrl}/marketplace/apps/${APP_ID}/rotate_client_secret`,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        action: 'new',
        revoke_old_secret_time: new Date(Date.now() + 3_600_000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
      }),
    },
  );
  const body: { new_secret?: string } = await response.json();
  if (!body.new_secret)
    throw new Error(`simulator did not rotate: ${response.status} ${JSON.stringify(body)}`);
  return body.new_secret;
}

export function sqliteUrl(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'zg-cred-db-')), 'gateway.sqlite')}`;
}
