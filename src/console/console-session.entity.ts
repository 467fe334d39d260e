import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How a console session was opened: an admin API key, or the company's OpenID Connect provider. */
export type ConsoleSessionKind = 'key' | 'oidc';

/** One operator's console session, shared by the fleet; the cookie's secret is kept only as its sha256. */
@Entity('console_sessions')
export class ConsoleSessionEntity {
  /** Public: names the session in lists and in its revocation (never the secret). */
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id: string;

  /** Hex sha256 of the cookie's secret. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64, unique: true })
  secretHash: string;

  @Column({ type: 'varchar', length: 8 })
  kind: ConsoleSessionKind;

  /** The key's app name, or the person's email. */
  @Column({ type: 'varchar', length: 255 })
  subject: string;

  /** Whether the person may act; false: look only. (Key sessions: the key decides at each request.) */
  @Column({ name: 'may_act', type: 'boolean' })
  mayAct: boolean;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'expires_at', type: Date })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt: Date | null;
}
