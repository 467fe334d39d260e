import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Clock } from '../common/clock.js';
import { ApiKeyUsageEntity } from './api-key.entity.js';

/**
 * When each app last used a key: noted in memory on every request (no I/O), written in one
 * batch every few seconds. A replica that dies loses at most one interval of it.
 */
@Injectable()
export class ApiKeyUsage {
  static readonly FLUSH_INTERVAL_MS = 5_000;
  private pending = new Map<string, number>();

  constructor(
    @InjectRepository(ApiKeyUsageEntity) private readonly usage: Repository<ApiKeyUsageEntity>,
    private readonly clock: Clock,
  ) {}

  touch(name: string): void {
    this.pending.set(name, this.clock.now());
  }

  /** Writes what was noted since the last flush; a later time never gives way to an earlier one. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      for (const [name, at] of batch) await this.write(name, new Date(at));
    } catch (error) {
      // Not lost: noted again for the next flush, unless a newer use replaced it meanwhile.
      for (const [name, at] of batch) if (!this.pending.has(name)) this.pending.set(name, at);
      throw error;
    }
  }

  async lastUsed(): Promise<Map<string, Date>> {
    const rows = await this.usage.find();
    const known = new Map(rows.map((row) => [row.name, row.lastUsedAt]));
    for (const [name, at] of this.pending) known.set(name, new Date(at));
    return known;
  }

  private async write(name: string, at: Date): Promise<void> {
    await this.usage
      .createQueryBuilder()
      .insert()
      .values({ name, lastUsedAt: at })
      .orIgnore()
      .execute();
    await this.usage
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: at })
      .where('name = :name AND last_used_at < :at', { name, at })
      .execute();
  }
}
