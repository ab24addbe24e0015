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

export interface RateLimitOutcome {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export interface RateLimiters {
  perKey: Limiter;
  perIp: Limiter;
}

export class Limiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    readonly limit: number,
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

  private outcome(allowed: boolean, res: RateLimiterRes): RateLimitOutcome {
    return {
      allowed,
      limit: this.limit,
      remaining: Math.max(0, res.remainingPoints),
      resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    };
  }
}

export function createRateLimiters(opts: {
  perKeyPerMinute: number;
  perIpPerMinute: number;
  redis: Redis | undefined;
  keyPrefix: string;
}): RateLimiters {
  const make = (name: string, points: number) => {
    const memory = new RateLimiterMemory({ points, duration: 60, keyPrefix: name });
    if (!opts.redis) return new Limiter(memory, points);
    return new Limiter(
      new RateLimiterRedis({
        storeClient: opts.redis,
        points,
        duration: 60,
        keyPrefix: `${opts.keyPrefix}rl:${name}`,
        // If Redis is unreachable, keep limiting in memory rather than failing requests.
        insuranceLimiter: memory,
      }),
      points,
    );
  };
  return { perKey: make('key', opts.perKeyPerMinute), perIp: make('ip', opts.perIpPerMinute) };
}

export function rateLimitHeaders(o: RateLimitOutcome): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(o.limit),
    'X-RateLimit-Remaining': String(o.remaining),
    'X-RateLimit-Reset': String(o.resetSeconds),
  };
}

export function rateLimitedError(o: RateLimitOutcome): ApiError {
  return new ApiError('rate_limited', MESSAGES.rateLimited(o.limit), undefined, {
    ...rateLimitHeaders(o),
    'Retry-After': String(o.resetSeconds),
  });
}
