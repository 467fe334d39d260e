import { createHmac } from 'node:crypto';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { eventually, GatewayFleet, pair } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import { bodyOf, freePort, type GatewayProcess } from './support/gateway-process.js';
import {
  launchChromium,
  type LocalOidc,
  screenshot,
  signInAtProvider,
  startOidcProvider,
  startSubscriber,
} from './support/console-browser.js';

// Issue 31: the operator console, in a real browser (Debian's chromium through playwright-core)
// against two built replicas sharing PostgreSQL and Redis: sign-in with an admin key and through
// a local OpenID Connect provider; the everyday tasks, each checked through the admin API; a
// look-only person refused every write; a screenshot of each page into docs/console/.

const OPS_KEY = 'ops-key-0123456789abcdef';
const APP_KEY = 'app-key-0123456789abcdef';
const WEBHOOK_SECRET = 'console-webhook-secret';
const CLIENT = { id: 'zoom-gateway-console', secret: 'console-client-secret-0123456789' };
const HOST = 'sim-member-2@example.com';

const asOps = gatewayClient({ key: OPS_KEY });
const asApp = gatewayClient({ key: APP_KEY });

const Keys = z.object({
  apiKeys: z.array(z.object({ name: z.string(), revokedAt: z.string().nullable() })),
});
const Session = z.object({ csrfToken: z.string(), session: z.object({ id: z.string() }) });

/** Waits for the page to say what its last action did. */
const noticeSays = (page: Page, text: string) =>
  page.locator('.notice-slot .notice', { hasText: text }).waitFor();

