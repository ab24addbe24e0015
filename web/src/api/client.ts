import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Session = Schemas['Session'];
export type Invitation = Schemas['Invitation'];

/** The API's error body: `{"error", "code"?, "details"?: [{path, message}]}`. */
export interface ErrorBody {
  error: string;
  code?: string;
  details?: { path: string; message: string }[];
  [extra: string]: unknown;
}

/** A refused or failed request, with the API's message and its per-field details. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.error);
  }

  /** `details[].path` → message; a path's first message wins. */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.body.details ?? []) out[d.path] ??= d.message;
    return out;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** The session's CSRF token, sent as X-CSRF-Token on every unsafe request. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when a request comes back 401 (the session ended: logged out elsewhere, expired). */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

/** The CSRF token, for a request made without this client (the CSV upload, for its progress). */
export const csrfTokenForUpload = (): string | undefined => csrfToken;

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && UNSAFE.has(request.method)) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

// The console is a client of the public API like any other: same routes, same rules; the
// session cookie is its credential.
export const api = createClient<paths>({ baseUrl: '', credentials: 'include' });
api.use(csrf);

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The response body of a successful call; any other outcome throws an ApiFailure. */
export async function ok<T>(call: Promise<Result<T>>, opts: { quiet401?: boolean } = {}): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch {
    throw new ApiFailure(0, { error: 'Cannot reach the server. Check your connection and try again.' });
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  const body =
    error && typeof error === 'object' && typeof (error as ErrorBody).error === 'string'
      ? (error as ErrorBody)
      : { error: `The server answered ${response.status} ${response.statusText}`.trim() };
  if (response.status === 401 && !opts.quiet401) onUnauthorized?.();
  throw new ApiFailure(response.status, body);
}

/** An error's message for people, whatever was thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong';
}
