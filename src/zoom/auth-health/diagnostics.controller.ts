import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.decorators.js';
import { type Diagnostics, DiagnosticsService } from './diagnostics.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin/zoom')
export class DiagnosticsController {
  constructor(private readonly diagnostics: DiagnosticsService) {}

  @Get('diagnostics')
  @ApiOperation({
    summary:
      'Zoom auth state and history, mints against the budget, refusals, credential, token claims, fleet, verdict',
  })
  diagnose(): Promise<Diagnostics> {
    return this.diagnostics.diagnose();
  }
}
