// Scenario 4: throughput with 1, 2 and 4 replicas behind a simple round-robin (autocannon spreads
// its connections over the replicas' URLs), and the mints of the whole fleet (always one).
import { cpus } from 'node:os';
import { startFleet } from '../lib/fleet.js';
import { createMeeting } from '../lib/meetings.js';
import { runLoad } from '../lib/load.js';
import { progress } from '../lib/progress.js';
import {
  fmt,
  table,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';
import { mean, round } from '../lib/stats.js';
import { COLORS, renderChart } from '../lib/svg.js';

const CONNECTIONS = 64;

export const scale: Scenario = {
  id: 'scale',
  title: 'Scale-out',
  async run({ quick, simulator }: ScenarioContext): Promise<ScenarioOutcome> {
    const title = '7. Scale-out: 1, 2 and 4 replicas';
    const goal = { scenario: 'scale', goal: 'one mint for the whole fleet while it scales out' };
    const counts = [1, 2, 4];
    const duration = quick ? 2 : 4;
    const rounds = quick ? 1 : 2;
    await simulator.reset({ tokens: true, meetings: true });
    // Mints are counted from before the replicas start.
    // Plan limits lifted: with them, the fleet shares the plan's 80 calls/s, whatever its size.
    const fleet = await startFleet(
      'scale',
      Math.max(...counts),
      simulator.url,
      { ZOOM_RATE_LIMIT_PLAN: 'business' },
      'limits-lifted',
    );
    try {
      const meetingId = await createMeeting(
        `${fleet.gateways[0].url}/v2`,
        fleet.headers,
        'bench scale',
      );
      const path = `/v2/meetings/${meetingId}`;
      const { accessToken } = await simulator.mintToken();
      const directMint = 1;

      const samples: Record<string, number[]> = {
        direct: [],
        ...Object.fromEntries(counts.map((c) => [String(c), []])),
      };
      const non2xx: Record<string, number> = {};
      const configs = ['direct', ...counts.map(String)];
      const runOne = async (config: string, seconds: number) => {
        const urls =
          config === 'direct'
            ? [`${simulator.url}${path}`]
            : fleet.gateways.slice(0, Number(config)).map((g) => `${g.url}${path}`);
        const headers =
          config === 'direct' ? { Authorization: `Bearer ${accessToken}` } : fleet.headers;
        return runLoad({ urls, headers, connections: CONNECTIONS, duration: seconds });
      };
      for (const config of configs) await runOne(config, 1);
      for (let i = 0; i < rounds; i++) {
        const order = i % 2 === 0 ? configs : configs.toReversed();
        for (const config of order) {
          const result = await runOne(config, duration);
          samples[config].push(result.rps);
          non2xx[config] = (non2xx[config] ?? 0) + result.non2xx + result.errors;
          progress(
            `scale ${config === 'direct' ? 'direct to the simulator' : `${config} replica(s)`}: ${fmt.int(result.rps)}/s`,
          );
        }
      }
      const stats = await simulator.stats();
      const gatewayMints = stats.tokensMinted - directMint;
      const rps = Object.fromEntries(configs.map((c) => [c, round(mean(samples[c]), 1)]));
      const ratio = (c: number) => round(rps[String(c)] / rps['1'], 3);
      const met = gatewayMints === 1;
      const markdown = [
        `## ${title}`,
        '',
        `\`GET /v2/meetings/{id}\` with ${CONNECTIONS} connections spread round-robin over the first k of ${Math.max(...counts)} replicas ` +
          `(one PostgreSQL, one Redis), ${rounds} alternating rounds of ${duration} s. Everything shares this machine's ${cpus().length} cores, ` +
          'so the ratios show what the fleet costs in coordination here, not what more machines would add.',
        '',
        table(
          ['replicas', 'throughput ÷ 1 replica', 'errors / non-2xx'],
          [
            ...counts.map((c) => [c, fmt.ratio(ratio(c)), non2xx[String(c)] ?? 0]),
            ['direct (reference)', fmt.ratio(rps.direct / rps['1']), non2xx.direct ?? 0],
          ],
        ),
        '',
        `Tokens minted by the whole fleet (${Math.max(...counts)} replicas, from start-up to the end): **${gatewayMints}**; goal one: **${met ? 'met' : 'missed'}**.`,
        '',
      ].join('\n');
      const svg = renderChart({
        title: 'Scale-out: GET /v2/meetings/{id} throughput by replica count',
        note: `${CONNECTIONS} connections round-robin over the replicas; the whole fleet minted ${gatewayMints} token(s); ${cpus().length} shared cores`,
        panels: [
          {
            kind: 'bars',
            title: 'throughput',
            yLabel: 'requests / s',
            series: [
              { name: 'gateway fleet', color: COLORS.gateway },
              { name: 'direct to simulator (reference)', color: COLORS.comparison },
            ],
            groups: [
              ...counts.map((c) => ({
                label: `${c} replica${c > 1 ? 's' : ''}`,
                values: [rps[String(c)], null],
              })),
              { label: 'direct', values: [null, rps.direct] },
            ],
          },
        ],
      });
      return {
        result: {
          connections: CONNECTIONS,
          durationSeconds: duration,
          rounds,
          rps,
          samples,
          ratioToOneReplica: Object.fromEntries(counts.map((c) => [c, ratio(c)])),
          non2xx,
          mintsByFleet: gatewayMints,
          startupMs: fleet.gateways.map((g) => Math.round(g.readyMs)),
        },
        markdown,
        svg,
        goals: [
          {
            ...goal,
            measured: `${gatewayMints} mint(s); throughput ${counts.map((c) => `${c}: ${fmt.ratio(ratio(c))}`).join(', ')}`,
            met,
          },
        ],
      };
    } finally {
      await fleet.stop();
    }
  },
};
