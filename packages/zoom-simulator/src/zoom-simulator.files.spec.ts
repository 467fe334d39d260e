import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { phoneRecordingBytes } from './sim-files.js';
import { ManualClock, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** GET with node:http to see the framing and how many chunks arrived. */
function rawGet(url: string, token: string) {
  return new Promise<{
    status?: number;
    headers: Record<string, unknown>;
    body: Buffer;
    chunks: number;
  }>((resolve, reject) => {
    request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(parts),
          chunks: parts.length,
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe(ZoomSimulator.name, () => {
  let h: SimHarness;
  let token: string;

  beforeEach(async () => {
    h = await startSim({ clock: new ManualClock().fn, rateLimits: false });
    token = await h.token();
  });

  afterEach(async () => {
    await h.close();
  });

  const upload = (userId: string, form: FormData) =>
    fetch(`${h.base}/v2/users/${userId}/picture`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });

  describe('phone recording download', () => {
    it('streams 1 MiB of audio/mpeg with Content-Length and a content tests can checksum', async () => {
      const res = await rawGet(`${h.base}/v2/phone/recording/download/rec-1`, token);
      expect([res.status, res.headers['content-type'], res.headers['content-length']]).toEqual([
        200,
        'audio/mpeg',
        '1048576',
      ]);
      expect(res.chunks).toBeGreaterThan(1);
      expect(sha256(res.body)).toBe(sha256(phoneRecordingBytes('rec-1', 1_048_576)));
      expect(res.body.subarray(0, 3).toString('latin1')).toBe('ID3');
    });

    it('sends another content for another file id', async () => {
      expect(sha256(phoneRecordingBytes('a', 4096))).not.toBe(
        sha256(phoneRecordingBytes('b', 4096)),
      );
    });

    it('takes its size and chunked framing from setPhoneRecording', async () => {
      h.sim.control.setPhoneRecording({ bytes: 200_000, chunked: true });
      const res = await rawGet(`${h.base}/v2/phone/recording/download/rec-2`, token);
      expect([
        res.headers['transfer-encoding'],
        res.headers['content-length'],
        res.body.length,
      ]).toEqual(['chunked', undefined, 200_000]);
      expect(res.body.equals(phoneRecordingBytes('rec-2', 200_000))).toBe(true);
    });

    it('needs a token like every API call', async () => {
      const res = await rawGet(`${h.base}/v2/phone/recording/download/rec-1`, 'nope');
      expect([res.status, JSON.parse(res.body.toString()).code]).toEqual([401, 124]);
    });
  });

  describe('profile picture upload', () => {
    it('answers 201 and records what arrived in pic_file', async () => {
      const picture = new Uint8Array(50_000).map((_, i) => i % 251);
      const form = new FormData();
      form.append('pic_file', new Blob([picture], { type: 'image/png' }), 'me.png');
      const res = await upload('me', form);
      expect([res.status, await res.text()]).toEqual([201, '']);
      expect(h.sim.control.uploads()).toEqual([
        {
          at: expect.any(Number),
          userId: h.sim.ownerUser.id,
          field: 'pic_file',
          filename: 'me.png',
          contentType: 'image/png',
          bytes: 50_000,
          sha256: sha256(picture),
        },
      ]);
      const [logged] = h.sim.control.requests().filter((r) => r.path.endsWith('/picture'));
      expect(logged.contentType).toMatch(/^multipart\/form-data; boundary=/);
      expect(logged.bodyBytes).toBeGreaterThan(50_000);
    });

    it('answers 400/120 without a pic_file and 404/1001 for an unknown user', async () => {
      const form = new FormData();
      form.append('other', 'x');
      const missing = await upload('me', form);
      const unknown = await upload('ghost@example.com', new FormData());
      await expect(missing.json()).resolves.toEqual({
        code: 120,
        message: 'No file uploaded. Verify that a file has been uploaded.',
      });
      expect([missing.status, unknown.status]).toEqual([400, 404]);
      expect(h.sim.control.uploads()).toEqual([]);
    });
  });

  describe('cloud recordings', () => {
    it('lists a user’s recordings in Zoom’s shape, empty', async () => {
      const res = await h.api(token, 'GET', '/users/me/recordings?from=2026-01-01&to=2026-01-15');
      expect([res.status, res.body]).toEqual([
        200,
        {
          from: '2026-01-01',
          to: '2026-01-15',
          page_count: 0,
          page_size: 30,
          total_records: 0,
          next_page_token: '',
          meetings: [],
        },
      ]);
    });

    it('answers 404/3301 for a meeting’s recordings', async () => {
      const res = await h.api(token, 'GET', '/meetings/12345678901/recordings');
      expect([res.status, res.body]).toEqual([
        404,
        { code: 3301, message: 'This recording does not exist.' },
      ]);
    });
  });
});
