import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP, CONSOLE_DIR, loadWebConsole } from '../../src/web/console.js';
import { useTestApp } from '../helpers/app.js';

// The console is served by the API process: index.html (never cached, strict CSP) at / and at
// every page address a browser asks for; hashed assets cached for a year; API paths keep
// their JSON errors.

const ctx = useTestApp();
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const JSON_UTF8 = 'application/json; charset=utf-8';
const indexHtml = () => readFileSync(path.join(CONSOLE_DIR, 'index.html'), 'utf8');
const assets = () => readdirSync(path.join(CONSOLE_DIR, 'assets')).filter((f) => !/\.(br|gz)$/.test(f));

function expectPage(res: { status: number; headers: Headers; text: string }) {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-cache');
  expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.text).toBe(indexHtml());
}

describe('console: pages', () => {
  it('GET / is the console page, for any client', async () => {
    expectPage(await ctx.t.api.get('/'));
    expectPage(await ctx.t.api.get('/', { headers: { accept: HTML } }));
  });

  it.each([
    '/signup',
    '/login',
    '/leads',
    '/leads/7',
    '/settings/api-keys',
    '/invite/abc_DEF-123',
    '/reset-password/xyz',
    '/leads/',
    '/partners?status=pending',
  ])('a browser asking for %s gets the console page', async (path) => {
    expectPage(await ctx.t.api.get(path, { headers: { accept: HTML } }));
  });

  it('HEAD of a page answers like its GET, without a body', async () => {
    const res = await ctx.t.api.request('HEAD', '/leads', { headers: { accept: HTML } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text).toBe('');
  });

  it('an unknown path asked for as JSON (curl, scripts) stays a JSON 404', async () => {
    const res = await ctx.t.api.get('/leads');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
    expect(res.body).toEqual({ error: 'Route GET /leads not found', code: 'not_found' });
  });

  it.each([
    '/v1/nope',
    '/api/v1/nope',
    '/api/other',
    '/docs/nope.html',
    '/healthz/x',
    '/readyz/x',
    '/metrics/x',
    '/assets/nope.js',
  ])('%s keeps its JSON 404 even for a browser', async (path) => {
    const res = await ctx.t.api.get(path, { headers: { accept: HTML } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
    expect(res.body).toMatchObject({ code: 'not_found' });
  });

  it('the API answers as before: 401 JSON at /v1, the document, the health checks', async () => {
    const users = await ctx.t.api.get('/v1/users', { headers: { accept: HTML } });
    expect(users.status).toBe(401);
    expect(users.headers.get('content-type')).toBe(JSON_UTF8);
    expect((await ctx.t.api.get('/healthz', { headers: { accept: HTML } })).body).toEqual({ status: 'ok' });
    expect((await ctx.t.api.get('/v1/openapi.json')).body.openapi).toBe('3.1.0');
  });

  it('other methods on console pages are JSON: 405 at /, 404 elsewhere', async () => {
    const root = await ctx.t.api.post('/', { headers: { accept: HTML }, body: {} });
    expect(root.status).toBe(405);
    expect(root.headers.get('allow')).toBe('GET, HEAD');
    const elsewhere = await ctx.t.api.post('/signup', { headers: { accept: HTML }, body: {} });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get('content-type')).toBe(JSON_UTF8);
  });

  it('the page loads its script and styles from this server only, with no inline script', () => {
    const html = indexHtml();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/ src="\/assets\/[^"]+\.js"/);
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/);
    expect(html).not.toMatch(/ style=/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe('console: assets', () => {
  it('each asset is served with a year of immutable cache', async () => {
    expect(assets().some((f) => f.endsWith('.js'))).toBe(true);
    for (const file of assets()) {
      const res = await fetch(`${ctx.t.api.baseUrl}/assets/${file}`, {
        headers: { 'accept-encoding': 'identity' },
      });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status, file).toBe(200);
      expect(res.headers.get('cache-control'), file).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options'), file).toBe('nosniff');
      expect(body.equals(readFileSync(path.join(CONSOLE_DIR, 'assets', file))), file).toBe(true);
    }
  });

  it('sends the precompressed copy to a browser that accepts it', async () => {
    const js = assets().find((f) => f.endsWith('.js'))!;
    const res = await fetch(`${ctx.t.api.baseUrl}/assets/${js}`, { headers: { 'accept-encoding': 'br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    // fetch decodes it: the bytes are the original file.
    expect(
      Buffer.from(await res.arrayBuffer()).equals(readFileSync(path.join(CONSOLE_DIR, 'assets', js))),
    ).toBe(true);
  });

  it('does not serve the compressed siblings, the build manifest or anything outside assets/', async () => {
    const js = assets().find((f) => f.endsWith('.js'))!;
    for (const p of [
      `/assets/${js}.br`,
      `/assets/${js}.gz`,
      '/.vite/manifest.json',
      '/index.html',
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
    ]) {
      const res = await ctx.t.api.get(p);
      expect(res.status, p).toBe(404);
    }
  });
});

describe('console: not built', () => {
  it('says how to build it instead of failing to start', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'jb-console-'));
    try {
      const web = await loadWebConsole(empty);
      const app = Fastify();
      app.setNotFoundHandler((request, reply) => {
        if (web.servePage(request, reply)) return reply;
        return reply.code(404).send({ error: 'not found' });
      });
      app.setErrorHandler((err: Error & { status?: number }, _request, reply) =>
        reply.code(err.status ?? 500).send({ error: err.message }),
      );
      await web.routes(app);
      const root = await app.inject({ url: '/' });
      expect(root.statusCode).toBe(404);
      expect(root.json()).toEqual({ error: 'The web console is not built: run `npm run build`' });
      const page = await app.inject({ url: '/leads', headers: { accept: HTML } });
      expect(page.json()).toEqual({ error: 'not found' });
      await app.close();
    } finally {
      await rm(empty, { recursive: true });
    }
  });
});
