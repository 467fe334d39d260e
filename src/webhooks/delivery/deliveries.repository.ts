import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, type DataSource, type EntityManager, In } from 'typeorm';
import { WebhookEventEntity } from '../events/webhook-event.entity.js';
import { insertDeliveries } from '../events/webhook-event.store.js';
import { WebhookSubscriptionEntity } from '../subscriptions/webhook-subscription.entity.js';
import { type DeliveryStatus, WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';

/** A delivery due now, with what it takes to send it. */
export interface DueDelivery {
  delivery: WebhookDeliveryEntity;
  subscription: WebhookSubscriptionEntity;
  body: string;
}

export interface DeliveryQuery {
  app?: string;
  subscriptionId?: string;
  status?: DeliveryStatus;
  /** Deliveries created before this one (ordered newest first), for paging. */
  before?: { createdAt: Date; id: string };
  limit: number;
}

export interface SubscriptionBacklog {
  subscriptionId: string;
  pending: number;
  oldestCreatedAt: Date;
}

/**
 * Deliveries in the database, shared by the fleet. A delivery is claimed by one replica with
 * a conditional update (`claimed_by` until `claim_until`), portable between SQLite and
 * PostgreSQL: a replica killed mid-attempt leaves a claim that lapses, and another replica
 * takes the delivery again (at least once).
 */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get deliveries() {
    return this.dataSource.getRepository(WebhookDeliveryEntity);
  }

  async insert(rows: WebhookDeliveryEntity[], manager?: EntityManager): Promise<void> {
    if (rows.length === 0) return;
    const target = manager ?? this.dataSource.manager;
    await insertDeliveries(target, rows);
  }

  /**
   * Pending deliveries whose time has come, unclaimed, of unpaused subscriptions, and first in
   * line for their meeting: none of the same subscription and meeting, pending, comes before
   * it (a failed one no longer holds the line). Oldest due first.
   */
  async due(
    now: Date,
    skipSubscriptions: readonly string[],
    limit: number,
  ): Promise<WebhookDeliveryEntity[]> {
    const query = this.deliveries
      .createQueryBuilder('d')
      .innerJoin(WebhookSubscriptionEntity, 's', 's.id = d.subscription_id AND s.paused_at IS NULL')
      .where('d.status = :pending', { pending: 'pending' })
      .andWhere('d.next_attempt_at <= :now', { now })
      .andWhere(
        new Brackets((claim) =>
          claim.where('d.claim_until IS NULL').orWhere('d.claim_until < :now', { now }),
        ),
      )
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM webhook_deliveries e
           WHERE e.subscription_id = d.subscription_id AND e.meeting_id = d.meeting_id
             AND e.status = 'pending' AND e.id <> d.id
             AND (e.event_at < d.event_at OR (e.event_at = d.event_at AND
                  (e.created_at < d.created_at OR (e.created_at = d.created_at AND e.id < d.id)))))`,
      )
      .orderBy('d.next_attempt_at', 'ASC')
      .limit(limit);
    if (skipSubscriptions.length > 0)
      query.andWhere('d.subscription_id NOT IN (:...skip)', { skip: skipSubscriptions });
    return query.getMany();
  }

  /** Takes a due delivery for this replica until `until`; false when another replica has it. */
  async claim(id: string, replica: string, now: Date, until: Date): Promise<boolean> {
    return (await this.claimMany([id], replica, now, until)).length === 1;
  }

  /**
   * Takes those of these due deliveries no other replica holds, in one statement, and answers
   * which this replica now holds (read back by its own claim, so no RETURNING is needed).
   */
  async claimMany(
    ids: readonly string[],
    replica: string,
    now: Date,
    until: Date,
  ): Promise<string[]> {
    if (ids.length === 0) return [];
    await this.deliveries
      .createQueryBuilder()
      .update()
      .set({ claimedBy: replica, claimUntil: until })
      .where('id IN (:...ids) AND status = :pending', { ids, pending: 'pending' })
      .andWhere(
        new Brackets((claim) =>
          claim.where('claim_until IS NULL').orWhere('claim_until < :now', { now }),
        ),
      )
      .execute();
    const held = await this.deliveries
      .createQueryBuilder('d')
      .select('d.id', 'id')
      .where('d.id IN (:...ids) AND d.claimed_by = :replica AND d.claim_until = :until', {
        ids,
        replica,
        until,
      })
      .getRawMany<{ id: string }>();
    return held.map((row) => row.id);
  }

  /** The claimed delivery with its subscription and the event's bytes; null when either is gone. */
  async loadClaimed(id: string): Promise<DueDelivery | null> {
    const [due] = await this.loadMany([id]);
    return due ?? null;
  }

  /**
   * Claimed deliveries with their subscriptions and the events' bytes, in three queries for the
   * lot; a delivery whose subscription or event is gone is left out (the caller removes it).
   */
  async loadMany(ids: readonly string[]): Promise<DueDelivery[]> {
    if (ids.length === 0) return [];
    const deliveries = await this.deliveries.findBy({ id: In([...ids]) });
    if (deliveries.length === 0) return [];
    const [subscriptions, events] = await Promise.all([
      this.dataSource
        .getRepository(WebhookSubscriptionEntity)
        .findBy({ id: In([...new Set(deliveries.map((d) => d.subscriptionId))]) }),
      this.dataSource.getRepository(WebhookEventEntity).find({
        where: { id: In([...new Set(deliveries.map((d) => d.eventId))]) },
        select: { id: true, body: true },
      }),
    ]);
    const subscriptionOf = new Map(subscriptions.map((row) => [row.id, row]));
    const bodyOf = new Map(events.map((row) => [row.id, row.body]));
    return deliveries.flatMap((delivery) => {
      const subscription = subscriptionOf.get(delivery.subscriptionId);
      const body = bodyOf.get(delivery.eventId);
      return subscription && body ? [{ delivery, subscription, body }] : [];
    });
  }

  /** Changes a delivery this replica holds; false when its claim lapsed and another took it. */
  async settle(
    id: string,
    replica: string,
    change: Partial<WebhookDeliveryEntity>,
  ): Promise<boolean> {
    const result = await this.deliveries
      .createQueryBuilder()
      .update()
      .set({ ...change, claimedBy: null, claimUntil: null })
      .where('id = :id AND claimed_by = :replica', { id, replica })
      .execute();
    return result.affected === 1;
  }

  /** The app may see it: no longer held; the claim stays with this replica, which sends it now. */
  async releaseHold(id: string, replica: string): Promise<void> {
    await this.deliveries
      .createQueryBuilder()
      .update()
      .set({ holdUntil: null })
      .where('id = :id AND claimed_by = :replica', { id, replica })
      .execute();
  }

  async remove(id: string): Promise<void> {
    await this.deliveries.delete({ id });
  }

  findOne(id: string): Promise<WebhookDeliveryEntity | null> {
    return this.deliveries.findOneBy({ id });
  }

  /** Newest first; `limit + 1` rows are read so the caller knows whether a page follows. */
  list(query: DeliveryQuery): Promise<WebhookDeliveryEntity[]> {
    const builder = this.deliveries
      .createQueryBuilder('d')
      .where('d.hold_until IS NULL')
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(query.limit + 1);
    if (query.app !== undefined) builder.andWhere('d.app = :app', { app: query.app });
    if (query.subscriptionId !== undefined)
      builder.andWhere('d.subscription_id = :sub', { sub: query.subscriptionId });
    if (query.status !== undefined)
      builder.andWhere('d.status = :status', { status: query.status });
    if (query.before)
      builder.andWhere(
        new Brackets((page) =>
          page
            .where('d.created_at < :at', { at: query.before?.createdAt })
            .orWhere('d.created_at = :at AND d.id < :id', {
              at: query.before?.createdAt,
              id: query.before?.id,
            }),
        ),
      );
    return builder.getMany();
  }

  /** A failed delivery pending again, with a fresh retry window; false unless it was failed. */
  async retry(id: string, now: Date, retryUntil: Date): Promise<boolean> {
    const result = await this.deliveries
      .createQueryBuilder()
      .update()
      .set({ status: 'pending', nextAttemptAt: now, retryUntil, claimedBy: null, claimUntil: null })
      .where('id = :id AND status = :failed', { id, failed: 'failed' })
      .execute();
    return result.affected === 1;
  }

  async removeForSubscription(subscriptionId: string, manager: EntityManager): Promise<void> {
    await manager.delete(WebhookDeliveryEntity, { subscriptionId });
  }

  /** Pending deliveries per subscription and the oldest one's age. */
  async backlog(): Promise<SubscriptionBacklog[]> {
    const rows = await this.deliveries
      .createQueryBuilder('d')
      .select('d.subscription_id', 'subscriptionId')
      .addSelect('COUNT(*)', 'pending')
      .addSelect('MIN(d.created_at)', 'oldest')
      .where('d.status = :pending', { pending: 'pending' })
      .groupBy('d.subscription_id')
      .getRawMany<{ subscriptionId: string; pending: string | number; oldest: string | Date }>();
    return rows.map((row) => ({
      subscriptionId: row.subscriptionId,
      pending: Number(row.pending),
      oldestCreatedAt:
        row.oldest instanceof Date ? row.oldest : new Date(`${row.oldest.replace(' ', 'T')}Z`),
    }));
  }

  /** Deletes settled deliveries created before the cutoff; answers how many. */
  async pruneSettled(before: Date): Promise<number> {
    const result = await this.deliveries
      .createQueryBuilder()
      .delete()
      .where('status <> :pending AND created_at < :before', { pending: 'pending', before })
      .execute();
    return result.affected ?? 0;
  }
}
