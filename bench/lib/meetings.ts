import { CreatedMeeting, readJson } from './json.js';

/** A create body Zoom accepts: one scheduled meeting, far enough ahead to stay valid. */
export function meetingBody(topic: string): string {
  return JSON.stringify({ topic, type: 2, start_time: '2030-01-01T10:00:00Z', duration: 30 });
}

/**
 * Creates one meeting through a gateway, as any caller would (so the gateway holds its record
 * and the caller owns it), and answers its Zoom id. `v2Url` is the gateway's `.../v2`.
 */
export async function createMeeting(
  v2Url: string,
  headers: Record<string, string>,
  topic: string,
): Promise<string> {
  const created = await fetch(`${v2Url}/users/me/meetings`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: meetingBody(topic),
  });
  const meeting = await readJson(created, CreatedMeeting);
  if (created.status !== 201 || meeting.id === undefined)
    throw new Error(`create through the gateway answered ${created.status}`);
  return String(meeting.id);
}
