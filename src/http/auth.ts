import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AuthContext,
  type FoundCaller,
  knownCaller,
  type RequestCaller,
  type RouteRole,
  type VerifiedSession,
  type Verifiers,
} from '../core/auth-context.js';
import { ApiError, MESSAGES } from '../core/errors.js';
import {
  limitByIp,
  type RateLimiters,
  type RateLimitOutcome,
  rateLimitedError,
  rateLimitHeaders,
} from '../core/rate-limit.js';

export { type AuthContext, ROUTE_ROLES, type RouteRole, type UserRole } from '../core/auth-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller. On a `foldsAuth` route, set only once its statement found the caller. */
    auth: AuthContext;
    /** The caller as the route's statement sees it (see core/auth-context.ts). */
    caller: RequestCaller;
  }
  interface FastifyContextConfig {
    role?: RouteRole;
    /** A route anyone may call (sign-up, log-in, invitations): outside the authenticated scope. */
    public?: boolean;
    /**
     * A GET route whose one statement verifies the API key itself (readAsCaller): the hook counts
     * the key's budget without a lookup, and the route passes what its statement found to
     * `request.caller.accept()` (no caller: 401; a refused role: 403). Sessions, and keys on
     * every other route, are looked up by the hook as before.
     */
    foldsAuth?: boolean;
  }
}

const SCHEME = /^(?:Bearer|Api-Key)\s+(\S+)\s*$/i;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The permission and role rule of a route, for a verified caller: an error, or null when allowed. */
export function accessError(auth: AuthContext, method: string, role: RouteRole | undefined): ApiError | null {
  if (auth.permission === 'read' && !READ_METHODS.has(method)) {
    return new ApiError('forbidden', MESSAGES.writeRequired);
  }
  // A route without a declared role cannot be registered (see app.ts); treat it as admin anyway.
  if ((role ?? 'admin') === 'admin' && auth.role !== 'admin') {
    return new ApiError('forbidden', MESSAGES.adminRequired);
  }
  return null;
}

const sessionAuth = (s: VerifiedSession): AuthContext => ({
  method: 'session',
  keyId: null,
  sessionId: s.sessionId,
  companyId: s.companyId,
  userId: s.userId,
  role: s.role,
  // A session acts exactly as a write key of its user: its role alone limits it.
  permission: 'write',
});

const keyAuth = (found: FoundCaller): AuthContext => ({
  method: 'api_key',
  keyId: found.keyId,
  sessionId: null,
  companyId: found.companyId,
  userId: found.userId,
  role: found.role,
  permission: found.permission,
});

/** The caller is known: the request and its log lines carry it. */
function bind(request: FastifyRequest, auth: AuthContext): void {
  request.auth = auth;
  request.log = request.log.child(
    auth.method === 'session'
      ? { companyId: auth.companyId, sessionId: auth.sessionId }
      : { companyId: auth.companyId, apiKeyId: auth.keyId },
  );
}

/** The route's permission and role rule. */
function check(request: FastifyRequest, auth: AuthContext): void {
  const refused = accessError(auth, request.method, request.routeOptions.config.role);
  if (refused) throw refused;
}

function spend(reply: FastifyReply, outcome: RateLimitOutcome): void {
  if (!outcome.allowed) throw rateLimitedError(outcome);
  reply.headers(rateLimitHeaders(outcome));
}

/** Reads only: a write refused to a read key must be refused before its body is even parsed. */
const foldsAuth = (request: FastifyRequest) =>
  request.routeOptions.config.foldsAuth === true && (request.method === 'GET' || request.method === 'HEAD');

