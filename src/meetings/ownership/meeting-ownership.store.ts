import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { MeetingEntity } from '../meeting.entity.js';

/** Which app created a meeting: the `created_by` of the gateway's record of it (one indexed lookup). */
@Injectable()
export class MeetingOwnershipStore {
  constructor(
    @InjectRepository(MeetingEntity) private readonly meetings: Repository<MeetingEntity>,
  ) {}

  /** The creator of the meeting with this Zoom id, or null when the gateway made no such meeting. */
  async ownerOf(zoomMeetingId: string): Promise<string | null> {
    const row = await this.meetings.findOne({
      select: { createdBy: true },
      where: { zoomMeetingId },
    });
    return row?.createdBy ?? null;
  }

  /** The same, by the meeting's UUID (as Zoom gave it at create). */
  async ownerOfUuid(zoomUuid: string): Promise<string | null> {
    const row = await this.meetings.findOne({ select: { createdBy: true }, where: { zoomUuid } });
    return row?.createdBy ?? null;
  }

  /** Which of these Zoom ids this app created. */
  async ownedAmong(ids: readonly string[], app: string): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.meetings.find({
      select: { zoomMeetingId: true },
      where: { zoomMeetingId: In([...ids]), createdBy: app },
    });
    return new Set(rows.flatMap((r) => (r.zoomMeetingId === null ? [] : [r.zoomMeetingId])));
  }
}
