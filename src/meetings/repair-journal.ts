import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { loggableError } from '../common/errors/loggable-error.js';
import { nodeErrorCode } from '../common/errors/node-error-code.js';
import { AppConfig } from '../config/app-config.js';
import { REDIS, type RedisClient, redisReady } from '../coordination/redis.provider.js';
import type { ZoomMeetingChange } from './zoom-meeting.js';

/** The fields of a change a record keeps: never a whole PATCH body, which may hold a password. */
const CHANGE_FIELDS = ['topic', 'type', 'start_time', 'duration', 'timezone', 'join_url'] as const;

/** A record write that follows a change Zoom accepted. */
export type RecordChange =
  | { kind: 'update'; meetingId: string; change: ZoomMeetingChange }
  | { kind: 'delete'; meetingId: string; reason: string };

/** A record change not written yet: its id, and when Zoom accepted it (ISO 8601). */
export type RecordRepair = RecordChange & { id: string; acceptedAt: string };

const repairSchema = z.discriminatedUnion('kind', [
  z.object({
    id: z.string().min(1),
    acceptedAt: z.iso.datetime(),
    kind: z.literal('update'),
    meetingId: z.string().min(1),
    change: z.record(z.string(), z.unknown()),
  }),
  z.object({
    id: z.string().min(1),
    acceptedAt: z.iso.datetime(),
    kind: z.literal('delete'),
    meetingId: z.string().min(1),
    reason: z.string(),
  }),
]);

/** `change` with the recorded fields only. */
export function recordedFields(change: ZoomMeetingChange): ZoomMeetingChange {
  const kept: ZoomMeetingChange = {};
  for (const field of CHANGE_FIELDS) if (change[field] !== undefined) kept[field] = change[field];
  return kept;
}

/** Where kept repairs are: the file under DATA_DIR. */
export const REPAIRS_FILE = 'meeting-record-repairs.json';
/** How long a start waits for Redis to connect before reading kept repairs. */
const REDIS_READY_WAIT_MS = 5_000;

/**
 * Where record repairs still pending at shutdown are kept for the next start. Redis (a hash,
 * one field per repair) when REDIS_URL is set, so any replica's next start picks them up; the
 * file DATA_DIR/meeting-record-repairs.json without Redis (one instance, whose DATA_DIR
 * outlives it) or when Redis does not answer. Writes are idempotent by repair id.
 */
@Injectable()
export class RepairJournal {
  private readonly logger = new Logger('Meetings');
  /** File writes one after another: a removal never races a save. */
  private fileOps: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    @Optional() @Inject(REDIS) private readonly redis: RedisClient | null = null,
  ) {}

  private get key(): string {
    return `${this.config.redisKeyPrefix}meeting-record-repairs`;
  }

  get file(): string {
    return join(this.config.dataDir, REPAIRS_FILE);
  }

  /** Whether a start applies kept repairs: an operator command (the CLI) leaves them to the replicas. */
  get appliedAtStart(): boolean {
    return this.config.role !== 'cli';
  }

  /** Keeps `repairs`; resolves where. Rejects only when neither Redis nor the file took them. */
  async save(repairs: RecordRepair[]): Promise<'redis' | 'file'> {
    if (redisReady(this.redis)) {
      try {
        const fields = Object.fromEntries(repairs.map((r) => [r.id, JSON.stringify(r)]));
        await this.redis.hset(this.key, fields);
        return 'redis';
      } catch (error) {
        this.logger.warn(
          `Redis did not take ${repairs.length} record repair(s) (${loggableError(error, 'redis')}): keeping them in ${this.file}`,
        );
      }
    }
    await this.withFile((kept) => [
      ...kept.filter((k) => !repairs.some((r) => r.id === k.id)),
      ...repairs,
    ]);
    return 'file';
  }

  /** Every kept repair: the file's, then Redis' (waiting briefly for a connection at start). */
  async load(): Promise<RecordRepair[]> {
    const found = new Map<string, RecordRepair>();
    for (const repair of await this.readFile()) found.set(repair.id, repair);
    if (this.redis && (await this.redisReadySoon(this.redis))) {
      try {
        for (const raw of Object.values(await this.redis.hgetall(this.key))) {
          const repair = parseRepair(parseJson(raw));
          if (repair) found.set(repair.id, repair);
        }
      } catch (error) {
        this.logger.warn(
          `Could not read kept record repairs from Redis (${loggableError(error, 'redis')}); the next start reads them`,
        );
      }
    }
    return [...found.values()];
  }

  /** Forgets repairs written to the record. A failure leaves them kept: replaying one is harmless. */
  async remove(ids: string[]): Promise<void> {
    if (redisReady(this.redis)) await this.redis.hdel(this.key, ...ids).catch(() => undefined);
    await this.withFile((kept) => kept.filter((k) => !ids.includes(k.id)));
  }

  /** At start the connection may still be opening: kept repairs are worth a short wait. */
  private async redisReadySoon(redis: RedisClient): Promise<boolean> {
    if (redis.status !== 'ready') {
      let timer: NodeJS.Timeout | undefined;
      let onReady: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        onReady = resolve;
        timer = setTimeout(resolve, REDIS_READY_WAIT_MS);
        redis.once('ready', onReady);
      });
      clearTimeout(timer);
      if (onReady) redis.off('ready', onReady);
    }
    return redisReady(redis);
  }

  /** Rewrites the file with what `change` makes of its repairs (none: no file). */
  private withFile(change: (kept: RecordRepair[]) => RecordRepair[]): Promise<void> {
    const op = this.fileOps.then(async () => {
      const before = await this.readFile();
      const after = change(before);
      if (after.length === 0) {
        if (before.length > 0) await rm(this.file, { force: true });
        return;
      }
      await mkdir(this.config.dataDir, { recursive: true });
      // A crash mid-write leaves the previous file whole.
      const temporary = `${this.file}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(after, null, 1), { mode: 0o600 });
      await rename(temporary, this.file);
    });
    this.fileOps = op.catch(() => undefined);
    return op;
  }

  private async readFile(): Promise<RecordRepair[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (nodeErrorCode(error) === 'ENOENT') return [];
      throw error;
    }
    const entries = z.array(z.unknown()).safeParse(parseJson(text));
    if (!entries.success) {
      this.logger.error(`${this.file} is not a list of record repairs; left as it is`);
      throw new Error(`${REPAIRS_FILE} is unreadable`);
    }
    return entries.data.flatMap((entry) => parseRepair(entry) ?? []);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseRepair(value: unknown): RecordRepair | null {
  const parsed = repairSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
