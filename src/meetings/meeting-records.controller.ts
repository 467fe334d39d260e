import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedCaller } from '../access/caller.js';
import { CurrentCaller, RequireGrant } from '../access/access.decorators.js';
import {
  MeetingRecordsService,
  type MeetingRecordsPage,
  type MeetingRecordView,
} from './meeting-records.service.js';
import {
  ParseWith,
  parseRecordId,
  parseRecordsQuery,
  type RecordsQuery,
} from './dto/meetings.validation.js';

/** The gateway's own records of the meetings it created. */
@ApiTags('meeting records')
@ApiBearerAuth()
@RequireGrant('meetings', 'read')
@Controller('api')
export class MeetingRecordsController {
  constructor(private readonly records: MeetingRecordsService) {}

  @Get('meetings')
  @ApiOperation({
    summary:
      "Records, newest first; filters userId, status, createdBy, from/to (created time); cursor; limit 1-100. A key with ownership=own sees its app's records only",
  })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 100 (default 20); more is a 400' })
  list(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Query(new ParseWith(parseRecordsQuery)) query: RecordsQuery,
  ): Promise<MeetingRecordsPage> {
    return this.records.list(query, { caller, ownership: caller.grants.ownership });
  }

  @Get('meetings/:meetingId')
  @ApiOperation({ summary: "One record, by Zoom's meeting id or the record's id" })
  get(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('meetingId', new ParseWith(parseRecordId)) id: string,
  ): Promise<MeetingRecordView> {
    return this.records.get(id, { caller, ownership: caller.grants.ownership });
  }
}