// Composed small steps (STYLE): authenticate → limit per key or per user → require permission
// and role → CSRF (sessions only). All of it runs on `onRequest`, before the body is read: a
// refusal reveals nothing about it. On a `foldsAuth` route the key is limited here and verified
// by the route's own statement (one round trip instead of two); until then it is pending, and
// any error before it (a 400, a path id) verifies it first (verifyCallerFirst), so the answers
// and their order are the same: 401, then 429, then 403, then the route's own.
export function authenticate(verify: Verifiers, limiters: RateLimiters) {
  const { sessions } = verify;

  /** Failed attempts spend the IP's budget, so keys cannot be guessed at speed. */
  async function refuseKey(request: FastifyRequest, reply: FastifyReply): Promise<never> {
    await limitByIp(request, reply, limiters);
    const header = request.headers.authorization;
    throw new ApiError('unauthorized', header ? MESSAGES.invalidKey : MESSAGES.missingKey, undefined, {
      'WWW-Authenticate': 'Bearer',
    });
  }

  /**
   * A key that names no caller, counted by its hash before that was known: its bucket is
   * dropped (guessed keys must not fill the limiter's store), and the attempt is the IP's.
   */
  async function refuseCountedKey(request: FastifyRequest, reply: FastifyReply, keyHash: string) {
    await limiters.perKey.forget(keyHash);
    return refuseKey(request, reply);
  }

  /** A key the route's statement verifies; settled once, by the statement or by a lookup. */
  function pendingKey(request: FastifyRequest, reply: FastifyReply, keyHash: string): RequestCaller {
    let settled: Promise<AuthContext> | undefined;
    const settle = (find: () => Promise<AuthContext | null>): Promise<AuthContext> => {
      settled ??= (async () => {
        const auth = (await find()) ?? (await refuseCountedKey(request, reply, keyHash));
        bind(request, auth);
        check(request, auth);
        return auth;
      })();
      return settled;
    };
    return {
      source: { kind: 'key', keyHash },
      get pending() {
        return settled === undefined;
      },
      accept: (found) =>
        settle(async () => {
          if (!found) return null;
          await verify.keyUsed(found.keyId);
          return keyAuth(found);
        }),
      resolve: () => settle(() => verify.key(keyHash)),
    };
  }

  async function sessionHook(request: FastifyRequest, reply: FastifyReply, token: string): Promise<void> {
    const session = await sessions.verify(token);
    if (!session) {
      await limitByIp(request, reply, limiters);
      sessions.forget(request, reply);
      throw new ApiError('unauthorized', MESSAGES.invalidSession);
    }
    const auth = sessionAuth(session);
    bind(request, auth);
    request.caller = knownCaller(auth);
    spend(reply, await limiters.perUser.consume(String(session.userId)));
    check(request, auth);
    sessions.checkCsrf(request, session);
  }

  return async function authenticateHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // The Authorization header wins; without one, the session cookie.
    const header = request.headers.authorization;
    const cookie = header === undefined ? sessions.tokenOf(request) : undefined;
    if (header === undefined && cookie !== undefined) return sessionHook(request, reply, cookie);

    const presented = header ? SCHEME.exec(header)?.[1] : undefined;
    const keyHash = presented ? verify.keyHash(presented) : null;
    if (!keyHash) return refuseKey(request, reply);
    // One budget per key, whichever route: it is counted by the key's hash, known before any lookup.
    if (foldsAuth(request)) {
      const outcome = await limiters.perKey.consume(keyHash);
      if (!outcome.allowed) {
        // Only a key that names a caller hears it is over its budget; any other string is the
        // 401 it always was.
        bind(request, (await verify.key(keyHash)) ?? (await refuseCountedKey(request, reply, keyHash)));
        throw rateLimitedError(outcome);
      }
      reply.headers(rateLimitHeaders(outcome));
      request.caller = pendingKey(request, reply, keyHash);
      return;
    }
    const auth = (await verify.key(keyHash)) ?? (await refuseKey(request, reply));
    bind(request, auth);
    request.caller = knownCaller(auth);
    spend(reply, await limiters.perKey.consume(keyHash));
    check(request, auth);
  };
}

/**
 * The authenticated scope's error handler, in front of the app's: a request that fails before
 * its statement verified its key (validation, a path id, a rule checked first, a database error)
 * is answered as the key deserves first: 401 for a key that names no caller, 403 for a refused
 * role, exactly as when the hook looked the key up before anything else.
 */
export async function verifyCallerFirst(error: FastifyError, request: FastifyRequest): Promise<never> {
  if (request.caller?.pending) await request.caller.resolve();
  throw error;
}

/** preSerialization: no answer leaves before its caller is verified (a route that never accepted its statement's caller pays a lookup). */
export async function callerVerified(request: FastifyRequest, _reply: FastifyReply, payload: unknown) {
  if (request.caller?.pending) await request.caller.resolve();
  return payload;
}
