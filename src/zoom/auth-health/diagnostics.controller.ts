import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../../access/caller.js';
import { AdminOnly, CurrentCaller } from '../../access/access.decorators.js';
import { AuthResetService } from './auth-reset.service.js';
import { type Diagnostics, DiagnosticsService } from './diagnostics.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin/zoom')
export class DiagnosticsController {
  constructor(
    private readonly diagnostics: DiagnosticsService,
    private readonly resets: AuthResetService,
  ) {}

  @Get('diagnostics')
  @ApiOperation({
    summary:
      'Zoom auth state and history, mints against the budget, refusals, credential, token claims, fleet, verdict',
  })
  diagnose(): Promise<Diagnostics> {
    return this.diagnostics.diagnose();
  }

  @Post('auth/reset')
  @HttpCode(204)
  @ApiOperation({
    summary: "Clear the fleet's Zoom auth back-off now: every replica may mint again at once",
    description:
      'For a back-off the operator knows is over (a Retry-After, an outage, a fixed app). ' +
      'Audited in the credentials trail; a problem that persists comes back with the next answer.',
  })
  @ApiNoContentResponse()
  async reset(@CurrentCaller() caller: Caller): Promise<void> {
    await this.resets.reset(caller.name);
  }
}
