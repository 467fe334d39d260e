import { ConfigError } from './env-parsers.js';

/** The operator console's sign-in through the company's OpenID Connect provider. */
export interface ConsoleOidcConfig {
  /** The issuer's URL (https; http only on localhost, for tests). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who may act: emails (lower-cased) and group names; everyone else signed in may only look. */
  admins: readonly string[];
  /** The ID token's claim that carries group names. */
  groupsClaim: string;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** CONSOLE_OIDC_*: all of issuer, client id and secret, or none (sign-in with an admin key only). */
export function consoleOidc(env: NodeJS.ProcessEnv): ConsoleOidcConfig | undefined {
  const issuer = env.CONSOLE_OIDC_ISSUER?.trim() || undefined;
  const clientId = env.CONSOLE_OIDC_CLIENT_ID?.trim() || undefined;
  const clientSecret = env.CONSOLE_OIDC_CLIENT_SECRET?.trim() || undefined;
  if (!issuer && !clientId && !clientSecret) return undefined;
  if (!issuer)
    throw new ConfigError('CONSOLE_OIDC_ISSUER', 'is required with CONSOLE_OIDC_CLIENT_ID');
  if (!clientId)
    throw new ConfigError('CONSOLE_OIDC_CLIENT_ID', 'is required with CONSOLE_OIDC_ISSUER');
  if (!clientSecret)
    throw new ConfigError('CONSOLE_OIDC_CLIENT_SECRET', 'is required with CONSOLE_OIDC_ISSUER');
  let parsed: URL;
  try {
    parsed = new URL(issuer);
  } catch {
    throw new ConfigError('CONSOLE_OIDC_ISSUER', 'must be a URL');
  }
  const local = parsed.protocol === 'http:' && LOCAL_HOSTS.has(parsed.hostname);
  if (parsed.protocol !== 'https:' && !local)
    throw new ConfigError(
      'CONSOLE_OIDC_ISSUER',
      'must be an https URL (http only on localhost or 127.0.0.1)',
    );
  const admins = (env.CONSOLE_OIDC_ADMINS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => (entry.includes('@') ? entry.toLowerCase() : entry));
  const groupsClaim = env.CONSOLE_OIDC_GROUPS_CLAIM?.trim() || 'groups';
  if (!/^[\w.:/-]{1,128}$/.test(groupsClaim))
    throw new ConfigError('CONSOLE_OIDC_GROUPS_CLAIM', 'must be a claim name');
  return { issuer: parsed.href.replace(/\/$/, ''), clientId, clientSecret, admins, groupsClaim };
}
