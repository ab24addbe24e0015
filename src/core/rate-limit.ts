import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { ApiError, MESSAGES } from './errors.js';

// Fixed one-minute windows per API key (and per client IP for unauthenticated or failed
// requests), counted by rate-limiter-flexible: atomically in Redis when REDIS_URL is set, so
// several server processes share one budget; in process memory otherwise.

/** Which budget refused a request (a bounded label of the refusal counter in /metrics). */
export type RateLimitKind = 'key' | 'ip' | 'session' | 'login';

export interface RateLimitOutcome {
  kind: RateLimitKind;
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export interface RateLimiters {
  perKey: Limiter;
  perIp: Limiter;
  /** Sessions: one budget per user, whatever the number of open tabs or browsers. */
  perUser: Limiter;
  /** Failed log-ins per account (email) and per client IP, over 15 minutes. */
  loginPerAccount: FailureLimiter;
  loginPerIp: FailureLimiter;
}

export class Limiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    readonly limit: number,
    readonly kind: RateLimitKind,
  ) {}

  async consume(key: string): Promise<RateLimitOutcome> {
    try {
      const res = await this.limiter.consume(key, 1);
      return this.outcome(true, res);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return this.outcome(false, rejection);
      throw rejection;
    }
  }

  /** Drops the key's count (a bucket that should never have been made); best effort. */
  async forget(key: string): Promise<void> {
    try {
      await this.limiter.delete(key);
    } catch {
      // Bookkeeping only: the bucket expires with its window anyway.
    }
  }

  private outcome(allowed: boolean, res: RateLimiterRes): RateLimitOutcome {
    return {
      kind: this.kind,
      allowed,
      limit: this.limit,
      remaining: Math.max(0, res.remainingPoints),
      resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    };
  }
}

/**
 * Counts failures only (wrong passwords): a key with `limit` failures in the window is blocked
 * until the window ends, even for a right password; a success clears the key's count.
 */
export class FailureLimiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    readonly limit: number,
  ) {}

  /** Seconds until the key may try again, or 0 when it may now. */
  async blockedFor(key: string): Promise<number> {
    const res = await this.limiter.get(key);
    if (!res || res.consumedPoints < this.limit) return 0;
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  async fail(key: string): Promise<void> {
    try {
      await this.limiter.consume(key, 1);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    }
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

export const LOGIN_WINDOW_SECONDS = 15 * 60;

export function createRateLimiters(opts: {
  perKeyPerMinute: number;
  perIpPerMinute: number;
  perUserPerMinute: number;
  loginFailuresPerAccount: number;
  loginFailuresPerIp: number;
  redis: Redis | undefined;
  keyPrefix: string;
}): RateLimiters {
  const store = (name: string, points: number, duration: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ points, duration, keyPrefix: name });
    if (!opts.redis) return memory;
    return new RateLimiterRedis({
      storeClient: opts.redis,
      points,
      duration,
      keyPrefix: `${opts.keyPrefix}rl:${name}`,
      // If Redis is unreachable, keep limiting in memory rather than failing requests.
      insuranceLimiter: memory,
    });
  };
  const make = (name: string, points: number, kind: RateLimitKind) =>
    new Limiter(store(name, points, 60), points, kind);
  // One point more than the limit: the limit-th failure is still counted, then the key is blocked.
  const failures = (name: string, points: number) =>
    new FailureLimiter(store(name, points + 1, LOGIN_WINDOW_SECONDS), points);
  return {
    perKey: make('key', opts.perKeyPerMinute, 'key'),
    perIp: make('ip', opts.perIpPerMinute, 'ip'),
    perUser: make('user', opts.perUserPerMinute, 'session'),
    loginPerAccount: failures('login-account', opts.loginFailuresPerAccount),
    loginPerIp: failures('login-ip', opts.loginFailuresPerIp),
  };
}

export function rateLimitHeaders(o: RateLimitOutcome): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(o.limit),
    'X-RateLimit-Remaining': String(o.remaining),
    'X-RateLimit-Reset': String(o.resetSeconds),
  };
}

/** Every 429 is one of these: the metrics count refusals by the budget that made them. */
export class RateLimitedError extends ApiError {
  constructor(
    readonly kind: RateLimitKind,
    message: string,
    headers: Record<string, string>,
  ) {
    super('rate_limited', message, undefined, headers);
  }
}

export function rateLimitedError(o: RateLimitOutcome): RateLimitedError {
  return new RateLimitedError(o.kind, MESSAGES.rateLimited(o.limit), {
    ...rateLimitHeaders(o),
    'Retry-After': String(o.resetSeconds),
  });
}

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
