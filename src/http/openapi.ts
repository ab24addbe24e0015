import { isDeepStrictEqual } from 'node:util';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ZodType, type z } from 'zod';
import { PATH_ID_MARK } from '../core/path-ids.js';
import { DOCUMENTED_AS } from '../core/schemas.js';

// The OpenAPI 3.1 document (GET /v1/openapi.json). Routes declare their own schemas, summaries
// and operationIds; what every route has in common is added here, once, from what the server
// really does (src/http/auth.ts, rate-limit.ts, idempotency.ts, error-handler.ts, app.ts):
// the errors any request can meet, the headers every response carries, the Idempotency-Key
// header. The document is then tidied for code generators: one schema per component name
// (request bodies under their own name, not `…Input`), nothing unused, no empty body required.

type OpenApiOptions = NonNullable<FastifyDynamicSwaggerOptions['openapi']>;
type Json = Record<string, unknown>;

const SCHEMAS = '#/components/schemas/';
/** Set on a route whose body may be left out (its schema accepts `undefined`); removed below. */
const OPTIONAL_BODY = 'x-journeybee-optional-body';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const SUCCESS_TEXT: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
};

const errorResponse = (description: string, headers: Json = {}) => ({
  description,
  headers,
  content: { 'application/json': { schema: { $ref: `${SCHEMAS}Error` } } },
});

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

const HEADERS = {
  'X-Request-Id': {
    description: 'The request id (yours when you sent a sane `X-Request-Id`); it appears in the server logs',
    schema: { type: 'string', examples: ['0b1c6f7e-5a43-4c1e-9f0a-3d6f2b8e4a71'] },
  },
  'X-RateLimit-Limit': {
    description: "Requests allowed per minute: your key's, or before authentication your IP's",
    schema: { type: 'integer', minimum: 1, examples: [100] },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { type: 'integer', minimum: 0, examples: [99] },
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until the window resets',
    schema: { type: 'integer', minimum: 0, examples: [60] },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer', minimum: 0, examples: [30] },
  },
  'Idempotent-Replayed': {
    description:
      'Sent (`true`) when this is the stored response of an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: a request with the same key and the same body within 24 hours returns the first ' +
    'response (with `Idempotent-Replayed: true`) without doing the work again. Keys are scoped to your API key.',
  schema: { type: 'string', minLength: 1, maxLength: 255, examples: ['6f1c2a9e-create-lead-42'] },
};

const WRITE_ACCESS = 'Write access required';
const IDEMPOTENCY_CONFLICT =
  'the Idempotency-Key was used with another request, or a request with it is still being processed';

const TAGS: [string, string][] = [
  [
    'Accounts',
    'Sign up, log in and out, passwords, and invitation links: the way people (and the console) get in.',
  ],
  ['Invitations', 'Invite teammates by email, with a role (admins only).'],
  ['Me', 'Who is calling: your company, the user you act as and its role, and your own profile.'],
  ['Company', "Your company's settings: name, website, domain, default currency."],
  ['API keys', 'Settings → API Keys: list, create (the key is shown once) and revoke keys (admins only).'],
  ['Users', "Your company's users. Every API key acts as the user who created it, with that user's role."],
  ['Partners', 'Partnerships with other companies: invite, accept or decline, and your side of each.'],
  ['Contacts', "Your partners' people, kept per partnership."],
  ['Leads', 'Leads of your company, including those sent to you by partners and those you send to them.'],
  ['Lead notes', 'Notes on a lead (ProseMirror documents), with attachments and mentions.'],
  [
    'Deals',
    'The revenue on a lead: exact value and currency, stage, commission and payments. A partnership deal is seen by both companies, each with its own stage, tags, users and values.',
  ],
  ['Deal notes', "Your company's notes on a deal (the lead-note documents); a partner's notes stay its own."],
  [
    'Deal commission and payments',
    "A partnership deal's commission (per payment stage) and the payments it makes: read by both companies, set and approved by the owner's admins.",
  ],
  ['Reports', 'Per-partner numbers over a date range: leads, deals, won value, commission, conversion.'],
  ['Tags', 'Labels for leads, deals, partners and cards (catalogue).'],
  ['Custom fields', 'Extra fields on leads, deals and partners, with their types and options (catalogue).'],
  ['Tiers', 'Partner tiers (catalogue).'],
  ['Categories', 'Partner categories (catalogue).'],
  ['Stages', 'Partner and deal pipelines, ordered by `series` (catalogue).'],
  ['Campaigns', 'Campaigns that campaign leads belong to (catalogue).'],
  ['Countries', 'The ISO 3166-1 reference list, the same for every company.'],
  ['Currencies', 'The ISO 4217 reference list (code, name, minor digits), the same for every company.'],
  [
    'Webhooks',
    'Endpoints that receive your events, signed per Standard Webhooks; the events themselves are under `webhooks`.',
  ],
  ['Notifications', 'In-app notifications of the user your key acts as, listed or streamed live.'],
  ['Data', "Your company's data is its own: export every object as NDJSON, to import into another instance."],
  ['Meta', 'Probes for load balancers: never authenticated, never rate limited.'],
];

const DESCRIPTION = [
  'Self-hostable implementation of the Journeybee partner-relationship API.',
  '',
  '* **Auth**: `Authorization: Bearer jb_api_…` (or `Authorization: Api-Key jb_api_…`). Read keys may call GET/HEAD only.',
  '* **Sessions** (the console): `POST /v1/auth/login` or `/v1/auth/signup` sets the `jb_session` cookie, which authenticates every route like a write key of its user (600 requests per minute per user). With the cookie, POST/PUT/PATCH/DELETE also need `Origin` (this server) and `X-CSRF-Token` (the `csrf_token` of the Session), else 403. The Authorization header wins when both are sent.',
  '* **Base path**: every operation is served under `/v1` and, identically, under `/api/v1`.',
  '* **Errors**: always JSON, `{"error": "<message>", "code": "<code>", "details"?: [{"path", "message"}]}`.',
  '* **Pagination**: `page` (≥ 1) and `pageSize` (1–50, default 10); lists return `{"data", "meta": {"record-count", "page-count"}}`.',
  '* **Rate limit**: 100 requests per minute per key; `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` on every authenticated response; 429 with `Retry-After`.',
  '* **Idempotency**: POST accepts `Idempotency-Key` (≤ 255 chars); a retry within 24 h replays the first response, the same key with another body is 409.',
  '* **Content type**: request bodies must be `application/json` (415 otherwise), at most 1 MiB (413).',
  '* **Webhooks**: the events your endpoints receive, and their payloads, are under `webhooks`.',
].join('\n');

/** The headers of a Standard Webhooks delivery. */
const WEBHOOK_HEADERS = [
  ['webhook-id', 'The delivery id: the same on every retry, so receivers can drop duplicates'],
  ['webhook-timestamp', 'Unix seconds when this attempt was signed'],
  [
    'webhook-signature',
    '`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` with your secret; two, space-separated, for 24 h after a rotation',
  ],
].map(([name, description]) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
}));

