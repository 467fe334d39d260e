import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One attempt to mint a Zoom access token: who, when, why, how it went. Never the token itself. */
@Entity('zoom_token_mints')
export class ZoomTokenMintEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: Date })
  at: Date;

  @Column({ name: 'replica_id', type: 'varchar', length: 128 })
  replicaId: string;

  @Column({ name: 'credential_version', type: 'int' })
  credentialVersion: number;

  /** cold | refresh_ahead | invalidated | rotation | probe */
  @Column({ type: 'varchar', length: 32 })
  reason: string;

  /** ok, or why Zoom's token endpoint gave no token (invalid_client, rate_limited, timeout, ...). */
  @Column({ type: 'varchar', length: 32 })
  outcome: string;

  @Column({ name: 'latency_ms', type: 'int' })
  latencyMs: number;

  /** sha256 prefix of the token; null when no token was minted. */
  @Column({ name: 'token_fingerprint', type: 'varchar', length: 16, nullable: true })
  tokenFingerprint: string | null;
}
