import type { MigratedDatabase } from '../database/testing/migrated-database.js';
import { migratedEngines } from '../database/testing/migrated-engines.js';
import { FleetMinuteCounterEntity } from './fleet-minute-counter.entity.js';
import { FleetMinutesRepository } from './fleet-minutes.repository.js';

const byName = (a: string, b: string) => a.localeCompare(b);

describe.each(migratedEngines)(`${FleetMinutesRepository.name} on %s`, (_engine, open) => {
  let database: MigratedDatabase;

  beforeAll(async () => {
    database = await open('fleet_minutes');
  });
  afterAll(() => database?.close());

  it('adds every replica’s counts to the same minute, and prunes what is a day old', async () => {
    const one = new FleetMinutesRepository(
      database.dataSource.getRepository(FleetMinuteCounterEntity),
    );
    const two = new FleetMinutesRepository(
      (await database.connect()).getRepository(FleetMinuteCounterEntity),
    );
    const minute = Date.UTC(2030, 0, 1, 12, 0);
    await one.add(minute, { calls: 3, mints: 1, refusals: 0 });
    await two.add(minute, { calls: 4 });
    await two.add(minute + 60_000, { zoom_429s: 2 });
    const rows = await one.since(minute);
    expect(rows.map((r) => `${r.minute} ${r.name} ${r.value}`).sort(byName)).toEqual([
      `${minute} calls 7`,
      `${minute} mints 1`,
      `${minute + 60_000} zoom_429s 2`,
    ]);
    await one.prune(minute + 60_000);
    expect((await two.since(0)).map((r) => r.name)).toEqual(['zoom_429s']);
  });
});
