import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet, sleep, zoomTime } from './support/fleet.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';
import {
  Endpoints,
  KeepAliveClient,
  type Outcome,
  readiness,
  SteadyLoad,
} from './support/service-rotation.js';

// A rolling deploy as Kubernetes runs one (maxSurge 1, maxUnavailable 0): three replicas, each
// replaced twice while callers send creates through the "Service" over kept-alive connections.
// A successor enters rotation once ready; then the old replica is stopped, two ways:
// - late endpoints: SIGTERM first, and traffic keeps arriving until its readiness fails, as when
//   the endpoint update reaches a proxy after the signal, or a caller's connections to the
//   Service address stay pinned to the pod;
// - preStop, as deploy/kubernetes does: out of rotation, a pause, then SIGTERM.
// No call may be lost: every create answers 201 and Zoom holds exactly as many meetings.
// ROLLING_DEPLOY_DRAIN_MS=0 runs the same deploy without the drain, to see the test fail.

const APP_KEY = 'app-key-0123456789abcdef';
/** SHUTDOWN_DRAIN_MS of the replicas (shorter than the 5 s default, to keep the test short). */
const DRAIN_MS = Number(process.env.ROLLING_DEPLOY_DRAIN_MS ?? 3_000);
/** The endpoints controller's view of readiness is this old at most. */
const PROBE_PERIOD_MS = 250;
const PRESTOP_MS = 500;
/** Callers, each sending its next create as soon as the last one is answered. */
const WORKERS = 12;

const createBody = (n: number) => ({
  topic: `rolling deploy ${n}`,
  type: 2,
  duration: 30,
  start_time: zoomTime(Date.now() + 86_400_000),
});

interface DrainSeen {
  create: Outcome;
  ready: Outcome;
  live: Outcome;
}

const summary = (o: Outcome) =>
  `${o.replica} ${o.status} ${o.error ?? o.body?.slice(0, 200) ?? ''}`;

describe('Rolling deploy: three replicas, each replaced twice under steady creates over keep-alive connections', () => {
  const simulator = new ZoomSimulator({
    plan: 'business',
    // Zoom allows a host 100 creates a day; this stand-in allows far more.
    scopedDailyLimits: { host_user: 100_000 },
  });
  const client = new KeepAliveClient();
  const figures: Record<string, unknown> = { drainMs: DRAIN_MS };
  let fleet: GatewayFleet;
  let endpoints: Endpoints | undefined;

  const create = (pod: GatewayProcess, n: number) =>
    client.send(pod, 'POST', '/v2/users/me/meetings', { key: APP_KEY, body: createBody(n) });

  /** What a replica answers once SIGTERM has been handled, asked directly over the caller's pool. */
  async function whileDraining(pod: GatewayProcess): Promise<DrainSeen> {
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline && (await readiness(pod)) === 200) await sleep(20);
    const [created, ready, live] = await Promise.all([
      create(pod, 0),
      client.send(pod, 'GET', '/health/ready'),
      client.send(pod, 'GET', '/health/live'),
    ]);
    return { create: created, ready, live };
  }

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      logLevel: 'warn',
      extra: {
        ZOOM_RATE_LIMIT_PLAN: 'business',
        ZOOM_RATE_LIMITS: 'host_user=100000/day',
        SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
      },
    });
  });

  afterAll(async () => {
    console.log(`Rolling deploy figures: ${JSON.stringify(figures, null, 2)}`);
    await endpoints?.close();
    await client.close();
    await fleet?.close();
  });

  it('answers every create 201, Zoom holds exactly those meetings, and a draining replica still serves', async () => {
    const live = await fleet.start(3);
    const rotation = new Endpoints(PROBE_PERIOD_MS);
    endpoints = rotation;
    for (const pod of live) rotation.add(pod);
    for (const pod of live) await rotation.untilInRotation(pod);
    const steady = new SteadyLoad(rotation, create);
    steady.start(WORKERS);
    await sleep(1_000);

    const exits: Array<Promise<number | null>> = [];
    const replacements: string[] = [];
    let drain: DrainSeen | undefined;
    for (const late of [true, false]) {
      for (let slot = 0; slot < live.length; slot++) {
        const old = live[slot];
        const [successor] = await fleet.start(1);
        if (!old || !successor) throw new Error('a replica is missing');
        rotation.add(successor);
        await rotation.untilInRotation(successor);
        if (late) {
          old.child.kill('SIGTERM');
          drain ??= await whileDraining(old);
        } else {
          rotation.delete(old);
          await sleep(PRESTOP_MS);
          old.child.kill('SIGTERM');
        }
        exits.push(old.exited);
        replacements.push(
          `${old.url} -> ${successor.url} (${late ? 'late endpoints' : 'preStop'})`,
        );
        live[slot] = successor;
        await sleep(300);
      }
    }
    const exitCodes = await Promise.all(exits);
    await sleep(500);
    await steady.stop();

    const outcomes = steady.outcomes;
    const failed = outcomes.filter((o) => o.status !== 201);
    const created = outcomes.length - failed.length + (drain?.create.status === 201 ? 1 : 0);
    const meetingsInZoom = simulator.control.stats().meetings;
    Object.assign(figures, {
      replacements,
      creates: outcomes.length,
      created,
      failed: failed.length,
      failures: failed.slice(0, 10).map(summary),
      meetingsInZoom,
      answeredWithConnectionClose: outcomes.filter((o) => o.connection === 'close').length,
      connectionsOpened: client.opened,
      exitCodes,
      whileDraining: drain && {
        create: `${drain.create.status} connection=${drain.create.connection ?? drain.create.error}`,
        ready: `${drain.ready.status} connection=${drain.ready.connection ?? drain.ready.error}`,
        live: `${drain.live.status}`,
      },
    });

    // Nothing lost: no error, no reset, no refusal; Zoom made exactly the meetings answered 201.
    expect(failed.map(summary)).toEqual([]);
    expect(meetingsInZoom).toBe(created);
    expect(outcomes.length).toBeGreaterThan(300);
    // Over kept-alive connections: far fewer connections than calls.
    expect(client.opened).toBeLessThan(outcomes.length / 4);
    // Traffic did reach replicas after their SIGTERM (answered with Connection: close).
    expect(figures.answeredWithConnectionClose).not.toBe(0);
    expect(exitCodes).toEqual([0, 0, 0, 0, 0, 0]);

    // During the drain: served, told to close the connection; not ready, but alive.
    expect(drain?.create).toMatchObject({ status: 201, connection: 'close' });
    expect(drain?.ready).toMatchObject({ status: 503, connection: 'close' });
    expect(drain?.ready.body).toContain('Draining');
    expect(drain?.live).toMatchObject({ status: 200 });
  }, 240_000);
});

