import { createHash } from 'node:crypto';
import { decodeTokenClaims, decodeTokenHeader } from './sim-token.js';
import { ManualClock, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

const INVALID = { code: 124, message: 'Invalid access token.' };
const EXPIRED = { code: 124, message: 'Access token is expired.' };

describe(ZoomSimulator.name, () => {
  let h: SimHarness;
  let clock: ManualClock;

  afterEach(async () => {
    await h?.close();
  });

  const rotate = (token: string, body: unknown, appId = 'sim-app-id') =>
    h.api(token, 'POST', `/marketplace/apps/${appId}/rotate_client_secret`, body);

  describe('token endpoint', () => {
    beforeEach(async () => {
      clock = new ManualClock();
      h = await startSim({ clock: clock.fn });
    });

    it('answers 200 with a bearer token, its lifetime, scopes and api_url for good credentials', async () => {
      const res = await h.mint();
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        token_type: 'bearer',
        expires_in: 3600,
        scope: expect.stringContaining('meeting:write:meeting:admin'),
        api_url: h.base,
      });
      expect(res.body.scope.split(' ')).toContain('marketplace:update:client_secret');
    });

    it('answers a JWT-shaped HS512 token whose claims look like Zoom’s', async () => {
      const token = await h.token();
      expect(decodeTokenHeader(token)).toEqual({
        alg: 'HS512',
        v: '2.0',
        kid: expect.any(String),
      });
      const claims = decodeTokenClaims(token);
      const iat = Math.floor(clock.now / 1000);
      expect(claims).toEqual({
        aud: 'https://oauth.zoom.us',
        uid: h.sim.ownerUser.id,
        ver: expect.any(Number),
        auid: expect.any(String),
        nbf: iat,
        code: expect.any(String),
        iss: 'zm:cid:sim-client-id',
        gno: 0,
        sty: expect.any(Number),
        tid: expect.any(Number),
        aid: 'sim-account-id',
        exp: iat + 3600,
        iat,
        jti: expect.any(String),
      });
    });

    it('answers 200 when grant_type and account_id come in the query string', async () => {
      const res = await h.mint({ inQuery: true });
      expect(res.status).toBe(200);
    });

    it('answers 400 invalid_client for a wrong client secret', async () => {
      const res = await h.mint({ secret: 'nope' });
      expect([res.status, res.body]).toEqual([
        400,
        { reason: 'Invalid client_id or client_secret', error: 'invalid_client' },
      ]);
    });

    it('answers 400 invalid_client for a wrong client id', async () => {
      const res = await h.mint({ clientId: 'someone-else' });
      expect(res.body).toEqual({
        reason: 'Invalid client_id or client_secret',
        error: 'invalid_client',
      });
    });

    it('answers 400 invalid_request for a wrong account id', async () => {
      const res = await h.mint({ accountId: 'other-account' });
      expect([res.status, res.body]).toEqual([
        400,
        { reason: 'Invalid account_id', error: 'invalid_request' },
      ]);
    });

    it('answers 400 unsupported_grant_type for a wrong or missing grant type', async () => {
      const wrong = await h.mint({ grantType: 'client_credentials' });
      const missing = await h.mint({ grantType: '' });
      expect([wrong.status, wrong.body.error, missing.body.error]).toEqual([
        400,
        'unsupported_grant_type',
        'unsupported_grant_type',
      ]);
    });

    it('counts requests, mints by secret fingerprint and errors by kind, never keeping the secret', async () => {
      await h.token();
      await h.mint({ secret: 'bad' });
      const stats = h.sim.control.stats();
      const fingerprint = createHash('sha256')
        .update('sim-client-secret')
        .digest('hex')
        .slice(0, 12);
      expect(stats).toMatchObject({
        tokenRequests: 2,
        tokensMinted: 1,
        mintsBySecret: { [fingerprint]: 1 },
        tokenErrors: { invalid_client: 1 },
        liveTokens: 1,
      });
      expect(JSON.stringify(stats)).not.toContain('sim-client-secret');
    });

    it('records the highest number of concurrent token requests', async () => {
      h.sim.control.setTokenLatency(50);
      await Promise.all(Array.from({ length: 5 }, () => h.mint()));
      expect(h.sim.control.stats().maxConcurrentTokenRequests).toBe(5);
    });

    it('answers 429 with Retry-After while the token endpoint is rate limited', async () => {
      h.sim.control.setTokenEndpointRateLimited(7);
      const limited = await h.mint();
      h.sim.control.setTokenEndpointRateLimited(null);
      const after = await h.mint();
      expect([limited.status, limited.headers.get('retry-after'), after.status]).toEqual([
        429,
        '7',
        200,
      ]);
    });

    it('answers 5xx for the next n token calls when told to fail them', async () => {
      h.sim.control.failNext(2, { status: 502, target: 'token' });
      const statuses = [(await h.mint()).status, (await h.mint()).status, (await h.mint()).status];
      expect(statuses).toEqual([502, 502, 200]);
    });

    it('drops the connection without an answer when told to', async () => {
      h.sim.control.dropNext(1, { target: 'token' });
      await expect(h.mint()).rejects.toThrow();
      await expect(h.mint().then((r) => r.status)).resolves.toBe(200);
    });
  });

  describe('token models', () => {
    beforeEach(async () => {
      clock = new ManualClock();
      h = await startSim({ clock: clock.fn });
    });

    it('keeps every token live in the many model', async () => {
      const tokens = [await h.token(), await h.token(), await h.token()];
      const statuses = await Promise.all(tokens.map((t) => h.api(t, 'GET', '/users/me')));
      expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(h.sim.control.stats().liveTokens).toBe(3);
    });

    it('silently invalidates the oldest token when a cap of N is exceeded', async () => {
      h.sim.control.setTokenModel({ kind: 'cap', cap: 2 });
      const [a, b, c] = [await h.token(), await h.token(), await h.token()];
      const results = await Promise.all([a, b, c].map((t) => h.api(t, 'GET', '/users/me')));
      expect(results.map((r) => r.status)).toEqual([401, 200, 200]);
      expect(results[0].body).toEqual(INVALID);
      expect(h.sim.control.stats()).toMatchObject({ liveTokens: 2, invalidatedTokenUses: 1 });
    });

    it('keeps only the newest token in the legacy single model', async () => {
      h.sim.control.setTokenModel({ kind: 'single' });
      const first = await h.token();
      const second = await h.token();
      const [r1, r2] = [
        await h.api(first, 'GET', '/users/me'),
        await h.api(second, 'GET', '/users/me'),
      ];
      expect([r1.status, r1.body, r2.status]).toEqual([401, INVALID, 200]);
    });

    it('does not count expired tokens against the cap', async () => {
      h.sim.control.setTokenModel({ kind: 'cap', cap: 1 });
      h.sim.control.setTokenLifetime(10);
      await h.token();
      clock.advance(11_000);
      const fresh = await h.token();
      await expect(h.api(fresh, 'GET', '/users/me').then((r) => r.status)).resolves.toBe(200);
      expect(h.sim.control.stats().invalidatedTokenUses).toBe(0);
    });

    it('answers 401/124 "Access token is expired." once the lifetime has passed', async () => {
      h.sim.control.setTokenLifetime(60);
      const token = await h.token();
      clock.advance(59_000);
      const before = await h.api(token, 'GET', '/users/me');
      clock.advance(1_000);
      const after = await h.api(token, 'GET', '/users/me');
      expect([before.status, after.status, after.body]).toEqual([200, 401, EXPIRED]);
      expect(h.sim.control.stats()).toMatchObject({ expiredTokenUses: 1, liveTokens: 0 });
    });

    it('answers 401/124 "Invalid access token." for a token it never minted or no token', async () => {
      const forged = await h.api('eyJhbGciOiJIUzUxMiJ9.e30.c2ln', 'GET', '/users/me');
      const none = await fetch(`${h.base}/v2/users/me`).then(async (r) => [
        r.status,
        await r.json(),
      ]);
      expect([forged.status, forged.body, ...none]).toEqual([401, INVALID, 401, INVALID]);
    });

    it('invalidates every live token on demand and says how many', async () => {
      const a = await h.token();
      await h.token();
      const count = h.sim.control.invalidateLiveTokens();
      const res = await h.api(a, 'GET', '/users/me');
      expect([count, res.status, res.body]).toEqual([2, 401, INVALID]);
      expect(h.sim.control.stats().liveTokens).toBe(0);
    });
  });

  describe('refused app', () => {
    beforeEach(async () => {
      clock = new ManualClock();
      h = await startSim({ clock: clock.fn });
    });

    it('still mints tokens but answers every API call 401/124 while refused', async () => {
      h.sim.control.setRefused(true);
      const mint = await h.mint();
      const res = await h.api(mint.body.access_token, 'GET', '/users/me');
      expect([mint.status, res.status, res.body]).toEqual([200, 401, INVALID]);
      expect(h.sim.control.stats().refusedTokenUses).toBe(1);
    });

    it('recovers when an operator regenerates the secret, and the old secret stops working at once', async () => {
      h.sim.control.setRefused(true);
      const secret = h.sim.control.regenerateSecret();
      const old = await h.mint();
      const token = await h.token(secret);
      const res = await h.api(token, 'GET', '/users/me');
      expect([old.body.error, res.status]).toEqual(['invalid_client', 200]);
      expect(h.sim.control.currentSecrets()).toEqual([secret]);
    });

    it('recovers when the secret is rotated through the rotate_client_secret endpoint', async () => {
      h.sim.control.setRefused(true);
      const token = await h.token();
      const refused = await h.api(token, 'GET', '/users/me');
      const rotated = await h.api(
        token,
        'POST',
        '/marketplace/apps/sim-app-id/rotate_client_secret',
        {
          action: 'new',
          revoke_old_secret_time: 'now',
        },
      );
      const fresh = await h.token(rotated.body.new_secret);
      const res = await h.api(fresh, 'GET', '/users/me');
      expect([refused.status, rotated.status, res.status]).toEqual([401, 200, 200]);
    });

    it('recovers when the owner is restored', async () => {
      h.sim.control.setRefused(true);
      const token = await h.token();
      h.sim.control.setRefused(false);
      await expect(h.api(token, 'GET', '/users/me').then((r) => r.status)).resolves.toBe(200);
    });
  });

  describe('secret rotation', () => {
    beforeEach(async () => {
      clock = new ManualClock();
      h = await startSim({ clock: clock.fn });
    });

    it('accepts the old and the new secret until the scheduled revoke time, then only the new one', async () => {
      const token = await h.token();
      const revokeAt = new Date(clock.now + 60_000).toISOString().replace('.000Z', 'Z');
      const res = await rotate(token, { action: 'new', revoke_old_secret_time: revokeAt });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        secret_id: expect.any(String),
        new_secret: expect.any(String),
        revoke_old_secret_time: revokeAt,
      });
      const newSecret = res.body.new_secret;
      const during = [(await h.mint()).status, (await h.mint({ secret: newSecret })).status];
      expect(h.sim.control.currentSecrets()).toEqual(['sim-client-secret', newSecret]);
      clock.advance(60_000);
      const old = await h.mint();
      const fresh = await h.mint({ secret: newSecret });
      expect([during, old.status, old.body, fresh.status]).toEqual([
        [200, 200],
        400,
        { reason: 'Invalid client_id or client_secret', error: 'invalid_client' },
        200,
      ]);
      expect(Object.keys(h.sim.control.stats().mintsBySecret)).toHaveLength(2);
    });

    it('revokes the old secret when an update sets revoke_old_secret_time to now', async () => {
      const token = await h.token();
      const far = '2099-01-01T00:00:00Z';
      const created = await rotate(token, { action: 'new', revoke_old_secret_time: far });
      const updated = await rotate(token, { action: 'update', revoke_old_secret_time: 'now' });
      const old = await h.mint();
      expect([updated.status, updated.body, old.body.error]).toEqual([
        200,
        { secret_id: created.body.secret_id, revoke_old_secret_time: 'now' },
        'invalid_client',
      ]);
    });

    it('ends an overlap window at once when the operator revokes the old secret', async () => {
      const token = await h.token();
      const created = await rotate(token, {
        action: 'new',
        revoke_old_secret_time: '2099-01-01T00:00:00Z',
      });
      h.sim.control.revokeOldSecret();
      expect(h.sim.control.currentSecrets()).toEqual([created.body.new_secret]);
    });

    it('keeps tokens minted with the old secret working after it is revoked', async () => {
      const token = await h.token();
      await rotate(token, { action: 'new', revoke_old_secret_time: 'now' });
      await expect(h.api(token, 'GET', '/users/me').then((r) => r.status)).resolves.toBe(200);
    });

    it('answers 400/300 for a bad action or revoke time, and 4711 without the marketplace scope', async () => {
      const token = await h.token();
      const bad = await rotate(token, { action: 'rotate', revoke_old_secret_time: 'tomorrow' });
      h.sim.control.setScopes(['meeting:write:meeting:admin']);
      const narrow = await h.token();
      const noScope = await rotate(narrow, { action: 'new', revoke_old_secret_time: 'now' });
      expect([bad.status, bad.body, noScope.status, noScope.body]).toEqual([
        400,
        {
          code: 300,
          message: 'Validation Failed.',
          errors: [
            { field: 'action', message: 'Invalid field.' },
            { field: 'revoke_old_secret_time', message: 'Invalid field.' },
          ],
        },
        400,
        {
          code: 4711,
          message:
            'Invalid access token, does not contain scopes:[marketplace:update:client_secret].',
        },
      ]);
    });

    it('answers 400 when a second new rotation is asked while one is scheduled', async () => {
      const token = await h.token();
      await rotate(token, { action: 'new', revoke_old_secret_time: '2099-01-01T00:00:00Z' });
      const second = await rotate(token, { action: 'new', revoke_old_secret_time: 'now' });
      expect([second.status, second.body.code]).toEqual([400, 300]);
    });
  });
});
