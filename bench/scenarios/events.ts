// Scenario 9: Zoom's events passed on to internal apps. One gateway as shipped (PostgreSQL, Redis,
// LOG_LEVEL=info) takes signed `meeting.updated` events at POST /webhooks/zoom, each about a
// meeting of its own, and delivers each to 10 subscribers: node:http servers on 127.0.0.1 in the
// bench process answering 204 at once, subscribed to `meeting.*` by an app key with
// ownership=all. Open loop at 20, 50 and 100 events/s, then closed loop (saturation). The
// comparison, in the same run and on the same process: every load also runs with the 10
// subscriptions paused (the gateway then stores no delivery and sends nothing), so Zoom's answer
// with and without 10 deliveries per event, and the CPU an event and a delivery cost, are
// measured side by side, the two arms alternating.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { startFleet } from '../lib/fleet.js';
import { readJson } from '../lib/json.js';
import { progress, sleep } from '../lib/progress.js';
import {
  fmt,
  table,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';
import { round, type LatencySummary } from '../lib/stats.js';
import { COLORS, renderChart } from '../lib/svg.js';
import {
  ArmRuns,
  type ArmSummary,
  cpuBetween,
  postgresBackendCpu,
  sendClosedLoop,
  sendOpenLoop,
  Subscribers,
  Tally,
} from '../lib/webhook-events.js';

const SUBSCRIBERS = 10;
const RATES = [20, 50, 100];
const GOAL_RATE = 50;
const GOAL_ANSWER_P99_MS = 1_000;
const GOAL_RECEIPT_P99_MS = 1_000;
const SATURATION_CONNECTIONS = 16;
const SECRET = `bench-webhook-${randomBytes(12).toString('hex')}`;
const APP_KEY = `bench-events-${randomBytes(16).toString('hex')}`;

const Created = z.object({ id: z.string(), secret: z.string() });

/** Subscriptions active while a run sends: none (all 10 paused) or all 10. */
type Arm = 'none' | 'ten';
const ARM_LABEL: Record<Arm, string> = { none: 'none (paused)', ten: String(SUBSCRIBERS) };

type Load = { kind: 'open'; rate: number; seed: number } | { kind: 'closed' };

interface LoadResult {
  load: string;
  rate: number | null;
  none: ArmSummary;
  ten: ArmSummary;
  /** Zoom's answer p99 with 10 subscribers ÷ with none */
  answerP99Ratio: number;
  /** (CPU per event with 10 − with none) ÷ 10 */
  cpuMsPerDelivery: { gateway: number; postgres: number };
}

/** Events the gateway has finished processing (its records' side), from its own /metrics. */
async function eventsProcessed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('zoom_webhook_events_total{') &&
        /outcome="(ignored|processed|failed)"/.test(l),
    )
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : fmt.ms(v));
const codes = (c: Record<string, number>) =>
  Object.keys(c).length
    ? Object.entries(c)
        .map(([k, n]) => `${n}× ${k}`)
        .join(', ')
    : 'none';

