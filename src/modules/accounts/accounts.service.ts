import type { AuthContext } from '../../core/auth-context.js';
import { ApiError, notFound } from '../../core/errors.js';
import { RateLimitedError, type RateLimiters } from '../../core/rate-limit.js';
import type { Db, Tx } from '../../db/database.js';
import { companies } from '../../db/schema/index.js';
import { hashToken, looksLikeToken, newToken } from '../../lib/tokens.js';
import { type CompanyRow, companiesRepository } from '../companies/index.js';
import { emailDomain, isFreeMailDomain } from '../partners/index.js';
import { type UserRow, usersRepository } from '../users/index.js';
import type { AccountMail } from './account-mail.js';
import { accountsRepository as repo } from './accounts.repository.js';
import type { LoginInput, SignupInput } from './accounts.schemas.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.js';
import { sessionsRepository } from './sessions.repository.js';
import type { NewSession, SessionService } from './sessions.service.js';

export const ACCOUNT_MESSAGES = {
  signupClosed: 'Sign-up is by invitation only',
  badCredentials: 'Invalid email or password',
  chooseCompany: 'This email has accounts in several companies: choose one',
  sessionOnly: 'This operation needs a logged-in session (the console), not an API key',
  wrongCurrentPassword: 'The current password is wrong',
  resetInvalid: 'This password reset link is invalid, used or expired: ask for a new one',
} as const;

export const RESET_VALIDITY_MS = 60 * 60 * 1000;

/** A session opened for a user: what the routes answer and put in the cookie. */
export interface OpenedSession {
  user: UserRow;
  company: CompanyRow;
  session: NewSession;
}

export type LoginResult =
  | { kind: 'session'; opened: OpenedSession }
  | { kind: 'choose'; companies: { id: number; name: string }[] };

