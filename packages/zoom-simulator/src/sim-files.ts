// Binary traffic: a streamed download (Zoom Phone "Download a phone recording"), a multipart
// upload (Users "Upload a user's profile picture") and the (empty) cloud recording lists.
import { createHash } from 'node:crypto';
import type { RouteContext } from './sim-http.js';
import { multipartBoundary, parseMultipart } from './sim-multipart.js';
import type { UserDirectory } from './sim-users.js';
import { userNotFound } from './zoom-responses.js';

export interface PhoneRecordingOptions {
  /** bytes per download (default 1 MiB) */
  bytes?: number;
  /** `Transfer-Encoding: chunked` instead of `Content-Length` */
  chunked?: boolean;
}

/** What reached the simulator through `POST /v2/users/{userId}/picture`. */
export interface SimUpload {
  at: number;
  /** the resolved user's id */
  userId: string;
  field: string;
  filename?: string;
  /** the file part's content type */
  contentType?: string;
  bytes: number;
  sha256: string;
}

const CHUNK = 64 * 1024;
/** Zoom: the picture "must be .jpeg/.jpg or .png and at most 2 MB". */
const MAX_PICTURE_BYTES = 2 * 1024 * 1024;

/**
 * The deterministic content of phone recording `fileId` (an ID3 tag, then bytes from an
 * xorshift generator seeded by the id), so tests can checksum what they received.
 */
export function phoneRecordingBytes(fileId: string, size: number): Buffer {
  return Buffer.concat([...phoneRecordingChunks(fileId, size)]);
}

function* phoneRecordingChunks(fileId: string, size: number): Generator<Buffer> {
  let state = createHash('sha256').update(fileId).digest().readUInt32BE(0) || 1;
  const header = Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000', 'latin1');
  for (let offset = 0; offset < size; offset += CHUNK) {
    const chunk = Buffer.alloc(Math.min(CHUNK, size - offset));
    for (let i = 0; i < chunk.length; i++) {
      const at = offset + i;
      if (at < header.length) {
        chunk[i] = header[at];
        continue;
      }
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      chunk[i] = state & 0xff;
    }
    yield chunk;
  }
}

export class FileRoutes {
  recording: Required<PhoneRecordingOptions>;
  private uploadLog: SimUpload[] = [];

  constructor(
    private readonly users: UserDirectory,
    private readonly clock: () => number,
    recording: PhoneRecordingOptions = {},
  ) {
    this.recording = { bytes: 1_048_576, chunked: false, ...recording };
  }

  /** `GET /v2/phone/recording/download/{fileId}`: `audio/mpeg`, streamed in 64 KiB chunks. */
  downloadPhoneRecording(c: RouteContext, fileId: string): void {
    const { bytes, chunked } = this.recording;
    const headers: Record<string, string | number> = {
      'content-type': 'audio/mpeg',
      'content-disposition': `attachment; filename="${fileId}.mp3"`,
    };
    if (!chunked) headers['content-length'] = bytes;
    c.stream(200, headers, phoneRecordingChunks(fileId, bytes));
  }

  /** `POST /v2/users/{userId}/picture`, multipart/form-data with the file in `pic_file`: 201. */
  uploadPicture(c: RouteContext, userId: string): void {
    const user = this.users.resolve(userId);
    if (!user) return c.reply(404, userNotFound(userId));
    const boundary = multipartBoundary(c.headers['content-type']);
    const file = boundary
      ? parseMultipart(c.raw, boundary).find((p) => p.name === 'pic_file')
      : undefined;
    // (chosen) Zoom's reference lists error 120 for a request without a file.
    if (!file) {
      return c.reply(400, {
        code: 120,
        message: 'No file uploaded. Verify that a file has been uploaded.',
      });
    }
    if (file.data.length > MAX_PICTURE_BYTES) {
      return c.reply(400, { code: 300, message: 'File size cannot exceed 2M.' });
    }
    this.uploadLog.push({
      at: this.clock(),
      userId: user.id,
      field: 'pic_file',
      filename: file.filename,
      contentType: file.contentType,
      bytes: file.data.length,
      sha256: createHash('sha256').update(file.data).digest('hex'),
    });
    c.reply(201);
  }

  /** `GET /v2/users/{userId}/recordings`: the simulator holds no cloud recordings. */
  listUserRecordings(c: RouteContext, userId: string): void {
    if (!this.users.resolve(userId)) return c.reply(404, userNotFound(userId));
    const today = new Date(this.clock()).toISOString().slice(0, 10);
    const from = c.query.get('from') ?? today;
    const to = c.query.get('to') ?? today;
    const date = /^\d{4}-\d{2}-\d{2}$/;
    if (!date.test(from) || !date.test(to)) {
      return c.reply(400, {
        code: 300,
        message: 'Validation Failed.',
        errors: [{ field: date.test(from) ? 'to' : 'from', message: 'Invalid field.' }],
      });
    }
    const pageSize = Math.min(300, Number(c.query.get('page_size') ?? 30) || 30);
    c.reply(200, {
      from,
      to,
      page_count: 0,
      page_size: pageSize,
      total_records: 0,
      next_page_token: '',
      meetings: [],
    });
  }

  /** `GET /v2/meetings/{meetingId}/recordings`: Zoom's 404/3301, as no meeting has recordings. */
  meetingRecordings(c: RouteContext): void {
    c.reply(404, { code: 3301, message: 'This recording does not exist.' });
  }

  uploads(): SimUpload[] {
    return this.uploadLog.map((u) => ({ ...u }));
  }

  clearUploads(): void {
    this.uploadLog = [];
  }
}
