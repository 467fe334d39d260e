// The floor a Zoom door can reach in Node (issue 16, item 4): node:http in, undici out, an API-key
// check, one cached bearer minted from the token endpoint, every `/v2/...` call forwarded as it
// came (bench/lib/forwarding.ts). No framework, no logging, no database, no governor, no 401
// recovery: what the gateway does on top of this is what its extra cost per request buys. Runs as
// its own process (bench/lib/processes.ts).
//
// With PROXY_RECORDS_DATABASE_URL (the floor for a create): a meeting create
// (`POST /v2/users/{userId}/meetings`) also makes the gateway's record writes to that database
// (bench/lib/meeting-records.ts): its body is read and parsed, the `creating` record inserted,
// the call forwarded, Zoom's answer read and parsed, the record completed, then the answer sent.
// Every other call is forwarded as above.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { answerHeaders, createForwarder } from './lib/forwarding.js';
import { createMeetingRecords, type MeetingRecords } from './lib/meeting-records.js';

const forwarder = createForwarder(process.env);
const port = Number(process.env.PROXY_PORT);
const records = process.env.PROXY_RECORDS_DATABASE_URL
  ? createMeetingRecords(
      process.env.PROXY_RECORDS_DATABASE_URL,
      process.env.PROXY_RECORDS_CREATED_BY ?? 'bench-floor',
    )
  : undefined;
const CREATE = /^\/v2\/users\/([^/?]+)\/meetings(?:\?|$)/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function answer(res: ServerResponse, status: number, code: string, message?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ code, message }));
}

/** A create with its record: insert `creating`, call Zoom, complete (or fail) the record, answer. */
async function recordedCreate(
  req: IncomingMessage,
  res: ServerResponse,
  userId: string,
  writes: MeetingRecords,
): Promise<void> {
  const body = await readBody(req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    answer(res, 400, 'invalid_json');
    return;
  }
  const id = await writes.begin(decodeURIComponent(userId), parsed);
  let zoom;
  try {
    zoom = await forwarder.send(req, body);
  } catch (error) {
    await writes.fail(id, String(error));
    answer(res, 502, 'zoom_unreachable', String(error));
    return;
  }
  const text = await zoom.body.text();
  if (zoom.statusCode >= 200 && zoom.statusCode < 300) {
    await writes.complete(id, JSON.parse(text));
  } else {
    await writes.fail(id, `Zoom answered ${zoom.statusCode}`);
  }
  res.writeHead(zoom.statusCode, answerHeaders(zoom.headers)).end(text);
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/__proxy/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (!url.startsWith('/v2/')) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"not_found"}');
    return;
  }
  if (!forwarder.authorized(req.headers.authorization)) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"unauthorized"}');
    return;
  }
  const create = records && req.method === 'POST' ? CREATE.exec(url) : null;
  if (records && create) {
    recordedCreate(req, res, create[1], records).catch((error: unknown) =>
      answer(res, 500, 'record_write_failed', String(error)),
    );
    return;
  }
  forwarder.forward(req, res);
});

server.keepAliveTimeout = 65_000;
await forwarder.start();
await records?.check();
server.listen(port, '127.0.0.1', () => {
  console.log(
    `bare proxy on http://127.0.0.1:${port} forwarding /v2 to ${process.env.PROXY_API_BASE_URL}` +
      (records ? ', writing meeting records for creates' : ''),
  );
});
process.once('SIGTERM', () => {
  server.close();
  void Promise.all([forwarder.close(), records?.close()]).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
