import { type IncomingHttpHeaders, request } from 'node:http';
import type { GatewayProcess } from './gateway-process.js';

export interface RawRequest {
  /** GET unless told. */
  method?: string;
  /** The request line's target, sent byte for byte as written (fetch would normalise it). */
  path: string;
  /** Sent as given, names as spelled; node:http adds only Host, Connection and a body's length. */
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text ('' when there is none). */
  body: string;
}

/**
 * One request through node:http to a gateway, with nothing normalised or added by a client
 * (fetch resolves dot segments and adds headers such as Cache-Control to conditional requests).
 */
export function rawRequest(
  gateway: Pick<GatewayProcess, 'port'>,
  { method = 'GET', path, headers = {}, body }: RawRequest,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: gateway.port, method, path, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
