import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import KeyvRedis, { createKeyv } from '@keyv/redis';
import { type Cache, createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Counter } from 'prom-client';
import { errorMessage } from '../../common/errors/error-message.js';
import { AppConfig, type RedisConnection } from '../../config/app-config.js';
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
/**
 * The entries of the user `/users/me` is (by id and by email), learned from its answers and
 * shared by the fleet beside the entries: a write to that user by any name forgets them all.
 * Kept a day (who the token's user is seldom changes), rewritten at most hourly per replica.
 */
const ME_ALIASES_KEY = 'user-aliases:me';
const ME_ALIASES_TTL_MS = 24 * 3_600_000;
const ME_ALIASES_REWRITE_MS = 3_600_000;
const ME = { kind: 'user', id: 'me' } as const;

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
  /** The aliases of `/users/me` this replica last learned, and when it last shared them. */
  private meAliases: string[] = [];
  private meAliasesSharedAt = 0;

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
    const redis: RedisConnection | undefined =
      this.config.redis ??
      (this.config.redisUrl ? { mode: 'standalone', url: this.config.redisUrl } : undefined);
    if (!redis) return new Keyv({ store: new BoundedMap(MEMORY_ENTRIES) });
    const options = {
      namespace: `${this.config.redisKeyPrefix}cache`,
      throwOnConnectError: false,
      throwOnErrors: false,
      connectionTimeout: 2_000,
    };
    // Sentinel and Cluster through node-redis's own clients (the cache is best effort: a
    // failover costs misses); keys carry the prefix, so in a cluster they share its hash tag.
    const keyv =
      redis.mode === 'standalone'
        ? createKeyv(redis.url, options)
        : cacheKeyv(
            new KeyvRedis(
              redis.mode === 'sentinel'
                ? {
                    name: redis.name,
                    sentinelRootNodes: redis.sentinels,
                    nodeClientOptions: { password: redis.password },
                  }
                : {
                    rootNodes: redis.nodes.map((node) => ({
                      url: `redis://${node.host}:${node.port}`,
                    })),
                    defaults: { password: redis.password },
                  },
              options,
            ),
            options.namespace,
          );
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

  /** The query part of an entry's key, the same however a caller spelled it (`?a=1`, `a=1`, `{ a: 1 }`). */
  static variantOf(search: string): string {
    return new URLSearchParams(search.startsWith('?') ? search.slice(1) : search).toString();
  }

  /**
   * The one read policy, for every route that reads through the cache (the meetings routes and
   * the pass-through alike): Zoom's answer to a GET of `path` (relative to `/v2`) with `search`,
   * when it is kept and not bypassed, with the headers a hit is sent with.
   */
  async read(
    path: string,
    search: string,
    bypass: boolean,
  ): Promise<{ body: string; headers: Record<string, string> } | undefined> {
    const resource = ZoomReadCache.resourceOf(path);
    if (!resource) return undefined;
    const hit = await this.get(resource, ZoomReadCache.variantOf(search), bypass);
    if (!hit) return undefined;
    return {
      body: hit.body,
      headers: { 'content-type': hit.contentType, ...ZoomReadCache.hitHeaders(hit) },
    };
  }

  /**
   * After Zoom answered a GET of `path`: a 200 JSON answer is kept for the next reader, and the
   * answer's `headers` say MISS when there is a cache to miss.
   */
  async keep(
    path: string,
    search: string,
    answer: { status: number; contentType: string; body: string },
    headers: Record<string, string>,
  ): Promise<void> {
    const resource = ZoomReadCache.resourceOf(path);
    if (!resource || !this.cache) return;
    if (answer.status === 200 && answer.contentType.includes('json'))
      await this.set(resource, ZoomReadCache.variantOf(search), {
        contentType: answer.contentType,
        body: answer.body,
        storedAt: Date.now(),
      });
    headers['x-cache'] = 'MISS';
  }

  /** After a write through the door (any status below 500): forgets what it may have changed. */
  async forget(method: string, path: string, status: number): Promise<void> {
    if (method === 'GET' || method === 'HEAD' || status >= 500) return;
    const written = ZoomReadCache.writtenResource(path);
    if (written) await this.invalidate(written);
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
    if (resource.kind === ME.kind && resource.id === ME.id) await this.learnMe(answer.body);
  }

  /** Remembers which user entries `/users/me` also is, from its answer's `id` and `email`. */
  private async learnMe(body: string): Promise<void> {
    const aliases = userAliasesOf(body);
    if (aliases.length === 0 || !this.cache) return;
    const unchanged = aliases.join() === this.meAliases.join();
    this.meAliases = aliases;
    if (unchanged && Date.now() - this.meAliasesSharedAt < ME_ALIASES_REWRITE_MS) return;
    this.meAliasesSharedAt = Date.now();
    await this.within(this.cache.set(ME_ALIASES_KEY, aliases, ME_ALIASES_TTL_MS));
  }

  /**
   * Forgets what a write changed. A user written by any name may be the token's own user, read
   * as `/users/me` and by its id and email too, so those entries go as well: one read of who
   * `/users/me` is (only on a user write), then one `mdel`.
   */
  async invalidate(resource: Resource): Promise<void> {
    if (!this.cache) return;
    const keys = new Set([key(resource)]);
    if (resource.kind === ME.kind) {
      keys.add(key(ME));
      const shared = await this.within(this.cache.get<unknown>(ME_ALIASES_KEY));
      const known = Array.isArray(shared) ? shared : [];
      for (const alias of [...known, ...this.meAliases])
        if (typeof alias === 'string') keys.add(alias);
    }
    await this.within(this.cache.mdel([...keys]));
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

/** The entry keys of the user an answer of `GET /users/{userId}` describes: by its id and by its email. */
function userAliasesOf(body: string): string[] {
  let user: unknown;
  try {
    user = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof user !== 'object' || user === null) return [];
  const aliases: string[] = [];
  if ('id' in user && typeof user.id === 'string' && user.id !== '')
    aliases.push(key({ kind: 'user', id: user.id }));
  if ('email' in user && typeof user.email === 'string' && user.email.includes('@'))
    aliases.push(key({ kind: 'user', id: user.email.toLowerCase() }));
  return aliases;
}

function key(resource: Resource): string {
  return `${resource.kind}:${resource.id}`;
}

/** What createKeyv does for a URL, for an adapter built from Sentinel or Cluster options. */
function cacheKeyv(adapter: KeyvRedis<unknown>, namespace: string): Keyv {
  adapter.namespace = namespace;
  const keyv = new Keyv(adapter, { namespace, useKeyPrefix: false });
  keyv.throwOnErrors = false;
  return keyv;
}
