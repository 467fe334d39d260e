// The scopes each simulated route needs: granular ones (S2S apps get the `:admin` ones) or the
// classic ones older apps still carry.

/** Granular scopes that the simulated routes need. */
export const SIM_SCOPES = {
  readUser: ['user:read:user', 'user:read:user:admin'],
  listUsers: ['user:read:list_users:admin'],
  createMeeting: ['meeting:write:meeting', 'meeting:write:meeting:admin'],
  readMeeting: ['meeting:read:meeting', 'meeting:read:meeting:admin'],
  updateMeeting: ['meeting:update:meeting', 'meeting:update:meeting:admin'],
  deleteMeeting: ['meeting:delete:meeting', 'meeting:delete:meeting:admin'],
  listMeetings: ['meeting:read:list_meetings', 'meeting:read:list_meetings:admin'],
  rotateSecret: ['marketplace:update:client_secret'],
  // (chosen) granular names for the routes below, in Zoom's `<product>:<verb>:<object>` form.
  uploadPicture: ['user:write:profile_picture', 'user:write:profile_picture:admin'],
  downloadPhoneRecording: ['phone:read:recording', 'phone:read:recording:admin'],
  listUserRecordings: [
    'cloud_recording:read:list_user_recordings',
    'cloud_recording:read:list_user_recordings:admin',
  ],
  meetingRecordings: [
    'cloud_recording:read:list_recording_files',
    'cloud_recording:read:list_recording_files:admin',
  ],
} as const;

export type ScopeName = keyof typeof SIM_SCOPES;

/** Classic scopes that also satisfy a route. */
const CLASSIC_SCOPES: Record<ScopeName, string[]> = {
  readUser: ['user:read:admin', 'user:read', 'user:master'],
  listUsers: ['user:read:admin', 'user:master'],
  createMeeting: ['meeting:write:admin', 'meeting:write', 'meeting:master'],
  readMeeting: ['meeting:read:admin', 'meeting:read', 'meeting:master'],
  updateMeeting: ['meeting:write:admin', 'meeting:write', 'meeting:master'],
  deleteMeeting: ['meeting:write:admin', 'meeting:write', 'meeting:master'],
  listMeetings: ['meeting:read:admin', 'meeting:read', 'meeting:master'],
  rotateSecret: [],
  uploadPicture: ['user:write:admin', 'user:write', 'user:master'],
  downloadPhoneRecording: ['phone:read:admin', 'phone_recording:read:admin', 'phone:read'],
  listUserRecordings: ['recording:read:admin', 'recording:read', 'recording:master'],
  meetingRecordings: ['recording:read:admin', 'recording:read', 'recording:master'],
};

export const DEFAULT_SIM_SCOPES: readonly string[] = [
  'user:read:user:admin',
  'user:read:list_users:admin',
  'meeting:read:meeting:admin',
  'meeting:read:list_meetings:admin',
  'meeting:write:meeting:admin',
  'meeting:update:meeting:admin',
  'meeting:delete:meeting:admin',
  'marketplace:update:client_secret',
  'user:write:profile_picture:admin',
  'phone:read:recording:admin',
  'cloud_recording:read:list_user_recordings:admin',
  'cloud_recording:read:list_recording_files:admin',
];

/** Whether a token's scopes let it call a route that needs `name`. */
export function grants(scopes: ReadonlySet<string>, name: ScopeName): boolean {
  const has = (s: string) => scopes.has(s);
  return SIM_SCOPES[name].some(has) || CLASSIC_SCOPES[name].some(has);
}
