import type { SwaggerOptions } from '@fastify/swagger';

type OpenApiOptions = NonNullable<Extract<SwaggerOptions, { openapi?: unknown }>['openapi']>;

export function openApiDocumentOptions(): OpenApiOptions {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Journeybee API',
      version: '1.0.0',
      description: [
        'Self-hostable implementation of the Journeybee partner-relationship API.',
        '',
        '* **Auth**: `Authorization: Bearer jb_api_…` (or `Api-Key jb_api_…`). Read keys may call GET/HEAD only.',
        '* **Sessions** (the console): `POST /v1/auth/login` or `/v1/auth/signup` sets the `jb_session` cookie, which authenticates every route like a write key of its user (600 requests per minute per user). With the cookie, POST/PUT/PATCH/DELETE also need `Origin` (this server) and `X-CSRF-Token` (the `csrf_token` of the Session), else 403. The Authorization header wins when both are sent.',
        '* **Base path**: every operation is served under `/v1` and, identically, under `/api/v1`.',
        '* **Errors**: always JSON, `{"error": "<message>", "code": "<code>", "details"?: [{"path", "message"}]}`.',
        '* **Pagination**: `page` (≥ 1) and `pageSize` (1–50, default 10); lists return `{"data", "meta": {"record-count", "page-count"}}`.',
        '* **Rate limit**: 100 requests per minute per key; `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` on every authenticated response; 429 with `Retry-After`.',
        '* **Idempotency**: POST accepts `Idempotency-Key` (≤ 255 chars); a retry within 24 h replays the first response, the same key with another body is 409.',
        '* **Content type**: request bodies must be `application/json` (415 otherwise), at most 1 MiB (413).',
      ].join('\n'),
    },
    servers: [{ url: '/', description: 'This server' }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `jb_api_…`' },
        apiKeyAuth: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'The same key as `Api-Key jb_api_…`',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'jb_session',
          description:
            'The console session set by log-in, sign-up or an accepted invitation; unsafe methods also need `Origin` and `X-CSRF-Token`',
        },
      },
    },
    security: [{ bearerAuth: [] }, { apiKeyAuth: [] }, { sessionCookie: [] }],
    // Operations are grouped by resource in the document, in this order.
    tags: [
      'Accounts',
      'Invitations',
      'Users',
      'Partners',
      'Contacts',
      'Leads',
      'Tags',
      'Tiers',
      'Categories',
      'Stages',
      'Custom fields',
      'Campaigns',
      'Countries',
      'Notifications',
      'Meta',
    ].map((name) => ({ name })),
  };
}
