import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';
import { Clock } from '../common/clock.js';
import { REDIS, type RedisClient, redisReady } from './redis.provider.js';

/** Owner-checked release and renewal: only the holder may touch its lease. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

const LOCAL_SWEEP_MS = 10_000;

export interface Lease {
  readonly name: string;
  readonly token: string;
  /** Where the lease lives: 'redis' for the fleet, 'local' for this process only. */
  readonly scope: 'redis' | 'local';
}

/**
 * Short, owner-checked leases (`SET NX PX`) that elect one actor for the fleet. Without
 * Redis, or while it is unreachable, leases fall back to this process alone.
 */
@Injectable()
export class LeaseService {
  private readonly local = new Map<string, { token: string; expiresAt: number }>();
  private nextSweepAt = 0;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient | null,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  get distributed(): boolean {
    return this.redis !== null;
  }

  private key(name: string): string {
    return `${this.config.redisKeyPrefix}lease:${name}`;
  }

  async tryAcquire(name: string, ttlMs: number): Promise<Lease | null> {
    const token = `${this.config.replicaId}:${randomUUID()}`;
    if (redisReady(this.redis)) {
      try {
        const ok = await this.redis.set(this.key(name), token, 'PX', ttlMs, 'NX');
        return ok === 'OK' ? { name, token, scope: 'redis' } : null;
      } catch {
        // Redis failed mid-call: coordinate within this process until it returns.
      }
    }
    const now = this.clock.now();
    this.sweep(now);
    const held = this.local.get(name);
    if (held && held.expiresAt > now) return null;
    this.local.set(name, { token, expiresAt: now + ttlMs });
    return { name, token, scope: 'local' };
  }

  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    if (lease.scope === 'redis') {
      try {
        return (
          (await this.redis!.eval(RENEW, 1, this.key(lease.name), lease.token, String(ttlMs))) === 1
        );
      } catch {
        return false;
      }
    }
    const held = this.local.get(lease.name);
    if (held?.token !== lease.token) return false;
    held.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  async release(lease: Lease): Promise<void> {
    if (lease.scope === 'redis') {
      await this.redis!.eval(RELEASE, 1, this.key(lease.name), lease.token).catch(() => undefined);
      return;
    }
    if (this.local.get(lease.name)?.token === lease.token) this.local.delete(lease.name);
  }

  /** Leases held in this process (expired ones are dropped as time passes). */
  get localLeaseCount(): number {
    return this.local.size;
  }

  /**
   * Drops expired local leases, at most once per LOCAL_SWEEP_MS: interval claims name a new
   * lease every window, so without this the map would grow for as long as the process runs.
   */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + LOCAL_SWEEP_MS;
    for (const [name, held] of this.local) if (held.expiresAt <= now) this.local.delete(name);
  }

  /** Whether anyone (in the fleet when Redis is up) holds the lease now. */
  async isHeld(name: string): Promise<boolean> {
    if (redisReady(this.redis)) {
      try {
        return (await this.redis.exists(this.key(name))) === 1;
      } catch {
        // fall through to the local view
      }
    }
    const held = this.local.get(name);
    return held !== undefined && held.expiresAt > this.clock.now();
  }

  /**
   * Elects one replica per fixed interval window: the first to claim window N runs it; the
   * others skip. Windows come from the shared clock, so replicas with different timer
   * phases still agree on who ran which window.
   */
  async claimInterval(task: string, intervalMs: number): Promise<boolean> {
    const window = Math.floor(this.clock.now() / intervalMs);
    const lease = await this.tryAcquire(`interval:${task}:${window}`, intervalMs * 2);
    return lease !== null;
  }
}
