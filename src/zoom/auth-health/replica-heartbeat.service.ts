import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Cluster } from 'ioredis';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { FleetSize } from '../../coordination/fleet-size.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import type { ZoomAuthState } from '../token/auth-state.js';
import { AuthHealthReadModel } from './auth-health.read-model.js';
import { loggableError } from '../../common/errors/loggable-error.js';

export const HEARTBEAT_JOB = 'zoom-replica-heartbeat';
const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_MS;

/** What each replica says about itself, every few seconds, for diagnostics. No secrets. */
export interface ReplicaHeartbeat {
  replicaId: string;
  at: string;
  startedAt: string;
  pid: number;
  /** ioredis connection status as this replica sees it ('ready' when coordinating through Redis). */
  redis: string;
  coordination: 'fleet' | 'degraded-local' | 'single-instance';
  credentialVersion: number;
  credentialFingerprint: string;
  authState: ZoomAuthState;
}

/**
 * Each serving replica writes a small JSON heartbeat into Redis with a TTL, so diagnostics on
 * any replica can list the fleet and how each member sees Redis and the auth state.
 */
@Injectable()
export class ReplicaHeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReplicaHeartbeat');
  private readonly startedAt: string;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient | null,
    private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
    private readonly health: AuthHealthReadModel,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
    // Optional so unit tests may build the service without one; the app always provides it.
    @Optional() private readonly fleetSize: FleetSize = new FleetSize(),
  ) {
    this.startedAt = new Date(clock.now()).toISOString();
  }

  private key(replicaId: string): string {
    return `${this.config.redisKeyPrefix}replicas:${replicaId}`;
  }

  onApplicationBootstrap(): void {
    // Operator commands (role cli) are not replicas: JobsService schedules nothing for them.
    this.jobs.every(HEARTBEAT_JOB, HEARTBEAT_MS, () => this.beat(), { immediately: true });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.config.role !== 'server') return;
    if (redisReady(this.redis))
      await this.redis.del(this.key(this.config.replicaId)).catch(() => undefined);
  }

  /** This replica's heartbeat as of now. */
  async self(): Promise<ReplicaHeartbeat> {
    const status = await this.health.current();
    const credentials = this.credentials.active();
    const redis = this.redis?.status ?? 'not configured';
    return {
      replicaId: this.config.replicaId,
      at: new Date(this.clock.now()).toISOString(),
      startedAt: this.startedAt,
      pid: process.pid,
      redis,
      coordination: !this.redis
        ? 'single-instance'
        : redis === 'ready'
          ? 'fleet'
          : 'degraded-local',
      credentialVersion: credentials.version,
      credentialFingerprint: credentials.fingerprint,
      authState: status.state,
    };
  }

  async beat(): Promise<void> {
    try {
      const heartbeat = await this.self();
      if (redisReady(this.redis)) {
        await this.redis.set(
          this.key(heartbeat.replicaId),
          JSON.stringify(heartbeat),
          'PX',
          HEARTBEAT_TTL_MS,
        );
        // The fleet as last seen through Redis: each replica's share while Redis is away.
        const others = await this.others(heartbeat.replicaId);
        if (others) this.fleetSize.seen(others.length + 1);
      }
    } catch (error) {
      this.logger.debug(`Heartbeat skipped: ${loggableError(error, 'redis')}`);
    }
  }

  /** Every replica that beat within the TTL (this one always included, fresh). */
  async fleet(): Promise<ReplicaHeartbeat[]> {
    const self = await this.self();
    const others = (await this.others(self.replicaId)) ?? [];
    return [self, ...others.sort((a, b) => a.replicaId.localeCompare(b.replicaId))];
  }

  /** The other replicas' heartbeats, or null when Redis could not be read. */
  private async others(selfId: string): Promise<ReplicaHeartbeat[] | null> {
    if (!redisReady(this.redis)) return null;
    const others: ReplicaHeartbeat[] = [];
    try {
      const keys: string[] = [];
      // SCAN is per server: in a cluster each master is scanned (the keys share one slot,
      // so one of them holds them all, but which one changes with a failover).
      const servers = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
      for (const server of servers) {
        let cursor = '0';
        do {
          const [next, batch] = await server.scan(cursor, 'MATCH', this.key('*'), 'COUNT', 200);
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0' && keys.length < 1_000);
      }
      const values = keys.length ? await this.redis.mget(...keys) : [];
      for (const value of values) {
        if (!value) continue;
        const heartbeat: unknown = JSON.parse(value);
        if (isHeartbeat(heartbeat) && heartbeat.replicaId !== selfId) others.push(heartbeat);
      }
      return others;
    } catch (error) {
      this.logger.debug(`Could not list the fleet: ${loggableError(error, 'redis')}`);
      return null;
    }
  }
}

function isHeartbeat(value: unknown): value is ReplicaHeartbeat {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { replicaId?: unknown }).replicaId === 'string'
  );
}
