// Scenario 5: start-up time to ready (fresh database with migrations, then restarts) and the
// resident memory of one replica at idle and while it serves 100 000 requests.
import {
  createPostgresDatabase,
  createRedisNamespace,
  testEncryptionKey,
} from '../../test/support/services.js';
import { createMeeting } from '../lib/meetings.js';
import { runLoad } from '../lib/load.js';
import {
  benchApiKey,
  type GatewayOptions,
  type GatewayProcess,
  startGateway,
} from '../lib/processes.js';
import { progress, sleep } from '../lib/progress.js';
import {
  fmt,
  table,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';
import { median, round } from '../lib/stats.js';
import { COLORS, renderChart } from '../lib/svg.js';

/** Growth allowed between the warm-up and the end: a leak of even 1 KB per request would exceed it. */
const GROWTH_BOUND_MB = 64;
const WARMUP_REQUESTS = 10_000;
/** Keeps `npm run bench` inside its 10 minutes on a slow machine; the result says when it cut the run short. */
const TIME_CAP_MS = 120_000;

export const memory: Scenario = {
  id: 'memory',
  title: 'Memory and start-up',
  async run({ quick, simulator }: ScenarioContext): Promise<ScenarioOutcome> {
    const title = '8. Memory and start-up';
    const total = quick ? 20_000 : 100_000;
    const chunk = quick ? 2_500 : 5_000;
    const goals = [
      {
        scenario: 'memory',
        goal: `RSS peak growth over ${fmt.int(total)} requests after warm-up < ${GROWTH_BOUND_MB} MB`,
      },
    ];
    await simulator.reset({ tokens: true, meetings: true });
    const database = await createPostgresDatabase();
    const redis = await createRedisNamespace();
    const apiKey = benchApiKey();
    const options: GatewayOptions = {
      simulatorUrl: simulator.url,
      databaseUrl: database.url,
      redisUrl: redis.url,
      redisKeyPrefix: redis.prefix,
      encryptionKey: testEncryptionKey(),
      apiKey,
      env: { ZOOM_RATE_LIMIT_PLAN: 'business' },
    };
    let gateway: GatewayProcess | undefined;
    try {
      // Start-up: the first start creates the schema; restarts find it in place.
      const starts: { kind: 'fresh database' | 'restart'; liveMs: number; readyMs: number }[] = [];
      for (let i = 0; i < 3; i++) {
        const started = await startGateway(`memory-start-${i + 1}`, options);
        starts.push({
          kind: i === 0 ? 'fresh database' : 'restart',
          liveMs: round(started.liveMs, 0),
          readyMs: round(started.readyMs, 0),
        });
        progress(
          `start-up ${i + 1}/3 (${starts[i].kind}): live after ${starts[i].liveMs} ms, ready after ${starts[i].readyMs} ms`,
        );
        await started.stop();
      }
      // Plan limits lifted (as in scenario 3): at the plan's 80 calls/s, 100 000 requests would take 20 minutes.
      gateway = await startGateway('memory', { ...options, entry: 'limits-lifted' });
      const g = gateway;
      await sleep(2_000);
      const idleMb = round(g.rssMb(), 1);
      const headers = { Authorization: `Bearer ${apiKey}` };
      const meetingId = await createMeeting(`${g.url}/v2`, headers, 'bench memory');
      const series: [number, number][] = [[0, idleMb]];
      let served = 0;
      let failed = 0;
      const url = `${g.url}/v2/meetings/${meetingId}`;
      const deadline = performance.now() + (quick ? 40_000 : TIME_CAP_MS);
      while (served < total && performance.now() < deadline) {
        const result = await runLoad({ urls: [url], headers, connections: 32, amount: chunk });
        served += result.ok + result.non2xx;
        failed += result.non2xx + result.errors;
        series.push([served, round(g.rssMb(), 1)]);
        if (served % (chunk * 4) === 0 || served >= total) {
          progress(
            `memory: ${fmt.int(served)} requests served, RSS ${series.at(-1)![1]} MB (${fmt.int(result.rps)}/s)`,
          );
        }
      }
      const startRows = starts.map((s) => [s.kind, `${s.liveMs} ms`, `${s.readyMs} ms`]);
      const restartReady = median(starts.filter((s) => s.kind === 'restart').map((s) => s.readyMs));
      const startupMarkdown = table(['start', 'to /health/live', 'to /health/ready'], startRows);
      // RSS saws up and down with each garbage collection, so compare peaks, not two samples: the
      // highest RSS in the second half of the run after warm-up against the highest in the first half.
      const afterWarmup = series.filter(([n]) => n >= WARMUP_REQUESTS);
      const half = Math.ceil(afterWarmup.length / 2);
      const firstPeak = Math.max(...afterWarmup.slice(0, half).map(([, mb]) => mb));
      const secondPeak = Math.max(...afterWarmup.slice(half).map(([, mb]) => mb), firstPeak);
      const warm = afterWarmup[0]?.[1] ?? idleMb;
      const end = series.at(-1)![1];
      const growth = round(secondPeak - firstPeak, 1);
      const peak = Math.max(...series.map(([, mb]) => mb));
      const met = growth < GROWTH_BOUND_MB;
      const markdown = [
        `## ${title}`,
        '',
        'One replica in production shape (PostgreSQL, Redis). Start-up is measured from spawning the process to the first 200 ' +
          `of \`/health/live\` and \`/health/ready\`. Memory is the process's resident set after each ${fmt.int(chunk)} of ` +
          `${fmt.int(total)} \`GET /v2/meetings/{id}\` (32 connections). Growth compares the highest RSS of the second half ` +
          `of the run after a ${fmt.int(WARMUP_REQUESTS)}-request warm-up with the highest of the first half (RSS rises and falls with each garbage collection).`,
        '',
        startupMarkdown,
        '',
        table(
          [
            'idle',
            `after ${fmt.int(WARMUP_REQUESTS)}`,
            `after ${fmt.int(served)}`,
            'peak',
            'peak growth, 2nd half − 1st half after warm-up',
            'failed',
          ],
          [[`${idleMb} MB`, `${warm} MB`, `${end} MB`, `${peak} MB`, `${growth} MB`, failed]],
        ),
        '',
        `Goal: growth under ${GROWTH_BOUND_MB} MB after warm-up: **${met ? 'met' : 'missed'}**. Restart to ready: ${restartReady} ms (median of 2).` +
          (served < total
            ? ` The run stopped at ${fmt.int(served)} of ${fmt.int(total)} requests: its ${TIME_CAP_MS / 1000} s cap keeps \`npm run bench\` inside 10 minutes on this machine.`
            : ''),
        '',
      ].join('\n');
      const svg = renderChart({
        title: 'Memory: resident set of one replica while it serves requests',
        note: `idle ${idleMb} MB; growth after warm-up ${growth} MB (bound ${GROWTH_BOUND_MB} MB); ready ${starts[0].readyMs} ms fresh, ${restartReady} ms restart`,
        panels: [
          {
            kind: 'lines',
            title: 'RSS by requests served',
            xLabel: 'requests served',
            yLabel: 'RSS (MB)',
            series: [{ name: 'gateway replica RSS', color: COLORS.gateway, points: series }],
          },
          {
            kind: 'bars',
            title: 'start-up time',
            yLabel: 'ms',
            series: [
              { name: 'to live', color: COLORS.gatewayLight },
              { name: 'to ready', color: COLORS.gateway },
            ],
            groups: starts.map((s, i) => ({
              label: i === 0 ? 'fresh DB' : `restart ${i}`,
              values: [s.liveMs, s.readyMs],
            })),
          },
        ],
      });
      return {
        result: {
          starts,
          idleRssMb: idleMb,
          warmRssMb: warm,
          firstHalfPeakMb: firstPeak,
          secondHalfPeakMb: secondPeak,
          endRssMb: end,
          peakRssMb: peak,
          growthMb: growth,
          requests: served,
          failed,
          series,
        },
        markdown,
        svg,
        goals: [
          {
            ...goals[0],
            measured: `${growth} MB (idle ${idleMb} MB, peak ${peak} MB, ${fmt.int(served)} requests)`,
            met,
            ...(served < total
              ? { note: `time cap: ${fmt.int(served)} of ${fmt.int(total)} requests` }
              : {}),
          },
        ],
      };
    } finally {
      await gateway?.stop();
      await redis.cleanup();
      await database.drop().catch(() => undefined);
    }
  },
};
