import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { LeaseService } from '../../coordination/lease.service.js';
import { type RedisBreaker, redisBreakerOf } from '../../coordination/redis-breaker.js';
import { REDIS, type RedisClient } from '../../coordination/redis.provider.js';
import { DailyBlocks } from '../api/daily-blocks.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { blockInWords } from '../limits/block-scope.js';
import { MintLedgerService, type MintSummary } from '../token/mint-ledger/mint-ledger.service.js';
import { ZoomTokenService } from '../token/zoom-token.service.js';
import { type AuthHealth, AuthHealthReadModel } from './auth-health.read-model.js';
import { type ReplicaHeartbeat, ReplicaHeartbeatService } from './replica-heartbeat.service.js';
import {
  type PresentedValidation,
  presentValidation,
  type ValidationRecord,
} from './validation-store.service.js';
import { verdictFor, type ZoomVerdict, zoomWordsOf } from './zoom-verdict.js';
import { loggableError } from '../../common/errors/loggable-error.js';

/** One refusal Zoom gave us, in Zoom's own words. */
export interface ZoomRefusal {
  at: string;
  source: 'validation' | 'token_endpoint';
  status?: number;
  code?: number | string;
  message?: string;
  replicaId?: string;
}

export interface Diagnostics {
  generatedAt: string;
  replicaId: string;
  verdict: ZoomVerdict;
  warnings: string[];
  auth: Omit<AuthHealth, 'lastValidation'> & {
    lastValidation: PresentedValidation | null;
    history: PresentedValidation[];
  };
  mints: MintSummary | { error: string };
  recentRefusals: ZoomRefusal[];
  credential: { version: number; clientId: string; accountId: string; fingerprint: string };
  token: {
    present: boolean;
    ownerUserId?: string;
    accountId?: string;
    expiresAt?: string;
    fingerprint?: string;
    store?: string;
    mintedAt?: string;
    generation?: number;
    credentialVersion?: number;
    reason?: string;
  } | null;
  fleet: {
    mode: 'fleet' | 'single-instance';
    /** This replica's Redis breaker: `open` while it coordinates in-process (null without Redis). */
    redisBreaker: ReturnType<RedisBreaker['describe']> | null;
    replicas: ReplicaHeartbeat[];
    leases: {
      validation: { intervalSeconds: number; lastRunBy: string | null; lastRunAt: string | null };
    };
  };
}

