import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';

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
          expect(Object.keys(op.requestBody?.content ?? {}), what).toEqual(['application/json']);
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
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas?.[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
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