describe('the operator console in a browser (two replicas, a local OpenID Connect provider)', () => {
  const simulator = new ZoomSimulator({ plan: 'business', scopedDailyLimits: { host_user: 1 } });
  let fleet: GatewayFleet;
  let one: GatewayProcess;
  let two: GatewayProcess;
  let oidc: LocalOidc;
  let browser: Browser;
  let subscriberStatus = 500;
  let subscriber: Awaited<ReturnType<typeof startSubscriber>>;

  beforeAll(async () => {
    const oidcPort = await freePort();
    subscriber = await startSubscriber(() => subscriberStatus);
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      adminKeys: { ops: OPS_KEY },
      logLevel: 'warn',
      extra: {
        ZOOM_WEBHOOK_SECRET_TOKEN: WEBHOOK_SECRET,
        WEBHOOK_DESTINATIONS: 'http://127.0.0.1',
        WEBHOOK_RETRY_WINDOW_SECONDS: '10',
        CONSOLE_OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`,
        CONSOLE_OIDC_CLIENT_ID: CLIENT.id,
        CONSOLE_OIDC_CLIENT_SECRET: CLIENT.secret,
        CONSOLE_OIDC_ADMINS: 'ann@example.com,gateway-admins',
      },
    });
    [one, two] = pair(await fleet.start(2));
    oidc = await startOidcProvider(oidcPort, {
      ...CLIENT,
      redirectUris: [one, two].map((g) => `${g.url}/console/auth/callback`),
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await oidc?.close();
    await subscriber?.close();
    await fleet?.close();
  });

  const open = async (
    width = 1280,
    height = 800,
  ): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    return { context, page };
  };
  const go = async (page: Page, path: string, heading: string) => {
    await page.goto(`${one.url}/console#/${path}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  let ops: { context: BrowserContext; page: Page };

  it('signs in with an admin key for a session cookie (HttpOnly, Secure, SameSite=Strict) that every replica honours', async () => {
    ops = await open();
    const { page, context } = ops;
    const first = await page.goto(`${one.url}/console`);
    const csp = first?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    await page.getByLabel('Admin API key').fill(OPS_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByText(/Signed in as/).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'zgw_console');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    // The same session, on the other replica: the admin API with the cookie instead of a bearer.
    const listed = await fetch(`${two.url}/api/admin/api-keys`, {
      headers: { cookie: `zgw_console=${cookie?.value}` },
    });
    expect(listed.status).toBe(200);
    await page.getByText(/Does Zoom accept the app/).waitFor();
    const phone = await open(390, 844);
    await phone.context.addCookies([{ ...cookie!, sameSite: 'Strict' }]);
    await phone.page.goto(`${one.url}/console`);
    await phone.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await screenshot(phone.page, 'overview-phone');
    await phone.context.close();
  });

  it('makes a key, shown once, and revokes it; the API sees both', async () => {
    const { page } = ops;
    await go(page, 'apps', 'Apps');
    await page.getByLabel('App name').fill('made-in-console');
    await page.getByRole('button', { name: 'Make the key' }).click();
    const shown = await page.locator('#new-key').inputValue();
    expect(shown).toMatch(/^zgw_/);
    expect((await asApp(one, 'GET', '/api/meetings', { key: shown })).status).toBe(200);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.content()).not.toContain(shown);
    await screenshot(page, 'apps');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke made-in-console' }).click();
    await noticeSays(page, 'made-in-console revoked');
    const keys = bodyOf(Keys, (await asOps(one, 'GET', '/api/admin/api-keys')).json);
    expect(keys.apiKeys.find((k) => k.name === 'made-in-console')?.revokedAt).toEqual(
      expect.any(String),
    );
    const refused = await eventually(
      () => asApp(two, 'GET', '/api/meetings', { key: shown }),
      (answer) => answer.status === 401,
      3_000,
    );
    expect(refused.status).toBe(401);
  });

  it('rotates the client secret only once Zoom accepts it, and never shows it again', async () => {
    const { page } = ops;
    const Credentials = z.object({ active: z.object({ version: z.number() }) });
    const before = bodyOf(
      Credentials,
      (await asOps(one, 'GET', '/api/admin/zoom/credentials')).json,
    );
    await go(page, 'credentials', 'Credentials');
    await page.getByLabel('New client secret').fill('not-the-secret-zoom-knows');
    await page.getByRole('button', { name: 'Validate and rotate' }).click();
    await noticeSays(page, 'Refused');
    const fresh = simulator.control.regenerateSecret();
    await page.getByLabel('New client secret').fill(fresh);
    await page.getByRole('button', { name: 'Validate and rotate' }).click();
    await noticeSays(page, 'Zoom accepted the new secret');
    expect(await page.getByLabel('New client secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(fresh);
    const after = bodyOf(
      Credentials,
      (await asOps(two, 'GET', '/api/admin/zoom/credentials')).json,
    );
    expect(after.active.version).toBeGreaterThan(before.active.version);
    expect((await asOps(two, 'GET', '/v2/users/me')).status).toBe(200);
    await screenshot(page, 'credentials');
  });

  const createForHost = () =>
    asApp(one, 'POST', `/v2/users/${encodeURIComponent(HOST)}/meetings`, {
      body: { topic: 'console', type: 2, duration: 30, start_time: '2031-01-01T10:00:00Z' },
    });

  it("lifts a daily-limit block Zoom's 429 caused", async () => {
    const { page } = ops;
    expect((await createForHost()).status).toBe(201);
    expect((await createForHost()).status).toBe(429);
    const Limits = z.object({ blocks: z.array(z.object({ scope: z.string() })) });
    const blocked = bodyOf(Limits, (await asOps(two, 'GET', '/api/admin/zoom/limits')).json);
    const scope = blocked.blocks[0]?.scope ?? '';
    expect(scope).toMatch(/^host:/);
    await go(page, 'limits', 'Limits');
    await page.getByRole('cell', { name: scope }).waitFor();
    await screenshot(page, 'limits');
    await page.getByRole('button', { name: `Lift the block on ${scope}` }).click();
    await noticeSays(page, `block on ${scope} lifted`);
    const lifted = bodyOf(Limits, (await asOps(two, 'GET', '/api/admin/zoom/limits')).json);
    expect(lifted.blocks).toEqual([]);
  });

  it('retries a dead letter once its subscriber is back', async () => {
    const { page } = ops;
    const made = await asOps(one, 'POST', '/api/webhook-subscriptions', {
      body: { url: subscriber.url, events: ['meeting.*'], description: 'console e2e' },
    });
    expect(made.status).toBe(201);
    const body = JSON.stringify({
      event: 'meeting.deleted',
      event_ts: Date.now(),
      payload: {
        account_id: 'acct',
        operation: 'all',
        object: { id: 81234567890, uuid: 'console-e2e', host_id: 'h', topic: 'gone', type: 2 },
      },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', WEBHOOK_SECRET)
      .update(`v0:${timestamp}:${body}`)
      .digest('hex');
    const taken = await fetch(`${one.url}/webhooks/zoom`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-zm-request-timestamp': timestamp,
        'x-zm-signature': `v0=${signature}`,
      },
      body,
    });
    expect(taken.status).toBe(200);
    const Deliveries = z.object({ deliveries: z.array(z.object({ id: z.string() })) });
    const failed = await eventually(
      async () =>
        bodyOf(Deliveries, (await asOps(two, 'GET', '/api/webhook-deliveries?status=failed')).json),
      (list) => list.deliveries.length > 0,
      40_000,
    );
    const id = failed.deliveries[0]?.id ?? '';
    expect(id).not.toBe('');
    subscriberStatus = 204;
    await go(page, 'events', 'Events');
    await page.getByRole('button', { name: `Retry delivery ${id}` }).waitFor();
    await screenshot(page, 'events');
    await page.getByRole('button', { name: `Retry delivery ${id}` }).click();
    await noticeSays(page, `delivery ${id} queued again`);
    const delivered = await eventually(
      async () =>
        bodyOf(
          Deliveries,
          (await asOps(one, 'GET', '/api/webhook-deliveries?status=delivered')).json,
        ),
      (list) => list.deliveries.some((d) => d.id === id),
      15_000,
    );
    expect(delivered.deliveries.map((d) => d.id)).toContain(id);
  });

  it('shows the audit filtered by action, naming who did it', async () => {
    const { page } = ops;
    await go(page, 'audit', 'Audit');
    await page.getByLabel('Action').selectOption('api_key.revoked');
    await page
      .getByRole('row')
      .filter({ hasText: 'api_key.created' })
      .first()
      .waitFor({ state: 'detached' });
    const row = page
      .getByRole('row')
      .filter({ hasText: 'made-in-console' })
      .filter({ hasText: 'api_key.revoked' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('ops');
    await screenshot(page, 'audit');
  });

  it('signs out: the cookie is refused on every replica', async () => {
    const { page, context } = ops;
    const cookie = (await context.cookies()).find((c) => c.name === 'zgw_console');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin API key').waitFor();
    await screenshot(page, 'sign-in');
    for (const gateway of [one, two]) {
      const answer = await fetch(`${gateway.url}/api/admin/api-keys`, {
        headers: { cookie: `zgw_console=${cookie?.value}` },
      });
      expect(answer.status).toBe(401);
    }
    await context.close();
  });

  /** Signs `login` in through the provider; resolves with the page and the session's CSRF token. */
  const throughProvider = async (login: string) => {
    const { page, context } = await open();
    await page.goto(`${one.url}/console`);
    await page.getByRole('link', { name: 'Sign in with your company account' }).click();
    await signInAtProvider(page, login);
    await page.getByText(`console:${login}@example.com`).waitFor();
    const session = await page.evaluate(async () => {
      const answer = await fetch('/console/api/session');
      return (await answer.json()) as unknown;
    });
    return { page, context, ...bodyOf(Session, session) };
  };

  it('signs an admin in through OpenID Connect (by email, or by group); the audit names the person', async () => {
    for (const login of ['ann', 'bob']) {
      const { page, context } = await throughProvider(login);
      await go(page, 'apps', 'Apps');
      await page.getByLabel('App name').fill(`by-${login}`);
      await page.getByRole('button', { name: 'Make the key' }).click();
      await page.locator('#new-key').waitFor();
      await page.getByRole('button', { name: 'I have copied it' }).click();
      await context.close();
    }
    const Audit = z.object({
      events: z.array(z.object({ actor: z.string(), target: z.string().nullable() })),
    });
    const audit = bodyOf(
      Audit,
      (await asOps(two, 'GET', '/api/admin/audit?action=api_key.created')).json,
    );
    expect(
      audit.events
        .filter((e) => e.target?.startsWith('by-'))
        .map((e) => e.actor)
        .sort(),
    ).toEqual(['console:ann@example.com', 'console:bob@example.com']);
  });

  it('lets a person outside CONSOLE_OIDC_ADMINS look, refuses every write (403), and ends the session when an admin revokes it', async () => {
    const { page, context, csrfToken, session } = await throughProvider('eve');
    await page.getByText('You may look but not act').waitFor();
    await go(page, 'apps', 'Apps');
    expect(await page.getByRole('button', { name: 'Make the key' }).isDisabled()).toBe(true);
    const writes: Array<[string, string, unknown?]> = [
      ['POST', '/api/admin/api-keys', { name: 'eve-was-here' }],
      ['PATCH', '/api/admin/api-keys/app', { grants: 'meetings=r' }],
      ['POST', '/api/admin/api-keys/app/rotate', {}],
      ['DELETE', '/api/admin/api-keys/app'],
      ['POST', '/api/admin/zoom/credentials', { clientSecret: 'whatever-secret' }],
      ['DELETE', `/api/admin/zoom/limits/blocks/${encodeURIComponent(`host:${HOST}`)}`],
      ['POST', '/api/webhook-deliveries/00000000-0000-4000-8000-000000000000/retry'],
      ['POST', '/api/webhook-subscriptions', { url: subscriber.url, events: ['meeting.*'] }],
      ['DELETE', `/console/api/sessions/${session.id}`],
    ];
    // From the console's own page, with its cookie and its CSRF token: as the buttons would send them.
    const answers = await page.evaluate(
      async ({ list, token }) =>
        Promise.all(
          list.map(async ([method, path, body]) => {
            const answer = await fetch(path, {
              method,
              headers: {
                'x-csrf-token': token,
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              },
              body: body === undefined ? undefined : JSON.stringify(body),
            });
            return { status: answer.status, text: await answer.text() };
          }),
        ),
      { list: writes, token: csrfToken },
    );
    const Refusal = z.object({ code: z.string() });
    const statuses = answers.map(
      (a, i) =>
        `${writes[i]?.[0]} ${writes[i]?.[1]} ${a.status} ${bodyOf(Refusal, JSON.parse(a.text)).code}`,
    );
    expect(statuses).toEqual(writes.map(([method, path]) => `${method} ${path} 403 forbidden`));
    const looked = await page.evaluate(async () => (await fetch('/api/admin/api-keys')).status);
    expect(looked).toBe(200);
    const keys = bodyOf(Keys, (await asOps(one, 'GET', '/api/admin/api-keys')).json);
    expect(keys.apiKeys.map((k) => k.name)).not.toContain('eve-was-here');

    const revoked = await asOps(two, 'DELETE', `/console/api/sessions/${session.id}`);
    expect(revoked.status).toBe(204);
    const cookie = (await context.cookies()).find((c) => c.name === 'zgw_console');
    for (const gateway of [one, two]) {
      const answer = await eventually(
        () =>
          fetch(`${gateway.url}/api/admin/api-keys`, {
            headers: { cookie: `zgw_console=${cookie?.value}` },
          }),
        (response) => response.status === 401,
        3_000,
      );
      expect(answer.status).toBe(401);
    }
    await context.close();
  });

  it("charts the whole fleet's per-minute counters (each replica adds its counts once a minute)", async () => {
    // The replicas started over a minute ago: each has added its first minute by now.
    const Minutes = z.object({ minutes: z.array(z.object({ calls: z.number() })) });
    const counted = await eventually(
      async () =>
        bodyOf(Minutes, (await asOps(one, 'GET', '/api/admin/fleet/minutes?hours=1')).json),
      (answer) => answer.minutes.reduce((total, m) => total + m.calls, 0) > 0,
      70_000,
    );
    const calls = counted.minutes.reduce((total, m) => total + m.calls, 0);
    expect(calls).toBeGreaterThan(0);
    const Apps = z.object({ apps: z.array(z.object({ app: z.string(), calls: z.number() })) });
    const apps = bodyOf(Apps, (await asOps(two, 'GET', '/api/admin/fleet/apps?hours=1')).json);
    expect(apps.apps.find((a) => a.app === 'ops')?.calls).toBeGreaterThan(0);
    const { page, context } = await open();
    await page.goto(`${one.url}/console`);
    await page.getByLabel('Admin API key').fill(OPS_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByText(/^Calls: \d+ in the last 24 hours/).waitFor();
    await page.getByRole('img', { name: /^Calls: / }).waitFor();
    await screenshot(page, 'overview');
    await context.close();
  });
});
