import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { connectRedis } from '../../src/server.js';
import { databaseUrl } from './global-setup.js';
import { StatementCounter } from './statements.js';

export const uniq = () => randomBytes(5).toString('hex');

/** A fresh database for one test file, cloned from the migrated template. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `jb_t_${inject('runId')}_${uniq()}`;
  const adminUrl = inject('adminUrl');
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'journeybee-tests' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDb')}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(adminUrl, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl, application_name: 'journeybee-tests' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    },
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  key?: string | undefined;
  body?: unknown;
  /** Sent verbatim (no JSON encoding); pair with a content-type header. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key) headers.authorization ??= `Bearer ${opts.key}`;
    let body: string | Buffer | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('application/json') && text)
      parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get = <T = any>(path: string, opts?: RequestOptions) => this.request<T>('GET', path, opts);
  post = <T = any>(path: string, opts?: RequestOptions) => this.request<T>('POST', path, opts);
  patch = <T = any>(path: string, opts?: RequestOptions) => this.request<T>('PATCH', path, opts);
  delete = <T = any>(path: string, opts?: RequestOptions) => this.request<T>('DELETE', path, opts);
}

export interface TestApp {
  app: FastifyInstance;
  api: ApiClient;
  database: Database;
  config: Config;
  redis: Redis | undefined;
  /** Present when the app was started with `countStatements`. */
  statements: StatementCounter | undefined;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Run the outbox relay (default true). */
  relay?: boolean;
  /** Count the statements the app's pool sends (see StatementCounter). */
  countStatements?: boolean;
}

/**
 * The real app (same factory as `journeybee serve`) listening on a real port, over the
 * file's database, with Redis when REDIS_URL is set. Settings are production defaults
 * unless a test overrides one on purpose.
 */
export async function startTestApp(
  dbUrl: string,
  env: Record<string, string | undefined> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    REDIS_KEY_PREFIX: `jbtest:${uniq()}:`,
    ...env,
    DATABASE_URL: dbUrl,
  });
  const logger = pino({ level: config.logLevel });
  const database = await openDatabase(config, logger);
  const statements = options.countStatements ? new StatementCounter(database.pool) : undefined;
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  const app = await buildApp({ config, database, redis, logger, relay: options.relay });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    api: new ApiClient(address),
    database,
    config,
    redis,
    statements,
    async close() {
      await app.close();
      await database.close();
      await redis?.quit();
    },
  };
}

/** Starts the real app over a fresh database for this test file; `ctx.t` is it, once started. */
export function useTestApp(
  env: Record<string, string | undefined> = {},
  options: TestAppOptions = {},
): {
  readonly t: TestApp;
  /** The file's database, for a second app or a spawned server on the same data. */
  readonly dbUrl: string;
} {
  let app: TestApp | undefined;
  let url: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    url = db.url;
    app = await startTestApp(db.url, env, options);
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });
  return {
    get t() {
      if (!app) throw new Error('the test app has not started');
      return app;
    },
    get dbUrl() {
      if (!url) throw new Error('the test database has not been created');
      return url;
    },
  };
}
