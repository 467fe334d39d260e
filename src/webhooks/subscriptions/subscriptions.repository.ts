import { inTransaction } from '../../database/transaction.js';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

/** Subscriptions in the database, read by every replica at each event (a small table). */
@Injectable()
export class SubscriptionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get rows() {
    return this.dataSource.getRepository(WebhookSubscriptionEntity);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work);
  }

  /** Subscriptions that take new events: not paused. */
  active(): Promise<WebhookSubscriptionEntity[]> {
    return this.rows.createQueryBuilder('s').where('s.paused_at IS NULL').getMany();
  }

  find(id: string): Promise<WebhookSubscriptionEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /** An app's subscriptions (every app's when `app` is undefined), oldest first. */
  list(app: string | undefined): Promise<WebhookSubscriptionEntity[]> {
    return this.rows.find({
      where: app === undefined ? {} : { app },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 1_000,
    });
  }

  countOf(app: string): Promise<number> {
    return this.rows.countBy({ app });
  }

  async insert(row: WebhookSubscriptionEntity, manager: EntityManager): Promise<void> {
    await manager.insert(WebhookSubscriptionEntity, row);
  }

  async update(
    id: string,
    change: Partial<WebhookSubscriptionEntity>,
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.dataSource.manager).update(WebhookSubscriptionEntity, { id }, change);
  }

  /** Removes the subscription and every delivery it still has. */
  async remove(id: string, manager: EntityManager): Promise<void> {
    await manager.delete(WebhookDeliveryEntity, { subscriptionId: id });
    await manager.delete(WebhookSubscriptionEntity, { id });
  }

  /** Success clears the failing mark; a failure sets it unless already set (the first failure). */
  async markOutcome(id: string, ok: boolean, at: Date): Promise<void> {
    const query = this.rows.createQueryBuilder().update().where('id = :id', { id });
    if (ok) await query.set({ failingSince: null, lastSuccessAt: at }).execute();
    else await query.set({ failingSince: at }).andWhere('failing_since IS NULL').execute();
  }
}
