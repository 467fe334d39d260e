// The simulated `/v2` routes: method, path pattern, the scope Zoom's API reference gives each,
// and the handler. Rate-limit categories come from Zoom's route table (sim-server.ts).
import type { SimCore } from './sim-core.js';
import type { RouteContext } from './sim-http.js';
import type { ScopeName } from './sim-scopes.js';
import { rotateSecret } from './sim-secret-rotation.js';

export interface Route {
  name: ScopeName;
  method: string;
  /** `/v2/...` with `:param` segments */
  pattern: string;
  hasBody: boolean;
  /** `params`: the values of the pattern's `:param` segments, in order */
  handle: (c: RouteContext, params: string[]) => void;
}

export function buildRoutes(core: SimCore): Route[] {
  const { users, meetings, files } = core;
  return [
    {
      name: 'listUsers',
      method: 'GET',
      pattern: '/v2/users',
      hasBody: false,
      handle: (c) => users.listUsers(c),
    },
    {
      name: 'readUser',
      method: 'GET',
      pattern: '/v2/users/:userId',
      hasBody: false,
      handle: (c, [userId]) => users.getUser(c, userId),
    },
    {
      name: 'createMeeting',
      method: 'POST',
      pattern: '/v2/users/:userId/meetings',
      hasBody: true,
      handle: (c, [userId]) => meetings.create(c, userId),
    },
    {
      name: 'listMeetings',
      method: 'GET',
      pattern: '/v2/users/:userId/meetings',
      hasBody: false,
      handle: (c, [userId]) => meetings.list(c, userId),
    },
    {
      name: 'readMeeting',
      method: 'GET',
      pattern: '/v2/meetings/:meetingId',
      hasBody: false,
      handle: (c, [meetingId]) => meetings.get(c, meetingId),
    },
    {
      name: 'updateMeeting',
      method: 'PATCH',
      pattern: '/v2/meetings/:meetingId',
      hasBody: true,
      handle: (c, [meetingId]) => meetings.update(c, meetingId),
    },
    {
      name: 'deleteMeeting',
      method: 'DELETE',
      pattern: '/v2/meetings/:meetingId',
      hasBody: false,
      handle: (c, [meetingId]) => meetings.delete(c, meetingId),
    },
    {
      name: 'rotateSecret',
      method: 'POST',
      pattern: '/v2/marketplace/apps/:appId/rotate_client_secret',
      hasBody: true,
      handle: (c, [appId]) => rotateSecret(c, core.oauth, core.clock, core.appId, appId),
    },
    {
      name: 'uploadPicture',
      method: 'POST',
      pattern: '/v2/users/:userId/picture',
      hasBody: false, // multipart: the handler reads the raw body
      handle: (c, [userId]) => files.uploadPicture(c, userId),
    },
    {
      name: 'downloadPhoneRecording',
      method: 'GET',
      pattern: '/v2/phone/recording/download/:fileId',
      hasBody: false,
      handle: (c, [fileId]) => files.downloadPhoneRecording(c, fileId),
    },
    {
      name: 'listUserRecordings',
      method: 'GET',
      pattern: '/v2/users/:userId/recordings',
      hasBody: false,
      handle: (c, [userId]) => files.listUserRecordings(c, userId),
    },
    {
      name: 'meetingRecordings',
      method: 'GET',
      pattern: '/v2/meetings/:meetingId/recordings',
      hasBody: false,
      handle: (c) => files.meetingRecordings(c),
    },
  ];
}

export interface RouteMatch {
  route?: Route;
  params: string[];
  /** methods that some route answers on this path (for a 405's `Allow`) */
  allowed: string[];
}

/** Matches decoded path segments (`['v2', ...]`) against the table. */
export function matchRoute(routes: Route[], method: string, segments: string[]): RouteMatch {
  const allowed: string[] = [];
  let found: { route: Route; params: string[] } | undefined;
  for (const route of routes) {
    const params = matchPattern(route.pattern, segments);
    if (!params) continue;
    allowed.push(route.method);
    if (route.method === method && !found) found = { route, params };
  }
  return { route: found?.route, params: found?.params ?? [], allowed };
}

const patternCache = new Map<string, string[]>();

function matchPattern(pattern: string, segments: string[]): string[] | undefined {
  let parts = patternCache.get(pattern);
  if (!parts) {
    parts = pattern.split('/').filter(Boolean);
    patternCache.set(pattern, parts);
  }
  if (parts.length !== segments.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].startsWith(':')) params.push(segments[i]);
    else if (parts[i] !== segments[i]) return undefined;
  }
  return params;
}
