// `npm run bench`: what the gateway costs and what it saves, each scenario measured side by side
// with its comparison in the same run. Writes bench/results/<date>.json, <date>.md and one SVG
// per scenario. Options: --quick (short runs, into bench/results/tmp), --only=id,id (or the
// environment: BENCH_ONLY=id,id and BENCH_QUICK=1, as `npm run bench` passes no arguments).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { POSTGRES_ADMIN_URL, REDIS_TEST_URL } from '../test/support/services.js';
import { describeMachine, loadAverage, type MachineInfo } from './lib/machine.js';
import { killAllChildren, startSimulator } from './lib/processes.js';
import { elapsedSeconds, progress } from './lib/progress.js';
import { renderMarkdown } from './lib/report.js';
import { errorMessage } from './lib/json.js';
import type { Goal, Scenario, ScenarioOutcome } from './lib/scenario.js';
import { hotPath } from './scenarios/hot-path.js';
import { memory } from './scenarios/memory.js';
import { burstScenario } from './scenarios/burst.js';
import { cache } from './scenarios/cache.js';
import { events } from './scenarios/events.js';
import { latency } from './scenarios/latency.js';
import { limits } from './scenarios/limits.js';
import { proxy } from './scenarios/proxy.js';
import { redisTrips } from './scenarios/redis-trips.js';
import { scale } from './scenarios/scale.js';
import { storm } from './scenarios/storm.js';

// The former `overhead` scenario (gateway vs the simulator called directly) is covered by `proxy`
// (saturation and CPU per request against a bare proxy, and a Zoom-like 50 ms upstream) and
// `latency` (added latency at fixed rates, now open loop).
const SCENARIOS: Scenario[] = [
  hotPath,
  storm,
  proxy,
  latency,
  cache,
  redisTrips,
  burstScenario,
  limits,
  scale,
  memory,
  events,
];

function parseArgs(argv: string[]): { quick: boolean; only?: Set<string> } {
  const quick = argv.includes('--quick') || ['1', 'true'].includes(process.env.BENCH_QUICK ?? '');
  const onlyArg =
    argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? process.env.BENCH_ONLY;
  const only = onlyArg ? new Set(onlyArg.split(',').filter(Boolean)) : undefined;
  for (const id of only ?? []) {
    if (!SCENARIOS.some((s) => s.id === id)) {
      throw new Error(`unknown scenario "${id}"; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
    }
  }
  return { quick, only };
}

/** Redis and PostgreSQL are required (the gateway runs in production shape); say how to start them. */
async function serviceVersions(machine: MachineInfo): Promise<void> {
  const redis = new Redis(REDIS_TEST_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
  try {
    await redis.connect();
    machine.redis = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${REDIS_TEST_URL} (${errorMessage(error)}). ` +
        'Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
      { cause: error },
    );
  } finally {
    redis.disconnect();
  }
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    machine.postgres = rows[0]?.server_version;
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (${errorMessage(error)}). ` +
        'Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const selected = SCENARIOS.filter((s) => !only || only.has(s.id));
  const partial = quick || selected.length !== SCENARIOS.length;
  const machine = describeMachine();
  await serviceVersions(machine);
  progress(
    `zoom-gateway bench${quick ? ' (quick)' : ''}: ${selected.map((s) => s.id).join(', ')} on ${machine.cores} × ${machine.cpuModel}, Node ${machine.node}`,
  );
  if (machine.loadAverageAtStart[0] > machine.cores) {
    progress(
      `WARNING: load average ${machine.loadAverageAtStart[0]} on ${machine.cores} cores: other work is running; ` +
        'ratios survive some noise (alternating rounds), absolute numbers do not',
    );
  }
  const startedAt = new Date();
  const simulator = await startSimulator();
  progress(`simulator process ${simulator.pid} on ${simulator.url} (its own rate limits off)`);

  const outcomes: Record<string, ScenarioOutcome & { seconds: number }> = {};
  let failures = 0;
  try {
    for (const scenario of selected) {
      progress(`— ${scenario.title} —`);
      const t0 = elapsedSeconds();
      try {
        const outcome = await scenario.run({ quick, simulator });
        outcomes[scenario.id] = { ...outcome, seconds: Math.round(elapsedSeconds() - t0) };
      } catch (error) {
        failures++;
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        progress(`${scenario.id} FAILED: ${message}`);
        outcomes[scenario.id] = {
          result: { error: errorMessage(error) },
          markdown: `## ${scenario.title}\n\nThe scenario failed: \`${errorMessage(error).split('\n')[0]}\`\n`,
          goals: [],
          seconds: Math.round(elapsedSeconds() - t0),
        };
      }
      progress(`${scenario.id} done in ${outcomes[scenario.id].seconds} s`);
    }
  } finally {
    await simulator.stop();
  }

  machine.loadAverageAtEnd = loadAverage();
  const date = startedAt.toISOString().slice(0, 10);
  const dir = resolve(partial ? 'bench/results/tmp' : 'bench/results');
  mkdirSync(dir, { recursive: true });
  const goals: Goal[] = Object.values(outcomes).flatMap((o) => o.goals);
  const charts: Record<string, string> = {};
  for (const [id, outcome] of Object.entries(outcomes)) {
    if (!outcome.svg) continue;
    charts[id] = `${date}-${id}.svg`;
    writeFileSync(join(dir, charts[id]), outcome.svg);
  }
  const totalSeconds = Math.round(elapsedSeconds());
  const json = {
    date,
    startedAt: startedAt.toISOString(),
    totalSeconds,
    quick,
    machine,
    goals,
    scenarios: Object.fromEntries(
      Object.entries(outcomes).map(([id, o]) => [
        id,
        { seconds: o.seconds, chart: charts[id], ...o.result },
      ]),
    ),
  };
  writeFileSync(join(dir, `${date}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const markdown = renderMarkdown({ date, machine, totalSeconds, quick, goals, outcomes, charts });
  writeFileSync(join(dir, `${date}.md`), markdown);
  progress(
    `wrote ${join(dir, `${date}.json`)}, ${date}.md and ${Object.keys(charts).length} charts in ${totalSeconds} s`,
  );
  for (const goal of goals) {
    const mark = goal.met === null ? 'n/a ' : goal.met ? 'MET ' : 'MISS';
    progress(`${mark} ${goal.scenario}: ${goal.goal} — ${goal.measured}`);
  }
  return failures > 0 ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping the gateway and simulator processes`);
    killAllChildren();
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    killAllChildren();
    process.exit(1);
  },
);
