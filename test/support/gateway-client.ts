import { z } from 'zod';
import { bodyOf, type GatewayProcess } from './gateway-process.js';

/** What a gateway answered. `json` is the parsed body (undefined when the body is empty). */
export interface GatewayAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent byte for byte (for bodies JSON.stringify cannot produce). */
  raw?: string;
  /** Added to the request; a Content-Type given here wins over application/json. */
  headers?: Record<string, string>;
  /** The API key for this call, instead of the client's. */
  key?: string;
  timeoutMs?: number;
}

export interface ClientOptions {
  /** Sent as `Authorization: Bearer <key>` unless a call names another; none when absent. */
  key?: string;
  /** Aborts a call after this long; no limit when absent. */
  timeoutMs?: number;
  /**
   * What a call the gateway never answered (refused, cut off, timed out) gives: a rejection (the
   * default, so a test can tell a request that was cut off), or an answer with status 0 and the
   * error as its text, for load loops that count outcomes.
   */
  unanswered?: 'reject' | 'status 0';
}

export type GatewayCall = (
  gateway: Pick<GatewayProcess, 'url'>,
  method: string,
  path: string,
  options?: CallOptions,
) => Promise<GatewayAnswer>;

/** An HTTP client for built gateways, calling them as an internal application would. */
export function gatewayClient(defaults: ClientOptions = {}): GatewayCall {
  return async (gateway, method, path, options = {}) => {
    const headers = new Headers(options.headers);
    const key = options.key ?? defaults.key;
    if (key !== undefined) headers.set('Authorization', `Bearer ${key}`);
    const body = options.body === undefined ? options.raw : JSON.stringify(options.body);
    if (body !== undefined && !headers.has('Content-Type'))
      headers.set('Content-Type', 'application/json');
    const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${gateway.url}${path}`, {
        method,
        headers,
        body,
        signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (defaults.unanswered !== 'status 0') throw error;
      const message = error instanceof Error ? error.message : String(error);
      return { status: 0, headers: new Headers(), text: message, json: undefined };
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      // The gateway answers JSON or nothing: any other body fails the test, quoting it.
      throw new Error(
        `${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 500)}`,
      );
    }
    return { status: response.status, headers: response.headers, text, json };
  };
}

/** The id of the Zoom meeting a create answered with. */
export function meetingIdOf(answer: GatewayAnswer): number {
  return bodyOf(z.looseObject({ id: z.number() }), answer.json).id;
}

/** The answer's JSON object, its fields left for the test's matchers to check. */
export function objectOf(answer: GatewayAnswer): Record<string, unknown> {
  return bodyOf(z.looseObject({}), answer.json);
}
