import type { MigratedDatabase } from '../../database/testing/migrated-database.js';
import { migratedEngines } from '../../database/testing/migrated-engines.js';
import { WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from '../subscriptions/webhook-subscription.entity.js';
import { DeliveriesRepository } from './deliveries.repository.js';

const T = Date.UTC(2025, 10, 28, 12, 0, 0);
const SUB_A = '00000000-0000-4000-8000-00000000000a';
const SUB_B = '00000000-0000-4000-8000-00000000000b';
const SUB_PAUSED = '00000000-0000-4000-8000-00000000000c';

/** A delivery id whose order (as text) follows `n`. */
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function subscription(subscriptionId: string, paused = false): WebhookSubscriptionEntity {
  return {
    id: subscriptionId,
    app: 'app-a',
    url: 'https://hooks.internal/x',
    events: '["meeting.*"]',
    description: null,
    pausedAt: paused ? new Date(T - 60_000) : null,
    secret: 'sealed',
    nextSecret: null,
    secretSwitchAt: null,
    failingSince: null,
    lastSuccessAt: null,
    createdAt: new Date(T - 3_600_000),
    updatedAt: new Date(T - 3_600_000),
  };
}

function delivery(n: number, change: Partial<WebhookDeliveryEntity> = {}): WebhookDeliveryEntity {
  return {
    id: id(n),
    subscriptionId: SUB_A,
    app: 'app-a',
    eventId: 'e'.repeat(64),
    event: 'meeting.updated',
    meetingId: '85746065432',
    eventAt: new Date(T - 10_000),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: new Date(T - 1_000),
    retryUntil: new Date(T + 86_400_000),
    holdUntil: null,
    claimedBy: null,
    claimUntil: null,
    lastStatus: null,
    lastError: null,
    lastAttemptAt: null,
    deliveredAt: null,
    createdAt: new Date(T - 10_000),
    ...change,
  };
}

describe.each(migratedEngines)(`${DeliveriesRepository.name} on %s`, (_engine, open) => {
  let handle: MigratedDatabase;
  let repository: DeliveriesRepository;

  beforeAll(async () => {
    handle = await open('webhook-deliveries');
    repository = new DeliveriesRepository(handle.dataSource);
  });

  afterAll(async () => {
    await handle?.close();
  });

  beforeEach(async () => {
    await handle.dataSource.query('DELETE FROM webhook_deliveries');
    await handle.dataSource.query('DELETE FROM webhook_subscriptions');
    await handle.dataSource
      .getRepository(WebhookSubscriptionEntity)
      .insert([subscription(SUB_A), subscription(SUB_B), subscription(SUB_PAUSED, true)]);
  });

  const dueIds = async (now = T, skip: string[] = [], limit = 100) =>
    (await repository.due(new Date(now), skip, limit)).map((row) => row.id).sort();

  const setStatus = (n: number, status: WebhookDeliveryEntity['status']) =>
    handle.dataSource.getRepository(WebhookDeliveryEntity).update({ id: id(n) }, { status });

  it('offers only the first pending delivery of a meeting to a subscription, by event time, then creation, then id', async () => {
    await repository.insert([
      delivery(1, { eventAt: new Date(T - 5_000), createdAt: new Date(T - 20_000) }),
      delivery(2, { eventAt: new Date(T - 8_000), createdAt: new Date(T - 9_000) }),
      delivery(3, { eventAt: new Date(T - 8_000), createdAt: new Date(T - 9_500) }),
      delivery(5, { eventAt: new Date(T - 8_000), createdAt: new Date(T - 9_500) }),
      delivery(4, { eventAt: new Date(T - 8_000), createdAt: new Date(T - 9_500) }),
      // another subscription's line for the same meeting is its own
      delivery(6, { subscriptionId: SUB_B, eventAt: new Date(T - 1_000) }),
      // and another meeting's line too
      delivery(7, { meetingId: '111', eventAt: new Date(T - 1_000) }),
    ]);
    expect(await dueIds()).toEqual([id(3), id(6), id(7)]);
    await setStatus(3, 'delivered');
    expect(await dueIds()).toEqual([id(4), id(6), id(7)]);
    await setStatus(4, 'failed');
    expect(await dueIds()).toEqual([id(5), id(6), id(7)]);
    await setStatus(5, 'delivered');
    expect(await dueIds()).toEqual([id(2), id(6), id(7)]);
    await setStatus(2, 'failed');
    expect(await dueIds()).toEqual([id(1), id(6), id(7)]);
  });

  it('skips deliveries claimed by a live claim, of paused subscriptions, or not yet due', async () => {
    await repository.insert([
      delivery(1, { meetingId: '1', claimedBy: 'replica-a', claimUntil: new Date(T + 1) }),
      delivery(2, { meetingId: '2', claimedBy: 'replica-a', claimUntil: new Date(T - 1) }),
      delivery(3, { meetingId: '3', subscriptionId: SUB_PAUSED }),
      delivery(4, { meetingId: '4', nextAttemptAt: new Date(T + 1) }),
      delivery(5, { meetingId: '5', nextAttemptAt: new Date(T) }),
    ]);
    expect(await dueIds()).toEqual([id(2), id(5)]);
  });

  it('keeps a meeting waiting behind its first delivery while that one is claimed or not yet due', async () => {
    await repository.insert([
      delivery(1, { meetingId: '1', eventAt: new Date(T - 9_000) }),
      delivery(2, { meetingId: '1', eventAt: new Date(T - 8_000) }),
      delivery(3, { meetingId: '2', eventAt: new Date(T - 9_000), nextAttemptAt: new Date(T + 5) }),
      delivery(4, { meetingId: '2', eventAt: new Date(T - 8_000) }),
    ]);
    await expect(
      repository.claim(id(1), 'replica-a', new Date(T), new Date(T + 30_000)),
    ).resolves.toBe(true);
    expect(await dueIds()).toEqual([]);
  });

  it('does not let deliveries without a meeting hold each other up', async () => {
    await repository.insert([
      delivery(1, { meetingId: null, eventAt: new Date(T - 9_000) }),
      delivery(2, { meetingId: null, eventAt: new Date(T - 8_000) }),
      delivery(3, { meetingId: null, eventAt: new Date(T - 7_000) }),
    ]);
    expect(await dueIds()).toEqual([id(1), id(2), id(3)]);
  });

  it('leaves out the subscriptions it is told to skip and answers at most the limit, oldest due first', async () => {
    await repository.insert([
      delivery(1, { meetingId: '1', nextAttemptAt: new Date(T - 3_000) }),
      delivery(2, { meetingId: '2', nextAttemptAt: new Date(T - 5_000) }),
      delivery(3, { meetingId: '3', nextAttemptAt: new Date(T - 4_000) }),
      delivery(4, { meetingId: '4', subscriptionId: SUB_B }),
    ]);
    const due = await repository.due(new Date(T), [SUB_B], 2);
    expect(due.map((row) => row.id)).toEqual([id(2), id(3)]);
    expect(await dueIds(T, [SUB_A])).toEqual([id(4)]);
  });

  it('lets exactly one of 10 concurrent claims of one delivery win', async () => {
    await repository.insert([delivery(1)]);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        repository.claim(id(1), `replica-${i}`, new Date(T), new Date(T + 30_000)),
      ),
    );
    expect(results.filter(Boolean).length).toBe(1);
    const row = await repository.findOne(id(1));
    expect(row?.claimedBy).toBe(`replica-${results.indexOf(true)}`);
    expect(row?.claimUntil?.getTime()).toBe(T + 30_000);
  });

  it('lets another replica take a claim once it has lapsed, and no sooner', async () => {
    await repository.insert([delivery(1)]);
    await repository.claim(id(1), 'replica-a', new Date(T), new Date(T + 30_000));
    await expect(
      repository.claim(id(1), 'replica-b', new Date(T + 29_999), new Date(T + 60_000)),
    ).resolves.toBe(false);
    await expect(
      repository.claim(id(1), 'replica-b', new Date(T + 30_001), new Date(T + 60_001)),
    ).resolves.toBe(true);
    expect((await repository.findOne(id(1)))?.claimedBy).toBe('replica-b');
  });

  it('claims a batch, taking only the pending deliveries no live claim holds, and answers those', async () => {
    await repository.insert([
      delivery(1, { meetingId: '1' }),
      delivery(2, { meetingId: '2', claimedBy: 'replica-b', claimUntil: new Date(T + 1_000) }),
      delivery(3, { meetingId: '3', claimedBy: 'replica-b', claimUntil: new Date(T - 1) }),
      delivery(4, { meetingId: '4', status: 'delivered' }),
    ]);
    const ids = [id(1), id(2), id(3), id(4), id(99)];
    const taken = await repository.claimMany(ids, 'replica-a', new Date(T), new Date(T + 30_000));
    expect(taken.sort()).toEqual([id(1), id(3)]);
    expect((await repository.findOne(id(2)))?.claimedBy).toBe('replica-b');
    expect(await repository.claimMany([], 'replica-a', new Date(T), new Date(T + 1))).toEqual([]);
  });

  it('does not claim a delivery that is no longer pending', async () => {
    await repository.insert([
      delivery(1, { status: 'delivered' }),
      delivery(2, { status: 'failed' }),
    ]);
    await expect(repository.claim(id(1), 'r', new Date(T), new Date(T + 1_000))).resolves.toBe(
      false,
    );
    await expect(repository.claim(id(2), 'r', new Date(T), new Date(T + 1_000))).resolves.toBe(
      false,
    );
  });

  it('changes nothing when a replica settles a delivery whose claim another replica took over', async () => {
    await repository.insert([delivery(1)]);
    await repository.claim(id(1), 'replica-a', new Date(T), new Date(T + 30_000));
    await repository.claim(id(1), 'replica-b', new Date(T + 31_000), new Date(T + 61_000));
    await expect(
      repository.settle(id(1), 'replica-a', { status: 'delivered', attempts: 1, lastStatus: 200 }),
    ).resolves.toBe(false);
    const untouched = await repository.findOne(id(1));
    expect([untouched?.status, untouched?.attempts, untouched?.claimedBy]).toEqual([
      'pending',
      0,
      'replica-b',
    ]);
    const at = new Date(T + 32_000);
    await expect(
      repository.settle(id(1), 'replica-b', {
        status: 'delivered',
        attempts: 1,
        lastStatus: 200,
        deliveredAt: at,
      }),
    ).resolves.toBe(true);
    const settled = await repository.findOne(id(1));
    expect(settled?.status).toBe('delivered');
    expect(settled?.attempts).toBe(1);
    expect(settled?.lastStatus).toBe(200);
    expect(settled?.deliveredAt?.getTime()).toBe(at.getTime());
    expect(settled?.claimedBy).toBeNull();
    expect(settled?.claimUntil).toBeNull();
  });

  it('lists newest first, pages with a stable cursor, and hides held deliveries', async () => {
    await repository.insert([
      delivery(1, { createdAt: new Date(T - 5_000) }),
      delivery(2, { createdAt: new Date(T - 4_000) }),
      delivery(3, { createdAt: new Date(T - 3_000) }),
      delivery(4, { createdAt: new Date(T - 3_000) }),
      delivery(5, { createdAt: new Date(T - 2_000), holdUntil: new Date(T + 5_000) }),
      delivery(6, { createdAt: new Date(T - 1_000) }),
    ]);
    const first = await repository.list({ limit: 2 });
    expect(first.map((row) => row.id)).toEqual([id(6), id(4), id(3)]);
    const last = first[1];
    if (!last) throw new Error('no second row');
    // A delivery created after the first page does not move the next one.
    await repository.insert([delivery(7, { createdAt: new Date(T) })]);
    const before = { createdAt: last.createdAt, id: last.id };
    const second = await repository.list({ limit: 2, before });
    expect(second.map((row) => row.id)).toEqual([id(3), id(2), id(1)]);
    const third = await repository.list({
      limit: 2,
      before: { createdAt: new Date(T - 4_000), id: id(2) },
    });
    expect(third.map((row) => row.id)).toEqual([id(1)]);
  });

  it('lists one app, one subscription or one status when asked', async () => {
    await repository.insert([
      delivery(1, { app: 'app-b', subscriptionId: SUB_B }),
      delivery(2, { status: 'failed', createdAt: new Date(T - 9_000) }),
      delivery(3, { status: 'delivered', createdAt: new Date(T - 8_000) }),
    ]);
    const ids = async (query: Parameters<DeliveriesRepository['list']>[0]) =>
      (await repository.list(query)).map((row) => row.id);
    expect(await ids({ limit: 10, app: 'app-b' })).toEqual([id(1)]);
    expect(await ids({ limit: 10, subscriptionId: SUB_A })).toEqual([id(3), id(2)]);
    expect(await ids({ limit: 10, status: 'failed' })).toEqual([id(2)]);
  });

  it('turns only a failed delivery pending again, with a fresh window and no claim', async () => {
    await repository.insert([
      delivery(1, {
        status: 'failed',
        attempts: 7,
        claimedBy: 'gone',
        claimUntil: new Date(T - 1),
      }),
      delivery(2, { meetingId: '2' }),
      delivery(3, { meetingId: '3', status: 'delivered' }),
    ]);
    const now = new Date(T + 60_000);
    const until = new Date(T + 86_460_000);
    await expect(repository.retry(id(1), now, until)).resolves.toBe(true);
    await expect(repository.retry(id(1), now, until)).resolves.toBe(false);
    await expect(repository.retry(id(2), now, until)).resolves.toBe(false);
    await expect(repository.retry(id(3), now, until)).resolves.toBe(false);
    const row = await repository.findOne(id(1));
    expect(row?.status).toBe('pending');
    expect(row?.attempts).toBe(7);
    expect(row?.nextAttemptAt.getTime()).toBe(now.getTime());
    expect(row?.retryUntil.getTime()).toBe(until.getTime());
    expect(row?.claimedBy).toBeNull();
    expect(row?.claimUntil).toBeNull();
    expect((await repository.findOne(id(3)))?.status).toBe('delivered');
  });

  it('counts pending deliveries per subscription with the oldest one, to the millisecond', async () => {
    await repository.insert([
      delivery(1, { createdAt: new Date(T - 60_123) }),
      delivery(2, { meetingId: '2', createdAt: new Date(T - 10_000) }),
      delivery(3, { meetingId: '3', status: 'delivered', createdAt: new Date(T - 3_600_000) }),
      delivery(4, { meetingId: '4', status: 'failed', createdAt: new Date(T - 3_600_000) }),
      delivery(5, { subscriptionId: SUB_B, createdAt: new Date(T - 1_001) }),
    ]);
    const backlog = await repository.backlog();
    const plain = backlog
      .sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId))
      .map((row) => [row.subscriptionId, row.pending, row.oldestCreatedAt.toISOString()]);
    expect(plain).toEqual([
      [SUB_A, 2, new Date(T - 60_123).toISOString()],
      [SUB_B, 1, new Date(T - 1_001).toISOString()],
    ]);
  });

  it('answers an empty backlog when nothing is pending', async () => {
    await repository.insert([delivery(1, { status: 'delivered' })]);
    expect(await repository.backlog()).toEqual([]);
  });

  it('prunes settled deliveries created before the cutoff and leaves pending ones', async () => {
    await repository.insert([
      delivery(1, { status: 'delivered', createdAt: new Date(T - 100_000) }),
      delivery(2, { status: 'failed', createdAt: new Date(T - 100_000) }),
      delivery(3, { status: 'pending', createdAt: new Date(T - 100_000) }),
      delivery(4, { status: 'delivered', createdAt: new Date(T - 1_000) }),
    ]);
    await expect(repository.pruneSettled(new Date(T - 50_000))).resolves.toBe(2);
    const left = await handle.dataSource.getRepository(WebhookDeliveryEntity).find();
    expect(left.map((row) => row.id).sort()).toEqual([id(3), id(4)]);
  });
});
