import { Logger } from '@nestjs/common';
import { fakeHttp } from '../common/errors/testing/fake-http.js';
import { Test } from '@nestjs/testing';
import { createServer } from 'node:net';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { testEncryptionKey } from '../../test/support/services.js';
import { Clock } from '../common/clock.js';
import { AllExceptionsFilter } from '../common/errors/all-exceptions.filter.js';
import { AppConfig, loadConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { JobsService } from '../coordination/jobs.service.js';
import { LeaseService } from '../coordination/lease.service.js';
import { createRedisClient } from '../coordination/redis.provider.js';
import { capturedHttpLogger } from './testing/captured-logger.js';
import { MeetingEntity } from '../meetings/meeting.entity.js';
import { MeetingsRepository } from '../meetings/meetings.repository.js';
import { RecordRepairs } from '../meetings/record-repairs.js';
import { DatabaseModule } from '../database/database.module.js';
import { buildDataSourceOptions } from '../database/database.options.js';
import { TypeOrmLogger } from '../database/typeorm-logger.js';

/** What `work` failed with: an Error, or the test fails. */
async function failure(work: Promise<unknown>): Promise<Error> {
  const outcome: unknown = await work.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error(`expected a failure, got ${String(outcome)}`);
  return outcome;
}

/** A loopback port nothing listens on: taken from the OS, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * The gateway's logger (pino, as the app writes it) behind Nest's Logger, so every
 * `new Logger(...)` line, Nest's and TypeORM's module's included, lands in `lines`. Made once:
 * nestjs-pino keeps the first root logger it is given for the whole process.
 */
const { http, lines } = capturedHttpLogger('debug');
const gatewayLogger = new PinoNestLogger(new PinoLogger({ pinoHttp: { logger: http.logger } }), {});

describe('database errors in logs', () => {
  let port: number;
  let url: string;

  beforeEach(async () => {
    port = await closedPort();
    url = `postgres://gateway:s3cret-pw@127.0.0.1:${port}/zoom_gateway`;
    lines.length = 0;
    Logger.overrideLogger(gatewayLogger);
  });

  afterEach(() => {
    Logger.overrideLogger(false);
    vi.restoreAllMocks();
  });

  /** Everything written, as one string: no server address, port or credential anywhere. */
  function expectNoAddress(): string {
    const written = JSON.stringify(lines);
    expect(written).not.toContain('127.0.0.1');
    expect(written).not.toContain(String(port));
    expect(written).not.toContain('s3cret-pw');
    return written;
  }

  it('says why the start-up connection failed, each retry, and never where the database is', async () => {
    const config = loadConfig({
      ENCRYPTION_KEY: testEncryptionKey(),
      API_KEYS: 'app:app-key-0123456789abcdef',
      DATABASE_URL: url,
    });
    const error = await failure(
      Test.createTestingModule({ imports: [ConfigModule.forRoot(config), DatabaseModule] })
        .setLogger(gatewayLogger)
        .compile(),
    );
    expect(error.message).toBe('connect ECONNREFUSED <database>');
    expect(`${error.stack}`).not.toMatch(/127\.0\.0\.1/);
    const written = expectNoAddress();
    expect(written).toContain('Unable to connect to the database');
    expect(written).toContain('connect ECONNREFUSED <database>');
  }, 30_000);

  it('keeps the address out of every line a driver error reaches at run time', async () => {
    // The driver's own error, as node-postgres makes it (message, address and port).
    const refused = await failure(new Client({ connectionString: url }).connect());
    expect(refused).toMatchObject({ code: 'ECONNREFUSED', port });
    expect(refused.message).toContain(`127.0.0.1:${port}`);
    // TypeORM's DataSource pointed at the same closed port fails the same way.
    const dataSource = new DataSource(
      buildDataSourceOptions({ type: 'postgres', url }, { queryMs: 1_000, connectMs: 1_000 }),
    );
    const typeorm = await failure(dataSource.initialize());
    expect(typeorm.message).toContain('ECONNREFUSED');

    // The TypeORM logger: a failed query, a pool error in its own words.
    const orm = new TypeOrmLogger();
    orm.logQueryError(refused, 'SELECT 1');
    orm.log('warn', `Postgres pool raised an error. ${String(refused)} (${url})`);

    // The exception filter: a request that met it answers 503 and logs the cause.
    new AllExceptionsFilter().catch(
      new Error('could not list', { cause: typeorm }),
      fakeHttp('/api/meetings').host,
    );
    new AllExceptionsFilter().catch(typeorm, fakeHttp('/api/meetings').host);

    // A record write after Zoom acted (the lifecycle's repair lines), then a shutdown with no
    // journal: the repair is logged whole, still without the address.
    const sqlite = await new DataSource({
      ...buildDataSourceOptions({ type: 'sqlite', path: ':memory:' }),
      entities: [MeetingEntity],
    }).initialize();
    const records = new MeetingsRepository(sqlite.getRepository(MeetingEntity), new Clock());
    vi.spyOn(records, 'markDeleted').mockRejectedValue(refused);
    const repairs = new RecordRepairs(records, new Clock());
    await repairs.follow({ kind: 'delete', meetingId: '81000000009', reason: 'deleted' });
    await repairs.beforeApplicationShutdown();
    await sqlite.destroy();

    // A scheduled job that met it.
    const server = Object.assign(new AppConfig(), { role: 'server' });
    const jobs = new JobsService(server, new LeaseService(null, server, new Clock()));
    jobs.every('records-sweep', 60_000, () => Promise.reject(typeorm));
    await jobs.trigger('records-sweep');
    jobs.onModuleDestroy();

    // Redis at a closed port says so once, without where.
    const redis = createRedisClient(`redis://:s3cret-pw@127.0.0.1:${port}/0`, 'commands');
    await vi.waitFor(() => expect(JSON.stringify(lines)).toContain('Redis (commands) unavailable'));
    redis.disconnect();

    const written = expectNoAddress();
    for (const expected of [
      'Query failed: connect ECONNREFUSED <database> [SELECT 1]',
      'Postgres pool raised an error. Error: connect ECONNREFUSED <database> (postgres://<database>)',
      '"cause":"connect ECONNREFUSED <database>"',
      'Zoom accepted the delete of meeting 81000000009 but its record could not be updated (connect ECONNREFUSED <database>)',
      'Record repair lost at shutdown',
      'Job records-sweep failed: connect ECONNREFUSED <address>',
      'Redis (commands) unavailable: connect ECONNREFUSED <redis>',
    ])
      expect(written).toContain(expected);
  });
});
