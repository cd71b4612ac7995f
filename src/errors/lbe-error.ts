import { ERROR_TABLE, type ErrorCode, type ErrorDefinition } from './error-table.js';

/** One problem inside an error, e.g. a spec field: `path` is a JSON path like `users[0].name`. */
export interface ErrorIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The only error class the engine throws on purpose. Its `code` selects the row of ERROR_TABLE that decides
 * the HTTP status, whether it is the caller's fault, and whether a job retries.
 * `details` are for logs and for user errors' bodies; internal errors never show them to clients.
 */
export class LbeError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly ErrorIssue[];
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { issues?: readonly ErrorIssue[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(
      message ?? ERROR_TABLE[code].message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'LbeError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.details = options.details ?? {};
  }

  get definition(): ErrorDefinition {
    return ERROR_TABLE[this.code];
  }

  get status(): number {
    return this.definition.status;
  }

  get isRetryable(): boolean {
    return this.definition.retryable;
  }

  get isUserError(): boolean {
    return this.definition.kind === 'user';
  }
}

export function isLbeError(value: unknown): value is LbeError {
  return value instanceof LbeError;
}
