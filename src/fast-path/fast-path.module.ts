import { Module } from '@nestjs/common';
import { LoggingModule } from '../logging/logging.module.js';
import { MeetingsModule } from '../meetings/meetings.module.js';
import { MeetingReadFastPath } from './meeting-read.fast-path.js';

/** Routes served beside Express's router (see FastPath); installed by createApp, in this order. */
@Module({
  imports: [LoggingModule, MeetingsModule],
  providers: [MeetingReadFastPath],
  exports: [MeetingReadFastPath],
})
export class FastPathModule {}

export const FAST_PATHS = [MeetingReadFastPath] as const;
