import { Injectable, type PipeTransform } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import {
  type CreateKeyInput,
  parseCreateKey,
  parseRotateKey,
  parseUpdateKey,
  type RotateKeyInput,
  type UpdateKeyInput,
} from './api-keys.validation.js';

/** Body pipes that read the clock (an expiry must be in the future). */
@Injectable()
class CreateKeyPipe implements PipeTransform<unknown, CreateKeyInput> {
  constructor(private readonly clock: Clock) {}
  transform(value: unknown): CreateKeyInput {
    return parseCreateKey(value, this.clock.now());
  }
}

@Injectable()
class RotateKeyPipe implements PipeTransform<unknown, RotateKeyInput> {
  constructor(private readonly clock: Clock) {}
  transform(value: unknown): RotateKeyInput {
    return parseRotateKey(value, this.clock.now());
  }
}

@Injectable()
class UpdateKeyPipe implements PipeTransform<unknown, UpdateKeyInput> {
  constructor(private readonly clock: Clock) {}
  transform(value: unknown): UpdateKeyInput {
    return parseUpdateKey(value, this.clock.now());
  }
}

export const ApiKeysRequests = {
  create: CreateKeyPipe,
  rotate: RotateKeyPipe,
  update: UpdateKeyPipe,
} as const;
