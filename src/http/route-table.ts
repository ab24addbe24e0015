import type { RouteOptions } from 'fastify';
import FindMyWay from 'find-my-way';
import type { RouteRole } from './auth.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Every route the server exposes, kept beside Fastify's own router so that a request for a
 * known path with the wrong method gets 405 (Fastify answers 404) and so tests can check
 * the OpenAPI document against what is really served.
 */
export class RouteTable {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 200 });
  private readonly patterns = new Set<string>();
  readonly routes: {
    method: string;
    url: string;
    hidden: boolean;
    role: RouteRole | undefined;
    schema: RouteOptions['schema'];
    /** Callable without a key or session (sign-up, log-in, invitation links). */
    public: boolean;
  }[] = [];

  add(route: RouteOptions): void {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      // Read `hidden` when asked, not now: an onRoute hook that runs after this one (the
      // /api/v1 mirror's) may still set `schema.hide`, and the OpenAPI plugin sees that too.
      this.routes.push({
        method,
        url: route.url,
        role: route.config?.role,
        public: route.config?.public === true,
        get hidden() {
          return Boolean(route.schema?.hide);
        },
        get schema() {
          return route.schema;
        },
      });
      // By pattern, not by match: `/v1/leads/{id}` matches `/v1/leads/export.csv` too.
      const pattern = `${method} ${route.url}`;
      if (!this.patterns.has(pattern)) {
        this.patterns.add(pattern);
        this.router.on(method as 'GET', route.url, () => {});
      }
    }
  }

  methodsFor(url: string): string[] {
    const path = url.split('?')[0] ?? url;
    const found = METHODS.map((m) => ({ m, route: this.router.find(m, path) })).filter(
      (f) => f.route !== null,
    );
    // A static path (`/v1/leads/export.csv`) beside a parametric one (`/v1/leads/{id}`) is its own
    // resource: it allows what is registered for it, not what the `{id}` route would take it for.
    const exact = found.filter((f) => Object.keys(f.route?.params ?? {}).length === 0);
    return (exact.length > 0 ? exact : found).map((f) => f.m);
  }
}
