import { createServer, type Server, type Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { createPostgresDatabase } from '../../test/support/services.js';
import { isDatabaseUnavailable } from '../common/errors/database-errors.js';
import { buildDataSourceOptions } from './database.options.js';

const DEADLINES = { queryMs: 400, connectMs: 300 };

describe(buildDataSourceOptions.name, () => {
  it('ends a PostgreSQL query at its deadline with an error that reads "database unavailable"', async () => {
    const database = await createPostgresDatabase();
    const dataSource = await new DataSource(
      buildDataSourceOptions({ type: 'postgres', url: database.url }, DEADLINES),
    ).initialize();
    try {
      const started = Date.now();
      const error: unknown = await dataSource.query('SELECT pg_sleep(3)').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });

  it('gives up on a server that accepts the connection but never answers, within the acquire deadline', async () => {
    // A frozen PostgreSQL: TCP accepts, nothing comes back.
    const sockets: Socket[] = [];
    const frozen: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
    const address = frozen.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const started = Date.now();
    const error: unknown = await new DataSource(
      buildDataSourceOptions(
        { type: 'postgres', url: `postgres://u:p@127.0.0.1:${port}/db` },
        DEADLINES,
      ),
    )
      .initialize()
      .catch((e: unknown) => e);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => frozen.close(resolve));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
});
