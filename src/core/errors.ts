// One error class with a closed list of codes, one code → status table, one body shape:
// {"error": "<human message>", "code": "...", "details"?: [{path, message}]}.

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: string;
  code: ErrorCode;
  details?: ErrorDetail[];
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }

  toBody(): ErrorBody {
    return this.details?.length
      ? { error: this.message, code: this.code, details: this.details }
      : { error: this.message, code: this.code };
  }
}

// The seeds' and contract's exact messages, kept in one place.
export const MESSAGES = {
  missingKey: 'Missing API key',
  invalidKey: 'Invalid API key',
  invalidSession: 'Your session has ended: log in again',
  csrf: 'CSRF check failed',
  writeRequired: 'Write access required for this operation',
  adminRequired: 'Admin role required for this operation',
  lastAdmin: 'The last active admin of a company can be neither deactivated nor demoted',
  contentType: 'Content-Type must be application/json',
  internal: 'Internal server error',
  unavailable: 'Service unavailable: the database cannot be reached',
  shuttingDown: 'Service unavailable: the server is shutting down',
  rateLimited: (limit: number) => `Rate limit exceeded: ${limit} requests per minute`,
} as const;

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);
export const badRequest = (message: string, details?: ErrorDetail[]) =>
  new ApiError('bad_request', message, details);
export const conflict = (message: string) => new ApiError('conflict', message);
