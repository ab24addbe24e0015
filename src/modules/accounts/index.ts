import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import type { SessionGate } from '../../core/auth-context.js';
import { limitByIp, type RateLimiters } from '../../core/rate-limit.js';
import type { Db } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import { createMailer } from '../../lib/mailer.js';
import { AccountMail } from './account-mail.js';
import { publicAccountRoutes } from './accounts.routes.js';
import { AccountService } from './accounts.service.js';
import { CsrfGuard, clearSessionCookie, sessionCookieOf } from './csrf.js';
import { publicInvitationRoutes } from './invitations/invitations.routes.js';
import { InvitationService } from './invitations/invitations.service.js';
import { SessionService } from './sessions.service.js';

// People: accounts, sessions and invitations (API.md §4), wired once for the app.

export function createAccountServices(deps: {
  config: Config;
  db: Db;
  limiters: RateLimiters;
  logger: Logger;
}) {
  const { config, db, limiters, logger } = deps;
  const mailer = createMailer(config.smtpUrl, config.smtpFrom);
  const mail = new AccountMail(mailer, config.publicUrl, logger);
  const sessions = new SessionService(db, logger);
  const accounts = new AccountService(db, sessions, limiters, mail, config.signup);
  const invitations = new InvitationService(db, accounts, mail, logger);
  const csrf = new CsrfGuard(config.publicUrl, sessions);
  /** The session cookie as authentication sees it (src/http/auth.ts names no module). */
  const gate: SessionGate = {
    tokenOf: sessionCookieOf,
    verify: (token) => sessions.verify(token),
    forget: (request, reply) => clearSessionCookie(reply, csrf.secureCookie(request)),
    checkCsrf: (request, session) => csrf.check(request, session.csrfSecret),
  };
  return {
    sessions,
    gate,
    accounts,
    invitations,
    csrf,
    async close() {
      await mail.drain();
      mailer?.close();
    },
  };
}

export type AccountServices = ReturnType<typeof createAccountServices>;

/** Cookies for the whole app: the session cookie is read before any route's own hooks. */
export async function registerCookies(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCookie);
}

/**
 * The routes anyone may call (sign-up, log-in, reset, invitation links), in a scope of their own
 * without the authenticate hook: limited per IP, refused to a foreign `Origin`, and each one
 * declares `config: { public: true }` so that no authenticated route lands here by mistake.
 */
export async function publicRoutes(
  scope: FastifyInstance,
  deps: { services: AccountServices; limiters: RateLimiters },
): Promise<void> {
  const { services, limiters } = deps;
  scope.addHook('onRoute', (route) => {
    // /api/v1 mirrors /v1 exactly; the document lists each operation once, under /v1.
    if (!route.url.startsWith('/v1/')) route.schema = { ...route.schema, hide: true };
    if (route.config?.public !== true) {
      throw new Error(
        `${String(route.method)} ${route.url} is in the public scope without config: { public: true }`,
      );
    }
  });
  scope.addHook('onRequest', async (request, reply) => {
    await limitByIp(request, reply, limiters);
    services.csrf.checkPublic(request);
  });
  await scope.register(publicAccountRoutes, { accounts: services.accounts, csrf: services.csrf });
  await scope.register(publicInvitationRoutes, { invitations: services.invitations, csrf: services.csrf });
}
export type { InvitationService, PartnerInvitationOut } from './invitations/invitations.service.js';
export { sessionsRepository } from './sessions.repository.js';
