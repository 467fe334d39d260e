import { createRedisNamespace } from '../../../test/support/services.js';
import {
  LEASE_MS,
  leaseEnds,
  LocalSlots,
  RedisSlots,
  type SlotRequest,
  WINDOW_MS,
} from './rate-limit-slots.js';

describe(RedisSlots.name, () => {
  let namespace: Awaited<ReturnType<typeof createRedisNamespace>>;
  let book = 0;

  beforeAll(async () => {
    namespace = await createRedisNamespace();
  });

  afterAll(() => namespace.cleanup());

  /** Two replicas' views of one fresh reservation book. */
  function replicas(): [RedisSlots, RedisSlots] {
    book++;
    const key = (name: string) => `${namespace.prefix}${book}:${name}`;
    return [new RedisSlots(namespace.client, key, 'a'), new RedisSlots(namespace.client, key, 'b')];
  }

  const now = Date.now();
  const ask = (overrides: Partial<SlotRequest> = {}): SlotRequest => ({
    bucket: 'light',
    windowMs: WINDOW_MS,
    app: 'app',
    weight: 1,
    now,
    limit: 10,
    maxWait: 15_000,
    ...overrides,
  });

  it('grants one slot to a call that asks for no lease', async () => {
    const [a] = replicas();
    await expect(a.reserve(ask())).resolves.toMatchObject({ granted: true, waitMs: 0, slots: 1 });
  });

  it('leases at most a quarter of the room below three quarters of the limit, and the fleet counts it', async () => {
    const [a, b] = replicas();
    // Limit 20, three quarters 15: the call and a quarter of the 14 left below that mark.
    await expect(a.reserve(ask({ limit: 20, want: 10 }))).resolves.toMatchObject({ slots: 4 });
    for (let i = 0; i < 16; i++)
      await expect(b.reserve(ask({ limit: 20 }))).resolves.toMatchObject({ waitMs: 0 });
    // The lease's 4 and the 16 fill the window: the next call waits for the oldest to leave it.
    await expect(b.reserve(ask({ limit: 20 }))).resolves.toMatchObject({ waitMs: WINDOW_MS });
    // The call's own slot starts now; leased slot j of 3 is booked at the end of its use.
    const window = `${namespace.prefix}${book}:window:light`;
    const booked = await namespace.client.zrange(window, 0, -1, 'WITHSCORES');
    const scores = booked.filter((_, i) => i % 2 === 1).map(Number);
    expect(scores.filter((score) => score > now)).toEqual(leaseEnds(now, 3));
    expect(leaseEnds(now, 3)).toEqual([now + 66, now + 133, now + LEASE_MS]);
  });

  it('leases nothing once the window is three quarters full', async () => {
    const [a] = replicas();
    for (let i = 0; i < 15; i++) await a.reserve(ask({ limit: 20 }));
    await expect(a.reserve(ask({ limit: 20, want: 10 }))).resolves.toMatchObject({
      granted: true,
      waitMs: 0,
      slots: 1,
    });
  });

  it('leases nothing from a full window, or beyond an app share while another app is active', async () => {
    const [a, b] = replicas();
    for (let i = 0; i < 10; i++) await a.reserve(ask({ app: 'other' }));
    const waiting = await b.reserve(ask({ want: 5 }));
    expect(waiting).toMatchObject({ granted: true, waitMs: WINDOW_MS, slots: 1 });

    const [c, d] = replicas();
    await c.reserve(ask({ app: 'other', limit: 40 })); // two active apps: a share of 20 each
    for (let i = 0; i < 18; i++) await d.reserve(ask({ limit: 40 }));
    await expect(d.reserve(ask({ limit: 40, want: 10 }))).resolves.toMatchObject({ slots: 2 });
  });

  it('touches only the keys it declares (a Redis Cluster refuses others)', async () => {
    const [a, b] = replicas();
    await a.reserve(ask({ app: 'billing', want: 3 }));
    await b.reserve(ask({ app: 'crm' }));
    const keys = await namespace.client.keys(`${namespace.prefix}${book}:*`);
    const declared = ['window:light', 'pause:light', 'apps:light', 'window:light:by-app'];
    expect(
      keys.every((key) => declared.includes(key.slice(`${namespace.prefix}${book}:`.length))),
    ).toBe(true);
  });

  it('answers as the in-process twin does, call for call, for apps with shares and weights', async () => {
    const [a, b] = replicas();
    const local = new LocalSlots();
    // A fixed pseudo-random walk: one app, then two, then three of different weights; clock steps of 0 to 90 ms.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return Math.floor(seed / 65_536) % n;
    };
    let at = now;
    const apps = [
      { app: 'billing', weight: 3 },
      { app: 'crm', weight: 1 },
      { app: 'ops', weight: 1 },
    ];
    const outcomes = new Set<string>();
    for (let i = 0; i < 300; i++) {
      at += next(4) === 0 ? next(90) : 0;
      const who = apps[next(i < 60 ? 1 : i < 180 ? 2 : 3)];
      const request = ask({ ...who, now: at, limit: 12, maxWait: next(2) === 0 ? 0 : 2_000 });
      const shared = await (i % 2 === 0 ? a : b).reserve(request);
      const own = local.reserve(request);
      outcomes.add(own.granted ? (own.waitMs > 0 ? 'queued' : 'now') : (own.retry ?? 'too-long'));
      expect({ step: i, ...shared, slots: undefined }).toEqual({
        step: i,
        ...own,
        slots: undefined,
      });
    }
    // The walk went through every branch of the book.
    expect([...outcomes].sort()).toEqual(['horizon', 'now', 'queued', 'share', 'too-long']);
  });
});
