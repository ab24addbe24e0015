import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, noBody, readErrors, writeErrors } from '../../core/schemas.js';
import {
  ChangePasswordBody,
  ChooseCompany,
  CompletePasswordResetBody,
  LoginBody,
  PasswordResetBody,
  Session,
  SignupBody,
} from './accounts.schemas.js';
import { ACCOUNT_MESSAGES, type AccountService, type OpenedSession } from './accounts.service.js';
import { type CsrfGuard, clearSessionCookie, setSessionCookie } from './csrf.js';

const tags = ['Accounts'];

/** The errors of a public (no key, no session) route: limited per IP, refused from another site. */
export const publicErrors = {
  400: errorBody.describe('Invalid request'),
  403: errorBody.describe('`Origin` names another site (CSRF check failed)'),
  415: errorBody.describe('Content-Type must be application/json'),
  429: errorBody.describe('Too many requests from this IP address'),
} as const;

const sessionOnlyErrors = {
  401: errorBody.describe('No valid session cookie (an API key cannot use this route)'),
  403: errorBody.describe(
    'CSRF check failed: `Origin` is not this server, or `X-CSRF-Token` is missing or wrong',
  ),
} as const;

/** Sets the session cookie and answers the `Session` object. */
export function sendSession(
  request: FastifyRequest,
  reply: FastifyReply,
  csrf: CsrfGuard,
  opened: OpenedSession,
  status = 200,
) {
  setSessionCookie(reply, opened.session.token, csrf.secureCookie(request));
  return reply.code(status).send({
    user: opened.user,
    company: opened.company,
    csrf_token: opened.session.csrfToken,
    expires_at: opened.session.row.expires_at,
  });
}

const SESSION_DESCRIPTION =
  'Sets the `jb_session` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS). With that cookie every /v1 ' +
  'route answers as it would to a write key of the user; POST, PUT, PATCH and DELETE then also need ' +
  '`Origin` (this server) and `X-CSRF-Token` (the `csrf_token` returned here).';

/** Sign-up, log-in and password reset: anyone may call them (outside the authenticated scope). */
export const publicAccountRoutes: FastifyPluginAsyncZod<{
  accounts: AccountService;
  csrf: CsrfGuard;
}> = async (app, { accounts, csrf }) => {
  app.post(
    '/auth/signup',
    {
      config: { public: true },
      schema: {
        operationId: 'signUp',
        tags,
        summary: 'Sign up: a new company and its first admin',
        description: `${SESSION_DESCRIPTION} The company's domain is the email's, unless it is a free-mail provider or another company has it. Refused (403) when the server is invitation-only (\`JOURNEYBEE_SIGNUP=invite\`).`,
        security: [],
        body: SignupBody,
        response: {
          201: Session,
          ...publicErrors,
          403: errorBody.describe('Sign-up is by invitation only, or CSRF check failed'),
        },
      },
    },
    async (req, reply) => sendSession(req, reply, csrf, await accounts.signup(req.body), 201),
  );

  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        operationId: 'logIn',
        tags,
        summary: 'Log in',
        description: `${SESSION_DESCRIPTION} After 10 failed attempts for an email (or 100 from an IP address) within 15 minutes, log-ins are refused (429, \`Retry-After\`) until the window ends.`,
        security: [],
        body: LoginBody,
        response: {
          200: Session,
          ...publicErrors,
          401: errorBody.describe('Invalid email or password'),
          409: ChooseCompany.describe(
            'The email and password are valid in several companies: send `company_id`',
          ),
          429: errorBody.describe('Too many failed attempts, or too many requests from this IP address'),
        },
      },
    },
    async (req, reply) => {
      const result = await accounts.login(req.body, req.ip);
      if (result.kind === 'choose') {
        return reply.code(409).send({
          error: ACCOUNT_MESSAGES.chooseCompany,
          code: 'conflict',
          companies: result.companies,
        });
      }
      return sendSession(req, reply, csrf, result.opened);
    },
  );

  app.post(
    '/auth/password-reset',
    {
      config: { public: true },
      schema: {
        operationId: 'requestPasswordReset',
        tags,
        summary: 'Ask for a password reset link',
        description:
          'Always 202, whether or not the email has an account. When the server has SMTP, each active account with this email is sent a one-time link (valid 1 hour); without SMTP nothing is sent (an operator prints a link with `journeybee users reset-password`).',
        security: [],
        body: PasswordResetBody,
        response: { 202: z.undefined().describe('Accepted'), ...publicErrors },
      },
    },
    async (req, reply) => {
      await accounts.requestReset(req.body.email);
      return reply.code(202).send();
    },
  );

  app.post(
    '/auth/password-reset/complete',
    {
      config: { public: true },
      schema: {
        operationId: 'completePasswordReset',
        tags,
        summary: 'Set a new password with a reset link',
        description: `Uses the link up, ends every session of the user and opens a new one. ${SESSION_DESCRIPTION}`,
        security: [],
        body: CompletePasswordResetBody,
        response: {
          200: Session,
          ...publicErrors,
          404: errorBody.describe('The link is invalid, used or expired'),
        },
      },
    },
    async (req, reply) =>
      sendSession(req, reply, csrf, await accounts.completeReset(req.body.token, req.body.password)),
  );
};

/** The caller's own session: authenticated like every route, and refused to API keys. */
export const sessionRoutes: FastifyPluginAsyncZod<{ accounts: AccountService; csrf: CsrfGuard }> = async (
  app,
  { accounts, csrf },
) => {
  app.get(
    '/auth/session',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'getSession',
        tags,
        summary: 'The current session',
        description: 'The logged-in user and company, with a fresh CSRF token. 401 without a session cookie.',
        response: { 200: Session, ...readErrors, ...sessionOnlyErrors },
      },
    },
    (req) => accounts.current(req.auth),
  );

  app.post(
    '/auth/logout',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'logOut',
        tags,
        summary: 'Log out',
        description: 'Ends this session on every server process and clears the cookie.',
        body: noBody,
        response: { 204: z.undefined().describe('Logged out'), ...writeErrors, ...sessionOnlyErrors },
      },
    },
    async (req, reply) => {
      await accounts.logout(req.auth);
      clearSessionCookie(reply, csrf.secureCookie(req));
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/password',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'changePassword',
        tags,
        summary: 'Change your password',
        description: "Needs the current password. Ends the user's other sessions; this one goes on.",
        body: ChangePasswordBody,
        response: {
          204: z.undefined().describe('Changed'),
          ...writeErrors,
          ...sessionOnlyErrors,
          400: errorBody.describe('The current password is wrong, or the new one is not allowed'),
        },
      },
    },
    async (req, reply) => {
      await accounts.changePassword(req.auth, req.body.current_password, req.body.new_password);
      return reply.code(204).send();
    },
  );
};