/** What the modules add to the document that no route declares (app.ts passes it in). */
export interface ApiDocs {
  /** Every event a webhook endpoint may receive, with its `data` schema. */
  webhooks: readonly { type: string; description: string; schema: z.ZodType }[];
  /** Examples a generator cannot derive, by path and method. */
  examples: readonly {
    path: string;
    method: 'post' | 'patch' | 'put';
    request?: unknown;
    created?: unknown;
  }[];
}

const webhooksSection = (docs: ApiDocs) =>
  Object.fromEntries(
    docs.webhooks.map(({ type, description, schema }) => [
      type,
      {
        post: {
          operationId: `${schemaName(type)}Event`,
          summary: type,
          description,
          tags: ['Webhooks'],
          security: [],
          parameters: WEBHOOK_HEADERS,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: `${SCHEMAS}${idOf(schema)}` } } },
          },
          responses: {
            '2XX': {
              description: 'Delivered: any 2xx status within the timeout (10 s by default) acknowledges it',
            },
            '4XX': {
              description:
                'Not delivered (as with a 5xx, a redirect or no answer in time): retried with exponential backoff; after 20 deliveries in a row fail (by default), the endpoint is disabled',
            },
            '5XX': { description: 'Not delivered: retried, as for a 4xx' },
          },
        },
      },
    ]),
  );

/** `leads.notes_create` → `leadsNotesCreate`. */
const schemaName = (type: string) =>
  type.replace(/[._]([a-z])/g, (_m, c: string) => c.toUpperCase()).replace(/^[A-Z]/, (c) => c.toLowerCase());

const idOf = (schema: z.ZodType) => {
  const id = schema.meta()?.id;
  if (typeof id !== 'string') throw new Error('webhook event schemas need an id');
  return id;
};

export function openApiDocumentOptions(docs: ApiDocs): OpenApiOptions {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Journeybee API',
      version: '1.0.0',
      description: DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
      contact: { name: 'Journeybee maintainers' },
    },
    servers: [{ url: '/', description: 'This server' }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'jb_api_…',
          description:
            'An API key: `Authorization: Bearer jb_api_…`. The server also accepts the same key as `Authorization: Api-Key jb_api_…`.',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'jb_session',
          description:
            'The console session set by log-in, sign-up or an accepted invitation; unsafe methods also need `Origin` and `X-CSRF-Token`',
        },
      },
      // `as never`: openapi-types reads these literals' `type: string` as wider than its enums.
      headers: HEADERS as never,
      parameters: { IdempotencyKey: IDEMPOTENCY_KEY as never },
    },
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    tags: TAGS.map(([name, description]) => ({ name, description })),
    webhooks: webhooksSection(docs) as never,
  };
}

