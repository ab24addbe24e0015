import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseSecretKey } from '../lib/secret-box.js';

// The only module that reads process.env (and, for the command line, fills it from `.env`).
// Parsed once at boot; a bad value fails fast with a message naming the variable.

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);

const KEY_MESSAGE = 'must be 32 bytes, base64 or hex encoded (e.g. the output of `openssl rand -base64 32`)';

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

// Each variable's description is the text of the configuration reference in docs/operations.md
// (`npm run docs:config` writes it from this schema; a test keeps the two equal).
const EnvSchema = z.object({
  DATABASE_URL: z
    .preprocess(emptyToUndefined, z.url({ protocol: /^postgres(ql)?$/ }).optional())
    .describe(
      'PostgreSQL connection string (`postgres://` or `postgresql://`). Unset: the embedded PostgreSQL in `JOURNEYBEE_DATA_DIR`.',
    ),
  JOURNEYBEE_DATA_DIR: z
    .preprocess(emptyToUndefined, z.string().default('./data'))
    .describe('Folder of the embedded database and of the generated `secret.key`; must be a directory.'),
  REDIS_URL: z
    .preprocess(emptyToUndefined, z.url({ protocol: /^rediss?$/ }).optional())
    .describe(
      'Redis (`redis://` or `rediss://`) holding the rate-limit counters, shared by every server process. Unset: counters in each process (limits then apply per process).',
    ),
  REDIS_KEY_PREFIX: z
    .preprocess(emptyToUndefined, z.string().default('journeybee:'))
    .describe("Prefix of Journeybee's Redis keys, so several deployments can share one Redis."),
  PORT: z
    .preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000))
    .describe('TCP port the server listens on (0: any free port).'),
  HOST: z
    .preprocess(emptyToUndefined, z.string().default('127.0.0.1'))
    .describe('Address the server listens on (`0.0.0.0` or `::` for every interface).'),
  RATE_LIMIT_PER_MINUTE: z
    .preprocess(emptyToUndefined, z.coerce.number().int().positive().default(100))
    .describe('Requests per minute per API key.'),
  RATE_LIMIT_IP_PER_MINUTE: z
    .preprocess(emptyToUndefined, z.coerce.number().int().positive().default(100))
    .describe('Unauthenticated or failed requests per minute per client IP.'),
  TRUST_PROXY: z
    .preprocess(emptyToUndefined, bool.default(false))
    .describe(
      '`true` behind a reverse proxy: the client IP (rate limits, logs) comes from `X-Forwarded-For`. Never set it when clients reach the server directly.',
    ),
  LOG_LEVEL: z
    .preprocess(
      emptyToUndefined,
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    )
    .describe(
      'pino level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. Commands other than `serve` log `info` as `warn`.',
    ),
  LOG_FORMAT: z
    .preprocess(
      emptyToUndefined,
      z.enum(['auto', 'pretty', 'json'], { message: "must be 'auto', 'pretty' or 'json'" }).default('auto'),
    )
    .describe(
      '`auto`: pretty lines (pino-pretty) when the log goes to a terminal, JSON lines otherwise; `pretty` or `json` force one. Redaction is the same in both.',
    ),
  DATABASE_POOL_SIZE: z
    .preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(200).default(10))
    .describe('PostgreSQL connections per server process (1 to 200).'),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z
    .preprocess(emptyToUndefined, bool.default(false))
    .describe('Let webhook endpoints point at loopback and private addresses (development only).'),
  JOURNEYBEE_SECRET_KEY: z
    .preprocess(emptyToUndefined, secretKey.optional())
    .describe(
      '32-byte key, base64 or hex, encrypting webhook signing secrets at rest; the same on every process and host. Unset: generated once into `<JOURNEYBEE_DATA_DIR>/secret.key`.',
    ),
  WEBHOOK_TIMEOUT_MS: z
    .preprocess(emptyToUndefined, z.coerce.number().int().min(100).max(60_000).default(10_000))
    .describe('How long one webhook delivery attempt may take, in ms (100 to 60000).'),
  WEBHOOK_RETRY_SCHEDULE: z
    .preprocess(emptyToUndefined, retrySchedule.prefault(DEFAULT_RETRY_SCHEDULE))
    .describe(
      'Seconds to wait before each delivery attempt, comma-separated, starting with 0; its length is the number of attempts (at most 50, each at most 7 days).',
    ),
  WEBHOOK_DISABLE_AFTER_FAILURES: z
    .preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(10_000).default(20))
    .describe('Failed deliveries in a row (retries exhausted) that disable an endpoint.'),
  WEBHOOK_CONCURRENCY: z
    .preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(256).default(16))
    .describe('Webhook sends in flight at once per server process.'),
  WEBHOOK_POLL_INTERVAL_MS: z
    .preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(600_000).default(1_000))
    .describe('How often, in ms, the delivery worker looks for due deliveries besides LISTEN/NOTIFY.'),
  SHUTDOWN_TIMEOUT_MS: z
    .preprocess(emptyToUndefined, z.coerce.number().int().positive().default(10_000))
    .describe(
      'How long, in ms, SIGTERM waits for in-flight requests and deliveries before the process exits anyway.',
    ),
  SSE_HEARTBEAT_SECONDS: z
    .preprocess(emptyToUndefined, z.coerce.number().min(0.05).max(300).default(15))
    .describe(
      'Seconds between the comment lines that keep an idle notification stream (SSE) open through proxies.',
    ),
  JOURNEYBEE_SIGNUP: z
    .preprocess(
      emptyToUndefined,
      z.enum(['open', 'invite'], { message: "must be 'open' or 'invite'" }).default('open'),
    )
    .describe(
      '`open`: anyone may sign up; `invite`: accounts come only from invitations and the command line.',
    ),
  PUBLIC_URL: z
    .preprocess(
      emptyToUndefined,
      z
        .url({
          protocol: /^https?$/,
          message: 'must be an http(s) URL such as https://journeybee.example.com',
        })
        .refine((u) => !/[?#]/.test(u), { message: 'must not have a query or fragment' })
        .optional(),
    )
    .describe(
      'The address people reach the server at: invitation and reset links, the CSRF origin, `Secure` cookies when https. Unset: `http://HOST:PORT` (`127.0.0.1` for a wildcard host).',
    ),
  SMTP_URL: z
    .preprocess(
      emptyToUndefined,
      z.url({ protocol: /^smtps?$/, message: 'must be an smtp:// or smtps:// URL' }).optional(),
    )
    .describe(
      '`smtp://user:pass@host:587` or `smtps://…`: invitations and reset links are e-mailed. Unset: links are shown once to the inviter.',
    ),
  SMTP_FROM: z
    .preprocess(emptyToUndefined, z.string().min(3).optional())
    .describe("Sender of those e-mails. Unset: `Journeybee <no-reply@…>` on PUBLIC_URL's host."),
  RATE_LIMIT_SESSION_PER_MINUTE: z
    .preprocess(emptyToUndefined, z.coerce.number().int().positive().default(600))
    .describe('Requests per minute per user, for console sessions.'),
  METRICS_TOKEN: z
    .preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' })
        .optional(),
    )
    .describe(
      'When set, `GET /metrics` requires `Authorization: Bearer <token>` (printable ASCII, no spaces). Unset: `/metrics` is open.',
    ),
});

