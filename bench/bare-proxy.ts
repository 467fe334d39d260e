// The floor a Zoom door can reach in Node (issue 16, item 4): node:http in, undici out, an API-key
// check, one cached bearer minted from the token endpoint, every `/v2/...` call forwarded as it
// came (bench/lib/forwarding.ts). No framework, no logging, no database, no governor, no 401
// recovery: what the gateway does on top of this is what its extra cost per request buys. Runs as
// its own process (bench/lib/processes.ts).
import { createServer } from 'node:http';
import { createForwarder } from './lib/forwarding.js';

const forwarder = createForwarder(process.env);
const port = Number(process.env.PROXY_PORT);

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
  forwarder.forward(req, res);
});

server.keepAliveTimeout = 65_000;
await forwarder.start();
server.listen(port, '127.0.0.1', () => {
  console.log(
    `bare proxy on http://127.0.0.1:${port} forwarding /v2 to ${process.env.PROXY_API_BASE_URL}`,
  );
});
process.once('SIGTERM', () => {
  server.close();
  void forwarder.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
