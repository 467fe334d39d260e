import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../access/access.decorators.js';
import { Parse } from '../common/parse.js';
import { type AuditPage, type AuditQuery, AuditService } from './audit.service.js';
import { parseAuditQuery } from './audit.validation.js';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary:
      'Admin: who did what and when (keys, grants, credentials, reconciliation), newest first',
  })
  @ApiQuery({ name: 'action', required: false, description: 'e.g. api_key.revoked' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200 (default 50)' })
  list(@Query(new Parse(parseAuditQuery)) query: AuditQuery): Promise<AuditPage> {
    return this.audit.list(query);
  }
}
