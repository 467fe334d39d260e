import { Redis } from 'ioredis';
import { Clock } from '../common/clock.js';
import { FakeClock } from '../common/testing/fake-clock.js';
import { loadConfig } from '../config/app-config.js';
import { createRedisNamespace } from '../../test/support/services.js';
import { LeaseService } from './lease.service.js';

describe(LeaseService.name, () => {
  describe('with Redis', () => {
    let namespace: Awaited<ReturnType<typeof createRedisNamespace>>;
    const clients: Redis[] = [];

    function replica(name: string): LeaseService {
      const client = new Redis(namespace.url, { maxRetriesPerRequest: 1 });
      clients.push(client);
      const config = loadConfig({
        REDIS_URL: namespace.url,
        REDIS_KEY_PREFIX: namespace.prefix,
        REPLICA_ID: name,
      });
      return new LeaseService(client, config, new Clock());
    }

    const connected = () =>
      Promise.all(
        clients.map(
          (c) => new Promise((r) => (c.status === 'ready' ? r(null) : c.once('ready', r))),
        ),
      );

    beforeAll(async () => {
      namespace = await createRedisNamespace();
    });

    afterAll(async () => {
      for (const client of clients) client.disconnect();
      await namespace.cleanup();
    });

    it('elects exactly one holder among concurrent replicas', async () => {
      const replicas = [replica('a'), replica('b'), replica('c')];
      await connected();
      const leases = await Promise.all(replicas.map((r) => r.tryAcquire('mint', 5_000)));
      expect(leases.filter(Boolean).length).toBe(1);
      expect(leases.find(Boolean)?.scope).toBe('redis');
    });

    it('lets only the holder release or renew, and frees the lease on release', async () => {
      const [a, b] = [replica('a'), replica('b')];
      await connected();
      const lease = (await a.tryAcquire('owner-checked', 5_000))!;
      const forged = { ...lease, token: 'someone-else' };
      await b.release(forged);
      await expect(b.isHeld('owner-checked')).resolves.toBe(true);
      await expect(b.renew(forged, 5_000)).resolves.toBe(false);
      await expect(a.renew(lease, 5_000)).resolves.toBe(true);
      await a.release(lease);
      await expect(b.isHeld('owner-checked')).resolves.toBe(false);
      await expect(b.tryAcquire('owner-checked', 5_000)).resolves.not.toBeNull();
    });

    it('expires a lease whose holder died without releasing it', async () => {
      const [a, b] = [replica('a'), replica('b')];
      await connected();
      await expect(a.tryAcquire('short', 150)).resolves.not.toBeNull();
      await expect(b.tryAcquire('short', 150)).resolves.toBeNull();
      await new Promise((r) => setTimeout(r, 250));
      await expect(b.tryAcquire('short', 150)).resolves.not.toBeNull();
    });

    it('gives each interval window to one replica only', async () => {
      const replicas = [replica('a'), replica('b'), replica('c')];
      await connected();
      const claims = await Promise.all(replicas.map((r) => r.claimInterval('reconcile', 60_000)));
      expect(claims.filter(Boolean).length).toBe(1);
    });
  });

  describe('without Redis', () => {
    it('keeps the lease within the process and honours its expiry', async () => {
      const clock = new FakeClock(1_000_000);
      const leases = new LeaseService(null, loadConfig({}), clock);
      const first = await leases.tryAcquire('mint', 1_000);
      expect(first?.scope).toBe('local');
      await expect(leases.tryAcquire('mint', 1_000)).resolves.toBeNull();
      clock.advance(1_001);
      await expect(leases.tryAcquire('mint', 1_000)).resolves.not.toBeNull();
    });

    it('forgets expired leases, so interval claims do not pile up', async () => {
      const clock = new FakeClock(1_000_000);
      const leases = new LeaseService(null, loadConfig({}), clock);
      for (let window = 0; window < 50; window++) {
        await leases.claimInterval('prune', 1_000);
        clock.advance(1_000);
      }
      expect(leases.localLeaseCount).toBeLessThanOrEqual(12);
      clock.advance(60_000);
      await leases.tryAcquire('mint', 1_000);
      expect(leases.localLeaseCount).toBe(1);
    });
  });
});
