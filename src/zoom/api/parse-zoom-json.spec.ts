import { parseZoomJson } from './zoom-api.client.js';

describe(parseZoomJson.name, () => {
  it('keeps an id above 2^53 exact as a decimal string', () => {
    const parsed = parseZoomJson('{"id": 9223372036854775807, "topic": "x"}');
    expect(parsed).toEqual({
      id: '9223372036854775807',
      topic: 'x',
    });
  });

  it('leaves ordinary ids as the numbers Zoom sent', () => {
    expect(parseZoomJson('{"id":85746065432}')).toEqual({
      id: 85746065432,
    });
  });

  it('does not touch digits inside a string value', () => {
    const text = JSON.stringify({ topic: '"id": 12345678901234567890}', id: 1 });
    expect(parseZoomJson(text)).toEqual({
      topic: '"id": 12345678901234567890}',
      id: 1,
    });
  });

  it('keeps big ids exact inside a list', () => {
    const parsed = parseZoomJson('{"meetings":[{"id":12345678901234567890},{"id":1}]}');
    expect(parsed).toEqual({
      meetings: [{ id: '12345678901234567890' }, { id: 1 }],
    });
  });

  it('returns an empty or non-JSON body as text', () => {
    expect(parseZoomJson('')).toBe('');
    expect(parseZoomJson('<html>')).toBe('<html>');
  });
});
