import { parseZoomJson } from './zoom-api.client.js';

describe(parseZoomJson.name, () => {
  it('keeps an id above 2^53 exact as a decimal string', async () => {
    const parsed = parseZoomJson('{"id": 9223372036854775807, "topic": "x"}');
    await expect(Promise.resolve(parsed)).resolves.toEqual({
      id: '9223372036854775807',
      topic: 'x',
    });
  });

  it('leaves ordinary ids as the numbers Zoom sent', async () => {
    await expect(Promise.resolve(parseZoomJson('{"id":85746065432}'))).resolves.toEqual({
      id: 85746065432,
    });
  });

  it('does not touch digits inside a string value', async () => {
    const text = JSON.stringify({ topic: '"id": 12345678901234567890}', id: 1 });
    await expect(Promise.resolve(parseZoomJson(text))).resolves.toEqual({
      topic: '"id": 12345678901234567890}',
      id: 1,
    });
  });

  it('keeps big ids exact inside a list', async () => {
    const parsed = parseZoomJson('{"meetings":[{"id":12345678901234567890},{"id":1}]}');
    await expect(Promise.resolve(parsed)).resolves.toEqual({
      meetings: [{ id: '12345678901234567890' }, { id: 1 }],
    });
  });

  it('returns an empty or non-JSON body as text', async () => {
    await expect(Promise.resolve(parseZoomJson(''))).resolves.toBe('');
    await expect(Promise.resolve(parseZoomJson('<html>'))).resolves.toBe('<html>');
  });
});
