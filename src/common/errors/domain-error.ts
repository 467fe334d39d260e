import { ErrorCode, httpStatusOf } from './error-code.js';

export interface FieldError {
  field: string;
  message: string;
}

export interface DomainErrorOptions {
  /** Zoom's numeric code, shown instead of `code` on the Zoom-compatible /v2 surface. */
  zoomCode?: number;
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error the gateway means to show its caller: a stable code, an HTTP status and words. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
  }

  /** From the code, in one place (`httpStatusOf`); only Zoom's relayed errors keep Zoom's status. */
  get status(): number {
    return httpStatusOf(this.code);
  }

  static validation(message: string, errors?: FieldError[]): DomainError {
    return new DomainError(ErrorCode.ValidationFailed, message, { zoomCode: 300, errors });
  }

  static notFound(message: string, zoomCode?: number): DomainError {
    return new DomainError(ErrorCode.NotFound, message, { zoomCode });
  }
}

/** An error Zoom answered with; relayed with Zoom's own status, code and message. */
export class ZoomApiError extends DomainError {
  constructor(
    readonly httpStatus: number,
    readonly zoomBody: { code?: number; message?: string; errors?: FieldError[] } | undefined,
    headers: Record<string, string> = {},
  ) {
    super(ErrorCode.ZoomError, zoomBody?.message ?? `Zoom answered HTTP ${httpStatus}`, {
      zoomCode: zoomBody?.code,
      errors: zoomBody?.errors,
      headers,
    });
    this.name = 'ZoomApiError';
  }

  override get status(): number {
    return this.httpStatus;
  }
}
