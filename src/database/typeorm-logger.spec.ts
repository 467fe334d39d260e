import { Logger } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './database.options.js';
import { TypeOrmLogger } from './typeorm-logger.js';

function spies() {
  return {
    log: vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined),
    warn: vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined),
    debug: vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined),
    error: vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined),
  };
}

describe(TypeOrmLogger.name, () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs a failed query at debug, through the application logger, without its parameters', async () => {
    const logged = spies();
    const stdout = vi.spyOn(process.stdout, 'write');
    const dataSource = await new DataSource(
      buildDataSourceOptions({
        type: 'sqlite',
        path: join(mkdtempSync(join(tmpdir(), 'zg-typeorm-log-')), 'db.sqlite'),
      }),
    ).initialize();
    try {
      await dataSource.query('CREATE TABLE t (id TEXT PRIMARY KEY)');
      await dataSource.query('INSERT INTO t (id) VALUES (?)', ['host@example.com']);
      await expect(
        dataSource.query('INSERT INTO t (id) VALUES (?)', ['host@example.com']),
      ).rejects.toThrow(/UNIQUE/);
    } finally {
      await dataSource.destroy();
    }
    const debug = logged.debug.mock.calls.map((call) => String(call[0]));
    expect(debug.find((line) => line.startsWith('Query failed'))).toMatch(
      /UNIQUE constraint failed.*\[INSERT INTO t \(id\) VALUES \(\?\)\]/,
    );
    const everything = JSON.stringify([
      ...Object.values(logged).map((spy) => spy.mock.calls),
      stdout.mock.calls,
    ]);
    expect(everything).not.toContain('host@example.com');
    expect(logged.error.mock.calls).toEqual([]);
  });

  it('warns about a slow query without its parameters', () => {
    const logged = spies();
    new TypeOrmLogger().logQuerySlow(1_500, 'SELECT * FROM meetings WHERE topic = $1');
    expect(String(logged.warn.mock.calls[0]?.[0])).toBe(
      'Slow query: 1500 ms [SELECT * FROM meetings WHERE topic = $1]',
    );
  });
});
