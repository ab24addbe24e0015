import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Config } from './config/index.js';
import { ApiError, MESSAGES } from './core/errors.js';
import { createRateLimiters, limitByIp } from './core/rate-limit.js';
import { errorBody } from './core/schemas.js';
import type { Database } from './db/database.js';
import { serializeLoggedError } from './db/errors.js';
import { authenticate, callerVerified, ROUTE_ROLES, verifyCallerFirst } from './http/auth.js';
import { registerErrorHandler } from './http/error-handler.js';
import { healthRoutes } from './http/health.js';
import { idempotencyHooks } from './http/idempotency.js';
import { Metrics, metricsRoutes } from './http/metrics.js';
import { swaggerOptions } from './http/openapi.js';
import { resolvePathUuids } from './http/path-ids.js';
import { BODY_LIMIT, registerRequestBodies } from './http/request-body.js';
import { RequestLogController } from './http/request-log.js';
import { RouteTable } from './http/route-table.js';
import { EventRelay } from './jobs/relay.js';
import { SecretBox } from './lib/secret-box.js';
import { createModules } from './modules/index.js';
import { loadWebConsole } from './web/console.js';

export interface AppDeps {
  config: Config;
  database: Database;
  redis?: Redis | undefined;
  /** An existing pino logger; by default one is made from the config. */
  logger?: FastifyBaseLogger | undefined;
  /** Run the outbox relay in this process (default true; tests that count statements turn it off). */
  relay?: boolean | undefined;
}

export interface AppState {
  shuttingDown: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteTable;
    appState: AppState;
    /** Turns committed events into webhook deliveries and notifications. */
    relay: EventRelay;
  }
}

const ADMIN_403 = 'Admin role required (the caller acts as a partnerships user)';

export const API_PREFIXES = ['/v1', '/api/v1'] as const;

// A client's X-Request-Id is echoed when it is sane; otherwise we mint one.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export const loggerOptions = (config: Config) => ({
  level: config.logLevel,
  // Fastify logs no headers by default; this keeps it so if a serializer ever changes.
  redact: {
    paths: [
      'req.headers.authorization',
      'req.headers.cookie',
      'req.headers["idempotency-key"]',
      'req.headers["x-csrf-token"]',
    ],
    remove: true,
  },
  // Database errors with their SQLSTATE and constraint, never the SQL or its values.
  serializers: { err: serializeLoggedError },
});

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(config) }),
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT,
    requestIdHeader: false,
    genReqId: (req) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
    },
    return503OnClosing: false,
    logController: new RequestLogController(),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();

  await registerRequestBodies(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app, database.availability);
  // First of all hooks: every request is measured, whatever refuses it.
  const metrics = new Metrics();
  metrics.instrument(app);

  const routeTable = new RouteTable();
  app.decorate('routeTable', routeTable);
  app.decorate('appState', { shuttingDown: false });
  app.addHook('onRoute', (route) => routeTable.add(route));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    if (app.appState.shuttingDown && !request.url.startsWith('/healthz')) {
      reply.header('Connection', 'close');
      throw new ApiError('unavailable', MESSAGES.shuttingDown, undefined, { 'Retry-After': '5' });
    }
  });
  // A request in flight when shutdown began closes its connection with its response: left
  // keep-alive, the socket would hold server.close() open until the 72 s keep-alive timeout.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (app.appState.shuttingDown) reply.header('Connection', 'close');
    done(null, payload);
  });

  const limiters = createRateLimiters({
    perKeyPerMinute: config.rateLimitPerMinute,
    perIpPerMinute: config.rateLimitIpPerMinute,
    perUserPerMinute: config.rateLimitSessionPerMinute,
    loginFailuresPerAccount: 10,
    loginFailuresPerIp: 100,
    redis: deps.redis,
    keyPrefix: config.redisKeyPrefix,
  });

  const web = await loadWebConsole();
  // Unknown routes (404) and known paths with another method (405), as JSON, IP-limited;
  // a browser asking for a page of the console (/leads/7) gets the console.
  app.setNotFoundHandler(async (request, reply) => {
    if (web.servePage(request, reply)) return reply;
    await limitByIp(request, reply, limiters);
    const allowed = routeTable.methodsFor(request.url);
    if (allowed.length > 0) {
      reply.header('Allow', allowed.join(', '));
      throw new ApiError('method_not_allowed', `Method ${request.method} is not allowed on this path`);
    }
    throw new ApiError('not_found', `Route ${request.method} ${request.url.split('?')[0]} not found`);
  });

  const secrets = new SecretBox(config);
  const modules = createModules({
    config,
    db: database.db,
    connectionString: database.connectionString,
    limiters,
    logger: app.log,
    secrets,
  });
  await app.register(fastifySwagger, swaggerOptions(modules.docs));
  await modules.registerPlugins(app);
  const idempotency = idempotencyHooks(database.db, secrets.forPurpose('idempotent-response'));

  const relay = new EventRelay({ database, logger: app.log });
  app.decorate('relay', relay);
  if (deps.relay !== false) {
    app.addHook('onReady', () => relay.start());
    app.addHook('onClose', () => relay.stop());
  }
  app.addHook('onReady', () => modules.start());
  app.addHook('preClose', () => modules.closeStreams());
  app.addHook('onClose', () => modules.stop());

  await app.register(healthRoutes, { database });
  await app.register(metricsRoutes, {
    metrics,
    token: config.metricsToken,
    pool: database.pool,
    availability: database.availability,
    sseClients: modules.sseClients,
    logger: app.log,
  });

  for (const prefix of API_PREFIXES) {
    // The document is public (no key) and, like /docs and the health probes, never rate limited:
    // a client locked out by failed keys can still read how to authenticate.
    app.get(`${prefix}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

    await app.register(
      async (v1) => {
        // /api/v1 mirrors /v1 exactly; the document lists each operation once, under /v1.
        if (prefix !== '/v1') {
          v1.addHook('onRoute', (route) => {
            route.schema = { ...route.schema, hide: true };
          });
        }
        // Every route declares the role it requires, next to its schema: one without cannot exist.
        v1.addHook('onRoute', (route) => {
          const role = route.config?.role;
          if (!role || !ROUTE_ROLES.includes(role)) {
            throw new Error(
              `${String(route.method)} ${route.url} declares no role (config: { role: 'admin' | 'member' })`,
            );
          }
          if (role === 'admin' && route.schema?.response) {
            route.schema = {
              ...route.schema,
              response: { ...(route.schema.response as object), 403: errorBody.describe(ADMIN_403) },
            };
          }
        });
        v1.addHook('onRequest', authenticate(modules.verifiers, limiters));
        // Routes whose statement verifies the key (`foldsAuth`): errors and answers wait for it.
        v1.setErrorHandler(verifyCallerFirst);
        v1.addHook('preSerialization', callerVerified);
        v1.addHook('preValidation', resolvePathUuids(database.db));
        v1.addHook('preHandler', idempotency.reserve);
        v1.addHook('onSend', idempotency.record);
        for (const register of modules.routes) await register(v1);
      },
      { prefix },
    );
    await app.register(modules.publicRoutes, { prefix });
  }

  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    transformSpecificationClone: true,
  });
  await web.routes(app);

  return app;
}
