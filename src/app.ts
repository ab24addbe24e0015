import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Config } from './config/index.js';
import type { Database } from './db/database.js';
import { serializeLoggedError } from './db/errors.js';
import { authenticate, limitByIp, ROUTE_ROLES } from './http/auth.js';
import { registerErrorHandler } from './http/error-handler.js';
import { ApiError, MESSAGES } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { idempotencyHooks } from './http/idempotency.js';
import { swaggerOptions } from './http/openapi.js';
import { resolvePathUuids } from './http/path-ids.js';
import { createRateLimiters } from './http/rate-limit.js';
import { BODY_LIMIT, registerRequestBodies } from './http/request-body.js';
import { RequestLogController } from './http/request-log.js';
import { RouteTable } from './http/route-table.js';
import { errorBody } from './http/schemas.js';
import { EventRelay } from './jobs/relay.js';
import { SecretBox } from './lib/secret-box.js';
import { sessionRoutes } from './modules/accounts/accounts.routes.js';
import { createAccountServices, publicRoutes, registerCookies } from './modules/accounts/index.js';
import { apiKeysRoutes } from './modules/api-keys/api-keys.routes.js';
import { ApiKeyService } from './modules/api-keys/api-keys.service.js';
import { cataloguesRoutes, createCatalogueServices } from './modules/catalogues/index.js';
import { companyRoutes } from './modules/companies/companies.routes.js';
import { CompanyService } from './modules/companies/companies.service.js';
import { contactsRoutes } from './modules/contacts/contacts.routes.js';
import { ContactService } from './modules/contacts/contacts.service.js';
import { invitationsRoutes } from './modules/invitations/invitations.routes.js';
import { leadNotesRoutes } from './modules/lead-notes/lead-notes.routes.js';
import { LeadNoteService } from './modules/lead-notes/lead-notes.service.js';
import { leadsRoutes } from './modules/leads/leads.routes.js';
import { LeadService } from './modules/leads/leads.service.js';
import { meRoutes } from './modules/me/me.routes.js';
import { MeService } from './modules/me/me.service.js';
import { NotificationHub } from './modules/notifications/notifications.hub.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { NotificationService } from './modules/notifications/notifications.service.js';
import { partnersRoutes } from './modules/partners/partners.routes.js';
import { PartnerService } from './modules/partners/partners.service.js';
import { usersRoutes } from './modules/users/users.routes.js';
import { UserService } from './modules/users/users.service.js';
import { webhooksRoutes } from './modules/webhooks/webhooks.routes.js';
import { WebhookService } from './modules/webhooks/webhooks.service.js';
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
  registerErrorHandler(app);

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

  await app.register(fastifySwagger, swaggerOptions());

  const keys = new ApiKeyService(database.db, app.log);
  const users = new UserService(database.db);
  const me = new MeService(database.db);
  const companies = new CompanyService(database.db);
  const catalogues = createCatalogueServices(database.db);
  const people = createAccountServices({ config, db: database.db, limiters, logger: app.log });
  app.addHook('onClose', () => people.close());
  await registerCookies(app);
  const partners = new PartnerService(database.db, people.invitations);
  const contacts = new ContactService(database.db);
  const leads = new LeadService(database.db);
  const leadNotes = new LeadNoteService(database.db);
  const secrets = new SecretBox(config);
  const webhooks = new WebhookService(database.db, secrets, config.webhookAllowPrivateNetworks);
  const idempotency = idempotencyHooks(database.db, secrets.forPurpose('idempotent-response'));
  const notifications = new NotificationService(database.db);
  // One LISTEN connection per app (per server process) feeds every open notification stream.
  const hub = new NotificationHub({
    db: database.db,
    connectionString: database.connectionString,
    logger: app.log,
    heartbeatMs: config.sseHeartbeatMs,
  });
  const relay = new EventRelay({ database, logger: app.log });
  app.decorate('relay', relay);
  if (deps.relay !== false) {
    app.addHook('onReady', () => relay.start());
    app.addHook('onClose', () => relay.stop());
  }
  app.addHook('onReady', () => hub.start());
  // Open streams would hold server.close() forever: end them before it waits for connections.
  app.addHook('preClose', () => hub.closeStreams());
  app.addHook('onClose', () => hub.stop());

  await app.register(healthRoutes, { database });

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
        v1.addHook('onRequest', authenticate(keys, people.sessions, limiters, people.csrf));
        v1.addHook('preValidation', resolvePathUuids(database.db));
        v1.addHook('preHandler', idempotency.reserve);
        v1.addHook('onSend', idempotency.record);
        await v1.register(sessionRoutes, { accounts: people.accounts, csrf: people.csrf });
        await v1.register(invitationsRoutes, { invitations: people.invitations });
        await v1.register(meRoutes, { me });
        await v1.register(companyRoutes, { companies });
        await v1.register(apiKeysRoutes, { keys });
        await v1.register(usersRoutes, { users });
        await v1.register(cataloguesRoutes, { catalogues });
        await v1.register(partnersRoutes, { partners });
        await v1.register(contactsRoutes, { contacts });
        await v1.register(notificationsRoutes, { notifications, hub, sessions: people.sessions });
        await v1.register(leadsRoutes, { leads });
        await v1.register(leadNotesRoutes, { leadNotes });
        await v1.register(webhooksRoutes, { webhooks });
      },
      { prefix },
    );
    await app.register((scope) => publicRoutes(scope, { services: people, limiters }), { prefix });
  }

  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    transformSpecificationClone: true,
  });
  await web.routes(app);

  return app;
}