/** `GET /api/admin/zoom/diagnostics`: everything an operator needs to answer "why is Zoom refusing us?". */
@Injectable()
export class DiagnosticsService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly health: AuthHealthReadModel,
    private readonly ledger: MintLedgerService,
    private readonly credentials: CredentialsService,
    private readonly heartbeats: ReplicaHeartbeatService,
    private readonly leases: LeaseService,
    private readonly tokens: ZoomTokenService,
    private readonly blocks: DailyBlocks,
    @Inject(REDIS) redis: RedisClient | null,
  ) {
    this.redisBreaker = redisBreakerOf(redis);
  }

  private readonly redisBreaker: RedisBreaker | null;

  async diagnose(): Promise<Diagnostics> {
    const [status, history, mints, ledgerRefusals, replicas] = await Promise.all([
      this.health.current(),
      this.health.history(),
      this.ledger.summary().catch((error: Error) => ({
        error: `Mint ledger unavailable: ${loggableError(error, 'database')}`,
      })),
      this.recentRefusals(),
      this.heartbeats.fleet(),
    ]);
    const credentials = this.credentials.active();
    const warnings: string[] = [];
    if ('overBudget' in mints && mints.overBudget) {
      warnings.push(
        `${mints.lastHour.minted} tokens minted in the last hour, over the budget of ${mints.budgetPerHour} ` +
          '(ZOOM_MINT_BUDGET_PER_HOUR): something mints more than once per token lifetime; see mints.lastHour.byReason.',
      );
    }
    if (status.rotationAlarm)
      warnings.push(`Automated secret rotation alarm: ${status.rotationAlarm.message}`);
    if (status.environmentSecretRefused) warnings.push(status.environmentSecretRefused.message);
    if (this.redisBreaker?.open)
      warnings.push(
        `Redis stopped answering this replica (${this.redisBreaker.describe().lastFailure ?? 'failure'}): ` +
          'it coordinates in-process (its own token, lease and rate limits) until a background probe gets an answer.',
      );
    const stale = replicas.filter((r) => r.credentialVersion !== credentials.version);
    if (stale.length) {
      warnings.push(
        `Replicas on another credential version than ${credentials.version}: ${stale.map((r) => r.replicaId).join(', ')}`,
      );
    }
    if (this.leases.distributed && replicas.some((r) => r.coordination === 'degraded-local')) {
      warnings.push(
        'Some replicas cannot reach Redis and coordinate in-process: they may mint on their own.',
      );
    }
    // Not auth, but the other reason Zoom refuses calls with a healthy token: a spent daily limit.
    warnings.push(...this.blocks.list().map(blockInWords));
    return {
      generatedAt: new Date(this.clock.now()).toISOString(),
      replicaId: this.config.replicaId,
      verdict: verdictFor(status.cause),
      warnings,
      auth: {
        ...status,
        lastValidation: status.lastValidation && presentValidation(status.lastValidation),
        history: history.map(presentValidation),
      },
      mints,
      recentRefusals: refusals(history, ledgerRefusals),
      credential: {
        version: credentials.version,
        clientId: credentials.clientId,
        accountId: credentials.accountId,
        fingerprint: credentials.fingerprint,
      },
      token: this.token(history),
      fleet: {
        mode: this.leases.distributed ? 'fleet' : 'single-instance',
        redisBreaker: this.redisBreaker?.describe() ?? null,
        replicas,
        leases: {
          validation: {
            intervalSeconds: this.config.authCheckIntervalSeconds,
            lastRunBy: history[0]?.replicaId ?? null,
            lastRunAt: history[0]?.at ?? null,
          },
        },
      },
    };
  }

  /** Failed mints from the ledger (the token endpoint's refusals: invalid_client, 429, ...). */
  private async recentRefusals(): Promise<ZoomRefusal[]> {
    const rows = await this.ledger.recent(50).catch(() => []);
    return rows
      .filter((row) => row.outcome !== 'ok')
      .map((row) => ({
        at: new Date(row.at).toISOString(),
        source: 'token_endpoint' as const,
        code: row.outcome,
        message: `mint (${row.reason}) failed: ${row.outcome}`,
        replicaId: row.replicaId,
      }));
  }

  /**
   * The token this replica holds, without the token itself: its identity from the token
   * service, its owner from the last accepted validation (`GET /users/me`). Never mints.
   */
  private token(history: readonly ValidationRecord[]): Diagnostics['token'] {
    const held = this.tokens.describe();
    const owner = history.find((r) => r.outcome === 'ok' && r.owner)?.owner;
    if (!held) return { present: false, ownerUserId: owner?.userId, accountId: owner?.accountId };
    return {
      present: true,
      ownerUserId: owner?.userId,
      accountId: owner?.accountId,
      expiresAt: new Date(held.expiresAt).toISOString(),
      mintedAt: new Date(held.mintedAt).toISOString(),
      generation: held.generation,
      credentialVersion: held.credentialVersion,
      fingerprint: held.fingerprint,
      reason: held.reason,
      store: held.store,
    };
  }
}

/** Zoom's 401s and 429s seen by validations, merged with the token endpoint's refusals, newest first. */
function refusals(history: readonly ValidationRecord[], fromLedger: ZoomRefusal[]): ZoomRefusal[] {
  const fromValidations: ZoomRefusal[] = history.flatMap((record) => {
    const zoom = zoomWordsOf(record.cause);
    if (!zoom || !(zoom.status === 401 || zoom.status === 429 || zoom.code !== undefined))
      return [];
    return [{ at: record.at, source: 'validation' as const, ...zoom, replicaId: record.replicaId }];
  });
  return [...fromValidations, ...fromLedger].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 30);
}
