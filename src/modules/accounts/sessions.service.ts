import Tokens from '@fastify/csrf';
import type { UserRole, VerifiedSession } from '../../core/auth-context.js';
import type { Db, Executor } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import { hashToken, looksLikeToken, newToken, sameHash } from '../../lib/tokens.js';
import { sessionsRepository as repo, type SessionRow } from './sessions.repository.js';

export const SESSION_COOKIE = 'jb_session';

export type { VerifiedSession };

export interface NewSession {
  row: SessionRow;
  /** The cookie's value: given once, only its hash is stored. */
  token: string;
  csrfToken: string;
}

// CSRF tokens are @fastify/csrf's salted tokens over the session's own secret (kept in its row):
// every response may hand out a fresh token (BREACH cannot learn a fixed one from compressed
// pages), all of them valid for that session only, and verified in constant time.
const csrf = Tokens();

export class SessionService {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /** Opens a session for a user: in the caller's transaction when there is one. */
  async create(db: Executor, user: { id: number; company_id: number }): Promise<NewSession> {
    const token = newToken();
    const row = await repo.insert(db, {
      token_hash: hashToken(token),
      user_id: user.id,
      company_id: user.company_id,
      csrf_secret: csrf.secretSync(),
    });
    return { row, token, csrfToken: csrf.create(row.csrf_secret) };
  }

  /** The session a cookie names, if it is still usable; looked up in the database every time. */
  async verify(token: string): Promise<VerifiedSession | null> {
    if (!looksLikeToken(token)) return null;
    const hash = hashToken(token);
    const row = await repo.findUsable(this.db, hash);
    if (!row || !sameHash(row.token_hash, hash)) return null;
    let expiresAt = row.expires_at;
    if (Date.now() - row.last_seen_at.getTime() >= 60_000) {
      try {
        expiresAt = (await repo.touch(this.db, row.id)) ?? expiresAt;
      } catch (err) {
        this.logger.warn({ err: { message: (err as Error).message } }, 'could not record session use');
      }
    }
    return {
      sessionId: row.id,
      userId: row.user_id,
      companyId: row.company_id,
      role: row.role,
      csrfSecret: row.csrf_secret,
      createdAt: row.created_at,
      expiresAt,
    };
  }

  csrfToken(secret: string): string {
    return csrf.create(secret);
  }

  csrfValid(secret: string, token: string | undefined): boolean {
    return typeof token === 'string' && csrf.verify(secret, token);
  }

  usable(id: number): Promise<boolean> {
    return repo.usable(this.db, id);
  }

  async get(id: number): Promise<SessionRow | undefined> {
    return repo.findById(this.db, id);
  }

  end(id: number): Promise<void> {
    return repo.revoke(this.db, id);
  }
}
