import type { FastifyReply, FastifyRequest } from 'fastify';

// Who is calling: the types every layer shares. They live below http/ and modules/ so that
// services can take an AuthContext without importing the HTTP layer that builds it.

/** Journeybee's two roles: an administrator, or a partnerships team member. */
export type UserRole = 'admin' | 'partnerships';

/**
 * What a route requires of its caller's role, declared once per route as `config: { role }`:
 * `admin` routes refuse a partnerships user (403), `member` routes admit any user of the company.
 */
export type RouteRole = 'admin' | 'member';
export const ROUTE_ROLES: readonly RouteRole[] = ['admin', 'member'];

export interface AuthContext {
  /** An API key in the Authorization header, or the console's session cookie. */
  method: 'api_key' | 'session';
  /** The API key; null for a session. */
  keyId: number | null;
  /** The session; null for an API key. */
  sessionId: number | null;
  companyId: number;
  /** The user the key acts as (the one who created it); null for an operator's key made without one. */
  userId: number | null;
  /** The acting user's role; an operator's key without a user acts as the company's admin. */
  role: UserRole;
  permission: 'read' | 'write';
}

/** A verified API key: the caller it names, and the key's public uuid (its rate-limit bucket). */
export type VerifiedKey = AuthContext & { keyUuid: string };

/** A verified console session. */
export interface VerifiedSession {
  sessionId: number;
  userId: number;
  companyId: number;
  role: UserRole;
  csrfSecret: string;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * What authentication needs of the modules that own keys and sessions, passed in by app.ts so
 * that the HTTP layer names no module.
 */
export interface Verifiers {
  /** The caller an API key names (looked up every time: revocation is immediate), or null. */
  key(presented: string): Promise<VerifiedKey | null>;
  sessions: SessionGate;
}

/** The console's session cookie, as authentication sees it. */
export interface SessionGate {
  /** The session token the request carries, if any. */
  tokenOf(request: FastifyRequest): string | undefined;
  /** The session a token names, if it is still usable. */
  verify(token: string): Promise<VerifiedSession | null>;
  /** The token named no usable session: the browser is told to forget it. */
  forget(request: FastifyRequest, reply: FastifyReply): void;
  /** Throws unless an unsafe request made with the session proves it came from the console. */
  checkCsrf(request: FastifyRequest, session: VerifiedSession): void;
}
