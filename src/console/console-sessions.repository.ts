import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, MoreThan, type Repository } from 'typeorm';
import { ConsoleSessionEntity } from './console-session.entity.js';

/** The `console_sessions` table: the only place in console/ that speaks TypeORM. */
@Injectable()
export class ConsoleSessionsRepository {
  constructor(
    @InjectRepository(ConsoleSessionEntity)
    private readonly sessions: Repository<ConsoleSessionEntity>,
  ) {}

  async insert(session: ConsoleSessionEntity): Promise<void> {
    await this.sessions.insert(session);
  }

  bySecretHash(secretHash: string): Promise<ConsoleSessionEntity | null> {
    return this.sessions.findOneBy({ secretHash });
  }

  byId(id: string): Promise<ConsoleSessionEntity | null> {
    return this.sessions.findOneBy({ id });
  }

  /** Sessions neither revoked nor expired at `now`, newest first. */
  live(now: Date): Promise<ConsoleSessionEntity[]> {
    return this.sessions.find({
      where: { revokedAt: IsNull(), expiresAt: MoreThan(now) },
      order: { createdAt: 'DESC' },
      take: 500,
    });
  }

  /** Marks a live session revoked; false when there was none to revoke. */
  async revoke(id: string, at: Date): Promise<boolean> {
    const result = await this.sessions.update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return (result.affected ?? 0) > 0;
  }

  /** Deletes sessions that ended before `before`. */
  async prune(before: Date): Promise<void> {
    await this.sessions.delete({ expiresAt: LessThan(before) });
  }
}
