// Shared set-up of the token e2e files: a simulator, real PostgreSQL and Redis, N built gateway replicas.
import { randomBytes } from 'node:crypto';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet } from './fleet.js';
import { gatewayClient } from './gateway-client.js';
import { type GatewayProcess } from './gateway-process.js';

export const API_KEY = `tester-${randomBytes(12).toString('hex')}`;
export const CREDENTIALS = {
  accountId: 'e2e-account',
  clientId: 'e2e-client-id',
  clientSecret: `e2e-secret-${randomBytes(8).toString('hex')}`,
};

/** Calls as the tester; a call the gateway never answered (within 30 s) is an answer with status 0. */
export const call = gatewayClient({ key: API_KEY, timeoutMs: 30_000, unanswered: 'status 0' });

/** Starts `count` more replicas at once, each with a REPLICA_ID of its own. */
export const addReplicas = (fleet: GatewayFleet, count = 1): Promise<GatewayProcess[]> =>
  fleet.start(
    Array.from(
      { length: count },
      (_, i) => `replica-${fleet.replicas.length + i}-${randomBytes(3).toString('hex')}`,
    ),
  );

/** `size` replicas; `redisUrl` points them at another Redis server than the shared one. */
export async function startTokenFleet(
  size: number,
  options: { redisUrl?: string } = {},
): Promise<GatewayFleet> {
  const fleet = await GatewayFleet.open({
    simulator: new ZoomSimulator({
      ...CREDENTIALS,
      rateLimits: false,
      dailyMeetingLimitPerUser: 1_000_000,
    }),
    apiKeys: { tester: API_KEY },
    credentials: CREDENTIALS,
    redisUrl: options.redisUrl,
    // No read-through cache: these tests count what each read makes the gateway do with its token.
    // The stand-in allows a host a million creates a day, and the gateway is told so.
    extra: {
      ZOOM_RATE_LIMIT_PLAN: 'business',
      CACHE_TTL_SECONDS: '0',
      ZOOM_RATE_LIMITS: 'host_user=1000000/day',
      // One app sends up to 200 concurrent calls per replica here, all meant to reach Zoom: more
      // than the default in-flight cap (64), which would answer the rest 429 at once.
      MAX_INFLIGHT_PER_APP: '1000',
    },
  });
  try {
    // The first replica runs the migrations; the others then start together.
    await addReplicas(fleet);
    await addReplicas(fleet, size - 1);
    return fleet;
  } catch (error) {
    await fleet.close();
    throw error;
  }
}

export const createMeeting = (replica: GatewayProcess, topic = 'token e2e') =>
  call(replica, 'POST', '/v2/users/me/meetings', {
    body: { topic, type: 2, start_time: '2030-01-01T10:00:00Z', duration: 30 },
  });
