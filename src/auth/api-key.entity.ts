import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An app whose keys the gateway made (embedded default, `cli api-key`, the admin API): its grants,
 * expiry and revocation. Its keys are rows of `api_key_secrets`, kept as SHA-256 only. A name is
 * never reused, even once revoked: the meetings it created stay its own.
 */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'boolean', default: false })
  admin: boolean;

  /** The grants text (see grants.ts); null: the defaults for `admin`. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  grants: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  /** Who made it: an admin key's name, or `cli`. Null for keys made before it was recorded. */
  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy: string | null;

  /** Changed by every write to this app or its keys: replicas poll its maximum to notice. */
  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;

  @Column({ name: 'expires_at', type: Date, nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt: Date | null;
}

/** One key of an app, as its SHA-256; the key itself is shown once, when made. */
@Entity('api_key_secrets')
export class ApiKeySecretEntity {
  @PrimaryColumn({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  /** Set when a rotation replaced it: valid until then (the overlap), refused after. */
  @Column({ name: 'retires_at', type: Date, nullable: true })
  retiresAt: Date | null;
}

/** When an app (from the environment or the database) last presented a key, written in batches. */
@Entity('api_key_usage')
export class ApiKeyUsageEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'last_used_at', type: Date })
  lastUsedAt: Date;
}
