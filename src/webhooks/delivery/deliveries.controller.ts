import {
  Body,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Param,
  type PipeTransform,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../../access/access.decorators.js';
import type { AuthenticatedCaller } from '../../access/caller.js';
import { Clock } from '../../common/clock.js';
import { fieldsInvalid, objectOf, onlyKnown, Parse } from '../../common/parse.js';
import {
  parseId,
  parseReplay,
  type ReplayInput,
} from '../subscriptions/subscriptions.validation.js';
import type { DeliveryStatus } from '../events/webhook-delivery.entity.js';
import {
  type DeliveriesQuery,
  DeliveriesService,
  type DeliveryView,
} from './deliveries.service.js';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

/** `?subscription=&status=&cursor=&limit=` */
export function parseDeliveriesQuery(value: unknown): DeliveriesQuery {
  const query = objectOf(value, 'query');
  onlyKnown(query, ['subscription', 'status', 'cursor', 'limit']);
  const { subscription, status, cursor, limit } = query;
  const known = STATUSES.find((candidate) => candidate === status);
  if (status !== undefined && known === undefined)
    throw fieldsInvalid([{ field: 'status', message: 'Must be pending, delivered or failed.' }]);
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length > 200))
    throw fieldsInvalid([{ field: 'cursor', message: 'Not a cursor this route gave.' }]);
  const size = limit === undefined ? 50 : Number(limit);
  if (
    !Number.isInteger(size) ||
    size < 1 ||
    size > 100 ||
    (typeof limit === 'string' && !/^\d+$/.test(limit))
  )
    throw fieldsInvalid([{ field: 'limit', message: 'Must be an integer from 1 to 100.' }]);
  return {
    subscription: subscription === undefined ? undefined : parseId(subscription),
    status: known,
    cursor: typeof cursor === 'string' ? cursor : undefined,
    limit: size,
  };
}

/** `{since}` of a replay: not in the future, by the clock. */
@Injectable()
class ReplayPipe implements PipeTransform<unknown, ReplayInput> {
  constructor(private readonly clock: Clock) {}
  transform(value: unknown): ReplayInput {
    return parseReplay(value, this.clock.now());
  }
}

/** Deliveries to subscribers: listed, a dead letter retried, a subscription replayed. */
@ApiTags('webhook subscriptions')
@ApiBearerAuth()
@Controller('api')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get('webhook-deliveries')
  @ApiOperation({
    summary:
      "Deliveries, newest first, with attempts, last status and error: ?subscription=&status=pending|delivered|failed&cursor=&limit= (an app key sees its app's)",
  })
  list(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Query(new Parse(parseDeliveriesQuery)) query: DeliveriesQuery,
  ): Promise<{ deliveries: DeliveryView[]; nextCursor: string | null }> {
    return this.deliveries.list(caller, query);
  }

  @Post('webhook-deliveries/:id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a failed delivery again (409 unless it is failed)' })
  retry(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('id', new Parse(parseId)) id: string,
  ): Promise<DeliveryView> {
    return this.deliveries.retry(caller, id);
  }

  @Post('webhook-subscriptions/:id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Deliver again every stored event since {since} that the subscription matches, in event order',
  })
  replay(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('id', new Parse(parseId)) id: string,
    @Body(ReplayPipe) input: ReplayInput,
  ): Promise<{ queued: number }> {
    return this.deliveries.replay(caller, id, input.since);
  }
}
