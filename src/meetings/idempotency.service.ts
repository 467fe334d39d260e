import { Injectable } from '@nestjs/common';
import type { ZoomJsonAnswer } from '../http/zoom-reply.js';
import { randomUUID } from 'node:crypto';
import type { Caller } from '../access/caller.js';
import { Clock } from '../common/clock.js';
import { EncryptionService, sha256Hex } from '../common/crypto/encryption.service.js';
import { DomainError, ErrorCode, isUniqueViolation } from '../common/errors/index.js';
import { ShutdownSignal } from '../common/shutdown-signal.js';
import type { MeetingBody } from './dto/meeting-body.schema.js';
import type { MeetingEntity } from './meeting.entity.js';
import { MeetingLifecycle } from './meeting-lifecycle.service.js';
import { MeetingsRepository } from './meetings.repository.js';
import { canonicalJson } from './meetings.util.js';
import { zoomTime } from './zoom-meeting.js';

/** An answer to relay as is: Zoom's JSON text, so its int64 ids reach the caller exactly. */
/** Zoom's answer to a meetings call, as it is relayed and kept for a repeated Idempotency-Key. */
export type ZoomAnswer = ZoomJsonAnswer;

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/**
 * How long a retry waits for the first request with its key, while that one is really running
 * (a fresh heartbeat), before answering 409: a running create lasts at most the governor's
 * queue wait and Zoom's timeout, so most waits end with the first request's answer.
 */
const IN_FLIGHT_WAIT_MS = 20_000;
const IN_FLIGHT_POLL_MS = 100;
const RESPONSE_AAD = 'meetings:create-response';

/** What a request with an Idempotency-Key goes on with. */
export type Claim =
  /** A new record: this request makes the first attempt. */
  | { record: MeetingEntity }
  /** The first answer, replayed. */
  | { replay: ZoomAnswer }
  /** A `creating` record whose attempt ended without a definite outcome, now held by this request. */
  | { takeover: MeetingEntity };

/**
 * Idempotency-Keys for creates: the unique index on the key's hash makes the first request in
 * the fleet win; a retry with the same key and body gets the first answer (stored encrypted, as
 * Zoom's start_url carries the host's ZAK), a reuse with another body a 409. A retry after an
 * attempt that ended without an answer (5xx, timeout, crash: no fresh heartbeat) takes the
 * record over and settles it at once; it waits only while the attempt is really running.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly records: MeetingsRepository,
    private readonly lifecycle: MeetingLifecycle,
    private readonly encryption: EncryptionService,
    private readonly clock: Clock,
    private readonly shutdown: ShutdownSignal,
  ) {}

  /** Takes the key for this request (a new `creating` record, or one to settle) or answers what its first use answered. */
  async claim(
    caller: Caller,
    userId: string,
    body: MeetingBody,
    idempotencyKey: string,
  ): Promise<Claim> {
    const keyHash = sha256Hex(`${caller.name}\n${idempotencyKey}`);
    const requestHash = sha256Hex(canonicalJson({ userId: userId.toLowerCase(), body }));
    const waitUntil = this.clock.now() + IN_FLIGHT_WAIT_MS;
    for (;;) {
      const expiresAt = new Date(this.clock.now() + IDEMPOTENCY_TTL_MS);
      try {
        const idempotency = { keyHash, requestHash, expiresAt };
        return { record: await this.lifecycle.begin(caller, userId, body, idempotency) };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const existing = await this.records.findByKeyHash(keyHash);
      if (!existing) continue; // released meanwhile (failed or expired): try to take it
      if (
        existing.idempotencyExpiresAt &&
        existing.idempotencyExpiresAt.getTime() <= this.clock.now()
      ) {
        await this.records.releaseKey(existing.id, keyHash);
        continue;
      }
      if (existing.requestHash !== requestHash) {
        throw new DomainError(
          ErrorCode.IdempotencyKeyReused,
          'This Idempotency-Key was already used with a different request (user or body) in the last 24 hours; use a new key for a new meeting.',
        );
      }
      if (existing.status !== 'creating') return { replay: this.replay(existing) };
      if (!this.lifecycle.attemptAlive(existing)) {
        // Ended without an answer, or its replica stopped beating: this request settles it.
        if (await this.lifecycle.takeOver(existing)) return { takeover: existing };
        continue; // another retry (or reconciliation) took it first, or it settled: read again
      }
      if (this.clock.now() >= waitUntil) {
        throw new DomainError(
          ErrorCode.IdempotencyInProgress,
          'The first request with this Idempotency-Key is still running (its call to Zoom is in flight); retry with the same key shortly.',
          { headers: { 'Retry-After': '2' } },
        );
      }
      await this.shutdown.race(
        this.clock.sleep(IN_FLIGHT_POLL_MS),
        'the wait for the first request with this Idempotency-Key',
      );
    }
  }

  /** Zoom's create answer, encrypted for replays, when the record holds a key; else null. */
  sealResponse(record: MeetingEntity, json: string): string | null {
    return record.idempotencyKeyHash
      ? this.encryption.encrypt(json, `${RESPONSE_AAD}:${record.id}`)
      : null;
  }

  /** Forgets keys older than 24 h (a reused expired key is also released on the spot by `claim`). */
  expire(): Promise<number> {
    return this.records.expireKeys();
  }

  private replay(record: MeetingEntity): ZoomAnswer {
    if (record.responseEncrypted) {
      const json = this.encryption.decrypt(
        record.responseEncrypted,
        `${RESPONSE_AAD}:${record.id}`,
      );
      return { status: 201, json, replayed: true };
    }
    // Completed by reconciliation: Zoom's original answer was never seen; answer what is recorded.
    // The int64 id is written as a JSON number from its digits, never through a JS number.
    const placeholder = `zoom-meeting-id-${randomUUID()}`;
    const json = JSON.stringify({
      id: placeholder,
      uuid: record.zoomUuid,
      host_id: record.hostId,
      host_email: record.hostEmail,
      topic: record.topic,
      type: record.type,
      start_time: record.startTime ? zoomTime(record.startTime) : undefined,
      duration: record.duration,
      timezone: record.timezone,
      join_url: record.joinUrl,
    }).replace(`"${placeholder}"`, record.zoomMeetingId ?? 'null');
    return { status: 201, json, replayed: true };
  }
}
