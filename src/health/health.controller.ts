import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck } from '@nestjs/terminus';
import { Public } from '../access/access.decorators.js';
import { HealthCheckFilter } from './health-check.filter.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Public()
@UseFilters(HealthCheckFilter)
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'The process is up (no I/O)' })
  live() {
    return this.health.live();
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Ready to serve: database, Redis when configured, Zoom auth (503 when not)',
  })
  ready() {
    return this.health.ready();
  }

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Same checks as /health/ready' })
  check() {
    return this.health.ready();
  }
}
