import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CreateLeadBody } from '../../src/modules/leads/leads.schemas.js';
import { useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';

// Meta endpoints: /v1/openapi.json is a public OpenAPI 3.1 document describing every route
// the server really serves (checked against the app's own route table), and /docs renders it.

const ctx = useTestApp();

interface Operation {
  responses?: Record<string, unknown>;
  requestBody?: { content?: Record<string, unknown> };
  security?: unknown[];
}
type OpenApiDoc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, unknown> };
};

/** Fastify's `/users/:id` as OpenAPI's `/users/{id}`. */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

async function fetchDoc(): Promise<OpenApiDoc> {
  const res = await ctx.t.api.get<OpenApiDoc>('/v1/openapi.json');
  expect(res.status).toBe(200);
  return res.body;
}

describe('openapi: the document', () => {
  it('is OpenAPI 3.1.0 JSON, served without a key', async () => {
    const res = await ctx.t.api.get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.info).toMatchObject({ title: 'Journeybee API', version: expect.any(String) });
    const alias = await ctx.t.api.get('/api/v1/openapi.json');
    expect(alias.text).toBe(res.text);
  });

  it('documents every route the server serves, with its method and its responses', async () => {
    const doc = await fetchDoc();
    const visible = ctx.t.app.routeTable.routes.filter((r) => !r.hidden);
    expect(visible.some((r) => r.url === '/v1/users' && r.method === 'POST')).toBe(true);
    for (const route of visible) {
      // HEAD is GET without a body (Fastify adds it to every GET); OpenAPI documents the GET.
      const method = route.method === 'HEAD' ? 'get' : route.method.toLowerCase();
      const what = `${route.method} ${route.url}`;
      const operation = doc.paths[toOpenApiPath(route.url)]?.[method];
      expect(operation, `${what} is not in the document`).toBeDefined();
      const statuses = Object.keys(operation?.responses ?? {});
      expect(statuses.length, `${what} documents no response`).toBeGreaterThan(0);
      expect(
        statuses.some((s) => s.startsWith('2')),
        `${what} documents no success response`,
      ).toBe(true);
    }
  });

  it('documents each /api/v1 route once, as its /v1 twin', async () => {
    const doc = await fetchDoc();
    const mirrored = ctx.t.app.routeTable.routes.filter(
      (r) => r.url.startsWith('/api/v1/') && r.method !== 'HEAD',
    );
    expect(mirrored.length).toBeGreaterThan(0);
    for (const route of mirrored) {
      if (route.url === '/api/v1/openapi.json') continue; // the document itself is not an operation
      const twin = toOpenApiPath(route.url.slice('/api'.length));
      expect(doc.paths[twin]?.[route.method.toLowerCase()], `${route.method} ${twin}`).toBeDefined();
      // And every /api/v1 route has a served /v1 twin.
      expect(
        ctx.t.app.routeTable.routes.some((r) => r.method === route.method && r.url === route.url.slice(4)),
      ).toBe(true);
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/'))).toEqual([]);
  });

  it('lists only routes that exist', async () => {
    const doc = await fetchDoc();
    const served = new Set(
      ctx.t.app.routeTable.routes.map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.url)}`),
    );
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        if (['parameters', 'summary', 'description'].includes(method)) continue;
        expect(served.has(`${method} ${path}`), `${method} ${path}`).toBe(true);
      }
    }
  });

  it('documents auth errors on authenticated operations and JSON bodies on writes', async () => {
    const doc = await fetchDoc();
    const publicRoutes = new Set(
      ctx.t.app.routeTable.routes
        .filter((r) => r.public)
        .map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.url)}`),
    );
    expect(publicRoutes.has('post /v1/auth/login')).toBe(true);
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const what = `${method} ${path}`;
        if (publicRoutes.has(what)) {
          // Sign-up, log-in and invitation links take no credentials, and are limited per IP.
          expect(op.security, what).toEqual([]);
          expect(Object.keys(op.responses ?? {}), what).toEqual(expect.arrayContaining(['429']));
        } else if (path.startsWith('/v1/')) {
          expect(op.security, `${what} must not opt out of auth`).not.toEqual([]);
          expect(Object.keys(op.responses ?? {}), what).toEqual(expect.arrayContaining(['401', '429']));
        } else {
          // Probes are public.
          expect(op.security, what).toEqual([]);
        }
        if (method === 'post' || method === 'patch') {
          // The CSV import (src/modules/csv) is the one body that is not JSON.
          const types = what === 'post /v1/leads/import' ? ['text/csv'] : ['application/json'];
          expect(Object.keys(op.requestBody?.content ?? {}), what).toEqual(types);
          expect(Object.keys(op.responses ?? {}), what).toEqual(expect.arrayContaining(['403', '415']));
        }
      }
    }
  });

  it('has no dangling $ref', async () => {
    const doc = await fetchDoc();
    const refs = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.add(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    expect(refs.size).toBeGreaterThan(0);
    for (const ref of refs) {
      const [, kind, name] =
        /^#\/components\/(schemas|headers|parameters|responses)\/([^/]+)$/.exec(ref) ?? [];
      expect(kind, ref).toBeDefined();
      expect((doc.components as Record<string, Record<string, unknown>>)[kind!]?.[name!], ref).toBeDefined();
    }
  });

  it('describes request validation from the same schemas (POST /v1/users)', async () => {
    const doc = await fetchDoc();
    const schema = doc.paths['/v1/users']?.post?.requestBody?.content?.['application/json'] as
      | { schema: Record<string, unknown> }
      | undefined;
    const resolved = (s: Record<string, unknown>): Record<string, unknown> =>
      typeof s.$ref === 'string'
        ? (doc.components.schemas?.[s.$ref.slice('#/components/schemas/'.length)] as Record<string, unknown>)
        : s;
    const body = resolved(schema!.schema);
    expect(body.required).toEqual(['email']);
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties as object)).toEqual(
      expect.arrayContaining(['email', 'first_name', 'last_name', 'role']),
    );
  });
});

