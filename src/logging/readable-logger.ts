import type { LoggerService } from '@nestjs/common';

/** Nest's own start-up listing (each module, controller and route): for debugging, not for a person reading the start. */
const NEST_LISTING = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/**
 * The process logger with Nest's start-up listing moved to `debug`, so that at `info` a start
 * says what an operator needs in a handful of lines (version, address, database, Redis, Zoom,
 * where a generated key went, warnings).
 */
export class ReadableLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (
      typeof context === 'string' &&
      (NEST_LISTING.has(context) || isNestStarted(context, message))
    )
      this.inner.debug?.(message, ...rest);
    else this.inner.log(message, ...rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    if (this.inner.fatal) this.inner.fatal(message, ...rest);
    else this.inner.error(message, ...rest);
  }
}

/** "Nest application successfully started": the gateway's own listening line says more. */
function isNestStarted(context: string, message: unknown): boolean {
  return (
    context === 'NestApplication' && typeof message === 'string' && message.includes('started')
  );
}
