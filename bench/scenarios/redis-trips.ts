// Scenario 5: Redis commands per Zoom call on the hot path (issue 16, item 2: one round trip or
// fewer). One replica as shipped (plan business, Redis); Redis MONITOR records every command
// while calls of each route arrive at half the plan's Light limit (the hot path: below the limit;
// beyond it, a call in line asks again once its slot is due, by design), and the commands of the gateway's own connections
// (those that touch its key prefix) are counted, less what those connections send while idle
// (heartbeats, leases, scheduled jobs) over as long. MONITOR sees this Redis's other users too
// (tests may be running): they are left out by connection, so the count is the gateway's alone.
import { Redis } from 'ioredis';
import { REDIS_TEST_URL } from '../../test/support/services.js';
import { startFleet } from '../lib/fleet.js';
import { createMeeting, meetingBody } from '../lib/meetings.js';
import { runLoad } from '../lib/load.js';
import { runOpenLoop } from '../lib/open-loop.js';
import { progress, sleep } from '../lib/progress.js';
import {
  fmt,
  table,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';
import { round } from '../lib/stats.js';

const MEETING_BODY = meetingBody('bench redis');
const GOAL_PER_CALL = 1;
/** Poisson arrivals per second: half of Business' Light limit (80/s), two thirds of its Medium (60/s). */
const RATE = 40;

interface Seen {
  /** Redis server time, ms */
  at: number;
  command: string;
  source: string;
  touchesPrefix: boolean;
}

interface RouteTrips {
  route: string;
  calls: number;
  /** answers other than 2xx: a call refused is no hot-path call */
  failed: number;
  seconds: number;
  commands: number;
  idleCommandsInSameTime: number;
  perCall: number;
  byCommand: Record<string, number>;
  /** commands the governor's script runs inside Redis per call (no round trips) */
  insideScriptsPerCall: number;
}

export const redisTrips: Scenario = {
  id: 'redis',
  title: 'Redis round trips per call',
  async run({ quick, simulator }: ScenarioContext): Promise<ScenarioOutcome> {
    const title = '5. Redis round trips per Zoom call';
    const calls = quick ? 60 : 200;
    await simulator.reset({ tokens: true, meetings: true });
    const fleet = await startFleet('redis-trips', 1, simulator.url, {
      ZOOM_RATE_LIMIT_PLAN: 'business',
      CACHE_TTL_SECONDS: '0',
    });
    const monitorClient = new Redis(REDIS_TEST_URL, { lazyConnect: true });
    try {
      const gateway = fleet.gateways[0];
      const meetingId = await createMeeting(`${gateway.url}/v2`, fleet.headers, 'bench redis');
      const routes = [
        {
          route: 'GET /v2/meetings/{id}',
          method: 'GET' as const,
          path: `/meetings/${meetingId}`,
        },
        { route: 'GET /v2/users/me', method: 'GET' as const, path: '/users/me' },
        {
          route: 'POST /v2/users/me/meetings',
          method: 'POST' as const,
          path: '/users/me/meetings',
          body: MEETING_BODY,
        },
      ];
      // Warm every route once (token in memory, script cached by its SHA) before counting.
      for (const r of routes)
        await runLoad({
          urls: [`${gateway.url}/v2${r.path}`],
          method: r.method,
          headers: { ...fleet.headers, 'Content-Type': 'application/json' },
          body: r.body,
          connections: 1,
          amount: 2,
        });

      const seen: Seen[] = [];
      const monitor = await monitorClient.monitor();
      monitor.on('monitor', (time: string, args: string[], source: string) => {
        seen.push({
          at: Number(time) * 1000,
          command: (args[0] ?? '').toLowerCase(),
          source,
          touchesPrefix: args.some((a) => a.includes(fleet.redisPrefix)),
        });
      });
      await sleep(200);
      const windows: { name: string; from: number; to: number; calls: number; failed: number }[] =
        [];
      const mark = async (
        name: string,
        work: () => Promise<{ calls: number; failed: number }>,
      ): Promise<void> => {
        // Redis's clock and ours are the same machine's clock.
        const from = Date.now();
        const done = await work();
        windows.push({ name, from, to: Date.now(), ...done });
      };
      await mark('idle', () => sleep(quick ? 2_000 : 4_000).then(() => ({ calls: 0, failed: 0 })));
      for (const [i, r] of routes.entries()) {
        await mark(r.route, async () => {
          const result = await runOpenLoop({
            url: `${gateway.url}/v2${r.path}`,
            method: r.method,
            headers: { ...fleet.headers, 'Content-Type': 'application/json' },
            body: r.body,
            rate: RATE,
            durationS: calls / RATE,
            seed: 50 + i,
          });
          return { calls: result.sent, failed: result.sent - result.ok };
        });
      }
      await sleep(200);
      monitor.disconnect();
      // The gateway's connections: those that sent any command naming its key prefix. MONITOR also
      // shows the commands a script runs inside Redis (source "lua"): no round trip, counted apart.
      const ours = new Set(
        seen.filter((s) => s.touchesPrefix && s.source !== 'lua').map((s) => s.source),
      );
      const inScripts = (w: { from: number; to: number }) =>
        seen.filter((s) => s.source === 'lua' && s.touchesPrefix && s.at >= w.from && s.at <= w.to)
          .length;
      const inWindow = (w: { from: number; to: number }) =>
        seen.filter((s) => ours.has(s.source) && s.at >= w.from && s.at <= w.to);
      const idle = windows[0];
      const idlePerMs = inWindow(idle).length / (idle.to - idle.from);
      const results: RouteTrips[] = windows.slice(1).map((w) => {
        const commands = inWindow(w);
        const byCommand: Record<string, number> = {};
        for (const c of commands) byCommand[c.command] = (byCommand[c.command] ?? 0) + 1;
        const idleShare = idlePerMs * (w.to - w.from);
        return {
          route: w.name,
          calls: w.calls,
          failed: w.failed,
          seconds: round((w.to - w.from) / 1000, 2),
          commands: commands.length,
          idleCommandsInSameTime: round(idleShare, 1),
          perCall: round((commands.length - idleShare) / Math.max(1, w.calls), 2),
          byCommand,
          insideScriptsPerCall: round(inScripts(w) / Math.max(1, w.calls), 2),
        };
      });
      for (const r of results)
        progress(
          `redis ${r.route}: ${r.commands} commands for ${r.calls} calls (${r.perCall}/call) ${JSON.stringify(r.byCommand)}`,
        );
      const idleByCommand: Record<string, number> = {};
      for (const c of inWindow(idle))
        idleByCommand[c.command] = (idleByCommand[c.command] ?? 0) + 1;
      const met = results.every((r) => r.failed === 0 && r.perCall <= GOAL_PER_CALL + 0.05);
      const markdown = [
        `## ${title}`,
        '',
        `One replica as shipped (plan business, Redis, PostgreSQL). Redis \`MONITOR\` records every command while about ${calls} calls of each route ` +
          `arrive at ${RATE} per second (open loop, Poisson: the hot path, below the plan's limits); only the gateway's own connections count (those that touch its key prefix), less what they send ` +
          `when idle over as long (${fmt.int(inWindow(idle).length)} commands in ${((idle.to - idle.from) / 1000).toFixed(1)} s idle: ${JSON.stringify(idleByCommand)}). ` +
          'Each command is one round trip unless pipelined; the governor sends at most one `EVALSHA` per call, and at this pace most calls start on a slot an earlier reservation leased to the replica (none).',
        '',
        table(
          [
            'route',
            'calls',
            'commands (gateway connections)',
            'idle share',
            'round trips per call',
            'by command',
            'commands inside the script, per call',
          ],
          results.map((r) => [
            r.route,
            r.failed ? `${r.calls} (${r.failed} not 2xx)` : r.calls,
            r.commands,
            r.idleCommandsInSameTime,
            `**${r.perCall}**`,
            `\`${JSON.stringify(r.byCommand)}\``,
            r.insideScriptsPerCall,
          ]),
        ),
        '',
        `Goal: one round trip or fewer per Zoom call: **${met ? 'met' : 'missed'}**.`,
        '',
      ].join('\n');
      return {
        result: { calls, idleCommands: inWindow(idle).length, idleByCommand, results },
        markdown,
        goals: [
          {
            scenario: 'redis',
            goal: 'one Redis round trip or fewer per Zoom call on the hot path',
            measured: results.map((r) => `${r.route}: ${r.perCall}`).join('; '),
            met,
          },
        ],
      };
    } finally {
      monitorClient.disconnect();
      await fleet.stop();
    }
  },
};
