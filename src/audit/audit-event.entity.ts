import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One admin action: who (an API key's app name, `cli`, or a job), what, on what, when. */
@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: Date })
  at: Date;

  @Column({ type: 'varchar', length: 64 })
  actor: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  target: string | null;

  /** JSON; never a secret. */
  @Column({ type: 'text', nullable: true })
  details: string | null;
}
