import { ErrorCode, type ErrorField } from "../protocol/errors.ts";

export interface PartnerErrorOptions {
  /** Shown to the Vercel user in the dashboard. */
  userMessage?: string;
  userUrl?: string;
  fields?: ErrorField[];
}

/**
 * An error that becomes a spec error body (§3.3). Provider hooks throw it to refuse a request with
 * a 4xx and a message the user sees; any other thrown error is answered with a generic 500.
 */
export class PartnerError extends Error {
  override readonly name = "PartnerError";

  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422,
    readonly code: string,
    message: string,
    readonly options: PartnerErrorOptions = {},
  ) {
    super(message);
  }

  static validation(message: string, fields: ErrorField[], userMessage?: string): PartnerError {
    return new PartnerError(400, ErrorCode.validation, message, { fields, userMessage });
  }

  static badRequest(message: string): PartnerError {
    return new PartnerError(400, ErrorCode.badRequest, message);
  }

  static notFound(message: string): PartnerError {
    return new PartnerError(404, ErrorCode.notFound, message);
  }

  static conflict(message: string, options?: PartnerErrorOptions): PartnerError {
    return new PartnerError(409, ErrorCode.conflict, message, options);
  }

  static unprocessable(message: string, options?: PartnerErrorOptions): PartnerError {
    return new PartnerError(422, ErrorCode.unprocessable, message, options);
  }
}

/**
 * A request that cannot be served yet because of work in progress elsewhere (on any instance):
 * answered 503 with `Retry-After`, so Vercel retries it, and never stored under its
 * Idempotency-Key, so the retry runs again rather than replaying the refusal.
 */
export class BusyError extends Error {
  override readonly name = "BusyError";

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
