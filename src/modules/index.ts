import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/index.js';
import type { Verifiers } from '../core/auth-context.js';
import type { RateLimiters } from '../core/rate-limit.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import type { SecretBox } from '../lib/secret-box.js';
import { sessionRoutes } from './accounts/accounts.routes.js';
import { createAccountServices, publicRoutes, registerCookies } from './accounts/index.js';
import { invitationsRoutes } from './accounts/invitations/invitations.routes.js';
import { apiKeysRoutes } from './api-keys/api-keys.routes.js';
import { ApiKeyService } from './api-keys/api-keys.service.js';
import { cataloguesRoutes, createCatalogueServices } from './catalogues/index.js';
import { companyRoutes } from './companies/companies.routes.js';
import { CompanyService } from './companies/companies.service.js';
import { csvRoutes } from './csv/index.js';
import { DealMoneyService, dealMoneyRoutes } from './deals/deals.money-routes.js';
import { dealReadsRoutes } from './deals/deals.read-routes.js';
import { DealReadService } from './deals/deals.read-service.js';
import { dealsRoutes } from './deals/deals.routes.js';
import { DealService } from './deals/deals.service.js';
import { tierCommission } from './deals/index.js';
import { dealNotesRoutes } from './deals/notes/deal-notes.routes.js';
import { dealNoteService } from './deals/notes/deal-notes.subject.js';
import { WEBHOOK_EVENTS } from './events/events.schemas.js';
import { exportsRoutes } from './exports/exports.routes.js';
import { leadsRoutes } from './leads/leads.routes.js';
import { CREATE_LEAD_EXAMPLE, CREATED_LEAD_EXAMPLE } from './leads/leads.schemas.js';
import { LeadService } from './leads/leads.service.js';
import { leadNotesRoutes } from './leads/notes/lead-notes.routes.js';
import { leadNoteService } from './leads/notes/lead-notes.subject.js';
import { meRoutes } from './me/me.routes.js';
import { MeService } from './me/me.service.js';
import { NotificationHub } from './notifications/notifications.hub.js';
import { notificationsRoutes } from './notifications/notifications.routes.js';
import { NotificationService } from './notifications/notifications.service.js';
import { contactsRoutes } from './partners/contacts/contacts.routes.js';
import { ContactService } from './partners/contacts/contacts.service.js';
import { partnersRoutes } from './partners/partners.routes.js';
import { PartnerService } from './partners/partners.service.js';
import { ReportService, reportsRoutes } from './reports/index.js';
import { usersRoutes } from './users/users.routes.js';
import { UserService } from './users/users.service.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';
import { WebhookService } from './webhooks/webhooks.service.js';

// The module registry: every resource's services and routes, built once per app. app.ts loops
// over what this returns, so a new resource touches its own folder, its schema and this list.

export interface ModuleDeps {
  config: Config;
  db: Db;
  /** For the notification hub's LISTEN connection. */
  connectionString: string;
  limiters: RateLimiters;
  logger: Logger;
  secrets: SecretBox;
}

/** A Fastify plugin and its options, registered in the authenticated `/v1` (and `/api/v1`) scope. */
type Routes = (scope: FastifyInstance) => Promise<unknown>;
const routes =
  <O extends object>(plugin: FastifyPluginAsync<O>, options: O): Routes =>
  async (scope) =>
    scope.register(plugin, options);

export function createModules(deps: ModuleDeps) {
  const { config, db, limiters, logger, secrets } = deps;
  const keys = new ApiKeyService(db, logger);
  const people = createAccountServices({ config, db, limiters, logger });
  const catalogues = createCatalogueServices(db, tierCommission);
  const dealReads = new DealReadService(db);
  const hub = new NotificationHub({
    db,
    connectionString: deps.connectionString,
    logger,
    heartbeatMs: config.sseHeartbeatMs,
  });

  return {
    /** What authentication looks callers up with. */
    verifiers: {
      keyHash: (presented) => keys.keyHash(presented),
      key: (keyHash) => keys.verify(keyHash),
      keyUsed: (keyId) => keys.used(keyId),
      sessions: people.gate,
    } satisfies Verifiers,
    /** The authenticated routes, in the order the document lists their tags. */
    routes: [
      routes(sessionRoutes, { accounts: people.accounts, csrf: people.csrf }),
      routes(invitationsRoutes, { invitations: people.invitations }),
      routes(meRoutes, { me: new MeService(db) }),
      routes(companyRoutes, { companies: new CompanyService(db) }),
      routes(apiKeysRoutes, { keys }),
      routes(usersRoutes, { users: new UserService(db) }),
      routes(cataloguesRoutes, { catalogues }),
      routes(partnersRoutes, { partners: new PartnerService(db, people.invitations) }),
      routes(contactsRoutes, { contacts: new ContactService(db) }),
      routes(notificationsRoutes, {
        notifications: new NotificationService(db),
        hub,
        sessions: people.sessions,
      }),
      routes(leadsRoutes, { leads: new LeadService(db) }),
      routes(leadNotesRoutes, { notes: leadNoteService(db) }),
      routes(dealsRoutes, { deals: new DealService(db), dealReads }),
      routes(dealReadsRoutes, { dealReads }),
      routes(dealNotesRoutes, { notes: dealNoteService(db) }),
      routes(dealMoneyRoutes, { money: new DealMoneyService(db) }),
      routes(reportsRoutes, { reports: new ReportService(db) }),
      routes(webhooksRoutes, {
        webhooks: new WebhookService(db, secrets, config.webhookAllowPrivateNetworks),
      }),
      routes(exportsRoutes, { db }),
      routes(csvRoutes, { db, partners: new PartnerService(db, people.invitations), dealReads }),
    ],
    /** Routes anyone may call (sign-up, log-in, reset, invitation links), IP-limited. */
    publicRoutes: (scope: FastifyInstance) => publicRoutes(scope, { services: people, limiters }),
    /** Plugins every route relies on (the session cookie is read before any route's hooks). */
    registerPlugins: (app: FastifyInstance) => registerCookies(app),
    /** What the OpenAPI document shows that no route declares. */
    docs: {
      webhooks: WEBHOOK_EVENTS,
      examples: [
        { path: '/v1/leads', method: 'post', request: CREATE_LEAD_EXAMPLE, created: CREATED_LEAD_EXAMPLE },
      ],
    } as const,
    /** Notification streams open on this process (GET /metrics). */
    sseClients: () => hub.openStreams,
    /** The app's lifecycle, for what keeps connections or streams open. */
    start: () => hub.start(),
    closeStreams: () => hub.closeStreams(),
    async stop() {
      await hub.stop();
      await people.close();
    },
  };
}

export type Modules = ReturnType<typeof createModules>;
