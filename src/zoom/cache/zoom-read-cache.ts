import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { createKeyv } from '@keyv/redis';
import { type Cache, createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Counter } from 'prom-client';
import { errorMessage } from '../../common/errors/error-message.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { decodePathSegment } from '../../common/zoom-path.js';

/** One cached Zoom answer: only 200s with a JSON body are kept. */
export interface CachedAnswer {
  contentType: string;
  body: string;
  storedAt: number;
}

/** A resource's one cache entry: its latest answer and the query string it answered. */
interface CacheEntry {
  query: string;
  answer: CachedAnswer;
}

/** The Zoom resources whose GETs are cached, named by the path they live at. */
type Resource = { kind: 'meeting' | 'user'; id: string };

/** A cache read or write that takes longer than this is given up: a miss, never a wait. */
const CACHE_DEADLINE_MS = 50;
/** Without Redis, the newest this many resources stay in process memory. */
const MEMORY_ENTRIES = 5_000;

/** A Map that forgets its oldest entries beyond `limit`: Keyv's in-memory store, bounded. */
class BoundedMap<V> extends Map<string, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(name: string, value: V): this {
    this.delete(name);
    super.set(name, value);
    if (this.size > this.limit) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return this;
  }
}

/**
 * Read-through cache of Zoom GETs for meetings and users (cache-manager over Keyv: Redis for a
 * fleet, process memory alone), for CACHE_TTL_SECONDS. A hit spends no Zoom quota. Each
 * resource is one cache entry holding its latest answer and the query string it answered, so
 * any write through the gateway, and any webhook about it, invalidates it with one delete. Callers bypass it with
 * `Cache-Control: no-cache`. A slow or broken cache is a miss, never an error.
 */
@Injectable()
export class ZoomReadCache implements OnModuleDestroy {
  private readonly logger = new Logger(ZoomReadCache.name);
  private readonly cache: Cache | null;
  private readonly requests: Counter<'result' | 'resource'>;

  constructor(
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.requests = metrics.counter(
      'zoom_cache_requests_total',
      'Reads of the Zoom read-through cache by result (hit, miss, bypass) and resource',
      ['result', 'resource'],
    );
    this.cache = config.cacheTtlSeconds > 0 ? createCache({ stores: [this.store()] }) : null;
  }

  private store(): Keyv {
    if (!this.config.redisUrl) return new Keyv({ store: new BoundedMap(MEMORY_ENTRIES) });
    const keyv = createKeyv(this.config.redisUrl, {
      namespace: `${this.config.redisKeyPrefix}cache`,
      throwOnConnectError: false,
      throwOnErrors: false,
      connectionTimeout: 2_000,
    });
    keyv.on('error', (error: unknown) => this.logger.debug(`cache store: ${errorMessage(error)}`));
    return keyv;
  }

  /** What a hit is sent with on every route: the verdict, and whole seconds since Zoom gave it. */
  static hitHeaders(answer: CachedAnswer, now = Date.now()): Record<string, string> {
    return {
      'x-cache': 'HIT',
      age: String(Math.max(0, Math.floor((now - answer.storedAt) / 1000))),
    };
  }

  /** The resource a `/v2`-relative path names, if its GETs are cached. */
  static resourceOf(path: string): Resource | undefined {
    const meeting = /^\/meetings\/(\d{1,19})\/?$/i.exec(path);
    if (meeting?.[1]) return { kind: 'meeting', id: meeting[1] };
    const user = /^\/users\/([^/]{1,128})\/?$/i.exec(path);
    if (user?.[1]) return { kind: 'user', id: userKey(user[1]) };
    return undefined;
  }

  /** The resource a write to `path` (or below it) changes, for invalidation. */
  static writtenResource(path: string): Resource | undefined {
    const meeting = /^\/meetings\/(\d{1,19})(?:\/|$)/i.exec(path);
    if (meeting?.[1]) return { kind: 'meeting', id: meeting[1] };
    const user = /^\/users\/([^/]{1,128})(?:\/|$)/i.exec(path);
    if (user?.[1]) return { kind: 'user', id: userKey(user[1]) };
    return undefined;
  }

  get enabled(): boolean {
    return this.cache !== null;
  }

  async get(resource: Resource, query: string, bypass: boolean): Promise<CachedAnswer | undefined> {
    if (!this.cache) return undefined;
    if (bypass) {
      this.requests.inc({ result: 'bypass', resource: resource.kind });
      return undefined;
    }
    const entry = await this.within(this.cache.get<CacheEntry>(key(resource)));
    const hit = entry?.query === query ? entry.answer : undefined;
    this.requests.inc({ result: hit ? 'hit' : 'miss', resource: resource.kind });
    return hit;
  }

  /**
   * Keeps this answer as the resource's entry, replacing any other query's: one write, no read
   * first (a miss already costs the read before Zoom is called). Nearly every read has no query.
   */
  async set(resource: Resource, query: string, answer: CachedAnswer): Promise<void> {
    if (!this.cache) return;
    const entry: CacheEntry = { query, answer };
    await this.within(this.cache.set(key(resource), entry, this.config.cacheTtlSeconds * 1000));
  }

  /**
   * Forgets what a write changed. A user written by id or email may be the token's own user, read
   * as `/users/me` too, so that entry goes as well (`mdel`: still one round trip).
   */
  async invalidate(resource: Resource): Promise<void> {
    if (!this.cache) return;
    const keys = [key(resource)];
    if (resource.kind === 'user' && resource.id !== 'me')
      keys.push(key({ kind: 'user', id: 'me' }));
    await this.within(this.cache.mdel(keys));
  }

  async invalidateMeeting(meetingId: string): Promise<void> {
    await this.invalidate({ kind: 'meeting', id: meetingId });
  }

  private async within<T>(operation: Promise<T>): Promise<T | undefined> {
    const cancel = new AbortController();
    const deadline = delay(CACHE_DEADLINE_MS, undefined, { signal: cancel.signal }).catch(
      () => undefined,
    );
    try {
      return await Promise.race([operation, deadline]);
    } catch (error) {
      this.logger.debug(`cache unavailable: ${errorMessage(error)}`);
      return undefined;
    } finally {
      cancel.abort();
    }
  }

  async onModuleDestroy(): Promise<void> {
    // A store still trying to reach Redis must not hold up shutdown.
    if (this.cache) await this.within(this.cache.disconnect());
  }
}

/** `Cache-Control: no-cache` (or no-store, or `Pragma: no-cache`): the caller wants Zoom's answer now. */
export function bypassesCache(headers: IncomingHttpHeaders): boolean {
  return /no-cache|no-store/i.test(`${headers['cache-control'] ?? ''} ${headers.pragma ?? ''}`);
}

/**
 * A user as Zoom names it: an email is case-insensitive, so one spelling of it is one entry; an
 * id is not (`qFmEQ...` and `QFMEQ...` are different users, or none), so it is kept as written.
 */
function userKey(segment: string): string {
  const user = decodePathSegment(segment);
  return user.includes('@') ? user.toLowerCase() : user;
}

function key(resource: Resource): string {
  return `${resource.kind}:${resource.id}`;
}