/**
 * The options for @fastify/swagger: the document above, each route's zod schemas as JSON
 * Schema (fastify-type-provider-zod), and the finishing pass over the whole document.
 */
export function swaggerOptions(docs: ApiDocs): FastifyDynamicSwaggerOptions {
  return {
    openapi: openApiDocumentOptions(docs),
    transform: (input) => {
      const result = jsonSchemaTransform(input);
      const body: unknown = input.schema?.body;
      // @fastify/swagger marks every body required; a body that may be left out is not.
      if (body instanceof ZodType && !result.schema.hide && body.safeParse(undefined).success) {
        return { ...result, schema: { ...result.schema, [OPTIONAL_BODY]: true } };
      }
      return result;
    },
    transformObject: (input) => finishDocument(jsonSchemaTransformObject(input) as Json, docs),
  };
}

// ---- the finishing pass ----

function finishDocument(doc: Json, docs: ApiDocs): Json {
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  const shared: Record<string, Json> = {};
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (op) finishOperation(path, method, op, shared);
    }
  }
  const components = (doc.components ?? {}) as Json;
  components.responses = { ...(components.responses as Json), ...shared };
  resolveDocumentedAs(doc);
  addExamples(paths, docs);
  tidyComponents(doc);
  return doc;
}

/**
 * Responses that read the same on every operation, shared as `#/components/responses/…` (the
 * document would otherwise repeat them, with their headers, on each of ~100 operations).
 */
const SHARED_RESPONSES: Record<string, { name: string; description: string }> = {
  401: { name: 'Unauthorized', description: 'Missing or invalid API key' },
  413: { name: 'PayloadTooLarge', description: 'Request body is larger than the 1 MiB limit' },
  415: { name: 'UnsupportedMediaType', description: 'Content-Type must be application/json' },
  429: { name: 'RateLimited', description: 'Rate limit exceeded' },
  503: { name: 'Unavailable', description: 'The server is shutting down, or the database is unavailable' },
};

/**
 * A path id (src/http/path-ids.ts) is parsed from the path's text, so Zod documents it as a
 * string; clients may send either the integer id or the uuid, and the document says so.
 */
function documentPathIds(op: Json): void {
  for (const param of (op.parameters as Json[] | undefined) ?? []) {
    const schema = param.schema as Json | undefined;
    if (param.in !== 'path' || !schema || schema[PATH_ID_MARK] !== true) continue;
    param.schema = {
      description: schema.description,
      oneOf: [
        { type: 'integer', minimum: 1, examples: [789] },
        { type: 'string', format: 'uuid', examples: ['5d0c7e2a-3f1b-4c55-9a1e-2b8f4e6d7c90'] },
      ],
    };
  }
}

