import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessPolicy } from '../access/access-policy.service.js';
import { VisibleMeetings } from './ownership/visible-meetings.js';
import type { AuthenticatedCaller } from '../access/caller.js';
import { CurrentCaller, ZoomGrant } from '../access/access.decorators.js';
import type { ZoomQuery } from '../zoom/api/zoom-api.types.js';
import type { MeetingBody } from './dto/meeting-body.schema.js';
import { MEETING_BODY_OPENAPI } from './dto/meeting-body.openapi.js';
import { MeetingsService } from './meetings.service.js';
import { ZoomReply } from '../http/zoom-reply.js';
import { BypassCache } from './zoom-answer.js';
import {
  IdempotencyKey,
  ParseWith,
  parseDeleteQuery,
  parseGetQuery,
  parseListQuery,
  parseMeetingBody,
  parseMeetingId,
  parsePatchQuery,
  parseUserId,
} from './dto/meetings.validation.js';

/**
 * Zoom's own meetings paths and bodies: a caller switches by changing the base URL and the
 * bearer. The grant (meetings, read or write) is checked before anything; a meeting's owner once
 * the input is valid and before Zoom is called (another app's meeting: Zoom's 404/3001).
 */
@ApiTags('zoom-compatible meetings')
@ApiBearerAuth()
@ZoomGrant()
@Controller('v2')
export class ZoomMeetingsController {
  constructor(
    private readonly meetings: MeetingsService,
    private readonly access: AccessPolicy,
    private readonly visible: VisibleMeetings,
  ) {}

  @Post('users/:userId/meetings')
  @ApiOperation({ summary: "Create a meeting (Zoom's body and answer); honours Idempotency-Key" })
  @ApiBody({ schema: MEETING_BODY_OPENAPI })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same key and body within 24 h: the same meeting',
  })
  async create(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('userId', new ParseWith(parseUserId)) userId: string,
    @Body(new ParseWith(parseMeetingBody)) body: MeetingBody,
    @IdempotencyKey() key: string | undefined,
  ): Promise<ZoomReply> {
    return ZoomReply.json(await this.meetings.create(caller, userId, body, key));
  }

  @Get('meetings/:meetingId')
  @ApiOperation({ summary: "Zoom's meeting object (one occurrence with occurrence_id)" })
  async get(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('meetingId', new ParseWith(parseMeetingId)) meetingId: string,
    @Query(new ParseWith(parseGetQuery)) query: ZoomQuery,
    @BypassCache() bypassCache: boolean,
  ): Promise<ZoomReply> {
    return ZoomReply.json(
      await this.access.ownMeeting(caller, meetingId, () =>
        this.meetings.get(meetingId, query, bypassCache, caller.name),
      ),
    );
  }

  @Patch('meetings/:meetingId')
  @ApiOperation({
    summary: 'Update a meeting in Zoom (204); the record follows, unless one occurrence changed',
  })
  @ApiBody({ schema: MEETING_BODY_OPENAPI })
  async update(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('meetingId', new ParseWith(parseMeetingId)) meetingId: string,
    @Body(new ParseWith(parseMeetingBody)) body: MeetingBody,
    @Query(new ParseWith(parsePatchQuery)) query: ZoomQuery,
  ): Promise<ZoomReply> {
    return ZoomReply.json(
      await this.access.ownMeeting(caller, meetingId, () =>
        this.meetings.update(meetingId, body, query, caller.name),
      ),
    );
  }

  @Delete('meetings/:meetingId')
  @ApiOperation({
    summary:
      'Delete a meeting in Zoom (204); the record is marked deleted (also on 404/3001), unless one occurrence was deleted',
  })
  async delete(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('meetingId', new ParseWith(parseMeetingId)) meetingId: string,
    @Query(new ParseWith(parseDeleteQuery)) query: ZoomQuery,
  ): Promise<ZoomReply> {
    return ZoomReply.json(
      await this.access.ownMeeting(caller, meetingId, () =>
        this.meetings.delete(caller, meetingId, query),
      ),
    );
  }

  @Get('users/:userId/meetings')
  @ApiOperation({
    summary:
      "Zoom's list of a user's meetings; a key with ownership=own gets its app's meetings only (pages may be short: follow next_page_token)",
  })
  async list(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('userId', new ParseWith(parseUserId)) userId: string,
    @Query(new ParseWith(parseListQuery)) query: ZoomQuery,
  ): Promise<ZoomReply> {
    return ZoomReply.json(
      await this.visible.of(caller, await this.meetings.listZoom(userId, query, caller.name)),
    );
  }
}
