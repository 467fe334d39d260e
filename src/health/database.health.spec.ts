import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { DatabaseHealthIndicator } from './database.health.js';

describe(DatabaseHealthIndicator.name, () => {
  it('is up while the database answers SELECT 1', async () => {
    const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await dataSource.initialize();
    try {
      const indicator = new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource);
      await expect(indicator.check('database')).resolves.toMatchObject({
        database: { status: 'up', type: 'better-sqlite3' },
      });
    } finally {
      await dataSource.destroy();
    }
  });

  it('is down with what failed in words, never the host, port or connection string', async () => {
    const url = 'postgres://gateway:hunter2@db.internal:5432/zoom';
    const dataSource = new DataSource({ type: 'postgres', url });
    // What pg rejects with when the server is down: the address is in the message.
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:5432 (db.internal)'), {
      code: 'ECONNREFUSED',
    });
    vi.spyOn(dataSource, 'query').mockRejectedValue(refused);
    const indicator = new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource);
    const result = await indicator.check('database');
    expect(result).toMatchObject({
      database: {
        status: 'down',
        message: expect.stringContaining('SELECT 1 failed (ECONNREFUSED)'),
      },
    });
    for (const secret of ['5432', '10.1.2.3', 'db.internal', 'hunter2', 'gateway:'])
      expect(JSON.stringify(result)).not.toContain(secret);
  });

  it('is down when SELECT 1 does not answer within the deadline', async () => {
    const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    vi.spyOn(dataSource, 'query').mockReturnValue(new Promise(() => undefined));
    const indicator = new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource);
    await expect(indicator.ping(50)).resolves.toEqual({
      up: false,
      why: 'no answer to SELECT 1 within 50 ms',
    });
  });
});