export const events: Scenario = {
  id: 'events',
  title: "Zoom's events to 10 subscribers",
  async run({ quick, simulator }: ScenarioContext): Promise<ScenarioOutcome> {
    const title = `9. Zoom's events passed on to internal apps: ${SUBSCRIBERS} subscribers, one replica`;
    const rounds = quick ? 1 : 2;
    const seconds = quick ? 3 : 5;
    const saturationSeconds = quick ? 3 : 10;
    const subscribers = await Subscribers.start(SUBSCRIBERS);
    const fleet = await startFleet('events', 1, simulator.url, {
      ZOOM_WEBHOOK_SECRET_TOKEN: SECRET,
      WEBHOOK_DESTINATIONS: 'http://127.0.0.1',
      // One internal app that may read every meeting's events (the fleet's own key is replaced).
      API_KEYS: `events-app[meetings=rw;ownership=all]:${APP_KEY}`,
    }).catch(async (error: unknown) => {
      await subscribers.close();
      throw error;
    });
    try {
      const gateway = fleet.gateways[0];
      const api = `${gateway.url}/api/webhook-subscriptions`;
      const headers = { Authorization: `Bearer ${APP_KEY}`, 'Content-Type': 'application/json' };
      const ids: string[] = [];
      for (const [i, url] of subscribers.urls.entries()) {
        const response = await fetch(api, {
          method: 'POST',
          headers,
          body: JSON.stringify({ url, events: ['meeting.*'], description: `bench ${i + 1}` }),
        });
        if (response.status !== 201)
          throw new Error(`subscribing answered ${response.status}: ${await response.text()}`);
        const created = await readJson(response, Created);
        ids.push(created.id);
        subscribers.secrets[i] = created.secret;
      }
      let paused = false;
      const setArm = async (arm: Arm) => {
        if (paused === (arm === 'none')) return;
        paused = arm === 'none';
        for (const id of ids) {
          const response = await fetch(`${api}/${id}`, {
            method: 'PATCH',
            headers,
            body: JSON.stringify({ paused }),
          });
          if (!response.ok) throw new Error(`pausing answered ${response.status}`);
        }
      };
      const url = `${gateway.url}/webhooks/zoom`;
      /** One run: send, wait for every delivery (and the records' side), count the CPU it took. */
      const runArm = async (into: ArmRuns, arm: Arm, load: Load, durationS: number) => {
        await setArm(arm);
        const tally = new Tally();
        const target = { url, secret: SECRET, subscribers, tally };
        const processed = await eventsProcessed(gateway.url);
        const cpu = gateway.cpuSeconds();
        const pg = await postgresBackendCpu(fleet.databaseUrl);
        const bench = process.cpuUsage();
        const intake =
          load.kind === 'open'
            ? await sendOpenLoop(target, load.rate, durationS, load.seed)
            : await sendClosedLoop(target, SATURATION_CONNECTIONS, durationS);
        const sendEnd = performance.now();
        const expected = arm === 'ten' ? intake.ok * SUBSCRIBERS : 0;
        // Every delivery is in before the next run starts, so no run pays for another's backlog.
        if (!(await subscribers.waitFor(tally, expected, 15_000, quick ? 300_000 : 900_000)))
          progress(`events: ${expected - tally.delivered} deliveries still missing; going on`);
        const deadline = performance.now() + 30_000;
        while ((await eventsProcessed(gateway.url)) - processed < intake.ok) {
          if (performance.now() > deadline) break;
          await sleep(50);
        }
        into.cpu.gateway += gateway.cpuSeconds() - cpu;
        into.cpu.postgres += cpuBetween(pg, await postgresBackendCpu(fleet.databaseUrl));
        const used = process.cpuUsage(bench);
        into.cpu.bench += (used.user + used.system) / 1e6;
        into.add(intake, tally, expected, sendEnd);
        subscribers.forget();
      };

      // Warm-up: a replica in service has taken events before (JIT, pools, the heap).
      const warm = new ArmRuns();
      await runArm(warm, 'ten', { kind: 'open', rate: GOAL_RATE, seed: 1 }, quick ? 3 : 10);
      if (warm.delivered === 0)
        throw new Error(`no delivery reached a subscriber in the warm-up (${codes(warm.non2xx)})`);

      const results: LoadResult[] = [];
      const loads: { label: string; load: Load; durationS: number; rounds: number }[] = [
        ...RATES.map((rate, i) => ({
          label: `${rate}/s`,
          load: { kind: 'open' as const, rate, seed: 100 + i },
          durationS: seconds,
          rounds,
        })),
        {
          label: `saturation (${SATURATION_CONNECTIONS} connections)`,
          load: { kind: 'closed' },
          durationS: saturationSeconds,
          rounds: 1,
        },
      ];
      for (const [i, plan] of loads.entries()) {
        const arms = { none: new ArmRuns(), ten: new ArmRuns() };
        for (let r = 0; r < plan.rounds; r++) {
          // Each round starts with the other arm; the same seed in a round: the same schedule.
          const order: Arm[] = (i + r) % 2 === 0 ? ['none', 'ten'] : ['ten', 'none'];
          const load =
            plan.load.kind === 'open' ? { ...plan.load, seed: plan.load.seed + r } : plan.load;
          for (const arm of order) await runArm(arms[arm], arm, load, plan.durationS);
        }
        const none = arms.none.summary();
        const ten = arms.ten.summary();
        const result: LoadResult = {
          load: plan.label,
          rate: plan.load.kind === 'open' ? plan.load.rate : null,
          none,
          ten,
          answerP99Ratio: round(ten.answer.p99 / none.answer.p99, 2),
          cpuMsPerDelivery: {
            gateway: round(
              (ten.cpuMsPerEvent.gateway - none.cpuMsPerEvent.gateway) / SUBSCRIBERS,
              3,
            ),
            postgres: round(
              (ten.cpuMsPerEvent.postgres - none.cpuMsPerEvent.postgres) / SUBSCRIBERS,
              3,
            ),
          },
        };
        results.push(result);
        progress(
          `events ${plan.label}: taken in ${ten.eventsPerS}/s with ${SUBSCRIBERS} subscribers (${none.eventsPerS}/s with none); ` +
            `Zoom's answer p50 ${ms(ten.answer.p50)} p99 ${ms(ten.answer.p99)} (none: ${ms(none.answer.p50)} / ${ms(none.answer.p99)}); ` +
            `${fmt.int(ten.deliveries)} deliveries at ${ten.deliveriesPerS}/s (${ten.undelivered} missing), receipt p50 ${ms(ten.receipt.p50)} p99 ${ms(ten.receipt.p99)}, ` +
            `drained ${ten.drainAfterLastSendS} s after the last send; CPU per event gateway ${fmt.ms(ten.cpuMsPerEvent.gateway)} (none ${fmt.ms(none.cpuMsPerEvent.gateway)}), ` +
            `PostgreSQL ${fmt.ms(ten.cpuMsPerEvent.postgres)} (none ${fmt.ms(none.cpuMsPerEvent.postgres)}); non-2xx ${codes(ten.non2xx)} / ${codes(none.non2xx)}`,
        );
      }
      return report(title, results, subscribers.strays, quick);
    } finally {
      await fleet.stop();
      await subscribers.close();
    }
  },
};