function tooManyAttempts(seconds: number): ApiError {
  const minutes = Math.ceil(seconds / 60);
  return new RateLimitedError(
    'login',
    `Too many failed log-in attempts: try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
    { 'Retry-After': String(seconds) },
  );
}

export class AccountService {
  constructor(
    private readonly db: Db,
    private readonly sessions: SessionService,
    private readonly limiters: Pick<RateLimiters, 'loginPerAccount' | 'loginPerIp'>,
    private readonly mail: AccountMail,
    private readonly signupMode: 'open' | 'invite',
  ) {}

  /** Opens a session in `tx` for a user the transaction just created, activated or checked. */
  async open(tx: Tx | Db, user: UserRow): Promise<OpenedSession> {
    const company = await companiesRepository.findById(tx, user.company_id);
    if (!company) throw notFound('Company');
    return { user, company, session: await this.sessions.create(tx, user) };
  }

  /** A new company and its first admin, logged in. */
  async signup(input: SignupInput): Promise<OpenedSession> {
    if (this.signupMode === 'invite') throw new ApiError('forbidden', ACCOUNT_MESSAGES.signupClosed);
    const hash = await hashPassword(input.password);
    const domain = emailDomain(input.email);
    return this.db.transaction(async (tx) => {
      // The email's domain names the company, unless it is a free-mail provider or another
      // company has it (then the company has no domain; an admin may set one later).
      const company =
        (!isFreeMailDomain(domain) && (await insertCompany(tx, input.company_name, domain))) ||
        (await insertCompany(tx, input.company_name, null));
      if (!company) throw new Error('company insert returned nothing');
      const user = await usersRepository.insert(tx, {
        company_id: company.id,
        email: input.email,
        first_name: input.first_name,
        last_name: input.last_name ?? null,
        role: 'admin',
        password_hash: hash,
      });
      return { user, company, session: await this.sessions.create(tx, user) };
    });
  }

  async login(input: LoginInput, ip: string): Promise<LoginResult> {
    const account = input.email.toLowerCase();
    const { loginPerAccount, loginPerIp } = this.limiters;
    const wait = Math.max(await loginPerAccount.blockedFor(account), await loginPerIp.blockedFor(ip));
    if (wait > 0) throw tooManyAttempts(wait);

    const candidates = await repo.loginCandidates(this.db, input.email, input.company_id);
    const matches: typeof candidates = [];
    for (const candidate of candidates) {
      if (await verifyPassword(candidate.password_hash!, input.password)) matches.push(candidate);
    }
    if (candidates.length === 0) await burnPasswordCheck(input.password);
    if (matches.length === 0) {
      await Promise.all([loginPerAccount.fail(account), loginPerIp.fail(ip)]);
      throw new ApiError('unauthorized', ACCOUNT_MESSAGES.badCredentials);
    }
    await loginPerAccount.reset(account);
    if (matches.length > 1) {
      return { kind: 'choose', companies: matches.map((m) => ({ id: m.company_id, name: m.company_name })) };
    }
    const user = await usersRepository.findById(this.db, matches[0]!.company_id, matches[0]!.id);
    if (!user) throw new ApiError('unauthorized', ACCOUNT_MESSAGES.badCredentials);
    return { kind: 'session', opened: await this.open(this.db, user) };
  }

  /** The caller's own session, with a fresh CSRF token. */
  async current(auth: AuthContext) {
    const sessionId = sessionOnly(auth);
    const [session, user, company] = await Promise.all([
      this.sessions.get(sessionId),
      usersRepository.findById(this.db, auth.companyId, auth.userId!),
      companiesRepository.findById(this.db, auth.companyId),
    ]);
    if (!session || !user || !company) throw new ApiError('unauthorized', ACCOUNT_MESSAGES.sessionOnly);
    return {
      user,
      company,
      csrf_token: this.sessions.csrfToken(session.csrf_secret),
      expires_at: session.expires_at,
    };
  }

  async logout(auth: AuthContext): Promise<void> {
    await this.sessions.end(sessionOnly(auth));
  }

  /** Changes the caller's password and ends the user's other sessions (this one goes on). */
  async changePassword(auth: AuthContext, current: string, next: string): Promise<void> {
    const sessionId = sessionOnly(auth);
    const userId = auth.userId!;
    const user = await usersRepository.findById(this.db, auth.companyId, userId);
    if (!user) throw new ApiError('unauthorized', ACCOUNT_MESSAGES.sessionOnly);
    const account = user.email.toLowerCase();
    const wait = await this.limiters.loginPerAccount.blockedFor(account);
    if (wait > 0) throw tooManyAttempts(wait);
    const stored = await repo.passwordHash(this.db, userId);
    if (!stored || !(await verifyPassword(stored, current))) {
      await this.limiters.loginPerAccount.fail(account);
      throw new ApiError('bad_request', ACCOUNT_MESSAGES.wrongCurrentPassword, [
        { path: 'current_password', message: 'is wrong' },
      ]);
    }
    const hash = await hashPassword(next);
    await this.db.transaction(async (tx) => {
      await repo.setPassword(tx, userId, hash);
      await sessionsRepository.revokeAllOfUser(tx, userId, sessionId);
    });
  }

  /** Makes a one-hour reset link for one user, to e-mail. */
  private async createResetLink(userId: number): Promise<{ url: string; expiresAt: Date }> {
    const token = newToken();
    const expiresAt = new Date(Date.now() + RESET_VALIDITY_MS);
    await repo.insertReset(this.db, { user_id: userId, token_hash: hashToken(token), expires_at: expiresAt });
    return { url: this.mail.resetUrl(token), expiresAt };
  }

  /**
   * E-mails a reset link to each active account with this email. Says nothing about whether
   * there is one; without SMTP it does nothing (operators use `journeybee users reset-password`).
   */
  async requestReset(email: string): Promise<void> {
    if (!this.mail.sends) return;
    for (const account of await repo.activeByEmail(this.db, email)) {
      const { url } = await this.createResetLink(account.id);
      this.mail.sendResetLater(account.email, account.company_name, url);
    }
  }

  /** Sets the new password, uses up the link, ends every session of the user and opens one. */
  async completeReset(token: string, password: string): Promise<OpenedSession> {
    const invalid = () => new ApiError('not_found', ACCOUNT_MESSAGES.resetInvalid);
    if (!looksLikeToken(token)) throw invalid();
    const hash = await hashPassword(password);
    return this.db.transaction(async (tx) => {
      const reset = await repo.takeReset(tx, hashToken(token));
      if (!reset) throw invalid();
      await repo.setPassword(tx, reset.user_id, hash);
      await repo.useResets(tx, reset.user_id);
      await sessionsRepository.revokeAllOfUser(tx, reset.user_id);
      const user = await repo.userById(tx, reset.user_id);
      if (!user) throw invalid();
      return this.open(tx, user);
    });
  }
}

/** The company, or nothing when its domain is taken (the unique index decides, not a read). */
async function insertCompany(tx: Tx, name: string, domain: string | null): Promise<CompanyRow | undefined> {
  const [row] = await tx.insert(companies).values({ name, domain }).onConflictDoNothing().returning();
  return row;
}

/** The session of a session caller; an API key is refused (401: these routes are the console's). */
export function sessionOnly(auth: AuthContext): number {
  if (auth.method !== 'session' || auth.sessionId === null || auth.userId === null) {
    throw new ApiError('unauthorized', ACCOUNT_MESSAGES.sessionOnly);
  }
  return auth.sessionId;
}
