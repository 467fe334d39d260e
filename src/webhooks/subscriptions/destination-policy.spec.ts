import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { ConfigError, loadConfig } from '../../config/app-config.js';
import { isForbiddenAddress, parseWebhookDestinations } from '../../config/webhook-destinations.js';
import {
  addressAllowed,
  assertDeliverableHost,
  checkSubscriptionUrl,
  createDeliveryAgent,
  createDeliveryLookup,
  DestinationForbiddenError,
  type Resolve,
  type UrlCheck,
} from './destination-policy.js';

const app = { admin: false };
const admin = { admin: true };
const none = parseWebhookDestinations(undefined);
const listed = parseWebhookDestinations(
  '*.svc.cluster.local, http://hooks.internal, 10.0.0.0/8, http://192.168.1.10, fd00::/8',
);

const accepted = (check: UrlCheck): string =>
  check.ok ? check.url.href : `refused: ${check.message}`;
const refusal = (check: UrlCheck): string => (check.ok ? 'accepted' : check.message);
const appMayUse = (host: string): boolean =>
  checkSubscriptionUrl(`https://${host}/`, app, listed).ok;

describe(parseWebhookDestinations.name, () => {
  it('reads name patterns, IPs and CIDRs, noting which allow plain http', () => {
    expect(listed.entries).toEqual([
      { kind: 'name', name: 'svc.cluster.local', subdomains: true, http: false },
      { kind: 'name', name: 'hooks.internal', subdomains: false, http: true },
      { kind: 'network', address: '10.0.0.0', prefix: 8, family: 'ipv4', http: false },
      { kind: 'network', address: '192.168.1.10', prefix: 32, family: 'ipv4', http: true },
      { kind: 'network', address: 'fd00::', prefix: 8, family: 'ipv6', http: false },
    ]);
  });

  it('reads nothing from an unset or blank value, and skips empty items', () => {
    expect(parseWebhookDestinations(undefined).entries).toEqual([]);
    expect(parseWebhookDestinations('  ').entries).toEqual([]);
    expect(parseWebhookDestinations('a.internal,,').entries).toHaveLength(1);
  });

  it('lower-cases names and schemes, and takes an https:// prefix as https only', () => {
    expect(parseWebhookDestinations('HTTPS://Hooks.Example.COM').entries).toEqual([
      { kind: 'name', name: 'hooks.example.com', subdomains: false, http: false },
    ]);
    expect(parseWebhookDestinations('HTTP://*.Svc.Local').entries[0]).toMatchObject({ http: true });
  });

  it.each([
    ['hooks.internal:8443', /ports are not supported/],
    ['https://hooks.internal:443', /ports are not supported/],
    ['hooks.internal/path', /no paths/],
    ['10.0.0.0/33', /prefix length/],
    ['10.0.0.0/x', /prefix length/],
    ['fd00::/129', /prefix length/],
    ['[fd00::1]', /without brackets/],
    ['fe80::1%eth0', /without brackets or zone/],
    ['*', /must be a host name/],
    ['a.*.internal', /must be a host name/],
    ['-bad.internal', /must be a host name/],
    ['10.0.0', /must be a host name/],
    ['ftp://hooks.internal', /only http:\/\/ or https:\/\//],
    ['https://http://hooks.internal', /only http:\/\/ or https:\/\//],
    ['169.254.169.254', /never webhook destinations/],
    ['169.254.0.0/16', /never webhook destinations/],
    ['fe80::/10', /never webhook destinations/],
    ['metadata.google.internal', /never webhook destinations/],
  ])('refuses the entry %s, naming it', (entry, reason) => {
    const parse = () => parseWebhookDestinations(`ok.internal, ${entry}`);
    expect(parse).toThrow(reason);
    expect(parse).toThrow(`"${entry}"`);
  });

  it('stops the process at load naming WEBHOOK_DESTINATIONS and the bad entry', () => {
    const env = { WEBHOOK_DESTINATIONS: 'ok.internal,hooks.internal:8080' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      /^Invalid configuration: WEBHOOK_DESTINATIONS has a bad entry "hooks\.internal:8080": ports/,
    );
  });

  it('is in the loaded configuration, empty when unset', () => {
    expect(loadConfig({}).webhookDestinations.entries).toEqual([]);
    expect(
      loadConfig({ WEBHOOK_DESTINATIONS: '10.0.0.0/8' }).webhookDestinations.entries,
    ).toHaveLength(1);
  });
});

describe(checkSubscriptionUrl.name, () => {
  it('lets an app key subscribe https on a listed name pattern', () => {
    expect(
      accepted(checkSubscriptionUrl('https://a.b.svc.cluster.local:8443/hook', app, listed)),
    ).toBe('https://a.b.svc.cluster.local:8443/hook');
  });

  it('matches *.svc.cluster.local on subdomains only, case-insensitively', () => {
    expect(appMayUse('a.svc.cluster.local')).toBe(true);
    expect(appMayUse('A.B.SVC.Cluster.Local')).toBe(true);
    expect(appMayUse('a.svc.cluster.local.')).toBe(true);
    expect(appMayUse('svc.cluster.local')).toBe(false);
    expect(appMayUse('evilsvc.cluster.local')).toBe(false);
    expect(appMayUse('a.svc.cluster.local.evil.com')).toBe(false);
  });

  it('matches an exact name as that name alone', () => {
    expect(checkSubscriptionUrl('https://hooks.internal/x', app, listed).ok).toBe(true);
    expect(checkSubscriptionUrl('https://a.hooks.internal/x', app, listed).ok).toBe(false);
  });

  it('allows an app key plain http only where the entry is written http://', () => {
    expect(checkSubscriptionUrl('http://hooks.internal/x', app, listed).ok).toBe(true);
    expect(checkSubscriptionUrl('http://192.168.1.10:8080/x', app, listed).ok).toBe(true);
    expect(refusal(checkSubscriptionUrl('http://a.svc.cluster.local/x', app, listed))).toMatch(
      /Must use https/,
    );
    expect(refusal(checkSubscriptionUrl('http://10.1.2.3/x', app, listed))).toMatch(
      /Must use https/,
    );
  });

  it('lets an app key subscribe IP literals inside a listed IP or CIDR, and no others', () => {
    expect(checkSubscriptionUrl('https://10.1.2.3/x', app, listed).ok).toBe(true);
    expect(checkSubscriptionUrl('https://[fd12::1]/x', app, listed).ok).toBe(true);
    expect(checkSubscriptionUrl('https://[::ffff:10.1.2.3]/x', app, listed).ok).toBe(true);
    expect(checkSubscriptionUrl('https://11.1.2.3/x', app, listed).ok).toBe(false);
    expect(checkSubscriptionUrl('https://127.0.0.1/x', app, listed).ok).toBe(false);
    expect(checkSubscriptionUrl('https://192.168.1.11/x', app, listed).ok).toBe(false);
  });

  it('never matches a host name against an IP or CIDR entry', () => {
    const onlyNetworks = parseWebhookDestinations('127.0.0.0/8');
    expect(refusal(checkSubscriptionUrl('https://localhost/x', app, onlyNetworks))).toMatch(
      /not among the webhook destinations/,
    );
  });

  it('refuses every app URL when no destinations are listed', () => {
    for (const url of ['https://a.svc.cluster.local/', 'https://10.1.2.3/', 'https://example.com/'])
      expect(refusal(checkSubscriptionUrl(url, app, none))).toMatch(
        /lists no webhook destinations/,
      );
  });

  it('lets an admin key subscribe http or https anywhere, listed or not', () => {
    expect(checkSubscriptionUrl('http://localhost:9000/x', admin, none).ok).toBe(true);
    expect(checkSubscriptionUrl('https://example.com/x', admin, listed).ok).toBe(true);
    expect(checkSubscriptionUrl('http://a.svc.cluster.local/x', admin, listed).ok).toBe(true);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://169.254.170.2/v2/credentials',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://100.100.100.200/',
    'http://[64:ff9b::169.254.169.254]/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://METADATA/',
    'http://instance-data./',
  ])('refuses the link-local or metadata URL %s, for admin keys too', (url) => {
    const everything = parseWebhookDestinations('0.0.0.0/0, ::/0, *.internal');
    for (const who of [admin, app])
      expect(refusal(checkSubscriptionUrl(url, who, everything))).toMatch(
        /never webhook destinations/,
      );
  });

  it.each([
    [undefined, /absolute https URL/],
    [42, /absolute https URL/],
    ['', /absolute https URL/],
    ['/relative/path', /absolute https URL/],
    ['ftp://example.com/x', /Must be an https/],
    ['javascript:alert(1)', /Must be an https/],
    ['https://user:pass@example.com/x', /credentials/],
    ['https://user@example.com/x', /credentials/],
    ['https://@example.com/x', /credentials/],
    ['https://example.com/x#frag', /fragment/],
    ['https://example.com/x#', /fragment/],
  ])('refuses %s for an admin key too', (raw, reason) => {
    expect(refusal(checkSubscriptionUrl(raw, admin, listed))).toMatch(reason);
  });

  it('refuses a URL longer than 2048 characters', () => {
    const long = `https://hooks.internal/${'a'.repeat(2048)}`;
    expect(refusal(checkSubscriptionUrl(long, admin, listed))).toMatch(/at most 2048/);
  });

  it('returns the normalized URL', () => {
    expect(accepted(checkSubscriptionUrl('HTTPS://Hooks.Internal:443/a/../b', app, listed))).toBe(
      'https://hooks.internal/b',
    );
  });
});

describe(isForbiddenAddress.name, () => {
  it('forbids link-local and metadata addresses in every form, and anything not an address', () => {
    for (const address of [
      '169.254.169.254',
      '169.254.0.1',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      'fe80::1',
      'fe80::1%eth0',
      'fd00:ec2::254',
      '100.100.100.200',
      '::ffff:100.100.100.200',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
      'not-an-address',
    ])
      expect([address, isForbiddenAddress(address)]).toEqual([address, true]);
  });

  it('allows ordinary private, public and loopback addresses', () => {
    for (const address of ['10.0.0.1', '127.0.0.1', '::1', '8.8.8.8', 'fd00::1', '::ffff:10.0.0.1'])
      expect([address, isForbiddenAddress(address)]).toEqual([address, false]);
  });
});

describe(addressAllowed.name, () => {
  it('allows an admin key any address that is not forbidden', () => {
    expect(addressAllowed('127.0.0.1', 'anything.example', admin, none)).toBe(true);
    expect(addressAllowed('169.254.169.254', 'anything.example', admin, none)).toBe(false);
  });

  it('allows an app key any unforbidden address for a name its pattern matches', () => {
    expect(addressAllowed('172.16.0.5', 'a.svc.cluster.local', app, listed)).toBe(true);
    expect(addressAllowed('169.254.169.254', 'a.svc.cluster.local', app, listed)).toBe(false);
    expect(addressAllowed('172.16.0.5', 'evil.example', app, listed)).toBe(false);
  });

  it('allows an app key an IP-literal host only inside a listed IP or CIDR', () => {
    expect(addressAllowed('10.1.2.3', '10.1.2.3', app, listed)).toBe(true);
    expect(addressAllowed('fd00::1', '[fd00::1]', app, listed)).toBe(true);
    expect(addressAllowed('11.1.2.3', '11.1.2.3', app, listed)).toBe(false);
  });
});

describe(assertDeliverableHost.name, () => {
  it('throws EDESTINATIONFORBIDDEN for a forbidden IP literal, which Node would not look up', () => {
    expect(() => assertDeliverableHost(new URL('http://[::ffff:169.254.169.254]/'))).toThrow(
      DestinationForbiddenError,
    );
    expect(() => assertDeliverableHost(new URL('http://169.254.169.254/'))).toThrow(
      expect.objectContaining({ code: 'EDESTINATIONFORBIDDEN', address: '169.254.169.254' }),
    );
  });

  it('lets names and ordinary literals through (names are checked at lookup)', () => {
    expect(() => assertDeliverableHost(new URL('http://127.0.0.1:8080/'))).not.toThrow();
    expect(() => assertDeliverableHost(new URL('https://a.svc.cluster.local/'))).not.toThrow();
  });
});

/** A resolver that answers `rebind.test` with `addresses` and leaves other names to the system. */
function rebinding(addresses: LookupAddress[]): Resolve {
  return (hostname) =>
    hostname === 'rebind.test'
      ? Promise.resolve(addresses)
      : Promise.reject(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
}

describe(createDeliveryLookup.name, () => {
  it('fails the lookup naming the forbidden address, before any connection', async () => {
    const lookup = createDeliveryLookup(rebinding([{ address: '169.254.169.254', family: 4 }]));
    const error = await new Promise<unknown>((resolve) =>
      lookup('rebind.test', { all: true }, (err) => resolve(err)),
    );
    expect(error).toBeInstanceOf(DestinationForbiddenError);
    expect(error).toMatchObject({
      code: 'EDESTINATIONFORBIDDEN',
      message: expect.stringContaining('169.254.169.254 (rebind.test)'),
    });
  });

  it('answers one address or all of them, as net.connect asks', async () => {
    const lookup = createDeliveryLookup(
      rebinding([
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ]),
    );
    const one = await new Promise<unknown[]>((resolve) =>
      lookup('rebind.test', { family: 4 }, (err, address, family) =>
        resolve([err, address, family]),
      ),
    );
    expect(one).toEqual([null, '127.0.0.1', 4]);
    const all = await new Promise<unknown>((resolve) =>
      lookup('rebind.test', { all: true }, (_err, addresses) => resolve(addresses)),
    );
    expect(all).toEqual([
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ]);
  });
});

describe(createDeliveryAgent.name, () => {
  let server: Server;
  let port: number;
  let connections = 0;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        if (req.url === '/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
        else res.writeHead(204).end();
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    port = address.port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers to http://localhost through the system resolver', async () => {
    const agent = createDeliveryAgent();
    try {
      const answer = await request(`http://localhost:${port}/hook`, {
        method: 'POST',
        body: '{"event":"meeting.started"}',
        dispatcher: agent,
      });
      await answer.body.dump();
      expect(answer.statusCode).toBe(204);
      expect(received).toContain('POST /hook {"event":"meeting.started"}');
    } finally {
      await agent.close();
    }
  });

  it('does not follow redirects: a 3xx is the answer', async () => {
    const agent = createDeliveryAgent();
    try {
      const answer = await request(`http://127.0.0.1:${port}/redirect`, {
        method: 'POST',
        body: '{}',
        dispatcher: agent,
      });
      await answer.body.dump();
      expect(answer.statusCode).toBe(302);
      expect(received.some((line) => line.startsWith('POST /elsewhere'))).toBe(false);
    } finally {
      await agent.close();
    }
  });

  it('refuses a name rebound to a metadata address with EDESTINATIONFORBIDDEN, connecting nowhere', async () => {
    // The loopback address comes first: were the forbidden one not refused whole, the
    // connection would show up on the local server (and never leave this machine).
    const agent = createDeliveryAgent({
      resolve: rebinding([
        { address: '127.0.0.1', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ]),
    });
    const before = connections;
    try {
      await expect(
        request(`http://rebind.test:${port}/hook`, {
          method: 'POST',
          body: '{}',
          dispatcher: agent,
        }),
      ).rejects.toMatchObject({
        code: 'EDESTINATIONFORBIDDEN',
        message: expect.stringContaining('169.254.169.254'),
      });
      expect(connections).toBe(before);
    } finally {
      await agent.close();
    }
  });

  it('delivers to a rebinding-test name that resolves only to allowed addresses', async () => {
    const agent = createDeliveryAgent({
      resolve: rebinding([{ address: '127.0.0.1', family: 4 }]),
    });
    try {
      const answer = await request(`http://rebind.test:${port}/ok`, {
        method: 'POST',
        body: '{}',
        dispatcher: agent,
      });
      await answer.body.dump();
      expect(answer.statusCode).toBe(204);
    } finally {
      await agent.close();
    }
  });
});