function finishOperation(path: string, method: string, op: Json, shared: Record<string, Json>): void {
  const responses = (op.responses ?? {}) as Record<string, Json>;
  const requestBody = op.requestBody as Json | undefined;
  if (requestBody && op[OPTIONAL_BODY]) requestBody.required = false;
  delete op[OPTIONAL_BODY];
  documentPathIds(op);
  // /v1 operations authenticate; the probes and the account routes (sign-up, log-in, invitation
  // links) opt out with `security: []`. Those under /v1 are still limited per IP.
  const authenticated = !(Array.isArray(op.security) && op.security.length === 0);
  const limited = authenticated || path.startsWith('/v1/');
  if (!authenticated && limited) {
    responses[429] ??= errorResponse(SHARED_RESPONSES[429]!.description);
    responses[503] ??= errorResponse(SHARED_RESPONSES[503]!.description);
  }

  if (requestBody) {
    responses[413] ??= errorResponse(SHARED_RESPONSES[413]!.description);
    responses[415] ??= errorResponse(SHARED_RESPONSES[415]!.description);
  }
  if (authenticated) {
    responses[401] ??= errorResponse(SHARED_RESPONSES[401]!.description);
    responses[429] ??= errorResponse(SHARED_RESPONSES[429]!.description);
    if (method !== 'get' && method !== 'head') {
      responses[403] = errorResponse(
        compose(WRITE_ACCESS, (responses[403]?.description as string | undefined) ?? ''),
      );
    }
    if (path.includes('{')) responses[404] ??= errorResponse('Not found');
    responses[503] ??= errorResponse(SHARED_RESPONSES[503]!.description);
  }
  if (authenticated && method === 'post') {
    const existing = responses[409]?.description as string | undefined;
    responses[409] = errorResponse(
      existing && /Idempotency-Key/i.test(existing)
        ? existing
        : existing
          ? `${existing}, or ${IDEMPOTENCY_CONFLICT}`
          : capitalize(IDEMPOTENCY_CONFLICT),
    );
    op.parameters = [
      ...((op.parameters as unknown[]) ?? []),
      { $ref: '#/components/parameters/IdempotencyKey' },
    ];
  }

  for (const [status, response] of Object.entries(responses)) {
    if (response.description === 'Default Response') response.description = SUCCESS_TEXT[status] ?? 'OK';
    response.headers = {
      ...(response.headers as Json),
      ...responseHeaders(status, method, authenticated, limited),
    };
    const common = SHARED_RESPONSES[status];
    if (authenticated && common && response.description === common.description) {
      shared[common.name] ??= response;
      if (isDeepStrictEqual(shared[common.name], response))
        responses[status] = { $ref: `#/components/responses/${common.name}` };
    }
  }
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

/** `Write access required` + `…, or your company sent the invitation`: both, once. */
function compose(required: string, existing: string): string {
  if (existing.toLowerCase().includes(required.toLowerCase())) return existing;
  return existing ? `${required}, or ${lowerFirst(existing)}` : required;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

/** Which headers a response carries (src/http/auth.ts, rate-limit.ts, idempotency.ts, app.ts). */
function responseHeaders(status: string, method: string, authenticated: boolean, limited: boolean): Json {
  const headers: Json = { 'X-Request-Id': header('X-Request-Id') };
  // Counted per key, or per IP before (and when) authentication fails; a shutdown answers first.
  if (limited && status !== '503') {
    for (const name of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'])
      headers[name] = header(name);
  }
  if (status === '429' || status === '503') headers['Retry-After'] = header('Retry-After');
  // Replays are of responses a handler gave: not of refusals that come before it.
  if (authenticated && method === 'post' && !['401', '413', '415', '429', '503'].includes(status)) {
    headers['Idempotent-Replayed'] = header('Idempotent-Replayed');
  }
  return headers;
}

/** Replaces each schema marked with `documentAs` by a reference to the schema it names. */
function resolveDocumentedAs(doc: Json): void {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== 'object') return node;
    const record = node as Json;
    const id = record[DOCUMENTED_AS];
    if (typeof id === 'string') {
      const description = record.description;
      return { $ref: `${SCHEMAS}${id}`, ...(description ? { description } : {}) };
    }
    for (const [k, v] of Object.entries(record)) record[k] = visit(v);
    return record;
  };
  visit(doc);
}

/** Examples a generator cannot derive (the seed's Create Lead request and response). */
function addExamples(paths: Record<string, Json>, docs: ApiDocs): void {
  const media = (node: unknown) =>
    (node as { content?: Record<string, Json> } | undefined)?.content?.['application/json'];
  for (const { path, method, request, created } of docs.examples) {
    const op = paths[path]?.[method] as Json | undefined;
    if (!op) continue;
    const body = media(op.requestBody);
    if (body && request !== undefined) body.example = request;
    const response = media((op.responses as Json)['201']);
    if (response && created !== undefined) response.example = created;
  }
}

/**
 * fastify-type-provider-zod emits an input (`XInput`) and an output (`X`) variant of every
 * registered schema. Keep the ones the document uses; name a request-only schema `X`; and keep
 * one copy where both variants are the same.
 */
function tidyComponents(doc: Json): void {
  const components = (doc.components ?? {}) as Json;
  const schemas = (components.schemas ?? {}) as Record<string, unknown>;

  const used = new Set<string>();
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMAS)) {
          const name = v.slice(SCHEMAS.length);
          if (!used.has(name)) {
            used.add(name);
            collect(schemas[name]);
          }
        } else collect(v);
      }
    }
  };
  collect({ ...doc, components: { ...components, schemas: {} } });

  const rename = new Map<string, string>();
  for (const name of used) {
    if (!name.endsWith('Input')) continue;
    const base = name.slice(0, -'Input'.length);
    if (!used.has(base)) rename.set(name, base);
    else if (isDeepStrictEqual(schemas[name], schemas[base])) rename.set(name, base);
  }
  const kept: Record<string, unknown> = {};
  for (const name of Object.keys(schemas)) {
    if (used.has(name) && !rename.has(name)) kept[name] = schemas[name];
    else if (rename.has(name) && !used.has(rename.get(name) as string))
      kept[rename.get(name) as string] = schemas[name];
  }
  const rewrite = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(rewrite);
    else if (node && typeof node === 'object') {
      const record = node as Json;
      for (const [k, v] of Object.entries(record)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMAS)) {
          const target = rename.get(v.slice(SCHEMAS.length));
          if (target) record[k] = `${SCHEMAS}${target}`;
        } else rewrite(v);
      }
    }
  };
  components.schemas = Object.fromEntries(Object.entries(kept).sort(([a], [b]) => a.localeCompare(b)));
  rewrite(doc);
}
