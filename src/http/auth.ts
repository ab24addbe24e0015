import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyService } from '../modules/api-keys/api-keys.service.js';
import { ApiError, MESSAGES } from './errors.js';
import { type RateLimiters, rateLimitedError, rateLimitHeaders } from './rate-limit.js';

export interface AuthContext {
  keyId: number;
  companyId: number;
  /** The user who created the key: the key acts as that user. */
  userId: number | null;
  permission: 'read' | 'write';
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
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

// Composed small steps (STYLE): authenticate → limit per key → require permission.
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

    if (verified.permission === 'read' && !READ_METHODS.has(request.method)) {
      throw new ApiError('forbidden', MESSAGES.writeRequired);
    }
  };
}
