import { DomainError } from '../../common/errors/index.js';
import {
  eventArea,
  isMeetingArea,
  MAX_PATTERNS,
  matchesEvent,
  parseEventPatterns,
} from './event-patterns.js';

/** The status and the fields a parse refused, or the patterns it answered. */
function outcome(parse: () => string[]): string[] | { status: number; fields: string[] } {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { status: error.status, fields: (error.options.errors ?? []).map((e) => e.field) };
  }
}

describe(parseEventPatterns.name, () => {
  it('accepts exact event names, families and *, keeping their order', () => {
    expect(
      parseEventPatterns(['recording.completed', 'meeting.*', '*', 'meeting.participant_joined']),
    ).toEqual(['recording.completed', 'meeting.*', '*', 'meeting.participant_joined']);
  });

  it('drops a pattern given twice', () => {
    expect(parseEventPatterns(['meeting.*', 'meeting.started', 'meeting.*'])).toEqual([
      'meeting.*',
      'meeting.started',
    ]);
  });

  it(`accepts ${MAX_PATTERNS} patterns and refuses one more, naming the field`, () => {
    const names = Array.from({ length: MAX_PATTERNS }, (_, i) => `meeting.event_${i}`);
    expect(parseEventPatterns(names)).toHaveLength(MAX_PATTERNS);
    expect(outcome(() => parseEventPatterns([...names, 'meeting.one_more']))).toEqual({
      status: 400,
      fields: ['events'],
    });
  });

  it.each([
    ['undefined', undefined],
    ['a string', 'meeting.*'],
    ['an empty list', []],
    ['an object', { 0: 'meeting.*' }],
  ])('refuses %s with 400 naming events', (_what, value) => {
    expect(outcome(() => parseEventPatterns(value))).toEqual({ status: 400, fields: ['events'] });
  });

  it('names the field it was given', () => {
    expect(outcome(() => parseEventPatterns(null, 'filter'))).toEqual({
      status: 400,
      fields: ['filter'],
    });
    expect(outcome(() => parseEventPatterns(['bad'], 'filter'))).toEqual({
      status: 400,
      fields: ['filter[0]'],
    });
  });

  it.each([
    ['a name without a dot', 'meeting'],
    ['upper case', 'Meeting.started'],
    ['a wildcard inside', 'meeting.*.started'],
    ['a wildcard first', '*.started'],
    ['a trailing dot', 'meeting.'],
    ['a bare family wildcard', '.*'],
    ['a space', 'meeting. started'],
    ['a digit first', '1meeting.started'],
    ['an empty string', ''],
    ['a number', 42],
    ['more than 100 characters', `meeting.${'a'.repeat(93)}`],
  ])('refuses %s, naming the item by its index', (_what, item) => {
    expect(outcome(() => parseEventPatterns(['meeting.started', item]))).toEqual({
      status: 400,
      fields: ['events[1]'],
    });
  });
});

describe(matchesEvent.name, () => {
  it('matches every event with *', () => {
    expect(matchesEvent(['*'], 'meeting.started')).toBe(true);
    expect(matchesEvent(['*'], 'phone.callee_ringing')).toBe(true);
  });

  it('matches an exact name only itself', () => {
    expect(matchesEvent(['meeting.started'], 'meeting.started')).toBe(true);
    expect(matchesEvent(['meeting.started'], 'meeting.started_again')).toBe(false);
    expect(matchesEvent(['meeting.started'], 'meeting.ended')).toBe(false);
  });

  it('matches a family on the words before .*, not on a longer first word', () => {
    expect(matchesEvent(['meeting.*'], 'meeting.participant_joined')).toBe(true);
    expect(matchesEvent(['meeting.*'], 'meetings.deleted')).toBe(false);
    expect(matchesEvent(['meeting.*'], 'meeting')).toBe(false);
    expect(matchesEvent(['meeting.*'], 'recording.completed')).toBe(false);
    expect(matchesEvent(['meeting.participant.*'], 'meeting.participant.joined')).toBe(true);
    expect(matchesEvent(['meeting.participant.*'], 'meeting.participant_joined')).toBe(false);
  });

  it('matches when any pattern does, and nothing with no patterns', () => {
    expect(matchesEvent(['recording.*', 'meeting.ended'], 'meeting.ended')).toBe(true);
    expect(matchesEvent([], 'meeting.ended')).toBe(false);
  });
});

describe(eventArea.name, () => {
  it.each([
    ['meeting.started', 'meetings'],
    ['meeting.participant_joined', 'meetings'],
    ['recording.completed', 'recordings'],
    ['webinar.created', 'webinars'],
    ['user.updated', 'users'],
    ['phone.callee_ringing', 'phone'],
    ['endpoint.url_validation', 'endpoint'],
    ['', ''],
  ])('puts %s in the grants area %s', (event, area) => {
    expect(eventArea(event)).toBe(area);
  });

  it('counts meetings and recordings as the areas whose events name an owned meeting', () => {
    expect(['meetings', 'recordings', 'webinars', 'users', 'phone'].map(isMeetingArea)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
