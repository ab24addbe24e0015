import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

// Paths that carry a one-time token (invitation and reset links): the token is a bearer secret.
const TOKEN_PATH = /^((?:\/api)?\/v1\/auth\/invitations\/|\/invite\/|\/reset-password\/)[^/]+/;

/** The path with any invitation or reset token replaced by `:token`. */
export const withoutTokens = (path: string) => path.replace(TOKEN_PATH, '$1:token');

/**
 * One log line per request, when it completes (Fastify's default writes two). It carries the
 * request id (`requestId`), and `companyId` once the API key is known (see auth.ts). Headers
 * are never logged, so neither are keys.
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      // The path only: a query string could carry something a client should not have sent.
      path: withoutTokens(request.url.split('?')[0] ?? ''),
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) request.log.error({ ...line, err: error }, 'request errored');
    else request.log.info(line, 'request completed');
  }
}
