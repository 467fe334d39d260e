import autocannon from 'autocannon';
import { Samples } from './stats.js';

export interface LoadOptions {
  /** Several URLs spread the connections round-robin over them (client-side load balancing). */
  urls: string[];
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** seconds; ignored when `amount` is given */
  duration?: number;
  amount?: number;
  /** requests per second offered by all connections together (open loop); unset: as fast as answered */
  overallRate?: number;
}

export interface LoadResult {
  /** 2xx answers per second */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationS: number;
  statusCodes: Record<string, number>;
  /** latency of every 2xx answer in ms (float precision, unlike autocannon's integer histogram) */
  latencies: Samples;
}

/** One autocannon run in this process; the bench does nothing else while it runs. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies = new Samples();
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  const started = performance.now();
  const config: autocannon.Options = {
    url: options.urls[0],
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 5 }),
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    timeout: 30,
  };
  // autocannon spreads connections over several URLs (run.js: urls[i % urls.length]); its types
  // only know one, so the list is set beside the typed options.
  if (options.urls.length > 1) Object.assign(config, { url: options.urls });
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(config, (error: Error | null, done: autocannon.Result) =>
      error ? reject(error) : resolve(done),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latencies.push(responseTime);
      }
    });
  });
  const durationS = (performance.now() - started) / 1000;
  return {
    rps: ok / durationS,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    durationS,
    statusCodes,
    latencies,
  };
}
