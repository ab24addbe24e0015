import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext, RouteRole, VerifiedSession, Verifiers } from '../core/auth-context.js';
import { ApiError, MESSAGES } from '../core/errors.js';
import { limitByIp, type RateLimiters, rateLimitedError, rateLimitHeaders } from '../core/rate-limit.js';

export { type AuthContext, ROUTE_ROLES, type RouteRole, type UserRole } from '../core/auth-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
  interface FastifyContextConfig {
    role?: RouteRole;
    /** A route anyone may call (sign-up, log-in, invitations): outside the authenticated scope. */
    public?: boolean;
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

/** A verified caller: who it is, the budget it spends, and (sessions) its CSRF secret. */
interface Caller {
  auth: AuthContext;
  limit: () => ReturnType<RateLimiters['perKey']['consume']>;
  session?: VerifiedSession;
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

// Composed small steps (STYLE): authenticate → limit per key or per user → require permission
// and role → CSRF (sessions only). All of it runs on `onRequest`, before the body is read: a
// refusal reveals nothing about it.
export function authenticate(verify: Verifiers, limiters: RateLimiters) {
  const { sessions } = verify;
  /** The Authorization header wins; without one, the session cookie. */
  async function identify(request: FastifyRequest, reply: FastifyReply): Promise<Caller> {
    const header = request.headers.authorization;
    const cookie = header === undefined ? sessions.tokenOf(request) : undefined;
    if (header === undefined && cookie !== undefined) {
      const session = await sessions.verify(cookie);
      if (session) {
        return {
          auth: sessionAuth(session),
          session,
          limit: () => limiters.perUser.consume(String(session.userId)),
        };
      }
      await limitByIp(request, reply, limiters);
      sessions.forget(request, reply);
      throw new ApiError('unauthorized', MESSAGES.invalidSession);
    }
    const match = header ? SCHEME.exec(header) : null;
    const verified = match?.[1] ? await verify.key(match[1]) : null;
    if (!verified) {
      // Failed attempts spend the IP's budget, so keys cannot be guessed at speed.
      await limitByIp(request, reply, limiters);
      throw new ApiError('unauthorized', header ? MESSAGES.invalidKey : MESSAGES.missingKey, undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const { keyUuid, ...auth } = verified;
    return { auth, limit: () => limiters.perKey.consume(keyUuid) };
  }

  return async function authenticateHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const caller = await identify(request, reply);
    const { auth } = caller;
    request.auth = auth;
    request.log = request.log.child(
      auth.method === 'session'
        ? { companyId: auth.companyId, sessionId: auth.sessionId }
        : { companyId: auth.companyId, apiKeyId: auth.keyId },
    );

    const outcome = await caller.limit();
    if (!outcome.allowed) throw rateLimitedError(outcome);
    reply.headers(rateLimitHeaders(outcome));

    const refused = accessError(auth, request.method, request.routeOptions.config.role);
    if (refused) throw refused;

    if (caller.session) sessions.checkCsrf(request, caller.session);
  };
}
