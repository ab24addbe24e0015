import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp, loggerOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/db/database.js';
import { connectRedis } from '../../src/server.js';
import { ApiClient, type TestApp, uniq } from './app.js';

/** Every line an app logged, parsed, in order. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });

  /** The lines logged for one request (Fastify's request-id label; ours is `requestId`). */
  forRequest(id: string | null): Record<string, unknown>[] {
    return this.lines.filter((l) => (l.requestId ?? l.reqId) === id);
  }

  /** Everything logged, as one string, to search for what must (not) be there. */
  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}

export interface CustomTestApp extends TestApp {
  logs: LogCapture;
}

/**
 * Like `startTestApp`, for the few tests that need more than the production app: extra routes
 * added by `configure` before the server listens (e.g. one that crashes), and the logs the
 * production logger options (redaction included) would write, captured at `info`.
 */
export async function startCustomApp(
  dbUrl: string,
  opts: {
    env?: Record<string, string | undefined>;
    configure?: (app: FastifyInstance, deps: { database: TestApp['database'] }) => void | Promise<void>;
  } = {},
): Promise<CustomTestApp> {
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: `jbtest:${uniq()}:`,
    ...opts.env,
    DATABASE_URL: dbUrl,
  });
  const logs = new LogCapture();
  const logger = pino(loggerOptions(config), logs.stream);
  const database = await openDatabase(config, logger);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  const app = await buildApp({ config, database, redis, logger });
  await opts.configure?.(app, { database });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    api: new ApiClient(address),
    database,
    config,
    redis,
    statements: undefined,
    logs,
    async close() {
      await app.close();
      await database.close();
      await redis?.quit();
    },
  };
}
