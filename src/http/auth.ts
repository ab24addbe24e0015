import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyService } from '../modules/api-keys/api-keys.service.js';
import { ApiError, MESSAGES } from './errors.js';
import { type RateLimiters, rateLimitedError, rateLimitHeaders } from './rate-limit.js';

/** Journeybee's two roles: an administrator, or a partnerships team member. */
export type UserRole = 'admin' | 'partnerships';

/**
 * What a route requires of its caller's role, declared once per route as `config: { role }`:
 * `admin` routes refuse a partnerships user (403), `member` routes admit any user of the company.
 */
export type RouteRole = 'admin' | 'member';
export const ROUTE_ROLES: readonly RouteRole[] = ['admin', 'member'];

export interface AuthContext {
  keyId: number;
  companyId: number;
  /** The user the key acts as (the one who created it); null for an operator's key made without one. */
  userId: number | null;
  /** The acting user's role; an operator's key without a user acts as the company's admin. */
  role: UserRole;
  permission: 'read' | 'write';
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
  interface FastifyContextConfig {
    role?: RouteRole;
  }
}

const SCHEME = /^(?:Bearer|Api-Key)\s+(\S+)\s*$/i;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Counts an unauthenticated or failed request against the client's IP budget. */
export async function limitByIp(
  request: FastifyRequest,
  reply: FastifyReply,
  limiters: RateLimiters,
): Promise<void> {
  const outcome = await limiters.perIp.consume(request.ip);
  if (!outcome.allowed) throw rateLimitedError(outcome);
  reply.headers(rateLimitHeaders(outcome));
}

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

// Composed small steps (STYLE): authenticate → limit per key → require permission and role.
// All of it runs on `onRequest`, before the body is read: a refusal reveals nothing about it.
export function authenticate(keys: ApiKeyService, limiters: RateLimiters) {
  return async function authenticateHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = header ? SCHEME.exec(header) : null;
    const verified = match?.[1] ? await keys.verify(match[1]) : null;
    if (!verified) {
      // Failed attempts spend the IP's budget, so keys cannot be guessed at speed.
      await limitByIp(request, reply, limiters);
      throw new ApiError('unauthorized', header ? MESSAGES.invalidKey : MESSAGES.missingKey, undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    request.auth = verified;
    request.log = request.log.child({ companyId: verified.companyId, apiKeyId: verified.keyId });

    const outcome = await limiters.perKey.consume(verified.keyUuid);
    if (!outcome.allowed) throw rateLimitedError(outcome);
    reply.headers(rateLimitHeaders(outcome));

    const refused = accessError(verified, request.method, request.routeOptions.config.role);
    if (refused) throw refused;
  };
}
