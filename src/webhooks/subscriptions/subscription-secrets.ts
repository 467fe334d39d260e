import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EncryptionService } from '../../common/crypto/encryption.service.js';
import type { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

/** The secrets that sign a delivery now: `signing` in Zoom's header, `next` during a rotation's overlap. */
export interface SigningSecrets {
  signing: string;
  next?: string;
}

/**
 * A subscription's signing secrets, encrypted at rest (they must be read to sign, so they are
 * not hashed), bound to their subscription so one cannot be moved to another.
 */
@Injectable()
export class SubscriptionSecrets {
  constructor(private readonly encryption: EncryptionService) {}

  /** A new secret: 32 random bytes, base64url, used by receivers as Zoom's secret token. */
  generate(): string {
    return randomBytes(32).toString('base64url');
  }

  seal(subscriptionId: string, secret: string): string {
    return this.encryption.encrypt(secret, `webhook-subscription:${subscriptionId}`);
  }

  /**
   * A rotation's old secret keeps signing (`x-zm-signature`) until `secretSwitchAt`, so
   * receivers have the overlap to take the new one; meanwhile the new one signs
   * `x-zoom-gateway-signature-next`.
   */
  signingAt(subscription: WebhookSubscriptionEntity, now: number): SigningSecrets {
    const open = (sealed: string) =>
      this.encryption.decrypt(sealed, `webhook-subscription:${subscription.id}`);
    const current = open(subscription.secret);
    if (subscription.nextSecret === null) return { signing: current };
    const next = open(subscription.nextSecret);
    if (subscription.secretSwitchAt === null || subscription.secretSwitchAt.getTime() <= now)
      return { signing: next };
    return { signing: current, next };
  }
}
