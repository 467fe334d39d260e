import { Column, Entity, PrimaryColumn } from 'typeorm';

export type CredentialState = 'staged' | 'active' | 'retired' | 'rejected' | 'abandoned';
export type CredentialSource = 'environment' | 'api' | 'cli' | 'automated';

/**
 * One version of the S2S app's credentials. The secret is stored only as AES-256-GCM
 * ciphertext bound to its version (aad `zoom-client-secret:<version>`); a refused or
 * abandoned candidate keeps no ciphertext at all.
 */
@Entity('zoom_credentials')
export class ZoomCredentialEntity {
  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ name: 'account_id', type: 'varchar', length: 128 })
  accountId: string;

  @Column({ name: 'client_id', type: 'varchar', length: 128 })
  clientId: string;

  @Column({ name: 'secret_ciphertext', type: 'text', nullable: true })
  secretCiphertext: string | null;

  /** sha256(clientId:clientSecret), first 12 hex. */
  @Column({ type: 'varchar', length: 12 })
  fingerprint: string;

  @Column({ type: 'varchar', length: 16 })
  state: CredentialState;

  @Column({ type: 'varchar', length: 16 })
  source: CredentialSource;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'activated_at', type: Date, nullable: true })
  activatedAt: Date | null;

  @Column({ name: 'retired_at', type: Date, nullable: true })
  retiredAt: Date | null;
}
