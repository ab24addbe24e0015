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
