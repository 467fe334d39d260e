// Scenario 2: the cold-start storm. N concurrent meeting creates on R replicas that have no token
// yet: how many tokens does each design mint? The gateway fleet (shared Redis) against the design
// from the outage, "read the cache, else mint and save", sharing Redis the same way.
import { Redis } from 'ioredis';
import { createRedisNamespace } from '../../test/support/services.js';
import { PLAN_LIMITS } from '../../src/zoom/api/rate-limit-governor.js';
import { meetingBody } from '../lib/meetings.js';
import { startFleet } from '../lib/fleet.js';
import { mintSimulatorToken, type SimulatorProcess } from '../lib/processes.js';
import { progress, sleep } from '../lib/progress.js';
import {
  fmt,
  table,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';
import { Samples, summarizeLatencies } from '../lib/stats.js';
import { COLORS, renderChart } from '../lib/svg.js';

/** The plan the fleet is configured with (the highest): its governor paces creates to its Medium limit. */
const PLAN = 'business';
/** Zoom's token endpoint is slow (a few hundred ms): the window in which concurrent misses pile up. */
const TOKEN_LATENCY_MS = 300;
const MEETING_BODY = meetingBody('bench storm');

interface StormRun {
  design: 'gateway' | 'naive';
  replicas: number;
  creates: number;
  succeeded: number;
  statusCodes: Record<string, number>;
  /** mints counted by the simulator, from before the replicas started to after the last create */
  mints: number;
  mintsBeforeBurst: number;
  tokenRequests: number;
  burstMs: number;
  latency: ReturnType<typeof summarizeLatencies>;
  /** cumulative mints against ms since the burst began */
  mintsOverTime: [number, number][];
}

/** The outage's design: one of these per replica, each with its own Redis connection. */
class NaiveReplica {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly simulatorUrl: string,
  ) {}

  private async token(): Promise<string> {
    const cached = await this.redis.get(this.key);
    if (cached) return cached;
    const minted = await mintSimulatorToken(this.simulatorUrl);
    await this.redis.set(this.key, minted.accessToken, 'EX', Math.max(1, minted.expiresIn - 60));
    return minted.accessToken;
  }

  async createMeeting(): Promise<number> {
    const token = await this.token();
    const response = await fetch(`${this.simulatorUrl}/v2/users/me/meetings`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: MEETING_BODY,
    });
    await response.arrayBuffer();
    return response.status;
  }
}

/** Fires `creates` concurrent creates, polling the simulator's mint count while they run. */
async function burst(
  simulator: SimulatorProcess,
  creates: number,
  create: (i: number) => Promise<number>,
): Promise<
  Pick<StormRun, 'succeeded' | 'statusCodes' | 'burstMs' | 'latency' | 'mintsOverTime' | 'creates'>
> {
  const latencies = new Samples();
  const statusCodes: Record<string, number> = {};
  const mintsOverTime: [number, number][] = [[0, (await simulator.stats()).tokensMinted]];
  const started = performance.now();
  const finished = new AbortController();
  const poller = (async () => {
    while (!finished.signal.aborted) {
      await sleep(20);
      const { tokensMinted } = await simulator.stats();
      mintsOverTime.push([Math.round(performance.now() - started), tokensMinted]);
    }
  })();
  await Promise.all(
    Array.from({ length: creates }, async (_, i) => {
      const t0 = performance.now();
      let status: number;
      try {
        status = await create(i);
      } catch {
        status = 0;
      }
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (status === 201) latencies.push(performance.now() - t0);
    }),
  );
  const burstMs = performance.now() - started;
  finished.abort();
  await poller;
  mintsOverTime.push([
    Math.round(performance.now() - started),
    (await simulator.stats()).tokensMinted,
  ]);
  return {
    creates,
    succeeded: statusCodes[201] ?? 0,
    statusCodes,
    burstMs: Math.round(burstMs),
    latency: summarizeLatencies(latencies.values()),
    mintsOverTime,
  };
}

async function prepareSimulator(simulator: SimulatorProcess): Promise<void> {
  await simulator.reset({ tokens: true, meetings: true });
  await simulator.control('setTokenLatency', TOKEN_LATENCY_MS);
}

async function runGateway(
  simulator: SimulatorProcess,
  replicas: number,
  creates: number,
): Promise<StormRun> {
  await prepareSimulator(simulator);
  // Counting starts before the replicas start: a mint at start-up is a mint too.
  const fleet = await startFleet(`storm-r${replicas}`, replicas, simulator.url, {
    ZOOM_RATE_LIMIT_PLAN: PLAN,
  });
  try {
    const mintsBeforeBurst = (await simulator.stats()).tokensMinted;
    const outcome = await burst(simulator, creates, async (i) => {
      const gateway = fleet.gateways[i % replicas];
      const response = await fetch(`${gateway.url}/v2/users/me/meetings`, {
        method: 'POST',
        headers: { ...fleet.headers, 'Content-Type': 'application/json' },
        body: MEETING_BODY,
      });
      await response.arrayBuffer();
      return response.status;
    });
    const stats = await simulator.stats();
    return {
      design: 'gateway',
      replicas,
      mints: stats.tokensMinted,
      mintsBeforeBurst,
      tokenRequests: stats.tokenRequests,
      ...outcome,
    };
  } finally {
    await fleet.stop();
  }
}

