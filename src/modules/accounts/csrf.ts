import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, MESSAGES } from '../../core/errors.js';
import { SESSION_COOKIE } from './sessions.service.js';

// The console's session cookie and its CSRF defence. The cookie is SameSite=Lax, and a request
// that carries it with an unsafe method must also come from our own origin (`Origin`) and carry
// the session's token (`X-CSRF-Token`): a page elsewhere can make a browser send the cookie,
// but it can neither set that header without a CORS preflight we never grant nor read the token.
// API keys need none of this: a browser never attaches them by itself.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const IDLE_SECONDS = 14 * 24 * 3600;

export const sessionCookieOf = (request: FastifyRequest): string | undefined =>
  request.cookies[SESSION_COOKIE];

const cookieOptions = (secure: boolean) => ({ path: '/', httpOnly: true, sameSite: 'lax', secure }) as const;

/** Sets the cookie; it lasts as long as the session may idle (the server decides the rest). */
export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(secure), maxAge: IDLE_SECONDS });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(secure));
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export interface CsrfTokens {
  csrfValid(secret: string, token: string | undefined): boolean;
}

export class CsrfGuard {
  private readonly publicOrigin: string;
  private readonly httpsPublicUrl: boolean;

  constructor(
    publicUrl: string,
    private readonly tokens: CsrfTokens,
  ) {
    this.publicOrigin = originOf(publicUrl) ?? publicUrl;
    this.httpsPublicUrl = publicUrl.startsWith('https:');
  }

  /** `Secure` when people reach us over HTTPS (PUBLIC_URL, or HTTPS through a trusted proxy). */
  secureCookie(request: FastifyRequest): boolean {
    return this.httpsPublicUrl || request.protocol === 'https';
  }

  /** PUBLIC_URL's origin, or the origin the request itself was addressed to. */
  sameOrigin(request: FastifyRequest): boolean {
    const sent = request.headers.origin;
    if (typeof sent !== 'string') return false;
    const origin = originOf(sent);
    if (!origin) return false;
    return origin === this.publicOrigin || origin === originOf(`${request.protocol}://${request.host}`);
  }

  /** An unsafe request made with a session: our origin and the session's token, or 403. */
  check(request: FastifyRequest, secret: string): void {
    if (SAFE_METHODS.has(request.method)) return;
    const header = request.headers['x-csrf-token'];
    const token = Array.isArray(header) ? undefined : header;
    if (!this.sameOrigin(request) || !this.tokens.csrfValid(secret, token)) {
      throw new ApiError('forbidden', MESSAGES.csrf);
    }
  }

  /**
   * Public routes (sign-up, log-in, invitations) take no session, but a browser on another site
   * must not post to them either (log-in CSRF): a request that names a foreign Origin is refused.
   * Clients without an Origin (curl, servers) are not browsers and are let through.
   */
  checkPublic(request: FastifyRequest): void {
    if (SAFE_METHODS.has(request.method) || request.headers.origin === undefined) return;
    if (!this.sameOrigin(request)) throw new ApiError('forbidden', MESSAGES.csrf);
  }
}
