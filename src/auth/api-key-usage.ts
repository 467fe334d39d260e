import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { ApiKeysRepository } from './api-keys.repository.js';

/**
 * When each app last used a key: noted in memory on every request (no I/O), written in one
 * batch every few seconds. A replica that dies loses at most one interval of it.
 */
@Injectable()
export class ApiKeyUsage {
  static readonly FLUSH_INTERVAL_MS = 5_000;
  private pending = new Map<string, number>();

  constructor(
    private readonly store: ApiKeysRepository,
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
      for (const [name, at] of batch) await this.store.recordUse(name, new Date(at));
    } catch (error) {
      // Not lost: noted again for the next flush, unless a newer use replaced it meanwhile.
      for (const [name, at] of batch) if (!this.pending.has(name)) this.pending.set(name, at);
      throw error;
    }
  }

  async lastUsed(): Promise<Map<string, Date>> {
    const rows = await this.store.lastUses();
    const known = new Map(rows.map((row) => [row.name, row.lastUsedAt]));
    for (const [name, at] of this.pending) known.set(name, new Date(at));
    return known;
  }
}
