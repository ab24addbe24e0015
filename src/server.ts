import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { buildApp, loggerOptions } from './app.js';
import type { Config } from './config/index.js';
import { type Database, openDatabase } from './db/database.js';
import { runMigrations } from './db/migrate.js';
import { purgeExpiredIdempotencyKeys } from './http/idempotency.js';
import { chooseLogFormat, logDestination } from './lib/logger.js';
import { SecretBox } from './lib/secret-box.js';
import { WebhookWorker } from './modules/webhooks/webhooks.worker.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** Graceful: stop accepting, finish in-flight requests, close the database. */
  stop(): Promise<void>;
}

export async function connectRedis(url: string): Promise<Redis> {
  // No offline queue: a Redis outage must fail fast so the rate limiter falls back to memory.
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  return redis;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const format = chooseLogFormat(config.logFormat, process.stdout.isTTY);
  const logger = pino(loggerOptions(config), await logDestination(format, 1));
  let database: Database | undefined;
  let redis: Redis | undefined;
  try {
    database = await openDatabase(config, logger);
    await runMigrations(database.pool);
    if (config.redisUrl) redis = await connectRedis(config.redisUrl);
  } catch (err) {
    await database?.close().catch(() => {});
    redis?.disconnect();
    throw err;
  }
  const app = await buildApp({ config, database, redis, logger });
  // Webhook deliveries: this process's worker shares the queue with every other process. It
  // starts before the server listens, so a server that answers is a server that delivers.
  const worker = new WebhookWorker({ database, config, secrets: new SecretBox(config), logger: app.log });
  await worker.start();
  let url: string;
  try {
    url = await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await worker.stop();
    throw err;
  }
  app.log.info({ database: database.kind, redis: Boolean(redis) }, `Journeybee listening on ${url}`);

  const purge = setInterval(
    () =>
      void purgeExpiredIdempotencyKeys(database.db).catch((err: Error) =>
        app.log.warn({ err: { message: err.message } }, 'idempotency purge failed'),
      ),
    60 * 60 * 1000,
  );
  purge.unref();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(purge);
      app.appState.shuttingDown = true;
      // The worker lets its in-flight sends finish (or releases them) before the pool closes.
      await Promise.all([app.close(), worker.stop()]);
      await database.close();
      await redis?.quit().catch(() => {});
    })();
    return stopping;
  };
  return { app, url, stop };
}
