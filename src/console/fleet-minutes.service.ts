import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { errorMessage } from '../common/errors/index.js';
import { JobsService } from '../coordination/jobs.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { FleetMinutesRepository } from './fleet-minutes.repository.js';

export const MINUTE_MS = 60_000;
/** How long the fleet's per-minute counters are kept. */
export const KEPT_MS = 24 * 3_600_000;
export const FLEET_COUNTERS = ['calls', 'refusals', 'zoom_429s', 'mints'] as const;
export type FleetCounter = (typeof FLEET_COUNTERS)[number];

export interface FleetMinute extends Record<FleetCounter, number> {
  /** The minute's start (ISO, UTC). */
  minute: string;
}

/** What one app did, fleet-wide, over a span. */
export interface AppUse {
  app: string;
  calls: number;
  refusals: number;
}

type Totals = Record<string, number>;

const REFUSED = new Set(['client_error', 'local_rate_limited']);

/**
 * Numbers over time for the whole fleet without Prometheus: once a minute each replica reads
 * its own counters (the registry /metrics serves: calls per app by outcome, Zoom's answers,
 * mints) and adds what grew since its last reading to the shared table, by minute; kept a day.
 */
@Injectable()
export class FleetMinutesService implements OnModuleInit {
  private readonly logger = new Logger(FleetMinutesService.name);
  private last: Totals | undefined;

  constructor(
    private readonly store: FleetMinutesRepository,
    private readonly metrics: MetricsService,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.jobs.every('console.fleet-minutes', MINUTE_MS, () => this.flush());
    this.jobs.fleetEvery('console.fleet-minutes.prune', 3_600_000, () =>
      this.store.prune(this.clock.now() - KEPT_MS),
    );
  }

  /** This replica's totals since it started. */
  async totals(): Promise<Totals> {
    const sum = async (name: string, keep: (labels: Record<string, unknown>) => boolean) => {
      const metric = this.metrics.registry.getSingleMetric(name);
      if (!metric) return 0;
      const { values } = await metric.get();
      return values.filter((v) => keep(v.labels)).reduce((total, v) => total + v.value, 0);
    };
    const totals: Totals = {
      calls: await sum('zoom_gateway_app_requests_total', () => true),
      refusals: await sum('zoom_gateway_app_requests_total', (l) => REFUSED.has(String(l.outcome))),
      zoom_429s: await sum('zoom_api_calls_total', (l) => l.status === '429'),
      mints: await sum('zoom_token_mints_total', () => true),
    };
    const perApp = this.metrics.registry.getSingleMetric('zoom_gateway_app_requests_total');
    for (const { labels, value } of perApp ? (await perApp.get()).values : []) {
      const app = String(labels.app);
      totals[`calls:${app}`] = (totals[`calls:${app}`] ?? 0) + value;
      if (REFUSED.has(String(labels.outcome)))
        totals[`refusals:${app}`] = (totals[`refusals:${app}`] ?? 0) + value;
    }
    return totals;
  }

  /** Adds what this replica counted since its last flush to the current minute. */
  async flush(): Promise<void> {
    const now = await this.totals();
    const before = this.last ?? {};
    const grown = Object.fromEntries(
      Object.entries(now).map(([name, value]) => [name, Math.max(0, value - (before[name] ?? 0))]),
    );
    const minute = Math.floor(this.clock.now() / MINUTE_MS) * MINUTE_MS;
    try {
      await this.store.add(minute, grown);
      this.last = now;
    } catch (error) {
      // Kept for the next minute's flush.
      this.logger.warn(
        `Could not add this replica's counts to the fleet's: ${errorMessage(error)}`,
      );
    }
  }

  /** Each app's calls and refusals, fleet-wide, over the last `hours`, busiest first. */
  async apps(hours: number): Promise<AppUse[]> {
    const since = Math.floor((this.clock.now() - hours * 3_600_000) / MINUTE_MS) * MINUTE_MS;
    const byApp = new Map<string, AppUse>();
    for (const row of await this.store.since(since)) {
      const match = /^(calls|refusals):(.+)$/.exec(row.name);
      if (!match?.[1] || !match[2]) continue;
      const use = byApp.get(match[2]) ?? { app: match[2], calls: 0, refusals: 0 };
      if (match[1] === 'calls') use.calls += row.value;
      else use.refusals += row.value;
      byApp.set(use.app, use);
    }
    return [...byApp.values()].sort((a, b) => b.calls - a.calls);
  }

  /** The fleet's counters by minute over the last `hours` (at most a day), oldest first. */
  async minutes(hours: number): Promise<FleetMinute[]> {
    const since = Math.floor((this.clock.now() - hours * 3_600_000) / MINUTE_MS) * MINUTE_MS;
    const byMinute = new Map<number, FleetMinute>();
    for (const row of await this.store.since(since)) {
      const name = FLEET_COUNTERS.find((counter) => counter === row.name);
      if (!name) continue;
      let minute = byMinute.get(row.minute);
      if (!minute) {
        minute = {
          minute: new Date(row.minute).toISOString(),
          calls: 0,
          refusals: 0,
          zoom_429s: 0,
          mints: 0,
        };
        byMinute.set(row.minute, minute);
      }
      minute[name] += row.value;
    }
    return [...byMinute.values()];
  }
}
