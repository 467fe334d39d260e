/**
 * Error text for logs, health details and stored reasons that never says where a server is.
 * Node and driver errors name their peer (`connect ECONNREFUSED 10.0.0.5:5432`, `getaddrinfo
 * ENOTFOUND db.internal`) and connection strings carry credentials; a log line is read by more
 * people than the database's address and password are meant for.
 */

/** Node syscalls whose error message ends with the peer they tried: `connect ECONNREFUSED <peer>`. */
const PEER_SYSCALL =
  /\b(connect|getaddrinfo|getnameinfo|lookup|query[A-Za-z]*|bind|listen)\s+(E[A-Z0-9_]+)\s+[^\s,;)\]]+/g;

/**
 * Any URL but `file:` (stack frames): `postgres://user:pass@db:5432/app` and all that follows
 * up to a space or quote, but for punctuation that ends it (`(url)`, `url, then`).
 */
const URL = /\b(?!file:)([a-z][a-z0-9+.-]*:\/\/)[^\s"'`<>]*[^\s"'`<>),.;]/gi;

/** An IPv6 address in brackets, with a port or not: `[::1]:5432`. */
const BRACKETED_IPV6 = /\[[0-9a-f]*:[0-9a-f:.%\w]*\](?::\d{1,5})?/gi;

/** A dotted IPv4 address, with a port or not. */
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])/g;

/**
 * An IPv6 address written bare: either compressed (`::1`, `fe80::1`, `::ffff:10.0.0.1` after
 * IPv4 went) or all eight groups. A time (`12:30:00`) has neither `::` nor seven colons.
 */
const BARE_IPV6 =
  /(?<![\w:])(?=[0-9a-f:]*::|(?:[0-9a-f]{1,4}:){7})[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,8}(?:%\w+)?(?![\w:])/gi;

/**
 * `host:port` where the host has a letter (`db.internal:5432`, `localhost:6379`); a port
 * followed by another `:digits` is a time or a stack frame's line and column, left alone.
 */
const NAMED_HOST_PORT =
  /(?<![\w.\-@/<])(?=[\w.-]*[a-z])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*:\d{1,5}(?![\d:])/gi;

/** `text` with every host name, address, port and URL authority replaced by `<server>`. */
export function loggableText(text: string, server = 'address'): string {
  const mark = `<${server}>`;
  return (
    text
      .replace(URL, (_url, scheme: string) => `${scheme}${mark}`)
      .replace(
        PEER_SYSCALL,
        (_match, syscall: string, code: string) => `${syscall} ${code} ${mark}`,
      )
      .replace(BRACKETED_IPV6, mark)
      .replace(IPV4, mark)
      .replace(BARE_IPV6, (found) => (/[0-9a-f]/i.test(found) ? mark : found))
      .replace(NAMED_HOST_PORT, mark)
      // `::ffff:10.0.0.1` loses its IPv4 part, then its IPv6 part: one mark for one address.
      .split(`${mark}${mark}`)
      .join(mark)
  );
}

function stringProperty(value: object, name: string): string | undefined {
  const property: unknown = Reflect.get(value, name);
  return typeof property === 'string' && property !== '' ? property : undefined;
}

/** The raw words of anything thrown: an Error's message, an AggregateError's parts, or the value itself. */
function rawMessage(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const message = stringProperty(error, 'message');
  if (message) return message;
  // Node's happy eyeballs (`localhost` is ::1 and 127.0.0.1) fails with an AggregateError whose
  // message is empty: its parts say what happened.
  if (error instanceof AggregateError && error.errors.length > 0)
    return error.errors.map(rawMessage).join('; ');
  return (
    stringProperty(error, 'code') ??
    (error instanceof Error ? error.name : Object.prototype.toString.call(error))
  );
}

/**
 * The one way to turn an error into loggable text: its message with host names, IPv4/IPv6
 * addresses, ports and URLs' credentials and hosts replaced by `<server>` (`connect
 * ECONNREFUSED <database>`). Properties such as `address` and `port` are never read.
 */
export function loggableError(error: unknown, server = 'address'): string {
  return loggableText(rawMessage(error), server);
}

/**
 * A copy of `error` safe to hand to code that logs whole errors (Nest's TypeORM retry logs the
 * stack): message and stack without addresses; `code` kept, so it is classified as before.
 */
export function addressFreeError(error: unknown, server = 'address'): Error {
  const safe = new Error(loggableError(error, server));
  if (error instanceof Error) {
    safe.name = error.name;
    if (error.stack) safe.stack = loggableText(error.stack, server);
  }
  const code =
    typeof error === 'object' && error !== null ? stringProperty(error, 'code') : undefined;
  if (code) Object.assign(safe, { code });
  return safe;
}
