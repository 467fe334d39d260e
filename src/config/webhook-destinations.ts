import { BlockList, isIP } from 'node:net';

/**
 * Where webhook deliveries may go: the gateway POSTs to URLs that callers chose, so an app key
 * must not make it a way into internal hosts (SSRF).
 *
 * - `WEBHOOK_DESTINATIONS` lists what app keys may subscribe: host-name patterns
 *   (`*.svc.cluster.local`: any subdomain at any depth, not the bare suffix; `hooks.internal`:
 *   that name), IP literals and CIDRs (`10.0.0.0/8`, `fd00::/8`). An entry written `http://...`
 *   also allows plain http there; elsewhere app keys need https. Unset or empty: app keys may
 *   subscribe nowhere. Ports are not part of an entry: any port of a listed host is allowed.
 * - Admin keys may subscribe any URL, http or https, the list notwithstanding.
 * - Nobody may reach link-local or cloud-metadata addresses (FORBIDDEN_NETWORKS), nor the
 *   metadata services' well-known host names (METADATA_HOST_NAMES).
 * - A URL's host name is judged by the name patterns only: a name never matches an IP/CIDR entry
 *   (what it resolves to today proves nothing about tomorrow), so `10.0.0.0/8` covers
 *   `https://10.1.2.3/` but not `https://svc.internal/`, even when that resolves into 10/8.
 *
 * At delivery the address actually connected to is checked again (DNS rebinding: a name can
 * resolve to one address when subscribed and another when delivered to). The delivery agent's
 * `lookup` refuses every forbidden address, for every subscription alike, so the agent needs
 * nothing per request: the rest of the rules are complete at subscribe time. An IP-literal host
 * cannot be rebound, so its IP/CIDR check then is final; a name matched by a pattern may resolve
 * to any address that is not forbidden. Node skips `lookup` for IP-literal hosts, so the sender
 * checks those with `assertDeliverableHost` before each request.
 */

/** Plain data, so the frozen configuration can hold it. */
export type DestinationEntry =
  | { kind: 'name'; name: string; subdomains: boolean; http: boolean }
  | { kind: 'network'; address: string; prefix: number; family: 'ipv4' | 'ipv6'; http: boolean };

export interface WebhookDestinations {
  /** Empty: app keys may subscribe nowhere. */
  readonly entries: readonly DestinationEntry[];
}

export const MAX_URL_LENGTH = 2048;

/** Host names of cloud metadata services (they resolve to forbidden addresses anyway). */
export const METADATA_HOST_NAMES: readonly string[] = [
  'metadata', // GCP, short name
  'metadata.google.internal', // GCP
  'metadata.goog', // GCP
  'instance-data', // AWS EC2, short name
  'instance-data.ec2.internal', // AWS EC2
];

/**
 * Link-local networks and cloud metadata addresses. Node's BlockList also matches an IPv4 rule
 * for the IPv4-mapped IPv6 form (`::ffff:169.254.169.254`); the NAT64 (64:ff9b::/96) and 6to4
 * (2002::/16) forms of the IPv4 ones are listed as IPv6 rules.
 */
const FORBIDDEN_NETWORKS: readonly [address: string, prefix: number, family: 'ipv4' | 'ipv6'][] = [
  ['169.254.0.0', 16, 'ipv4'], // link-local; AWS, GCP, Azure, OCI, DO metadata at .169.254
  ['fe80::', 10, 'ipv6'], // link-local
  ['fd00:ec2::254', 128, 'ipv6'], // AWS metadata over IPv6
  ['100.100.100.200', 32, 'ipv4'], // Alibaba Cloud metadata
  ['192.0.0.192', 32, 'ipv4'], // Oracle Cloud (classic) metadata
  ['64:ff9b::169.254.0.0', 112, 'ipv6'],
  ['64:ff9b::100.100.100.200', 128, 'ipv6'],
  ['64:ff9b::192.0.0.192', 128, 'ipv6'],
  ['2002:a9fe::', 32, 'ipv6'],
  ['2002:6464:64c8::', 48, 'ipv6'],
  ['2002:c000:c0::', 48, 'ipv6'],
];

const forbidden = new BlockList();
for (const [address, prefix, family] of FORBIDDEN_NETWORKS)
  forbidden.addSubnet(address, prefix, family);

/** `"` + entry + `"`, for messages. */
const quoted = (text: string): string => JSON.stringify(text);

/** An IP literal, without IPv6 brackets or zone; undefined for anything else. */
export function ipOf(host: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const address = bare.split('%')[0] ?? bare;
  const version = isIP(address);
  if (version === 0) return undefined;
  return { address, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Link-local or cloud metadata, IPv4-mapped forms included; anything not an IP address too. */
export function isForbiddenAddress(address: string): boolean {
  const ip = ipOf(address);
  return ip === undefined || forbidden.check(ip.address, ip.family);
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function isHostName(name: string): boolean {
  const labels = name.split('.');
  const last = labels.at(-1) ?? '';
  // A last label that is a number makes the URL parser read the host as IPv4 (`10.0.0`).
  return (
    name.length <= 253 &&
    labels.every((label) => LABEL.test(label)) &&
    !/^(\d+|0x[0-9a-f]*)$/.test(last)
  );
}

function parseEntry(text: string): DestinationEntry {
  const scheme = /^(https?):\/\//i.exec(text);
  const http = scheme?.[1]?.toLowerCase() === 'http';
  const rest = (scheme ? text.slice(scheme[0].length) : text).toLowerCase();
  const bad = (reason: string): Error => new Error(`has a bad entry ${quoted(text)}: ${reason}`);
  if (rest === '') throw bad('a host, IP address or CIDR is needed');
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(rest))
    throw bad('only http:// or https:// may come before the host');

  const slash = rest.indexOf('/');
  const address = slash === -1 ? rest : rest.slice(0, slash);
  const version = /[[%]/.test(address) ? 0 : isIP(address);
  if (version !== 0) {
    const family = version === 4 ? 'ipv4' : 'ipv6';
    const max = version === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(max) : rest.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > max)
      throw bad(`the prefix length must be a whole number from 0 to ${max}`);
    if (forbidden.check(address, family))
      throw bad('link-local and cloud metadata addresses are never webhook destinations');
    return { kind: 'network', address, prefix, family, http };
  }
  if (slash !== -1) throw bad('only a CIDR (address/prefix) may have a "/"; no paths');
  if (/:\d*$/.test(rest) && !rest.startsWith('['))
    throw bad('ports are not supported: list the host alone (any port is allowed)');
  if (rest.startsWith('[') || rest.includes('%'))
    throw bad('write IPv6 addresses without brackets or zone');

  const subdomains = rest.startsWith('*.');
  const name = subdomains ? rest.slice(2) : rest;
  if (!isHostName(name))
    throw bad(
      'must be a host name, *.domain, an IP address or a CIDR, optionally after http:// or https://',
    );
  if (METADATA_HOST_NAMES.includes(name))
    throw bad('cloud metadata host names are never webhook destinations');
  return { kind: 'name', name, subdomains, http };
}

/**
 * `WEBHOOK_DESTINATIONS`: comma-separated entries, trimmed; empty items are skipped. Throws an
 * Error naming the bad entry (the config loader names the variable).
 */
export function parseWebhookDestinations(text: string | undefined): WebhookDestinations {
  const entries = (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map(parseEntry);
  return { entries };
}
