// Scenario 6: a burst of 120 concurrent creates at the Pro plan (Medium: 20 per second for the
// account) through 2 replicas, against a simulator that enforces Zoom's limits. Counts the 429s
// Zoom (the simulator) answered and the time until every create is answered; the bare proxy,
// which does not pace, takes the same burst as the comparison. Spread over four host users, as
// Zoom allows 100 creates per host per day.
import { randomBytes } from 'node:crypto';
import { startFleet } from '../lib/fleet.js';
import { benchApiKey, startBareProxy, startSimulator } from '../lib/processes.js';
import { progress, sleep } from '../lib/progress.js';
import {
  fmt,
  table,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';

const BURST = 120;
const REPLICAS = 2;
const HOSTS = 4;
const PLAN = 'pro';
const GOAL_ZOOM_429 = 3;

interface BurstResult {
  statuses: Record<string, number>;
  zoom429: number;
  ms: number;
}

async function burst(
  urls: string[],
  headers: Record<string, string>,
  hosts: string[],
  before: () => Promise<number>,
): Promise<BurstResult> {
  const start = await before();
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      const response = await fetch(
        `${urls[i % urls.length]}/v2/users/${encodeURIComponent(hosts[i % hosts.length])}/meetings`,
        {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            topic: `burst ${i}`,
            type: 2,
            start_time: '2030-01-01T10:00:00Z',
            duration: 30,
          }),
        },
      );
      await response.arrayBuffer();
      return response.status;
    }),
  );
  const ms = Math.round(performance.now() - started);
  const statuses: Record<string, number> = {};
  for (const s of answers) statuses[s] = (statuses[s] ?? 0) + 1;
  return { statuses, zoom429: (await before()) - start, ms };
}

export const burstScenario: Scenario = {
  id: 'burst',
  title: 'A burst of creates at Pro',
  async run(_context: ScenarioContext): Promise<ScenarioOutcome> {
    const title = `6. A burst of ${BURST} creates at ${PLAN}, through ${REPLICAS} replicas`;
    const simulator = await startSimulator('simulator-limits', {
      ZOOM_SIMULATOR_RATE_LIMITS: 'on',
      ZOOM_SIMULATOR_PLAN: PLAN,
    });
    const fleet = await startFleet(
      'burst',
      REPLICAS,
      simulator.url,
      { ZOOM_RATE_LIMIT_PLAN: PLAN, CACHE_TTL_SECONDS: '0' },
      'shipped',
    );
    const proxyKey = benchApiKey();
    const bare = await startBareProxy('burst-proxy', simulator.url, proxyKey);
    try {
      const tag = randomBytes(3).toString('hex');
      const hosts: string[] = [];
      for (let i = 0; i < HOSTS; i++) {
        const email = `burst-${tag}-${i}@example.com`;
        await simulator.control('addUser', { email });
        hosts.push(email);
      }
      // Warm: every replica holds the token (one Light call each), then Zoom's window is left to empty.
      for (const g of fleet.gateways) {
        const r = await fetch(`${g.url}/v2/users/me`, { headers: fleet.headers });
        await r.arrayBuffer();
      }
      await sleep(1_100);
      const rateLimited = async () => (await simulator.stats()).rateLimited;
      const gateway = await burst(
        fleet.gateways.map((g) => g.url),
        fleet.headers,
        hosts,
        rateLimited,
      );
      progress(
        `burst through the gateway: ${JSON.stringify(gateway.statuses)} in ${gateway.ms} ms; Zoom 429s ${gateway.zoom429}`,
      );
      await sleep(1_100);
      // The same burst, unpaced, to the same hosts (60 creates each today, under Zoom's 100).
      const proxy = await burst(
        [bare.url],
        { Authorization: `Bearer ${proxyKey}` },
        hosts,
        rateLimited,
      );
      progress(
        `burst through the bare proxy: ${JSON.stringify(proxy.statuses)} in ${proxy.ms} ms; Zoom 429s ${proxy.zoom429}`,
      );
      const met = gateway.zoom429 <= GOAL_ZOOM_429 && (gateway.statuses['201'] ?? 0) === BURST;
      const markdown = [
        `## ${title}`,
        '',
        `${BURST} concurrent \`POST /v2/users/{userId}/meetings\` spread over ${HOSTS} hosts and ${REPLICAS} replicas as shipped ` +
          `(\`ZOOM_RATE_LIMIT_PLAN=${PLAN}\`, one Redis), against a simulator enforcing Zoom's ${PLAN} limits (Medium: 20 per second, ` +
          'fixed clock seconds); then the same burst through the bare proxy, which does not pace.',
        '',
        table(
          ['through', 'answers', "Zoom's 429s", 'all answered after'],
          [
            [
              'gateway (2 replicas)',
              `\`${JSON.stringify(gateway.statuses)}\``,
              `**${gateway.zoom429}**`,
              `${fmt.int(gateway.ms)} ms`,
            ],
            [
              'bare proxy',
              `\`${JSON.stringify(proxy.statuses)}\``,
              String(proxy.zoom429),
              `${fmt.int(proxy.ms)} ms`,
            ],
          ],
        ),
        '',
        `Goal: all ${BURST} created with at most ${GOAL_ZOOM_429} Zoom 429s: **${met ? 'met' : 'missed'}**. ` +
          `At 20 per second, ${BURST} creates need at least ${(BURST / 20 - 1).toFixed(0)} s after the first second's 20.`,
        '',
      ].join('\n');
      return {
        result: { plan: PLAN, burst: BURST, replicas: REPLICAS, gateway, proxy },
        markdown,
        goals: [
          {
            scenario: 'burst',
            goal: `${BURST} creates at ${PLAN} through ${REPLICAS} replicas: all created, ≤ ${GOAL_ZOOM_429} Zoom 429s`,
            measured: `${JSON.stringify(gateway.statuses)}, ${gateway.zoom429} Zoom 429s, ${fmt.int(gateway.ms)} ms (bare proxy: ${proxy.zoom429} Zoom 429s)`,
            met,
          },
        ],
      };
    } finally {
      await Promise.all([fleet.stop(), bare.stop()]);
      await simulator.stop();
    }
  },
};
