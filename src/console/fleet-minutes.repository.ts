import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThanOrEqual, type Repository } from 'typeorm';
import { FleetMinuteCounterEntity } from './fleet-minute-counter.entity.js';

/** The `fleet_minute_counters` table: the only TypeORM of the fleet's per-minute counters. */
@Injectable()
export class FleetMinutesRepository {
  constructor(
    @InjectRepository(FleetMinuteCounterEntity)
    private readonly counters: Repository<FleetMinuteCounterEntity>,
  ) {}

  /** Adds `counts` to the minute's counters, creating them when this replica is the first (one statement each, both engines). */
  async add(minute: number, counts: Record<string, number>): Promise<void> {
    const table = this.counters.metadata.tableName;
    const driver = this.counters.manager.connection.driver;
    const [m, n, v] = ['minute', 'name', 'value'].map((c) => driver.escape(c));
    const postgres = this.counters.manager.connection.options.type === 'postgres';
    const sql = postgres
      ? `INSERT INTO ${driver.escape(table)} (${m}, ${n}, ${v}) VALUES ($1, $2, $3) ON CONFLICT (${m}, ${n}) DO UPDATE SET ${v} = ${driver.escape(table)}.${v} + EXCLUDED.${v}`
      : `INSERT INTO ${driver.escape(table)} (${m}, ${n}, ${v}) VALUES (?, ?, ?) ON CONFLICT (${m}, ${n}) DO UPDATE SET ${v} = ${v} + excluded.${v}`;
    for (const [name, value] of Object.entries(counts))
      if (value > 0) await this.counters.query(sql, [minute, name, value]);
  }

  since(minute: number): Promise<FleetMinuteCounterEntity[]> {
    return this.counters.find({
      where: { minute: MoreThanOrEqual(minute) },
      order: { minute: 'ASC' },
    });
  }

  async prune(before: number): Promise<void> {
    await this.counters.delete({ minute: LessThan(before) });
  }
}
