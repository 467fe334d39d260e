import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An API key created by the gateway (embedded default or `cli api-key`): only its SHA-256 is kept. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash: string;

  @Column({ type: 'boolean', default: false })
  admin: boolean;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt: Date | null;
}