/** The environment variables Journeybee reads, as parsed: the source of the configuration reference. */
export const ENV_SCHEMA = EnvSchema;

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
  /** `auto`: pretty on a terminal, JSON otherwise. */
  logFormat: 'auto' | 'pretty' | 'json';
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
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; unset, it is open. */
  metricsToken: string | undefined;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.JOURNEYBEE_DATA_DIR);
  const notADirectory = dataDirProblem(dataDir);
  if (notADirectory) throw new ConfigError(`Invalid environment:\n  JOURNEYBEE_DATA_DIR: ${notADirectory}`);
  const publicUrl = (e.PUBLIC_URL ?? defaultPublicUrl(e.HOST, e.PORT)).replace(/\/+$/, '');
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    port: e.PORT,
    host: e.HOST,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitIpPerMinute: e.RATE_LIMIT_IP_PER_MINUTE,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
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
    metricsToken: e.METRICS_TOKEN,
  };
}

/**
 * Why `dir` cannot be the data folder: it, or the nearest existing path above it, is not a
 * directory (a file, a FIFO…). Checked before anything touches it: the embedded database would
 * otherwise wait minutes for a lock it can never create inside a file. Other failures (no
 * permission…) are left to the code that uses the folder, which names them.
 */
function dataDirProblem(dir: string): string | undefined {
  for (let p = dir; ; p = path.dirname(p)) {
    try {
      if (statSync(p).isDirectory()) return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && path.dirname(p) !== p) continue;
      return undefined;
    }
    return p === dir
      ? `${dir} exists and is not a directory`
      : `${dir} cannot be created: ${p} is not a directory`;
  }
}

/**
 * The command line's `.env`: `<working folder>/.env`, read with Node's own `process.loadEnvFile`
 * before the configuration is parsed. A variable already in the environment wins over the file
 * (loadEnvFile never overrides one); no file is fine. Node's parser accepts anything (a line
 * without `=` silently becomes part of the next name), so the file is checked first and a
 * malformed one refused, naming the line but never echoing a value. Returns the file it loaded.
 */
export function loadDotEnv(file = path.resolve('.env')): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read ${file}: ${e.code === 'EISDIR' ? 'it is a directory' : e.message}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(`Invalid ${file}: not UTF-8 text`);
  }
  const problems = dotEnvProblems(text);
  if (problems.length > 0) {
    throw new ConfigError(`Invalid ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  process.loadEnvFile(file);
  return file;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * What Node's `.env` parser reads as the writer meant: blank lines, `# comments`, and
 * `[export ]NAME=value` lines, where a value quoted with ", ' or ` may span lines and may be
 * followed only by a comment. Anything else is reported, by line number.
 */
export function dotEnvProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.includes('\0')) {
      problems.push(`line ${i + 1}: contains a NUL character`);
      continue;
    }
    const m = /^(?:export\s+)?([^=]*?)\s*=\s*(.*)$/.exec(line);
    if (!m || !ENV_NAME.test(m[1] ?? '')) {
      // The text is not echoed: a misplaced line may well be a secret.
      problems.push(
        `line ${i + 1}: expected NAME=value (a name of letters, digits and _, not starting with a digit)`,
      );
      continue;
    }
    const [, name, value = ''] = m;
    const quote = value[0];
    if (quote !== '"' && quote !== "'" && quote !== '`') continue;
    let rest = value.slice(1);
    let j = i;
    let end = rest.indexOf(quote);
    while (end < 0 && j + 1 < lines.length) {
      j += 1;
      rest = lines[j] ?? '';
      end = rest.indexOf(quote);
    }
    if (end < 0) {
      problems.push(`line ${i + 1}: the value of ${name} opens a ${quote} quote that is never closed`);
      break;
    }
    if (!/^\s*(#.*)?$/.test(rest.slice(end + 1))) {
      problems.push(`line ${j + 1}: unexpected text after the closing ${quote} of ${name}'s value`);
    }
    i = j;
  }
  return problems;
}
