import { Logger } from '@nestjs/common';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { AuditRepository } from '../../audit/audit.repository.js';
import { AuditService } from '../../audit/audit.service.js';
import { DomainError } from '../../common/errors/index.js';
import type { MigratedDatabase } from '../../database/testing/migrated-database.js';
import { migratedSqlite } from '../../database/testing/migrated-sqlite.js';
import { DailyBlockLiftService } from './daily-block-lift.service.js';
import { limitsFixture } from './testing/limits-fixture.js';

async function refusal(run: Promise<unknown>): Promise<DomainError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError: ${String(error)}`);
  return error;
}

describe(DailyBlockLiftService.name, () => {
  // The services log every block and lift, as an operator should see them; not here.
  beforeAll(() => Logger.overrideLogger(false));

  let database: MigratedDatabase;

  beforeAll(async () => {
    database = await migratedSqlite('daily-block-lift');
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await database.dataSource.getRepository(AuditEventEntity).clear();
  });

  function lifter() {
    const fixture = limitsFixture();
    const audit = new AuditService(
      new AuditRepository(database.dataSource.getRepository(AuditEventEntity)),
      fixture.clock,
    );
    const service = new DailyBlockLiftService(fixture.daily, fixture.blocks, audit);
    return { ...fixture, audit, service };
  }

  it('lifts a block in force, so calls of its scope go to Zoom again', async () => {
    const { service, blocks } = lifter();
    await blocks.block('host:jane@example.com', Date.UTC(2026, 11, 7), 'this particular user');
    await service.lift('admin', 'host:jane@example.com');
    expect(blocks.blockedUntil('host:jane@example.com')).toBe(undefined);
  });

  it('records the lift in the audit trail with the admin, the scope and the block', async () => {
    const { service, blocks, audit } = lifter();
    await blocks.block('host:jane@example.com', Date.UTC(2026, 11, 7), 'this particular user');
    await service.lift('ops', 'host:jane@example.com');
    const [event] = (await audit.list({ limit: 10 })).events;
    expect(event?.actor).toBe('ops');
    expect(event?.action).toBe('zoom.limits.block_lifted');
    expect(event?.target).toBe('host:jane@example.com');
    expect(event?.details).toEqual({
      scope: 'host:jane@example.com',
      lifted: true,
      until: '2026-12-07T00:00:00Z',
      reason: 'this particular user',
    });
  });

  it("answers 404 not_found when no block was in force, and says today's count was cleared", async () => {
    const { service, daily, spend } = lifter();
    await spend('account:heavy+resource_intensive', 4);
    const error = await refusal(service.lift('ops', 'account:heavy+resource_intensive'));
    expect(error.status).toBe(404);
    expect(error.code).toBe('not_found');
    expect(error.message).toBe(
      "No daily-limit block was in force on account:heavy+resource_intensive; today's count of it was cleared all the same.",
    );
    expect(await daily.spent('account:heavy+resource_intensive')).toBe(0);
  });

  it('audits a lift that found no block too, since it cleared the count', async () => {
    const { service, audit } = lifter();
    await refusal(service.lift('cli:ops', 'host:nobody@example.com'));
    const [event] = (await audit.list({ limit: 10 })).events;
    expect(event?.actor).toBe('cli:ops');
    expect(event?.details).toEqual({
      scope: 'host:nobody@example.com',
      lifted: false,
      until: null,
      reason: null,
    });
  });

  it('refuses a scope of no known kind with validation_failed and changes nothing', async () => {
    const { service, audit } = lifter();
    const error = await refusal(service.lift('ops', 'jane@example.com'));
    expect(error.status).toBe(400);
    expect(error.code).toBe('validation_failed');
    expect((await audit.list({ limit: 10 })).events.length).toBe(0);
  });
});