describe('openapi: interactive docs', () => {
  it('/docs serves an HTML page without a key', async () => {
    const res = await ctx.t.api.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toMatch(/<html/i);
  });
});

// ---- what a code generator and a reader need ----

type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

async function fetchJson(): Promise<Json> {
  const res = await ctx.t.api.get<Json>('/v1/openapi.json');
  expect(res.status).toBe(200);
  return res.body;
}

/** Every operation, under `paths` and under `webhooks`. */
function operations(doc: Json, section: 'paths' | 'webhooks' = 'paths') {
  return Object.entries<Json>(doc[section] ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] as Json })),
  );
}

const resolve = (doc: Json, schema: Json): Json =>
  typeof schema?.$ref === 'string'
    ? resolve(doc, doc.components.schemas[schema.$ref.slice('#/components/schemas/'.length)])
    : schema;

const resolveResponse = (doc: Json, response: Json): Json =>
  typeof response.$ref === 'string'
    ? doc.components.responses[response.$ref.slice('#/components/responses/'.length)]
    : response;

/** Every schema node of the document, with the property name it sits under. */
function schemaNodes(doc: Json): { name: string; schema: Json }[] {
  const out: { name: string; schema: Json }[] = [];
  const walk = (node: unknown, name: string): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n, name);
    } else if (node && typeof node === 'object') {
      const record = node as Json;
      if (typeof record.type === 'string' || Array.isArray(record.type)) out.push({ name, schema: record });
      for (const [k, v] of Object.entries(record)) {
        if (k === 'properties') for (const [p, s] of Object.entries<Json>(v)) walk(s, p);
        else walk(v, ['items', 'anyOf', 'oneOf', 'allOf'].includes(k) ? name : k);
      }
    }
  };
  walk(doc, '');
  return out;
}

/** The action endpoints: POSTs that take no body. */
/** Operations callable without a key or session (sign-up, log-in, invitation links) say `security: []`. */
const isPublic = (op: Json) => Array.isArray(op.security) && op.security.length === 0;

const ACTIONS = [
  '/v1/auth/logout',
  '/v1/partners/{id}/accept',
  '/v1/partners/{id}/decline',
  '/v1/partnerships/{id}/accept',
  '/v1/partnerships/{id}/decline',
  '/v1/notifications/{id}/read',
  '/v1/notifications/read-all',
  '/v1/webhooks/{id}/rotate-secret',
  '/v1/webhooks/{id}/test',
  '/v1/webhooks/{id}/deliveries/{deliveryId}/retry',
];

