// `POST /v2/marketplace/apps/{appId}/rotate_client_secret` (shapes from `@zoom/rivet`'s typings).
import { randomUUID } from 'node:crypto';
import type { RouteContext } from './sim-http.js';
import { isPlainObject } from './sim-meeting-input.js';
import { newSecretValue, type SecretRecord, type TokenAuthority } from './sim-oauth.js';

/**
 * Body `{action, revoke_old_secret_time}`:
 * - `new`: issues a second secret (both work) and answers `{secret_id, new_secret, revoke_old_secret_time}`;
 * - `update`: reschedules the old secret's revocation and answers `{secret_id, revoke_old_secret_time}`.
 * `revoke_old_secret_time` is `now` or a UTC time `yyyy-MM-ddTHH:mm:ssZ`.
 */
export function rotateSecret(
  c: RouteContext,
  oauth: TokenAuthority,
  clock: () => number,
  ownAppId: string,
  appId: string,
): void {
  if (appId !== ownAppId) {
    return c.reply(404, { code: 404, message: `App does not exist: ${appId}.` });
  }
  if (!isPlainObject(c.body)) {
    return c.reply(400, {
      code: 300,
      message: 'Request Body should be a valid JSON object.',
      errors: [{ field: 'body', message: 'Request Body should be a valid JSON object.' }],
    });
  }
  const { action, revoke_old_secret_time: revokeTime } = c.body;
  const errors: Array<{ field: string; message: string }> = [];
  if (action !== 'new' && action !== 'update')
    errors.push({ field: 'action', message: 'Invalid field.' });
  let revokeAt: number | undefined;
  if (revokeTime === 'now') revokeAt = clock();
  else if (
    typeof revokeTime === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(revokeTime) &&
    !Number.isNaN(Date.parse(revokeTime))
  ) {
    revokeAt = Date.parse(revokeTime);
  } else {
    errors.push({ field: 'revoke_old_secret_time', message: 'Invalid field.' });
  }
  if (errors.length > 0 || revokeAt === undefined) {
    return c.reply(400, { code: 300, message: 'Validation Failed.', errors });
  }
  const secrets = oauth.acceptedSecrets();
  if (action === 'new') {
    if (secrets.length > 1) {
      return c.reply(400, {
        code: 300,
        message:
          'A client secret rotation is already scheduled; use action "update" to change its revoke time.',
      });
    }
    const fresh: SecretRecord = { id: randomUUID(), value: newSecretValue() };
    for (const old of secrets) old.revokeAt = revokeAt;
    oauth.secrets = [...secrets, fresh];
    oauth.acceptedSecrets();
    oauth.refused = false;
    return c.reply(200, {
      secret_id: fresh.id,
      new_secret: fresh.value,
      revoke_old_secret_time: revokeTime,
    });
  }
  if (secrets.length < 2) {
    return c.reply(400, { code: 300, message: 'There is no client secret rotation to update.' });
  }
  const newest = secrets[secrets.length - 1];
  for (const old of secrets.slice(0, -1)) old.revokeAt = revokeAt;
  oauth.acceptedSecrets();
  return c.reply(200, { secret_id: newest.id, revoke_old_secret_time: revokeTime });
}
