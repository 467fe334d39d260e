import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, type EntityManager, type Repository } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity.js';

/** Which rows of the trail a page reads. */
export interface AuditRowsQuery {
  action?: string;
  /** Only rows older than this one, in (at, id) order: the keyset cursor. */
  before?: { at: Date; id: string };
  take: number;
}

/** The `audit_events` table: the only place in audit/ that speaks TypeORM. */
@Injectable()
export class AuditRepository {
  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
  ) {}

  /** `manager`: the caller's transaction, so the action and its row are written together. */
  async insert(row: AuditEventEntity, manager?: EntityManager): Promise<void> {
    await (manager ?? this.events.manager).insert(AuditEventEntity, row);
  }

  /** Newest first, keyset pagination on (at, id). */
  newestFirst(query: AuditRowsQuery): Promise<AuditEventEntity[]> {
    const qb = this.events.createQueryBuilder('e');
    if (query.action) qb.andWhere('e.action = :action', { action: query.action });
    if (query.before) {
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('e.at < :at')
            .orWhere(new Brackets((x) => x.where('e.at = :at').andWhere('e.id < :id'))),
        ),
        { at: query.before.at, id: query.before.id },
      );
    }
    return qb.orderBy('e.at', 'DESC').addOrderBy('e.id', 'DESC').take(query.take).getMany();
  }
}