// ------------------------------------------------------------------ the manifests' sum

const KUBERNETES = 'deploy/kubernetes';
const Deployment = z.looseObject({
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({
        terminationGracePeriodSeconds: z.number(),
        containers: z.array(
          z.looseObject({
            readinessProbe: z.looseObject({
              periodSeconds: z.number(),
              failureThreshold: z.number(),
            }),
            lifecycle: z.looseObject({
              preStop: z.looseObject({ exec: z.looseObject({ command: z.array(z.string()) }) }),
            }),
          }),
        ),
      }),
    }),
  }),
});
const ConfigMap = z.looseObject({ data: z.record(z.string(), z.string()) });

/** The loader's default for a numeric variable: `integer('NAME', env.NAME, <default>, ...)`. */
function configDefault(name: string): number {
  const source = readFileSync('src/config/app-config.ts', 'utf8');
  const match = new RegExp(`'${name}',\\s*env\\.${name},\\s*([\\d_]+)`).exec(source);
  if (!match?.[1]) throw new Error(`no default found for ${name} in src/config/app-config.ts`);
  return Number(match[1].replaceAll('_', ''));
}

describe('deploy/kubernetes leaves room for the drain', () => {
  const deployment = bodyOf(
    Deployment,
    load(readFileSync(join(KUBERNETES, 'deployment.yaml'), 'utf8')),
  );
  const configMap = bodyOf(
    ConfigMap,
    load(readFileSync(join(KUBERNETES, 'configmap.yaml'), 'utf8')),
  );
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const setting = (name: string) => Number(configMap.data[name] ?? configDefault(name));

  it('grants a grace period above preStop + SHUTDOWN_DRAIN_MS + SHUTDOWN_TIMEOUT_MS', () => {
    const [command, seconds] = container?.lifecycle.preStop.exec.command ?? [];
    expect(command).toBe('sleep');
    const sum =
      Number(seconds) * 1_000 + setting('SHUTDOWN_DRAIN_MS') + setting('SHUTDOWN_TIMEOUT_MS');
    expect(pod.terminationGracePeriodSeconds * 1_000).toBeGreaterThan(sum);
  });

  it('drains at least as long as the readiness probe takes to see the replica leave', () => {
    const probe = container?.readinessProbe;
    expect(probe).toBeDefined();
    expect(setting('SHUTDOWN_DRAIN_MS')).toBeGreaterThanOrEqual(
      (probe?.periodSeconds ?? Infinity) * (probe?.failureThreshold ?? Infinity) * 1_000,
    );
    // The ConfigMap states the gateway's own default, so the manifests and the code agree.
    expect(setting('SHUTDOWN_DRAIN_MS')).toBe(configDefault('SHUTDOWN_DRAIN_MS'));
  });
});
