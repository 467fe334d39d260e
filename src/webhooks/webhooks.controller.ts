import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { WithRawBody } from '../http/body-parsers.js';
import { Public } from '../access/access.decorators.js';
import { type WebhookAnswer, WebhooksService } from './webhooks.service.js';

/** Zoom's event notifications: signed by Zoom with the webhook secret token instead of an API key. */
@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Public()
  @Post('zoom')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Zoom events, signed by Zoom (x-zm-signature, x-zm-request-timestamp) instead of an API key; 404 while ZOOM_WEBHOOK_SECRET_TOKEN is unset',
  })
  receive(@Req() request: FastifyRequest & WithRawBody): Promise<WebhookAnswer> {
    return this.webhooks.receive(request.rawBody, request.headers);
  }
}
