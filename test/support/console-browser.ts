// The operator console's browser tests: Debian's chromium driven by playwright-core, a local
// OpenID Connect provider (oidc-provider, development interactions), and a subscriber that
// fails until told otherwise.
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Provider } from 'oidc-provider';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the screenshots the README shows are written. */
export const SCREENSHOTS = resolve('docs/console');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Root in CI containers: chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Who the provider knows: `<login>@example.com`, with the groups given here. */
export const OIDC_GROUPS: Record<string, string[]> = {
  ann: [],
  bob: ['gateway-admins'],
  eve: ['staff'],
};

export interface LocalOidc {
  issuer: string;
  close(): Promise<void>;
}

/** An OpenID Connect provider on `port` (127.0.0.1) with one confidential client. */
export async function startOidcProvider(
  port: number,
  client: { id: string; secret: string; redirectUris: string[] },
): Promise<LocalOidc> {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        redirect_uris: client.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['groups', 'name'] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        email: `${id}@example.com`,
        email_verified: true,
        name: id,
        groups: OIDC_GROUPS[id] ?? [],
      }),
    }),
  });
  const server: Server = createServer(provider.callback());
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    issuer,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** The provider's development login and consent pages, as a person goes through them. */
export async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  const consent = page.locator('button[type="submit"]', { hasText: /continue/i });
  await consent.click();
}

/** A subscriber that answers `status()` to every delivery and counts them. */
export async function startSubscriber(
  status: () => number,
): Promise<{ url: string; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['x-zoom-gateway-delivery']));
      res.statusCode = status();
      res.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  return {
    url: `http://127.0.0.1:${address.port}/hooks`,
    received,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