describe('openapi: for code generators', () => {
  it('gives every operation (webhooks included) a unique, camelCase operationId', async () => {
    const doc = await fetchJson();
    const all = [...operations(doc), ...operations(doc, 'webhooks')];
    const ids = all.map(({ path, method, op }) => {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      return op.operationId as string;
    });
    expect(ids.length).toBeGreaterThan(90);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const byPath = (path: string, method: string) => doc.paths[path][method].operationId;
    expect(byPath('/v1/leads', 'get')).toBe('listLeads');
    expect(byPath('/v1/leads', 'post')).toBe('createLead');
    expect(byPath('/v1/partnerships/{id}/accept', 'post')).toBe('acceptPartnership');
    expect(byPath('/v1/partners/{id}/users', 'get')).toBe('listPartnerUsers');
    expect(byPath('/v1/stages/partner-stages', 'patch')).toBe('bulkUpdatePartnerStages');
  });

  it('lets the action endpoints be called without a body, and requires every other body', async () => {
    const doc = await fetchJson();
    for (const { path, method, op } of operations(doc)) {
      if (!op.requestBody) continue;
      expect(op.requestBody.required, `${method} ${path}`).toBe(
        !(method === 'post' && ACTIONS.includes(path)),
      );
    }
    for (const path of ACTIONS) expect(doc.paths[path].post.requestBody.required, path).toBe(false);
  });

  it('documents the errors every operation can meet', async () => {
    const doc = await fetchJson();
    for (const { path, method, op } of operations(doc)) {
      const what = `${method} ${path}`;
      const statuses = Object.keys(op.responses);
      if (op.requestBody) expect(statuses, what).toEqual(expect.arrayContaining(['413', '415']));
      if (!path.startsWith('/v1/')) continue;
      if (isPublic(op)) {
        // Limited per IP, never authenticated (a 401 there is a wrong password), no Idempotency-Key.
        expect(statuses, what).toEqual(expect.arrayContaining(['400', '429', '503']));
        expect(op.parameters ?? [], what).not.toContainEqual({
          $ref: '#/components/parameters/IdempotencyKey',
        });
        continue;
      }
      expect(statuses, what).toEqual(expect.arrayContaining(['400', '401', '429', '503']));
      if (method !== 'get') expect(op.responses['403'].description, what).toMatch(/^Write access required/);
      if (path.includes('{')) expect(statuses, what).toContain('404');
      if (method === 'post') {
        expect(op.responses['409'].description, what).toMatch(/Idempotency-Key/);
        expect(op.parameters, what).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
      }
    }
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({
      in: 'header',
      name: 'Idempotency-Key',
      required: false,
      schema: { maxLength: 255 },
    });
  });

  it('documents the headers every response carries', async () => {
    const doc = await fetchJson();
    const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
    for (const { path, method, op } of operations(doc)) {
      for (const [status, response] of Object.entries<Json>(op.responses).map(
        ([s, r]) => [s, resolveResponse(doc, r)] as const,
      )) {
        const what = `${method} ${path} ${status}`;
        const headers = response.headers ?? {};
        expect(headers['X-Request-Id'], what).toEqual(ref('X-Request-Id'));
        if (path.startsWith('/v1/') && status !== '503') {
          for (const name of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'])
            expect(headers[name], what).toEqual(ref(name));
        }
        if (status === '429' || status === '503')
          expect(headers['Retry-After'], what).toEqual(ref('Retry-After'));
        if (method === 'post' && status.startsWith('2') && path.startsWith('/v1/') && !isPublic(op))
          expect(headers['Idempotent-Replayed'], what).toEqual(ref('Idempotent-Replayed'));
      }
    }
    for (const name of Object.keys(doc.components.headers))
      expect(doc.components.headers[name].schema).toBeDefined();
  });

  it('documents headers the server really sends', async () => {
    const doc = await fetchJson();
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const documented = (path: string, method: string, status: number) =>
      Object.keys(resolveResponse(doc, doc.paths[path][method].responses[String(status)]).headers).filter(
        (h) => h !== 'Idempotent-Replayed' && h !== 'Retry-After',
      );
    const cases = [
      { path: '/v1/users', method: 'get', url: '/v1/users', key: writeKey, status: 200 },
      { path: '/v1/users/{id}', method: 'get', url: '/v1/users/2147483000', key: writeKey, status: 404 },
      { path: '/v1/users', method: 'post', url: '/v1/users', key: writeKey, status: 400, body: {} },
      { path: '/v1/leads', method: 'get', url: '/v1/leads', key: 'jb_api_nope', status: 401 },
      { path: '/healthz', method: 'get', url: '/healthz', key: undefined, status: 200 },
    ];
    for (const c of cases) {
      const res = await ctx.t.api.request(c.method.toUpperCase(), c.url, { key: c.key, body: c.body });
      expect(res.status, c.url).toBe(c.status);
      for (const name of documented(c.path, c.method, c.status))
        expect(res.headers.get(name), `${name} on ${c.method} ${c.url}`).not.toBeNull();
    }
  });

  it('describes ids as positive integers and emails as emails, everywhere', async () => {
    const doc = await fetchJson();
    const nodes = schemaNodes(doc);
    expect(nodes.filter(({ schema }) => schema.minimum === -Number.MAX_SAFE_INTEGER)).toEqual([]);
    const ids = nodes.filter(({ name, schema }) => schema.type === 'integer' && /(^id|_id|Id)$/.test(name));
    expect(ids.length).toBeGreaterThan(100);
    for (const { name, schema } of ids) expect(schema.minimum, name).toBe(1);
    const emails = nodes.filter(({ name, schema }) => /email$/i.test(name) && schema.type === 'string');
    expect(emails.length).toBeGreaterThan(20);
    for (const { name, schema } of emails) {
      expect(schema.format, `${name} ${JSON.stringify(schema)}`).toBe('email');
      expect(schema.examples?.[0] ?? schema.example, name).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
    }
  });

  it("shows the seed's Create Lead request and response as examples that fit their schemas", async () => {
    const doc = await fetchJson();
    const createLead = doc.paths['/v1/leads'].post;
    const request = createLead.requestBody.content['application/json'];
    const response = createLead.responses['201'].content['application/json'];
    expect(request.example).toMatchObject({
      company_name: 'TechCorp Solutions',
      associationType: 'referral',
      partnershipLead: { partnership_id: 456, sendToPartner: true, partnerUsers: [567, 890] },
    });
    expect(response.example).toMatchObject({ id: 789, partnershipLeadId: 123 });
    const ajv = new Ajv2020({ strict: true });
    addFormats.default(ajv);
    const check = (schema: Json, value: unknown) => {
      const validate = ajv.compile({ ...toDefs(schema), $defs: toDefs(doc.components.schemas) });
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    };
    check(request.schema, request.example);
    check(response.schema, response.example);
    // And the server takes it as a valid body (its ids are not yours, which the service checks).
    expect(CreateLeadBody.safeParse(request.example).success).toBe(true);
  });

  it('types custom field values in requests as one of the shapes responses have', async () => {
    const doc = await fetchJson();
    const value = resolve(doc, { $ref: '#/components/schemas/SetCustomFieldValue' }).properties.value;
    expect(value.anyOf).toEqual([{ $ref: '#/components/schemas/CustomFieldValueData' }, { type: 'null' }]);
    const shapes = doc.components.schemas.CustomFieldValueData.oneOf as Json[];
    expect(shapes.map((s) => Object.keys(s.properties)[0])).toEqual([
      'text',
      'number',
      'date',
      'boolean',
      'select',
      'multi_select',
    ]);
    for (const s of shapes) expect(s.additionalProperties).toBe(false);
    const stored = resolve(doc, { $ref: '#/components/schemas/CustomFieldValue' }).properties.value;
    expect(stored).toEqual({ $ref: '#/components/schemas/CustomFieldValueData' });
  });

  it('keeps one schema per name: no unused and no `…Input` components', async () => {
    const doc = await fetchJson();
    const names = Object.keys(doc.components.schemas);
    expect(names.filter((n) => n.endsWith('Input'))).toEqual([]);
    const text = JSON.stringify({ ...doc, components: { ...doc.components, schemas: {} } });
    const schemasText = JSON.stringify(doc.components.schemas);
    for (const name of names) {
      const ref = `"#/components/schemas/${name}"`;
      expect(text.includes(ref) || schemasText.includes(ref), `${name} is unused`).toBe(true);
    }
    expect(names).toEqual(expect.arrayContaining(['CreateLead', 'Lead', 'CreateUser', 'User', 'Error']));
  });

  it('declares every tag, with a description, in the order a reader needs them; license and contact', async () => {
    const doc = await fetchJson();
    const tags = (doc.tags as { name: string; description?: string }[]).map((t) => {
      expect(t.description, t.name).toBeTruthy();
      return t.name;
    });
    const order = [
      'Users',
      'Partners',
      'Contacts',
      'Leads',
      'Lead notes',
      'Tags',
      'Webhooks',
      'Notifications',
      'Meta',
    ];
    expect(tags.filter((t) => order.includes(t))).toEqual(order);
    for (const { path, method, op } of [...operations(doc), ...operations(doc, 'webhooks')]) {
      for (const tag of op.tags ?? []) expect(tags, `${method} ${path}: tag ${tag}`).toContain(tag);
    }
    expect(doc.info.license).toMatchObject({ name: 'MIT', identifier: 'MIT' });
    expect(doc.info.contact.name).toBeTruthy();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearerAuth', 'sessionCookie']);
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: 'jb_session',
    });
    expect(doc.components.securitySchemes.bearerAuth.description).toMatch(/Api-Key/);
  });
});

/** `#/components/schemas/X` → `#/$defs/X`, so one JSON Schema holds every component. */
function toDefs(node: unknown): Json {
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (!n || typeof n !== 'object') return n;
    return Object.fromEntries(
      Object.entries(n).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '#/$defs/') : walk(v),
      ]),
    );
  };
  return walk(node) as Json;
}