/** Every event answered 2xx. */
const clean = (a: ArmSummary) => a.accepted > 0 && Object.keys(a.non2xx).length === 0;

function report(
  title: string,
  results: LoadResult[],
  strays: number,
  quick: boolean,
): ScenarioOutcome {
  const open = results.filter((r) => r.rate !== null);
  const saturation = results.find((r) => r.rate === null);
  const atGoal = open.find((r) => r.rate === GOAL_RATE);
  const answerMet = open.every((r) =>
    [r.none, r.ten].every((a) => clean(a) && a.answer.p99 < GOAL_ANSWER_P99_MS),
  );
  const receiptMet =
    atGoal !== undefined &&
    clean(atGoal.ten) &&
    atGoal.ten.undelivered === 0 &&
    atGoal.ten.badSignatures === 0 &&
    atGoal.ten.receipt.p99 < GOAL_RECEIPT_P99_MS;
  const row = (r: LoadResult, arm: Arm) => {
    const a = r[arm];
    return [
      r.load,
      ARM_LABEL[arm],
      `${fmt.int(a.accepted)} (${a.eventsPerS}/s)`,
      `${ms(a.answer.p50)} / ${arm === 'ten' ? `**${ms(a.answer.p99)}**` : ms(a.answer.p99)}`,
      arm === 'ten' ? `${fmt.int(a.deliveries)} (${a.deliveriesPerS}/s)` : '-',
      arm === 'ten' ? `${ms(a.receipt.p50)} / **${ms(a.receipt.p99)}**` : '-',
      arm === 'ten' ? `${a.drainAfterLastSendS} s` : '-',
      `${fmt.ms(a.cpuMsPerEvent.gateway)} / ${fmt.ms(a.cpuMsPerEvent.postgres)}`,
      arm === 'ten' ? `${a.undelivered} / ${a.duplicates} / ${a.badSignatures}` : '-',
      codes(a.non2xx),
    ];
  };
  const markdown = [
    `## ${title}`,
    '',
    "Signed `meeting.updated` events (Zoom's signature with `ZOOM_WEBHOOK_SECRET_TOKEN`, `event_ts` = the send time, each about a meeting of its own, " +
      "none of them the gateway's) sent by hand to `POST /webhooks/zoom` of one gateway as shipped (`src/main.ts`, PostgreSQL, Redis, `LOG_LEVEL=info`). " +
      `${SUBSCRIBERS} subscribers, each a \`node:http\` server on 127.0.0.1 in the bench process that answers 204 at once and checks the gateway's signature, ` +
      'are subscribed to `meeting.*` by one app key with `ownership=all` (`WEBHOOK_DESTINATIONS=http://127.0.0.1`). ' +
      `Open loop at ${RATES.join(', ')} events/s (Poisson arrivals, ${quick ? '3 s' : '2 rounds of 5 s'} per arm), then closed loop with ${SATURATION_CONNECTIONS} connections ` +
      `(${quick ? 3 : 10} s). **The comparison**: every load also runs with the ${SUBSCRIBERS} subscriptions paused (the arms alternate, same process, same schedule): ` +
      "the gateway then stores the event alone, no delivery, and sends nothing, so the difference is what 10 deliveries per event cost the intake (storing them in Zoom's transaction, " +
      'and sending them on the same process meanwhile). ' +
      "Zoom's answer: from the event's scheduled send (open loop; its start in the closed loop) to the end of the gateway's answer; Zoom wants it within 3 s. " +
      "Receipt: from the event's send to a subscriber having read the whole delivery, every delivery counted. Deliveries/s: deliveries over the time from the first send to the last receipt. " +
      'After each run the bench waits for every delivery and for the gateway to finish the events (its `zoom_webhook_events_total`), then reads the CPU: the gateway process, and the ' +
      "PostgreSQL backends serving its database (from /proc; PostgreSQL's WAL writer, Redis and the bench process are not in it). " +
      'CPU per delivery = (CPU per event with 10 − with none) ÷ 10.',
    '',
    table(
      [
        'load',
        'subscriptions',
        'events taken in (/s)',
        "Zoom's answer p50 / p99",
        'deliveries (/s)',
        'receipt p50 / p99',
        'last receipt after the last send',
        'CPU per event: gateway / PostgreSQL',
        'missing / duplicate / bad signature',
        'non-2xx answers to Zoom',
      ],
      results.flatMap((r) => [row(r, 'none'), row(r, 'ten')]),
    ),
    '',
    ...open.map(
      (r) =>
        `At ${r.load}: Zoom's answer p99 with ${SUBSCRIBERS} subscribers ÷ with none **${fmt.ratio(r.answerP99Ratio)}**; ` +
        `a delivery costs ${fmt.ms(r.cpuMsPerDelivery.gateway)} of gateway CPU and ${fmt.ms(r.cpuMsPerDelivery.postgres)} of PostgreSQL backend CPU.`,
    ),
    '',
    saturation
      ? `At saturation the gateway took in ${saturation.none.eventsPerS} events/s with no subscriber and ${saturation.ten.eventsPerS}/s with ${SUBSCRIBERS} ` +
        `(${fmt.ratio(saturation.ten.eventsPerS / saturation.none.eventsPerS)}), and delivered ${saturation.ten.deliveriesPerS} deliveries/s ` +
        `(${round(saturation.ten.deliveriesPerS / SUBSCRIBERS, 1)} events/s fully delivered) while its backlog lasted; the last delivery arrived ` +
        `${saturation.ten.drainAfterLastSendS} s after the last event. Closed-loop latencies are queueing by construction, not a goal. ` +
        `One replica delivers at most 32 at once (4 per subscription).`
      : '',
    '',
    `Goals: Zoom's answer p99 < ${GOAL_ANSWER_P99_MS} ms at ${RATES.join(', ')} events/s, with ${SUBSCRIBERS} subscribers and with none, every answer 2xx: ` +
      `**${answerMet ? 'met' : 'missed'}**; a healthy subscriber's receipt p99 < ${GOAL_RECEIPT_P99_MS} ms at ${GOAL_RATE} events/s, every delivery in and correctly signed: ` +
      `**${receiptMet ? 'met' : 'missed'}**. Receipts no run was waiting for: ${strays}. The generator started events at most ` +
      `${Math.max(...open.flatMap((r) => [r.none.generatorLateStartP99Ms, r.ten.generatorLateStartP99Ms])).toFixed(2)} ms late (p99).`,
    '',
  ].join('\n');
  const svg = renderChart({
    title: `Zoom's events to ${SUBSCRIBERS} subscribers: intake answer, receipt latency and throughput`,
    note: 'one gateway as shipped (PostgreSQL, Redis); meeting.updated, open loop, then closed loop; subscribers answer 204 at once',
    panels: [
      {
        kind: 'bars',
        title: "Zoom's answer (p50, p99)",
        yLabel: 'ms',
        series: [
          { name: 'none p50', color: COLORS.comparisonLight },
          { name: `${SUBSCRIBERS} subs p50`, color: COLORS.gatewayLight },
          { name: 'none p99', color: COLORS.comparison },
          { name: `${SUBSCRIBERS} subs p99`, color: COLORS.gateway },
        ],
        groups: open.map((r) => ({
          label: r.load,
          values: [r.none.answer.p50, r.ten.answer.p50, r.none.answer.p99, r.ten.answer.p99],
        })),
        format: (v) => (v >= 10 ? String(Math.round(v)) : v.toFixed(1)),
      },
      {
        kind: 'bars',
        title: 'send to receipt (p50, p99)',
        yLabel: 'ms',
        series: [
          { name: 'p50', color: COLORS.gatewayLight },
          { name: 'p99', color: COLORS.gateway },
        ],
        groups: open.map((r) => ({
          label: r.load,
          values: [r.ten.receipt.p50, r.ten.receipt.p99],
        })),
        referenceLine: { value: GOAL_RECEIPT_P99_MS, label: 'goal p99' },
        format: (v) => (v >= 10 ? String(Math.round(v)) : v.toFixed(1)),
      },
      {
        kind: 'bars',
        title: 'events/s: taken in, fully delivered',
        yLabel: 'events/s',
        series: [
          { name: 'taken in, none', color: COLORS.comparison },
          { name: `taken in, ${SUBSCRIBERS} subs`, color: COLORS.gatewayLight },
          { name: `delivered (deliveries/s ÷ ${SUBSCRIBERS})`, color: COLORS.gateway },
        ],
        groups: results.map((r) => ({
          label: r.rate === null ? 'saturation' : r.load,
          values: [
            r.none.eventsPerS,
            r.ten.eventsPerS,
            round(r.ten.deliveriesPerS / SUBSCRIBERS, 1),
          ],
        })),
      },
    ],
  });
  const p99s = (pick: (a: ArmSummary) => LatencySummary) =>
    open.map((r) => `${r.load} ${ms(pick(r.ten).p99)} (none ${ms(pick(r.none).p99)})`).join('; ');
  return {
    result: { subscribers: SUBSCRIBERS, results, strays },
    markdown,
    svg,
    goals: [
      {
        scenario: 'events',
        goal: `Zoom's answer p99 < ${GOAL_ANSWER_P99_MS} ms at ${RATES.join(', ')} events/s (open loop, ${SUBSCRIBERS} subscribers and none)`,
        measured: p99s((a) => a.answer),
        met: answerMet,
      },
      {
        scenario: 'events',
        goal: `a healthy subscriber's receipt p99 < ${GOAL_RECEIPT_P99_MS} ms at ${GOAL_RATE} events/s`,
        measured: atGoal
          ? `p50 ${ms(atGoal.ten.receipt.p50)}, p99 ${ms(atGoal.ten.receipt.p99)}; ${atGoal.ten.undelivered} missing, ${atGoal.ten.badSignatures} badly signed`
          : 'not measured',
        met: atGoal ? receiptMet : null,
      },
    ],
  };
}
