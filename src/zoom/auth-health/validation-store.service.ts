import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';
import {
  type AuthCause,
  isAuthCause,
  isZoomAuthState,
  type ZoomAuthState,
} from '../token/auth-state.js';
import { missingScopesOf, type ZoomVerdict, zoomWordsOf } from './zoom-verdict.js';
import { loggableError } from '../../common/errors/loggable-error.js';

/** One credential validation (scheduled, or the doctor's), as every replica sees it. Never holds a token. */
export interface ValidationRecord {
  at: string;
  replicaId: string;
  outcome: ZoomAuthState;
  /** In words, for health details, diagnostics and logs. */
  reason: string;
  /** Why, as data (what Zoom answered). */
  cause: AuthCause;
  latencyMs: number;
  credentialVersion?: number;
  /** Who the token belongs to, as `GET /users/me` answered (the app owner). */
  owner?: { userId?: string; accountId?: string };
}

/** A validation as operators read it: Zoom's words and the missing scopes spelled out from its cause. */
export interface PresentedValidation extends ValidationRecord {
  zoom?: ZoomVerdict['zoom'];
  missingScopes?: string[];
}

export function presentValidation(record: ValidationRecord): PresentedValidation {
  return {
    ...record,
    zoom: zoomWordsOf(record.cause),
    missingScopes: missingScopesOf(record.cause),
  };
}

const HISTORY = 20;

/**
 * The last validations, shared by the fleet through Redis (one leader runs each interval; all
 * replicas read the result), kept in process as well so a replica without Redis still knows.
 */
@Injectable()
export class ValidationStore {
  private readonly logger = new Logger('ZoomAuthValidation');
  private local: ValidationRecord[] = [];

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient | null,
    private readonly config: AppConfig,
  ) {}

  private get key(): string {
    return `${this.config.redisKeyPrefix}zoom-auth:validations`;
  }

  async record(record: ValidationRecord): Promise<void> {
    this.local = [record, ...this.local].slice(0, HISTORY);
    if (!redisReady(this.redis)) return;
    try {
      await this.redis
        .multi()
        .lpush(this.key, JSON.stringify(record))
        .ltrim(this.key, 0, HISTORY - 1)
        .exec();
    } catch (error) {
      this.logger.warn(
        `Could not share the validation result through Redis: ${loggableError(error, 'redis')}`,
      );
    }
  }

  /** Newest first; the fleet's history when Redis answers, this replica's otherwise. */
  async history(): Promise<ValidationRecord[]> {
    if (redisReady(this.redis)) {
      try {
        const raw = await this.redis.lrange(this.key, 0, HISTORY - 1);
        const shared = raw.flatMap((entry) => {
          try {
            const record: unknown = JSON.parse(entry);
            return isValidationRecord(record) ? [record] : [];
          } catch {
            return [];
          }
        });
        if (shared.length > 0 || this.local.length === 0) return shared;
      } catch {
        // fall back to what this replica saw
      }
    }
    return [...this.local];
  }

  async latest(): Promise<ValidationRecord | undefined> {
    return (await this.history())[0];
  }
}

function isValidationRecord(value: unknown): value is ValidationRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<Record<keyof ValidationRecord, unknown>>;
  return (
    typeof record.at === 'string' &&
    isZoomAuthState(record.outcome) &&
    typeof record.reason === 'string' &&
    isAuthCause(record.cause)
  );
}