async function runNaive(
  simulator: SimulatorProcess,
  replicas: number,
  creates: number,
): Promise<StormRun> {
  await prepareSimulator(simulator);
  const namespace = await createRedisNamespace();
  const connections = Array.from(
    { length: replicas },
    () => new Redis(namespace.url, { maxRetriesPerRequest: 1 }),
  );
  try {
    const naive = connections.map(
      (redis) => new NaiveReplica(redis, `${namespace.prefix}zoom-token`, simulator.url),
    );
    await Promise.all(connections.map((c) => c.ping()));
    const outcome = await burst(simulator, creates, (i) => naive[i % replicas].createMeeting());
    const stats = await simulator.stats();
    return {
      design: 'naive',
      replicas,
      mints: stats.tokensMinted,
      mintsBeforeBurst: 0,
      tokenRequests: stats.tokenRequests,
      ...outcome,
    };
  } finally {
    for (const c of connections) c.disconnect();
    await namespace.cleanup();
  }
}

export const storm: Scenario = {
  id: 'storm',
  title: 'Cold-start storm',
  async run({ quick, simulator }: ScenarioContext): Promise<ScenarioOutcome> {
    const creates = quick ? 60 : 200;
    const replicaCounts = quick ? [1, 3] : [1, 3, 6];
    const goal = { scenario: 'storm', goal: 'exactly 1 mint for the whole fleet, for R = 1, 3, 6' };
    const runs: StormRun[] = [];
    for (const [index, replicas] of replicaCounts.entries()) {
      // Alternate which design goes first.
      const order =
        index % 2 === 0 ? (['gateway', 'naive'] as const) : (['naive', 'gateway'] as const);
      for (const design of order) {
        const run =
          design === 'gateway'
            ? await runGateway(simulator, replicas, creates)
            : await runNaive(simulator, replicas, creates);
        runs.push(run);
        progress(
          `storm R=${replicas} ${design}: ${run.succeeded}/${creates} created, ${run.mints} mint(s) (${run.mintsBeforeBurst} before the burst), burst ${run.burstMs} ms`,
        );
      }
    }
    await simulator.reset({ tokens: true, meetings: true });

    const pick = (design: StormRun['design'], r: number) =>
      runs.find((x) => x.design === design && x.replicas === r)!;
    const rows = replicaCounts.map((r) => {
      const g = pick('gateway', r);
      const n = pick('naive', r);
      return [
        r,
        `${g.mints}`,
        `${n.mints}`,
        g.mints > 0 ? fmt.ratio(n.mints / g.mints) : '—',
        `${g.succeeded}/${creates}`,
        `${n.succeeded}/${creates}`,
        `${fmt.int(g.burstMs)} / ${fmt.int(n.burstMs)} ms`,
      ];
    });
    const gatewayMints = replicaCounts.map((r) => pick('gateway', r).mints);
    const met =
      gatewayMints.every((m) => m === 1) &&
      replicaCounts.every((r) => pick('gateway', r).succeeded === creates);
    const largest = replicaCounts[replicaCounts.length - 1];
    const markdown = [
      '## 2. Cold-start storm',
      '',
      `${creates} concurrent \`POST /v2/users/me/meetings\` spread round-robin over R replicas that have no token yet; ` +
        `the simulator's token endpoint answers after ${TOKEN_LATENCY_MS} ms. The gateway fleet shares one PostgreSQL and one Redis; ` +
        'the naive client is "read the token from Redis, else mint and save it" with one Redis connection per replica. ' +
        'Mints are counted by the simulator from before the replicas start until the last create answers.',
      '',
      table(
        [
          'replicas',
          'gateway mints',
          'naive mints',
          'naive ÷ gateway',
          'gateway created',
          'naive created',
          'all answered after: gateway / naive',
        ],
        rows,
      ),
      '',
      "The gateway takes longer to answer all creates because its governor paces them to the plan's Medium limit " +
        `(${PLAN}: ${PLAN_LIMITS[PLAN].medium} per second for the account) on purpose; the naive client is not held back only because ` +
        "the simulator's rate limits are off here: on Zoom, its creates beyond that limit would be answered 429.",
      '',
      `Goal: exactly one mint for the fleet at every R: **${met ? 'met' : 'missed'}** (gateway mints: ${gatewayMints.join(', ')}).`,
      '',
    ].join('\n');
    const svg = renderChart({
      title: `Cold-start storm: tokens minted for ${creates} concurrent creates`,
      note: `token endpoint latency ${TOKEN_LATENCY_MS} ms; gateway fleet vs naive read-cache-else-mint, both on shared Redis`,
      panels: [
        {
          kind: 'bars',
          title: 'mints by number of replicas',
          yLabel: 'tokens minted',
          series: [
            { name: 'gateway', color: COLORS.gateway },
            { name: 'naive cache-then-mint', color: COLORS.comparison },
          ],
          groups: replicaCounts.map((r) => ({
            label: `R = ${r}`,
            values: [pick('gateway', r).mints, pick('naive', r).mints],
          })),
        },
        {
          kind: 'lines',
          title: `mints over time, R = ${largest}`,
          xLabel: 'ms since the burst began',
          yLabel: 'tokens minted (cumulative)',
          series: [
            {
              name: 'gateway',
              color: COLORS.gateway,
              points: pick('gateway', largest).mintsOverTime,
              step: true,
            },
            {
              name: 'naive',
              color: COLORS.comparison,
              points: pick('naive', largest).mintsOverTime,
              step: true,
            },
          ],
        },
      ],
    });
    return {
      result: { creates, tokenLatencyMs: TOKEN_LATENCY_MS, runs },
      markdown,
      svg,
      goals: [
        {
          ...goal,
          measured: replicaCounts
            .map((r) => `R=${r}: ${pick('gateway', r).mints} vs naive ${pick('naive', r).mints}`)
            .join('; '),
          met,
        },
      ],
    };
  },
};
