import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MeetingOwnership } from '../../access/ports.js';
import { MeetingEntity } from '../meeting.entity.js';
import { MeetingOwnershipStore } from './meeting-ownership.store.js';

/** The meetings side of the access module's MeetingOwnership port: owners from the records. */
@Module({
  imports: [TypeOrmModule.forFeature([MeetingEntity])],
  providers: [
    MeetingOwnershipStore,
    { provide: MeetingOwnership, useExisting: MeetingOwnershipStore },
  ],
  exports: [MeetingOwnership],
})
export class MeetingOwnershipModule {}
