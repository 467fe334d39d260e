import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Redis } from 'ioredis';
import { eventually, sleep } from '../../test/support/fleet.js';
import { createRedisNamespace } from '../../test/support/services.js';
import { Clock } from '../common/clock.js';
import { loadConfig, type ProcessRole } from '../config/app-config.js';
import { JobsService } from './jobs.service.js';
import { LeaseService } from './lease.service.js';

describe(JobsService.name, () => {
  let namespace: Awaited<ReturnType<typeof createRedisNamespace>>;
  const clients: Redis[] = [];
  const services: JobsService[] = [];

  function replica(options: { redis?: boolean; role?: ProcessRole } = {}): {
    jobs: JobsService;
    scheduler: SchedulerRegistry;
  } {
    const useRedis = options.redis ?? true;
    const client = useRedis ? new Redis(namespace.url, { maxRetriesPerRequest: 1 }) : null;
    if (client) clients.push(client);
    const config = loadConfig(
      useRedis ? { REDIS_URL: namespace.url, REDIS_KEY_PREFIX: namespace.prefix } : {},
      { role: options.role ?? 'server' },
    );
    const scheduler = new SchedulerRegistry();
    const jobs = new JobsService(config, new LeaseService(client, config, new Clock()), scheduler);
    services.push(jobs);
    return { jobs, scheduler };
  }

  const connected = () =>
    Promise.all(
      clients.map((c) => new Promise((r) => (c.status === 'ready' ? r(null) : c.once('ready', r)))),
    );

  beforeAll(async () => {
    namespace = await createRedisNamespace();
  });

  afterEach(() => {
    for (const jobs of services.splice(0)) jobs.onModuleDestroy();
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await namespace.cleanup();
  });

  it('runs a per-replica job on every replica, each interval, registered with the scheduler', async () => {
    const [a, b] = [replica(), replica()];
    const runs = { a: 0, b: 0 };
    a.jobs.every('heartbeat', 30, async () => void runs.a++);
    b.jobs.every('heartbeat', 30, async () => void runs.b++);
    expect(a.scheduler.getIntervals()).toEqual(['heartbeat']);
    await eventually(
      async () => runs,
      (r) => r.a >= 3 && r.b >= 3,
    );
    expect(Math.min(runs.a, runs.b)).toBeGreaterThanOrEqual(3);
  });

  it('gives each interval window of a fleet job to one replica only', async () => {
    const replicas = [replica(), replica(), replica()];
    await connected();
    let runs = 0;
    for (const { jobs } of replicas) jobs.fleetEvery('reconcile', 60_000, async () => void runs++);
    const ran = await Promise.all(replicas.map(({ jobs }) => jobs.trigger('reconcile')));
    expect(ran.filter(Boolean).length).toBe(1);
    expect(runs).toBe(1);
    // The same window again: already claimed, nobody runs it twice.
    await expect(replicas[0].jobs.trigger('reconcile')).resolves.toBe(false);
  });

  it('runs a fleet job within the process when there is no Redis', async () => {
    const { jobs } = replica({ redis: false });
    let runs = 0;
    jobs.fleetEvery('prune', 60_000, async () => void runs++);
    await expect(jobs.trigger('prune')).resolves.toBe(true);
    await expect(jobs.trigger('prune')).resolves.toBe(false);
    expect(runs).toBe(1);
  });

  it('never overlaps two runs of the same job', async () => {
    const { jobs } = replica({ redis: false });
    let concurrent = 0;
    let most = 0;
    let runs = 0;
    jobs.every('slow', 10, async () => {
      concurrent++;
      most = Math.max(most, concurrent);
      await sleep(80);
      concurrent--;
      runs++;
    });
    await eventually(
      async () => runs,
      (r) => r >= 2,
    );
    expect(most).toBe(1);
  });

  it('logs a failed run and keeps the schedule going', async () => {
    const errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { jobs } = replica({ redis: false });
    let attempts = 0;
    jobs.every('flaky', 20, async () => {
      attempts++;
      throw new Error('database is down');
    });
    await expect(
      eventually(
        async () => attempts,
        (a) => a >= 2,
      ),
    ).resolves.toBeGreaterThanOrEqual(2);
    expect(String(errors.mock.calls[0]?.[0])).toContain('Job flaky failed: database is down');
  });

  it('schedules nothing in an operator command', async () => {
    const { jobs, scheduler } = replica({ redis: false, role: 'cli' });
    let runs = 0;
    jobs.every('heartbeat', 10, async () => void runs++);
    jobs.fleetEvery('reconcile', 10, async () => void runs++);
    await sleep(50);
    expect([runs, scheduler.getIntervals()]).toEqual([0, []]);
    await expect(jobs.trigger('heartbeat')).resolves.toBe(false);
  });

  it('stops every timer on shutdown and waits for a run in progress', async () => {
    const { jobs, scheduler } = replica({ redis: false });
    let runs = 0;
    let finished = false;
    jobs.every(
      'drain',
      20,
      async () => {
        runs++;
        await sleep(50);
        finished = true;
      },
      { immediately: true },
    );
    jobs.onModuleDestroy();
    await jobs.beforeApplicationShutdown();
    expect([finished, scheduler.getIntervals()]).toEqual([true, []]);
    await sleep(60);
    expect(runs).toBe(1);
  });

  it('refuses to schedule the same name twice', async () => {
    const { jobs } = replica({ redis: false });
    jobs.every('twice', 1_000, async () => undefined);
    await expect(
      Promise.resolve().then(() => jobs.every('twice', 1_000, async () => undefined)),
    ).rejects.toThrow('already scheduled');
  });
});
