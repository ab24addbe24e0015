import { DrizzleQueryError } from 'drizzle-orm';
import { stdSerializers } from 'pino';

// SQLSTATE → API outcome, mapped in one place (STYLE: "database constraint errors are mapped once").
export interface PgErrorLike {
  code?: string;
  constraint?: string;
}

export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  // Drizzle wraps driver errors; the original is the cause.
  if (err instanceof Error && err.cause) return pgErrorCode(err.cause);
  return undefined;
}

export function pgConstraint(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'constraint' in err) {
    const c = (err as { constraint: unknown }).constraint;
    if (typeof c === 'string') return c;
  }
  if (err instanceof Error && err.cause) return pgConstraint(err.cause);
  return undefined;
}

export const isUniqueViolation = (err: unknown) => pgErrorCode(err) === '23505';
export const isForeignKeyViolation = (err: unknown) => pgErrorCode(err) === '23503';
/** A NUL in text (22021: invalid byte sequence for UTF8) or in jsonb (22P05: \u0000). */
export const isUnstorableText = (err: unknown) => {
  const code = pgErrorCode(err);
  return code === '22021' || code === '22P05';
};

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** The database cannot be reached, is starting up or shutting down. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = pgErrorCode(err);
  if (code && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03'))
    return true;
  if (code && UNAVAILABLE_NODE_CODES.has(code)) return true;
  return causes(err).some((e) => LOST_CONNECTION.test(e.message));
}

// node-postgres's own messages for a connection that is gone, never came, or timed out.
const LOST_CONNECTION =
  /Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Query read timeout|Connection timeout/i;

/** The error and its causes (Drizzle wraps the driver's error), bounded. */
function causes(err: unknown): Error[] {
  const found: Error[] = [];
  for (let e = err; e instanceof Error && found.length < 8; e = e.cause) found.push(e);
  return found;
}

// ---- database errors in logs ----
// A DrizzleQueryError's message is "Failed query: <SQL>\nparams: <values>" (and it keeps both as
// properties); a pg error's `detail` and `where` quote row values ("Key (email)=(ann@…)"), and
// its message may quote an input ('invalid input syntax for type integer: "…"'). pino's own
// error serializer would log all of it. What an operator needs, and all we log: the SQLSTATE,
// the constraint, table and column, where the code raised it, and our own stack.

const SQLSTATE = /^[0-9A-Z]{5}$/;
const DRIZZLE_QUERY = /Failed query: [\s\S]*?(?=\n {4}at |$)/;
const NOT_LOGGED = 'Failed query (SQL and parameters not logged)';

interface PgServerError {
  code: string;
  severity?: string;
  constraint?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  routine?: string;
}

/** The error PostgreSQL itself reported (pg's DatabaseError), anywhere in the cause chain. */
function serverError(err: unknown, depth = 0): PgServerError | undefined {
  if (typeof err !== 'object' || err === null || depth > 8) return undefined;
  const e = err as Partial<PgServerError> & { cause?: unknown };
  if (typeof e.code === 'string' && SQLSTATE.test(e.code) && typeof e.severity === 'string') {
    return e as PgServerError;
  }
  return serverError(e.cause, depth + 1);
}

function isQueryError(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 8) return false;
  return err instanceof DrizzleQueryError || isQueryError(err.cause, depth + 1);
}

interface SerializedError {
  type: string;
  message: string;
  stack: string;
  [key: string]: unknown;
}

const scrub = (text: string) => text.replace(DRIZZLE_QUERY, NOT_LOGGED);

/**
 * pino's `err` serializer (loggerOptions in app.ts): database errors without SQL or values,
 * everything else as pino logs it. Plain `{ message }` objects are scrubbed too.
 */
export function serializeLoggedError(err: Error): SerializedError {
  if (!(err instanceof Error)) {
    // Logged as `{ err: { message } }`, or something else again: scrub what looks like a query.
    const message = (err as { message?: unknown } | null)?.message;
    return (
      typeof message === 'string' ? { ...(err as object), message: scrub(message) } : err
    ) as SerializedError;
  }
  const pgError = serverError(err);
  if (!pgError && !isQueryError(err)) return stdSerializers.err(err);
  const type = err.constructor.name;
  const message = pgError
    ? `Database error ${pgError.code}${pgError.constraint ? ` (constraint ${pgError.constraint})` : ''}`
    : scrub(err.message);
  const frames = (err.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const cause = err.cause instanceof Error && !pgError ? err.cause : undefined;
  return {
    type,
    message,
    ...(pgError && {
      code: pgError.code,
      severity: pgError.severity,
      constraint: pgError.constraint,
      schema: pgError.schema,
      table: pgError.table,
      column: pgError.column,
      dataType: pgError.dataType,
      routine: pgError.routine,
    }),
    // Not a server error (a lost connection, a timeout): its own message names no data.
    ...(cause && {
      cause: { type: cause.constructor.name, message: scrub(cause.message), code: pgErrorCode(cause) },
    }),
    stack: [`${type}: ${message}`, ...frames].join('\n'),
  };
}
