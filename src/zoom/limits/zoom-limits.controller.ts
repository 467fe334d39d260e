import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from '../../access/caller.js';
import { AdminOnly, CurrentCaller } from '../../access/access.decorators.js';
import { Parse } from '../../common/parse.js';
import { parseBlockScope, parseBlockScopeQuery } from './block-scope.js';
import { DailyBlockLiftService } from './daily-block-lift.service.js';
import { type ZoomLimitsReport, ZoomLimitsReportService } from './zoom-limits-report.service.js';

const LIFTED =
  'Every replica calls Zoom for the scope again and its count for today starts over. Audited ' +
  '(`zoom.limits.block_lifted`). 404 `not_found` when no block was in force (the count is still cleared).';

/** Zoom's limits as the gateway applies them, and the operator's way to lift a daily-limit block. */
@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin/zoom/limits')
export class ZoomLimitsController {
  constructor(
    private readonly reports: ZoomLimitsReportService,
    private readonly lifts: DailyBlockLiftService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      "Zoom's limits for this account: each bucket's pace, the plan's daily caps with today's count, the active daily-limit blocks",
  })
  report(): Promise<ZoomLimitsReport> {
    return this.reports.report();
  }

  @Delete('blocks')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Lift one daily-limit block named in the query: for scopes with a `/` (operation:...)',
    description: LIFTED,
  })
  @ApiQuery({ name: 'scope', description: 'the scope, URL-encoded (`+` as %2B)' })
  @ApiNoContentResponse({ description: 'lifted' })
  @ApiNotFoundResponse({ description: 'no block was in force' })
  liftByQuery(
    @CurrentCaller() caller: Caller,
    @Query(new Parse(parseBlockScopeQuery)) scope: string,
  ): Promise<void> {
    return this.lifts.lift(caller.name, scope);
  }

  @Delete('blocks/:scope')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Lift one daily-limit block (scope percent-encoded)',
    description: LIFTED,
  })
  @ApiParam({
    name: 'scope',
    description:
      'e.g. host%3Ajane%40example.com; a scope containing `/` goes in ?scope= instead (an encoded `/` in a path segment is refused)',
  })
  @ApiNoContentResponse({ description: 'lifted' })
  @ApiNotFoundResponse({ description: 'no block was in force' })
  lift(
    @CurrentCaller() caller: Caller,
    @Param('scope', new Parse(parseBlockScope)) scope: string,
  ): Promise<void> {
    return this.lifts.lift(caller.name, scope);
  }
}
