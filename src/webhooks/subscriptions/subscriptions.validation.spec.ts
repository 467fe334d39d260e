import { DomainError } from '../../common/errors/index.js';
import {
  DEFAULT_SECRET_OVERLAP_SECONDS,
  parseCreateSubscription,
  parseId,
  parseReplay,
  parseRotateSecret,
  parseUpdateSubscription,
} from './subscriptions.validation.js';

/** The status and the fields a parse refused, or 'accepted'. */
function refusal(parse: () => unknown): 'accepted' | { status: number; fields: string[] } {
  try {
    parse();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { status: error.status, fields: (error.options.errors ?? []).map((e) => e.field) };
  }
}

const naming = (...fields: string[]) => ({ status: 400, fields });
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

describe(parseCreateSubscription.name, () => {
  it('reads url, events, description and app', () => {
    expect(
      parseCreateSubscription({
        url: 'https://hooks.internal/zoom',
        events: ['meeting.*', 'meeting.*'],
        description: 'Calendar sync',
        app: 'calendar',
      }),
    ).toEqual({
      url: 'https://hooks.internal/zoom',
      events: ['meeting.*'],
      description: 'Calendar sync',
      app: 'calendar',
    });
  });

  it('leaves description and app undefined when not given', () => {
    expect(parseCreateSubscription({ url: 'https://h.internal/', events: ['*'] })).toEqual({
      url: 'https://h.internal/',
      events: ['*'],
      description: undefined,
      app: undefined,
    });
  });

  it.each([
    ['no url', { events: ['*'] }, 'url'],
    ['a url that is not a string', { url: 42, events: ['*'] }, 'url'],
    ['an empty url', { url: '', events: ['*'] }, 'url'],
    [
      'a url over 2048 characters',
      { url: `https://h.internal/${'a'.repeat(2031)}`, events: ['*'] },
      'url',
    ],
    ['no events', { url: 'https://h.internal/' }, 'events'],
    ['a bad event pattern', { url: 'https://h.internal/', events: ['*', 'Bad'] }, 'events[1]'],
    [
      'a description that is not a string',
      { url: 'https://h.internal/', events: ['*'], description: 1 },
      'description',
    ],
    [
      'a description over 200 characters',
      { url: 'https://h.internal/', events: ['*'], description: 'd'.repeat(201) },
      'description',
    ],
    [
      'an app that is not a key name',
      { url: 'https://h.internal/', events: ['*'], app: '-x' },
      'app',
    ],
    ['an unknown field', { url: 'https://h.internal/', events: ['*'], secret: 's' }, 'secret'],
    ['an array body', [], 'body'],
    ['a string body', 'url=x', 'body'],
  ])('refuses %s with 400 naming the field', (_what, body, field) => {
    expect(refusal(() => parseCreateSubscription(body))).toEqual(naming(field));
  });

  it('accepts a url of exactly 2048 characters and a description of 200', () => {
    const url = `https://h.internal/${'a'.repeat(2029)}`;
    expect(url.length).toBe(2048);
    expect(
      refusal(() => parseCreateSubscription({ url, events: ['*'], description: 'd'.repeat(200) })),
    ).toBe('accepted');
  });
});

describe(parseUpdateSubscription.name, () => {
  it('reads only the fields given, and a null description as clearing it', () => {
    expect(parseUpdateSubscription({ paused: false })).toEqual({ paused: false });
    expect(parseUpdateSubscription({ description: null, events: ['recording.*'] })).toEqual({
      description: null,
      events: ['recording.*'],
    });
    expect(parseUpdateSubscription({ url: 'https://h.internal/new', paused: true })).toEqual({
      url: 'https://h.internal/new',
      paused: true,
    });
  });

  it.each([
    ['an empty body', {}, 'body'],
    ['no body', undefined, 'body'],
    ['paused as a string', { paused: 'true' }, 'paused'],
    ['an empty url', { url: '' }, 'url'],
    ['an empty events list', { events: [] }, 'events'],
    ['a description over 200 characters', { description: 'd'.repeat(201) }, 'description'],
    ['an unknown field', { app: 'other' }, 'app'],
  ])('refuses %s with 400 naming the field', (_what, body, field) => {
    expect(refusal(() => parseUpdateSubscription(body))).toEqual(naming(field));
  });
});

describe(parseRotateSecret.name, () => {
  it(`overlaps ${DEFAULT_SECRET_OVERLAP_SECONDS} s unless told, and takes 0 to switch at once`, () => {
    expect(parseRotateSecret(undefined)).toEqual({
      overlapSeconds: DEFAULT_SECRET_OVERLAP_SECONDS,
    });
    expect(parseRotateSecret({})).toEqual({ overlapSeconds: DEFAULT_SECRET_OVERLAP_SECONDS });
    expect(parseRotateSecret({ overlapSeconds: 0 })).toEqual({ overlapSeconds: 0 });
    expect(parseRotateSecret({ overlapSeconds: 30 * 86_400 })).toEqual({
      overlapSeconds: 30 * 86_400,
    });
  });

  it.each([
    ['negative', -1],
    ['fractional', 1.5],
    ['a string', '60'],
    ['over 30 days', 30 * 86_400 + 1],
  ])('refuses an overlap that is %s, naming overlapSeconds', (_what, overlapSeconds) => {
    expect(refusal(() => parseRotateSecret({ overlapSeconds }))).toEqual(naming('overlapSeconds'));
  });

  it('refuses an unknown field, naming it', () => {
    expect(refusal(() => parseRotateSecret({ overlap: 10 }))).toEqual(naming('overlap'));
  });
});

describe(parseReplay.name, () => {
  it('reads an ISO 8601 time with a zone, not in the future', () => {
    expect(parseReplay({ since: '2026-12-01T00:00:00Z' }, NOW).since.getTime()).toBe(
      Date.UTC(2026, 11, 1),
    );
    expect(parseReplay({ since: '2026-12-01T13:00:00.5+02:00' }, NOW).since.getTime()).toBe(
      Date.UTC(2026, 11, 1, 11, 0, 0, 500),
    );
    expect(parseReplay({ since: '2026-12-01T12:00Z' }, NOW).since.getTime()).toBe(NOW);
  });

  it.each([
    ['a time without a zone', '2026-12-01T00:00:00'],
    ['a date alone', '2026-12-01'],
    ['a time in the future', '2026-12-01T12:00:01Z'],
    ['a month that does not exist', '2026-13-01T00:00:00Z'],
    ['epoch milliseconds', 1764547200000],
    ['nothing', undefined],
  ])('refuses %s, naming since', (_what, since) => {
    expect(refusal(() => parseReplay({ since }, NOW))).toEqual(naming('since'));
  });
});

describe(parseId.name, () => {
  it('takes a lower-case UUID and refuses anything else, naming id', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(parseId(id)).toBe(id);
    for (const bad of [id.toUpperCase(), `${id}x`, 'not-a-uuid', 42, undefined])
      expect(refusal(() => parseId(bad))).toEqual(naming('id'));
  });
});
