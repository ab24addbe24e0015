import path from 'node:path';
import { z } from 'zod';

// The only module that reads process.env. Parsed once at boot; a bad value fails fast
// with a message naming the variable.

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);

const KEY_MESSAGE = 'must be 32 bytes, base64 or hex encoded (e.g. the output of `openssl rand -base64 32`)';

/** A 32-byte key given as 64 hex digits or as base64 (standard or URL-safe). */
export function parseSecretKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return undefined;
  const bytes = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

const secretKey = z.string().transform((v, ctx) => {
  const key = parseSecretKey(v);
  if (!key) ctx.addIssue({ code: 'custom', message: KEY_MESSAGE });
  return key ?? Buffer.alloc(0);
});

// Seconds between a webhook delivery's attempts: the first entry is the wait before the first
// attempt (0: at once). Standard Webhooks' schedule by default; tests use a fast one.
const DEFAULT_RETRY_SCHEDULE = '0,5,300,1800,7200,18000,36000,36000';
const retrySchedule = z
  .string()
  .regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/, {
    message: 'must be a comma-separated list of seconds, e.g. 0,5,300,1800',
  })
  .transform((v) => v.split(',').map((s) => Math.round(Number(s) * 1000)))
  .refine((list) => list[0] === 0, { message: 'must start with 0 (the first attempt is immediate)' })
  .refine((list) => list.length <= 50 && list.every((ms) => ms <= 7 * 24 * 3600 * 1000), {
    message: 'at most 50 attempts, each at most 7 days after the previous one',
  });

const EnvSchema = z.object({
  DATABASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  JOURNEYBEE_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  REDIS_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_KEY_PREFIX: z.preprocess(emptyToUndefined, z.string().default('journeybee:')),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  RATE_LIMIT_PER_MINUTE: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(100)),
  RATE_LIMIT_IP_PER_MINUTE: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(100)),
  TRUST_PROXY: z.preprocess(emptyToUndefined, bool.default(false)),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  DATABASE_POOL_SIZE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(200).default(10)),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.preprocess(emptyToUndefined, bool.default(false)),
  JOURNEYBEE_SECRET_KEY: z.preprocess(emptyToUndefined, secretKey.optional()),
  WEBHOOK_TIMEOUT_MS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(100).max(60_000).default(10_000),
  ),
  WEBHOOK_RETRY_SCHEDULE: z.preprocess(emptyToUndefined, retrySchedule.prefault(DEFAULT_RETRY_SCHEDULE)),
  WEBHOOK_DISABLE_AFTER_FAILURES: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(1).max(10_000).default(20),
  ),
  WEBHOOK_CONCURRENCY: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(256).default(16)),
  WEBHOOK_POLL_INTERVAL_MS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(50).max(600_000).default(1_000),
  ),
  SHUTDOWN_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(10_000)),
  // Seconds between the comment lines that keep an idle notification stream (SSE) open.
  SSE_HEARTBEAT_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(0.05).max(300).default(15)),
  JOURNEYBEE_SIGNUP: z.preprocess(
    emptyToUndefined,
    z.enum(['open', 'invite'], { message: "must be 'open' or 'invite'" }).default('open'),
  ),
  PUBLIC_URL: z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://journeybee.example.com' })
      .refine((u) => !/[?#]/.test(u), { message: 'must not have a query or fragment' })
      .optional(),
  ),
  SMTP_URL: z.preprocess(
    emptyToUndefined,
    z.url({ protocol: /^smtps?$/, message: 'must be an smtp:// or smtps:// URL' }).optional(),
  ),
  SMTP_FROM: z.preprocess(emptyToUndefined, z.string().min(3).optional()),
  RATE_LIMIT_SESSION_PER_MINUTE: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().positive().default(600),
  ),
});

// Where people reach the server by default: its listen address (a wildcard is not an address).
function defaultPublicUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  port: number;
  host: string;
  rateLimitPerMinute: number;
  rateLimitIpPerMinute: number;
  trustProxy: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  databasePoolSize: number;
  webhookAllowPrivateNetworks: boolean;
  /** Encrypts webhook signing secrets at rest; unset: generated once into `<dataDir>/secret.key`. */
  secretKey: Buffer | undefined;
  webhookTimeoutMs: number;
  /** Wait before each attempt of a delivery, in ms; its length is the number of attempts. */
  webhookRetryScheduleMs: number[];
  /** Consecutive failed deliveries (retries exhausted) that disable an endpoint. */
  webhookDisableAfterFailures: number;
  /** Sends in flight at once per server process. */
  webhookConcurrency: number;
  /** Safety net beside LISTEN/NOTIFY: how often the worker looks for due deliveries. */
  webhookPollIntervalMs: number;
  shutdownTimeoutMs: number;
  sseHeartbeatMs: number;
  /** `open`: anyone may sign up; `invite`: accounts come only from invitations and the CLI. */
  signup: 'open' | 'invite';
  /** The console's address, without a trailing slash: invitation and reset links, the CSRF origin. */
  publicUrl: string;
  /** Invitations and reset links are e-mailed through it; unset, links are shown to the inviter. */
  smtpUrl: string | undefined;
  smtpFrom: string;
  rateLimitSessionPerMinute: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const publicUrl = (e.PUBLIC_URL ?? defaultPublicUrl(e.HOST, e.PORT)).replace(/\/+$/, '');
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.JOURNEYBEE_DATA_DIR),
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    port: e.PORT,
    host: e.HOST,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitIpPerMinute: e.RATE_LIMIT_IP_PER_MINUTE,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    webhookAllowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    secretKey: e.JOURNEYBEE_SECRET_KEY,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookRetryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE,
    webhookDisableAfterFailures: e.WEBHOOK_DISABLE_AFTER_FAILURES,
    webhookConcurrency: e.WEBHOOK_CONCURRENCY,
    webhookPollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    sseHeartbeatMs: Math.round(e.SSE_HEARTBEAT_SECONDS * 1000),
    signup: e.JOURNEYBEE_SIGNUP,
    publicUrl,
    smtpUrl: e.SMTP_URL,
    smtpFrom: e.SMTP_FROM ?? `Journeybee <no-reply@${new URL(publicUrl).hostname.replace(/^\[|\]$/g, '')}>`,
    rateLimitSessionPerMinute: e.RATE_LIMIT_SESSION_PER_MINUTE,
  };
}
