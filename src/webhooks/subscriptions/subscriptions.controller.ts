import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../../access/access.decorators.js';
import type { AuthenticatedCaller } from '../../access/caller.js';
import { Parse } from '../../common/parse.js';
import {
  type SubscriptionView,
  type SubscriptionWithSecret,
  SubscriptionsService,
} from './subscriptions.service.js';
import {
  type CreateSubscriptionInput,
  parseCreateSubscription,
  parseId,
  parseRotateSecret,
  parseUpdateSubscription,
  type RotateSecretInput,
  type UpdateSubscriptionInput,
} from './subscriptions.validation.js';

/** An app's subscriptions to Zoom's events (any key manages its app's; admin keys any app's). */
@ApiTags('webhook subscriptions')
@ApiBearerAuth()
@Controller('api/webhook-subscriptions')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post()
  @ApiOperation({
    summary:
      'Subscribe a URL to Zoom events {url, events: ["meeting.*"], description?, app? (admin keys)}; 201 with the signing secret, shown this once',
  })
  create(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Body(new Parse(parseCreateSubscription)) input: CreateSubscriptionInput,
  ): Promise<SubscriptionWithSecret> {
    return this.subscriptions.create(caller, input);
  }

  @Get()
  @ApiOperation({ summary: "The caller's subscriptions (admin keys: every app's); never a secret" })
  async list(
    @CurrentCaller() caller: AuthenticatedCaller,
  ): Promise<{ subscriptions: SubscriptionView[] }> {
    return { subscriptions: await this.subscriptions.list(caller) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscription; never its secret' })
  get(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('id', new Parse(parseId)) id: string,
  ): Promise<SubscriptionView> {
    return this.subscriptions.get(caller, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change {url?, events?, description?, paused?}' })
  update(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('id', new Parse(parseId)) id: string,
    @Body(new Parse(parseUpdateSubscription)) input: UpdateSubscriptionInput,
  ): Promise<SubscriptionView> {
    return this.subscriptions.update(caller, id, input);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the subscription and its pending deliveries' })
  remove(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('id', new Parse(parseId)) id: string,
  ): Promise<void> {
    return this.subscriptions.remove(caller, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'A new signing secret, shown this once {overlapSeconds? (default 3600)}: the old one keeps signing x-zm-signature until the overlap ends; the new one signs x-zoom-gateway-signature-next meanwhile',
  })
  rotateSecret(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('id', new Parse(parseId)) id: string,
    @Body(new Parse(parseRotateSecret)) input: RotateSecretInput,
  ): Promise<SubscriptionWithSecret> {
    return this.subscriptions.rotateSecret(caller, id, input);
  }
}
