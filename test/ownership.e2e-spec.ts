import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, GatewayFleet, pair } from './support/fleet.js';
import { gatewayClient, objectOf } from './support/gateway-client.js';
import type { GatewayProcess } from './support/gateway-process.js';

// Issue 15, isolation and grants: two apps on two replicas (PostgreSQL, Redis, simulator). App B
// reaches none of app A's meetings, by any verb or sub-resource, and nothing it tries reaches
// Zoom; a key without a grant is refused naming it.

const A_KEY = 'app-a-key-0123456789abcdef';
const B_KEY = 'app-b-key-0123456789abcdef';
const USERS_KEY = 'users-key-0123456789abcdef';
const OPS_KEY = 'ops-key-0123456789abcdef';

const asA = gatewayClient({ key: A_KEY });
const asB = gatewayClient({ key: B_KEY });
const asUsers = gatewayClient({ key: USERS_KEY });
const asOps = gatewayClient({ key: OPS_KEY });

describe('Ownership and grants (two apps, two replicas)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  let fleet: GatewayFleet;
  let one: GatewayProcess;
  let two: GatewayProcess;
  let meetingOfA: string;
  const apiCalls = () => simulator.control.requests().filter((r) => r.target === 'api').length;

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { a: A_KEY, 'b[meetings=rw;recordings=r]': B_KEY, 'reader[users=r]': USERS_KEY },
      adminKeys: { ops: OPS_KEY },
      logLevel: 'warn',
    });
    [one, two] = pair(await fleet.start(2));
    meetingOfA = await createScheduledMeeting(asA, one, 'A only');
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it("answers B's every call on A's meeting as Zoom answers a missing meeting, and calls Zoom for none", async () => {
    const before = apiCalls();
    const calls: Array<[string, string, unknown]> = [
      ['GET', `/v2/meetings/${meetingOfA}`, undefined],
      ['PATCH', `/v2/meetings/${meetingOfA}`, { topic: 'taken over' }],
      ['DELETE', `/v2/meetings/${meetingOfA}`, undefined],
      ['GET', `/v2/meetings/${meetingOfA}/invitation`, undefined],
      ['GET', `/v2/meetings/${meetingOfA}/recordings`, undefined],
      ['POST', `/v2/meetings/${meetingOfA}/registrants`, { email: 'x@example.com' }],
      ['PUT', `/v2/meetings/${meetingOfA}/status`, { action: 'end' }],
      ['GET', `/v2/past_meetings/${meetingOfA}/participants`, undefined],
      ['GET', `/v2/%6Deetings/${meetingOfA}`, undefined],
    ];
    for (const [method, path, body] of calls) {
      for (const replica of [one, two]) {
        const answer = await asB(replica, method, path, { body });
        expect({ method, path, status: answer.status, body: answer.json }).toEqual({
          method,
          path,
          status: 404,
          body: { code: 3001, message: `Meeting does not exist: ${meetingOfA}.` },
        });
      }
    }
    expect(apiCalls() - before).toBe(0);
  });

  it("hides A's meeting from B's records and lists, while A still reaches it", async () => {
    const record = await asB(two, 'GET', `/api/meetings/${meetingOfA}`);
    expect([record.status, objectOf(record).code]).toEqual([404, 'not_found']);
    const records = objectOf(await asB(one, 'GET', '/api/meetings?limit=100'));
    expect(records.meetings).toEqual([]);
    const byName = objectOf(await asB(one, 'GET', '/api/meetings?createdBy=a'));
    expect(byName.meetings).toEqual([]);
    const zoomList = objectOf(await asB(two, 'GET', '/v2/users/me/meetings?page_size=300'));
    expect(zoomList.meetings).toEqual([]);

    const mine = objectOf(await asA(one, 'GET', '/v2/users/me/meetings?page_size=300'));
    expect(mine.meetings).toEqual([expect.objectContaining({ id: Number(meetingOfA) })]);
    expect((await asA(two, 'GET', `/v2/meetings/${meetingOfA}`)).status).toBe(200);
    expect((await asA(one, 'GET', `/api/meetings/${meetingOfA}`)).status).toBe(200);
    const ownRecords = objectOf(await asA(two, 'GET', '/api/meetings?createdBy=a'));
    expect(ownRecords.meetings).toHaveLength(1);
    expect(
      (await asA(two, 'PATCH', `/v2/meetings/${meetingOfA}`, { body: { topic: 'still A' } }))
        .status,
    ).toBe(204);
  });

  it('lets an ownership=all admin key see every meeting', async () => {
    expect((await asOps(one, 'GET', `/v2/meetings/${meetingOfA}`)).status).toBe(200);
    const records = objectOf(await asOps(two, 'GET', '/api/meetings?createdBy=a'));
    expect(records.meetings).toHaveLength(1);
  });

  it('lets a users-read key read users and refuses it a meeting with 403 naming the grant, before Zoom', async () => {
    expect((await asUsers(one, 'GET', '/v2/users/me')).status).toBe(200);
    const before = apiCalls();
    const create = await asUsers(two, 'POST', '/v2/users/me/meetings', { body: { topic: 'no' } });
    expect(create.status).toBe(403);
    expect(objectOf(create)).toEqual({
      code: 'grant_missing',
      message: expect.stringContaining('meetings=w'),
    });
    const write = await asUsers(one, 'PATCH', '/v2/users/me', { body: { first_name: 'x' } });
    expect([write.status, objectOf(write).code]).toEqual([403, 'grant_missing']);
    const records = await asUsers(one, 'GET', '/api/meetings');
    expect([records.status, objectOf(records).message]).toEqual([
      403,
      expect.stringContaining('meetings=r'),
    ]);
    const admin = await asA(one, 'GET', '/api/admin/api-keys');
    expect([admin.status, objectOf(admin).code]).toEqual([403, 'forbidden']);
    expect(apiCalls() - before).toBe(0);
  });

  it('lets B delete its own meeting and A still owns its own', async () => {
    const meetingOfB = await createScheduledMeeting(asB, two, 'B only');
    expect((await asA(one, 'DELETE', `/v2/meetings/${meetingOfB}`)).status).toBe(404);
    expect((await asB(one, 'DELETE', `/v2/meetings/${meetingOfB}`)).status).toBe(204);
    expect((await asA(two, 'GET', `/v2/meetings/${meetingOfA}`)).status).toBe(200);
  });
});
