import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../access/access.decorators.js';
import { Parse } from '../common/parse.js';
import { parseFleetMinutesQuery } from './dto/console.validation.js';
import { type AppUse, type FleetMinute, FleetMinutesService } from './fleet-minutes.service.js';

/** The fleet's per-minute counters (calls, refusals, Zoom's 429s, mints), kept a day: the console's charts. */
@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin/fleet')
export class FleetMinutesController {
  constructor(private readonly fleet: FleetMinutesService) {}

  @Get('minutes')
  @ApiOperation({
    summary:
      'The whole fleet by minute over the last `hours` (1 to 24, default 24): calls, refusals, Zoom 429s, mints',
  })
  async minutes(
    @Query(new Parse(parseFleetMinutesQuery)) query: { hours: number },
  ): Promise<{ hours: number; minutes: FleetMinute[] }> {
    return { hours: query.hours, minutes: await this.fleet.minutes(query.hours) };
  }

  @Get('apps')
  @ApiOperation({
    summary:
      "Each app's calls and refusals for the whole fleet over the last `hours` (1 to 24, default 24)",
  })
  async apps(
    @Query(new Parse(parseFleetMinutesQuery)) query: { hours: number },
  ): Promise<{ hours: number; apps: AppUse[] }> {
    return { hours: query.hours, apps: await this.fleet.apps(query.hours) };
  }
}
