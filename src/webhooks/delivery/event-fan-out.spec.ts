import { FixedApps, FixedOwners } from '../../access/testing/fixed-ports.js';
import { randomUUID } from 'node:crypto';
import { AccessPolicy } from '../../access/access-policy.service.js';
import { FakeClock } from '../../common/testing/fake-clock.js';
import { loadConfig } from '../../config/app-config.js';
import { parseGrants } from '../../config/grants.js';
import type { MigratedDatabase } from '../../database/testing/migrated-database.js';
import { migratedEngines } from '../../database/testing/migrated-engines.js';
import type { WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository.js';
import { WebhookSubscriptionEntity } from '../subscriptions/webhook-subscription.entity.js';
import { EventFanOut, OWNER_GRACE_MS } from './event-fan-out.js';

const T = Date.UTC(2025, 10, 28, 12, 0, 0);
const MEETING = '85746065432';

const event = (name: string, meetingId: string | null = MEETING) => ({
  id: 'e'.repeat(64),
  event: name,
  meetingId,
  eventAt: T - 2_000,
});

describe.each(migratedEngines)(`${EventFanOut.name} on %s`, (_engine, open) => {
  let handle: MigratedDatabase;
  let owners: FixedOwners;
  let clock: FakeClock;
  let fanOut: EventFanOut;

  beforeAll(async () => {
    handle = await open('event-fan-out');
  });

  afterAll(async () => {
    await handle?.close();
  });

  beforeEach(async () => {
    await handle.dataSource.query('DELETE FROM webhook_subscriptions');
    owners = new FixedOwners();
    clock = new FakeClock(T);
    fanOut = new EventFanOut(
      loadConfig({ WEBHOOK_RETRY_WINDOW_SECONDS: '10' }),
      clock,
      new SubscriptionsRepository(handle.dataSource),
      new AccessPolicy(
        owners,
        // app-all sees every meeting; app-own its own meetings (and users); app-gone holds no key.
        FixedApps.of(
          {
            name: 'app-all',
            admin: false,
            grants: parseGrants('meetings=r;recordings=r;ownership=all', { admin: false }),
          },
          {
            name: 'app-own',
            admin: false,
            grants: parseGrants('meetings=rw;users=r;ownership=own', { admin: false }),
          },
        ),
      ),
    );
  });

  async function subscribe(app: string, events: string[], paused = false): Promise<string> {
    const id = randomUUID();
    await handle.dataSource.getRepository(WebhookSubscriptionEntity).insert({
      id,
      app,
      url: 'https://hooks.internal/x',
      events: JSON.stringify(events),
      description: null,
      pausedAt: paused ? new Date(T) : null,
      secret: 'sealed',
      nextSecret: null,
      secretSwitchAt: null,
      failingSince: null,
      lastSuccessAt: null,
      createdAt: new Date(T),
      updatedAt: new Date(T),
    });
    return id;
  }

  /** subscription id → held or not, for the rows an event fans out to. */
  const fanned = async (name: string, meetingId?: string | null) =>
    Object.fromEntries(
      (await fanOut.deliveriesFor(event(name, meetingId))).map((row) => [
        row.subscriptionId,
        row.holdUntil === null ? 'now' : 'held',
      ]),
    );

  it('makes a pending delivery for each active subscription that matches and may see the event', async () => {
    const all = await subscribe('app-all', ['meeting.*']);
    await subscribe('app-all', ['recording.*']);
    await subscribe('app-all', ['*'], true);
    await subscribe('app-gone', ['*']);
    const rows: WebhookDeliveryEntity[] = await fanOut.deliveriesFor(event('meeting.updated'));
    expect(rows.length).toBe(1);
    const [row] = rows;
    if (!row) throw new Error('no delivery');
    const { id, ...fields } = row;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fields).toEqual({
      subscriptionId: all,
      app: 'app-all',
      eventId: 'e'.repeat(64),
      event: 'meeting.updated',
      meetingId: MEETING,
      eventAt: new Date(T - 2_000),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(T),
      retryUntil: new Date(T + 10_000),
      holdUntil: null,
      claimedBy: null,
      claimUntil: null,
      lastStatus: null,
      lastError: null,
      lastAttemptAt: null,
      deliveredAt: null,
      createdAt: new Date(T),
    });
  });

  it('holds an own app’s delivery while the meeting has no owner, for the grace', async () => {
    const own = await subscribe('app-own', ['meeting.*']);
    const [row] = await fanOut.deliveriesFor(event('meeting.started'));
    expect([row?.subscriptionId, row?.holdUntil?.getTime()]).toEqual([own, T + OWNER_GRACE_MS]);
  });

  it('sends an own app its meetings’ events at once and none of another app’s', async () => {
    const own = await subscribe('app-own', ['*']);
    const all = await subscribe('app-all', ['*']);
    owners.owners.set(MEETING, 'app-own');
    expect(await fanned('meeting.ended')).toEqual({ [own]: 'now', [all]: 'now' });
    owners.owners.set(MEETING, 'app-other');
    expect(await fanned('meeting.ended')).toEqual({ [all]: 'now' });
  });

  it('sends no meeting event without a meeting to an own app', async () => {
    await subscribe('app-own', ['*']);
    expect(await fanned('meeting.alert', null)).toEqual({});
  });

  it('sends events of areas the grants do not read to nobody, and others without ownership', async () => {
    const own = await subscribe('app-own', ['*']);
    await subscribe('app-all', ['*']);
    expect(await fanned('user.updated', null)).toEqual({ [own]: 'now' });
    expect(await fanned('webinar.started', null)).toEqual({});
  });
});
