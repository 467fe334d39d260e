import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../../access/caller.js';
import { AdminOnly, CurrentCaller } from '../../access/access.decorators.js';
import { CredentialRotationService } from './credential-rotation.service.js';
import { CredentialVersionDto, RotateCredentialsDto } from './dto/rotate-credentials.dto.js';
import { SecretRotationJob } from './secret-rotation.job.js';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin/zoom/credentials')
export class CredentialsController {
  constructor(
    private readonly rotation: CredentialRotationService,
    private readonly job: SecretRotationJob,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stage a new client secret, validate it with Zoom, then activate it fleet-wide',
    description:
      "422 credentials_rejected with Zoom's reason when Zoom refuses it; nothing changes then.",
  })
  @ApiOkResponse({ type: CredentialVersionDto })
  rotate(@Body() body: RotateCredentialsDto, @CurrentCaller() caller: Caller) {
    return this.rotation.rotate({
      clientSecret: body.clientSecret,
      clientId: body.clientId,
      actor: caller.name,
      source: 'api',
    });
  }

  @Get()
  @ApiOperation({
    summary:
      'The active version, every version (no secrets), the audit trail and the automated rotation alarm',
  })
  overview() {
    return this.rotation.overview();
  }

  @Post('rotations')
  @HttpCode(200)
  @ApiOperation({
    summary: "Run the automated rotation through Zoom's API now (needs ZOOM_APP_ID)",
  })
  rotateThroughZoom(@CurrentCaller() caller: Caller) {
    return this.job.runNow(caller.name);
  }
}
