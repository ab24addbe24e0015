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

/** A verified API key: the caller it names. */
export type VerifiedKey = AuthContext;

// ---- a caller its route's statement verifies (issue 10 §2) ----
//
// A read route that sends one statement verifies the API key in that statement: it joins a
// `caller` relation (the key's row and its user's role, or none), so the request makes one round
// trip instead of two. Until the statement has run the caller is pending; every other request
// (sessions, writes, a route that must know its caller first) has a known caller.

/** What a statement knows of its caller before it runs. */
export type CallerSource =
  /** Verified already (a session, or a key looked up up front): the company and user as values. */
  | { kind: 'known'; companyId: number; userId: number | null }
  /** An API key the statement verifies itself, by the SHA-256 of what was presented. */
  | { kind: 'key'; keyHash: string };

/** The `caller` row a statement found for a presented key. */
export interface FoundCaller {
  keyId: number;
  companyId: number;
  userId: number | null;
  role: UserRole;
  permission: 'read' | 'write';
}

/** The request's caller, as its route's statement sees it (`request.caller`). */
export interface RequestCaller {
  readonly source: CallerSource;
  /** True until the caller is verified (by its statement, or by a lookup). */
  readonly pending: boolean;
  /**
   * The caller the statement found becomes the request's: none is the 401 the hook would have
   * answered (counted against the IP's budget), a refused role or permission its 403.
   * `undefined` when the source was known (nothing to check).
   */
  accept(found: FoundCaller | null | undefined): Promise<AuthContext>;
  /** The caller now: for code that must know it before its statement (one lookup of its own). */
  resolve(): Promise<AuthContext>;
}

/** A caller verified before its statement (a session, a key looked up up front, the CLI). */
export function knownCaller(auth: AuthContext): RequestCaller {
  return {
    source: { kind: 'known', companyId: auth.companyId, userId: auth.userId },
    pending: false,
    accept: async () => auth,
    resolve: async () => auth,
  };
}

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
  /**
   * The SHA-256 an API key is known by (also its rate-limit bucket), or null when the string
   * cannot be a key at all (refused without a lookup).
   */
  keyHash(presented: string): string | null;
  /** The caller a key names (looked up every time: revocation is immediate), or null. */
  key(keyHash: string): Promise<VerifiedKey | null>;
  /** A route's statement found the key's caller: its use is recorded (last_used_at). */
  keyUsed(keyId: number): Promise<void>;
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
