import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, type LookupFunction } from 'node:net';
import { Agent } from 'undici';
import {
  type DestinationEntry,
  ipOf,
  isForbiddenAddress,
  MAX_URL_LENGTH,
  METADATA_HOST_NAMES,
  type WebhookDestinations,
} from '../../config/webhook-destinations.js';

/**
 * Where a subscription may point, and the delivery agent that checks the address it connects
 * to. The rules, and why they are complete at subscribe time but for DNS rebinding, are in
 * config/webhook-destinations.ts with WEBHOOK_DESTINATIONS.
 */

export interface Subscriber {
  admin: boolean;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/** Lower-case host without a single trailing dot (`a.example.` names what `a.example` does). */
function normalizedHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '');
}

/** The entries that cover `host` (as in a URL: IPv6 in brackets). */
function entriesFor(host: string, destinations: WebhookDestinations): DestinationEntry[] {
  const ip = ipOf(host);
  const name = normalizedHost(host);
  return destinations.entries.filter((entry) => {
    if (entry.kind === 'network') {
      if (ip === undefined) return false;
      const list = new BlockList();
      list.addSubnet(entry.address, entry.prefix, entry.family);
      return list.check(ip.address, ip.family);
    }
    if (ip !== undefined) return false;
    return entry.subdomains ? name.endsWith(`.${entry.name}`) : name === entry.name;
  });
}

function isForbiddenHost(host: string): boolean {
  const ip = ipOf(host);
  if (ip !== undefined) return isForbiddenAddress(ip.address);
  return METADATA_HOST_NAMES.includes(normalizedHost(host));
}

const refuse = (message: string): UrlCheck => ({ ok: false, message });

/**
 * A subscription's URL, as the caller sent it: the parsed URL to store, or why it is refused
 * (a message for a 400 on the field `url`).
 */
export function checkSubscriptionUrl(
  raw: unknown,
  who: Subscriber,
  destinations: WebhookDestinations,
): UrlCheck {
  if (
    typeof raw !== 'string' ||
    raw.length === 0 ||
    raw.length > MAX_URL_LENGTH ||
    !URL.canParse(raw)
  )
    return refuse(`Must be an absolute https URL of at most ${MAX_URL_LENGTH} characters.`);
  const url = new URL(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return refuse('Must be an https (or, where allowed, http) URL.');
  if (url.username !== '' || url.password !== '' || /^[a-z]+:\/\/[^/?#]*@/i.test(raw))
    return refuse(
      'Must not carry credentials (user:password@); sign with the subscription secret.',
    );
  if (raw.includes('#')) return refuse('Must not have a fragment (#...).');
  if (url.hostname === '') return refuse('Must name a host.');
  if (isForbiddenHost(url.hostname))
    return refuse('Link-local and cloud metadata addresses are never webhook destinations.');
  if (who.admin) return { ok: true, url };

  if (destinations.entries.length === 0)
    return refuse(
      'App keys may subscribe no URL here: the gateway lists no webhook destinations (WEBHOOK_DESTINATIONS); ask an operator, or an admin key.',
    );
  const matching = entriesFor(url.hostname, destinations);
  if (matching.length === 0)
    return refuse(
      `Host ${url.hostname} is not among the webhook destinations app keys may subscribe (WEBHOOK_DESTINATIONS).`,
    );
  if (url.protocol === 'http:' && !matching.some((entry) => entry.http))
    return refuse(`Must use https: plain http is not allowed on ${url.hostname}.`);
  return { ok: true, url };
}

/**
 * Whether a delivery for a subscription on `subscriptionHost` may connect to `address`. The agent
 * enforces only the forbidden addresses (see the module comment); this is the whole rule.
 */
export function addressAllowed(
  address: string,
  subscriptionHost: string,
  who: Subscriber,
  destinations: WebhookDestinations,
): boolean {
  if (isForbiddenAddress(address)) return false;
  if (who.admin) return true;
  if (ipOf(subscriptionHost) !== undefined)
    return entriesFor(address, destinations).some((entry) => entry.kind === 'network');
  return entriesFor(subscriptionHost, destinations).some((entry) => entry.kind === 'name');
}

/** A delivery refused because it would connect to a link-local or metadata address. */
export class DestinationForbiddenError extends Error {
  readonly code = 'EDESTINATIONFORBIDDEN';

  constructor(
    readonly address: string,
    hostname?: string,
  ) {
    const via = hostname !== undefined && hostname !== address ? ` (${hostname})` : '';
    super(
      `Refused to connect to ${address}${via}: link-local and cloud metadata addresses are never webhook destinations`,
    );
    this.name = 'DestinationForbiddenError';
  }
}

/** For an IP-literal host, which Node connects to without a lookup: throws if it is forbidden. */
export function assertDeliverableHost(url: URL): void {
  const ip = ipOf(url.hostname);
  if (ip !== undefined && isForbiddenAddress(ip.address))
    throw new DestinationForbiddenError(ip.address);
}

/** Resolves a host name to all its addresses (injectable, to simulate DNS in tests). */
export type Resolve = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

/**
 * A `lookup` for `net.connect`/`tls.connect`: resolves every address, and fails the connection
 * before any attempt when one of them is forbidden (so a rebinding answer that mixes a good
 * address with a metadata one is refused whole).
 */
export function createDeliveryLookup(resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (resolved) => {
        const refused = resolved.find((entry) => isForbiddenAddress(entry.address));
        if (refused) return callback(new DestinationForbiddenError(refused.address, hostname), []);
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = resolved.filter((entry) => family === 0 || entry.family === family);
        const first = usable[0];
        if (first === undefined) {
          const error: NodeJS.ErrnoException = new Error(`No address found for ${hostname}`);
          error.code = 'ENOTFOUND';
          return callback(error, []);
        }
        if (options.all)
          return callback(
            null,
            usable.map((entry) => ({ ...entry })),
          );
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}

export interface DeliveryAgentOptions {
  /** Defaults to the system resolver (`dns.lookup`). */
  resolve?: Resolve;
}

/**
 * The deliveries' own connection pool: checked lookups, short deadlines, 16 connections per
 * origin. No redirect interceptor: a 3xx is an answer like any other, never followed.
 */
export function createDeliveryAgent(options: DeliveryAgentOptions = {}): Agent {
  return new Agent({
    connect: { lookup: createDeliveryLookup(options.resolve), timeout: 5_000 },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
    connections: 16,
  });
}
