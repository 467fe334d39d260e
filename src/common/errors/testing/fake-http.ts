import type { ArgumentsHost } from '@nestjs/common';

/** What a fake reply was asked to send. */
export interface SentAnswer {
  status?: number;
  body?: unknown;
  headers: Record<string, string>;
}

/**
 * A request and a Fastify-shaped reply, recording what is sent (status, headers, the JSON body
 * parsed back), inside an ArgumentsHost as Nest hands one to an exception filter.
 */
export function fakeHttp(
  path: string,
  options: { callerLeft?: boolean; method?: string } = {},
): { host: ArgumentsHost; sent: SentAnswer } {
  const sent: SentAnswer = { headers: {} };
  const reply = {
    sent: false,
    raw: { headersSent: false, destroyed: options.callerLeft ?? false },
    code(status: number) {
      sent.status = status;
      return this;
    },
    headers(values: Record<string, string>) {
      Object.assign(sent.headers, values);
      return this;
    },
    type() {
      return this;
    },
    send(body: string) {
      sent.body = JSON.parse(body);
      return this;
    },
  };
  const request = { url: path, method: options.method ?? 'GET', id: 'req-1' };
  const http = { getRequest: () => request, getResponse: () => reply, getNext: () => undefined };
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- a filter reads only the HTTP side
  const host = { switchToHttp: () => http, getType: () => 'http' } as unknown as ArgumentsHost;
  return { host, sent };
}
