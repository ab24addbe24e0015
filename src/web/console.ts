import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../core/errors.js';

// The web console (web/, built by `npm run build` into dist/console/) is served by the API
// process itself: hashed assets under /assets/ (cached for a year, they never change), and
// index.html (never cached) at / and at any other page address a browser asks for, so the
// console's own routes (/leads/7, /settings/api-keys) survive a reload. API paths keep their
// JSON 404s. The console is a client of the public API: nothing here touches data.

/** dist/console/, from src/web/ (tests) and from dist/web/ (the built server) alike. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

/**
 * The console's pages run only their own bundled script and talk only to this origin; no
 * inline script or style, no framing, no plugins, forms post only here.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Invitation and reset links carry their token in the path: never send it on as a Referer.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** Paths that are never console pages: their unknown addresses stay JSON 404s. */
const NOT_PAGES = ['/v1', '/api', '/docs', '/healthz', '/readyz', '/metrics', '/assets'];

const isPagePath = (path: string) => !NOT_PAGES.some((p) => path === p || path.startsWith(`${p}/`));

export interface WebConsole {
  /** Registers `/` and `/assets/*`. */
  routes(app: FastifyInstance): Promise<void>;
  /**
   * For the not-found handler: answers a browser's GET of an unknown non-API path with the
   * console page (true), or leaves the request to the JSON 404 (false).
   */
  servePage(request: FastifyRequest, reply: FastifyReply): boolean;
}

export async function loadWebConsole(dir = CONSOLE_DIR): Promise<WebConsole> {
  let page: Buffer | undefined;
  try {
    page = await readFile(`${dir}/index.html`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const sendPage = (reply: FastifyReply) => {
    if (!page) throw new ApiError('not_found', 'The web console is not built: run `npm run build`');
    return reply.headers(PAGE_HEADERS).send(page);
  };

  return {
    async routes(app) {
      app.get('/', { schema: { hide: true } }, (_request, reply) => sendPage(reply));
      if (!page) return;
      await app.register(fastifyStatic, {
        root: `${dir}/assets`,
        prefix: '/assets/',
        // Each file name carries its content hash: a new build is a new name.
        immutable: true,
        maxAge: '365d',
        index: false,
        dotfiles: 'deny',
        // One route per file (not /assets/*): an unknown asset is a plain 404, and the route
        // table (405s) knows exactly what is served.
        wildcard: false,
        // .br / .gz siblings written at build time, sent to browsers that accept them.
        preCompressed: true,
        globIgnore: ['**/*.br', '**/*.gz'],
        decorateReply: false,
        schemaHide: true,
        setHeaders: (res) => {
          res.setHeader('x-content-type-options', 'nosniff');
          res.setHeader('vary', 'accept-encoding');
        },
      });
    },
    servePage(request, reply) {
      if (!page || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
      const path = request.url.split('?')[0] ?? '/';
      if (!isPagePath(path) || !(request.headers.accept ?? '').includes('text/html')) return false;
      void sendPage(reply.code(200));
      return true;
    },
  };
}
