import { Module } from '@nestjs/common';
import { LoggingModule } from '../logging/logging.module.js';
import { MeetingsModule } from '../meetings/meetings.module.js';
import { ZoomPassThroughModule } from '../pass-through/pass-through.module.js';
import { FastPathRunner } from './fast-path-runner.js';
import { MeetingReadFastPath } from './meeting-read.fast-path.js';
import { PassThroughReadFastPath } from './pass-through-read.fast-path.js';

/** Routes served beside Express's router (see FastPath); installed by createApp. */
@Module({
  imports: [LoggingModule, MeetingsModule, ZoomPassThroughModule],
  providers: [FastPathRunner, MeetingReadFastPath, PassThroughReadFastPath],
  exports: [MeetingReadFastPath, PassThroughReadFastPath],
})
export class FastPathModule {}

export const FAST_PATHS = [MeetingReadFastPath, PassThroughReadFastPath] as const;
