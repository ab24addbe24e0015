import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ApiError } from '../core/errors.js';
import { RateLimitedError, type RateLimitKind } from '../core/rate-limit.js';
import type { DatabaseAvailability } from '../db/availability.js';
import { type Backlog, readBacklog } from '../db/backlog.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { Logger } from '../lib/logger.js';

// GET /metrics, the Prometheus text format (prom-client). Every series is about the server,
// never about a tenant: no company, user, key or object id appears in a label, and every label
// has a bounded set of values (route templates, HTTP methods, status codes, limiter kinds).
// Each app has its own registry (tests build many apps in one process); the process metrics
// (CPU, memory, event loop, GC) are the process's, collected once into a registry of their own.

export const METRICS_PATH = '/metrics';
/** The route label of requests no route matched (404s, 405s, console pages). */
export const UNMATCHED_ROUTE = 'unmatched';
/** How long a scrape waits for the backlog queries. */
const BACKLOG_TIMEOUT_MS = 1_000;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const KINDS: RateLimitKind[] = ['key', 'ip', 'session', 'login'];

let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requestDuration = new Histogram({
    name: 'journeybee_http_request_duration_seconds',
    help: 'Time from receiving a request to its response, by route template, method and status code',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'journeybee_http_requests_in_flight',
    help: 'Requests received and not yet answered (open notification streams included)',
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'journeybee_rate_limit_refusals_total',
    help: 'Requests refused with 429, by the budget that refused them (key, ip, session, login)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly pool = {
    inUse: this.gauge(
      'journeybee_db_pool_connections_in_use',
      'Database connections checked out of the pool',
    ),
    idle: this.gauge('journeybee_db_pool_connections_idle', 'Open database connections waiting in the pool'),
    waiting: this.gauge('journeybee_db_pool_waiting_requests', 'Queries waiting for a free pool connection'),
    max: this.gauge('journeybee_db_pool_connections_max', 'The pool size (DATABASE_POOL_SIZE)'),
  };
  private readonly sseClients = this.gauge(
    'journeybee_sse_clients',
    'Notification streams (Server-Sent Events) open on this process',
  );
  private readonly databaseUp = this.gauge(
    'journeybee_database_up',
    '1 while this process reaches the database, 0 from the first failure of an outage until it is back',
  );
  private readonly outages = new Counter({
    name: 'journeybee_database_outages_total',
    help: 'Database outages this process has seen (each logged once as "database unavailable")',
    registers: [this.registry],
  });
  private outagesCounted = 0;
  private readonly backlogUp = this.gauge(
    'journeybee_backlog_query_up',
    '1 when the backlog below was read at this scrape, 0 when the database did not answer in time',
  );
  /** Rendered only when the backlog was read at this scrape: no sample rather than a stale one. */
  private readonly backlogRegistry = new Registry();
  private readonly backlog = {
    deliveriesPending: this.gauge(
      'journeybee_webhook_deliveries_pending',
      'Webhook deliveries still to be sent',
      this.backlogRegistry,
    ),
    oldestDeliverySeconds: this.gauge(
      'journeybee_webhook_delivery_oldest_pending_age_seconds',
      'Age of the oldest pending webhook delivery (0 when none is pending)',
      this.backlogRegistry,
    ),
    eventsUnrelayed: this.gauge(
      'journeybee_outbox_unrelayed_events',
      'Committed events not yet turned into deliveries and notifications (outbox lag)',
      this.backlogRegistry,
    ),
    oldestEventSeconds: this.gauge(
      'journeybee_outbox_oldest_unrelayed_age_seconds',
      'Age of the oldest unrelayed event (0 when the outbox is empty)',
      this.backlogRegistry,
    ),
  } satisfies Record<keyof Backlog, Gauge>;

  constructor() {
    // Every kind is shown from the start, at 0: a rate of refusals needs a first sample.
    for (const kind of KINDS) this.refusals.labels(kind).inc(0);
  }

  private gauge(name: string, help: string, registry = this.registry): Gauge {
    return new Gauge({ name, help, registers: [registry] });
  }

  /** The hooks that measure every request; added on the root instance, before any route. */
  instrument(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      if (isScrape(request)) return;
      this.inFlight.inc();
      // 'close' comes once per response, answered or aborted, unlike onResponse.
      reply.raw.once('close', () => this.inFlight.dec());
    });
    app.addHook('onResponse', async (request, reply) => {
      if (isScrape(request)) return;
      this.requestDuration.observe(
        { route: routeLabel(request), method: methodLabel(request), status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    app.addHook('onError', async (_request, _reply, error) => {
      if (error instanceof RateLimitedError) this.refusals.labels(error.kind).inc();
    });
  }

  /** The text of a scrape: reads the gauges that are sampled rather than counted, then renders. */
  async render(sources: MetricsSources): Promise<string> {
    const { pool } = sources;
    this.pool.inUse.set(pool.totalCount - pool.idleCount);
    this.pool.idle.set(pool.idleCount);
    this.pool.waiting.set(pool.waitingCount);
    this.pool.max.set(pool.options.max ?? 10);
    this.sseClients.set(sources.sseClients());
    if (sources.availability) {
      this.databaseUp.set(sources.availability.up ? 1 : 0);
      this.outages.inc(sources.availability.outages - this.outagesCounted);
      this.outagesCounted = sources.availability.outages;
    }
    let backlog = '';
    try {
      const read = await readBacklog(pool, BACKLOG_TIMEOUT_MS);
      for (const [name, gauge] of Object.entries(this.backlog)) gauge.set(read[name as keyof Backlog]);
      this.backlogUp.set(1);
      backlog = await this.backlogRegistry.metrics();
    } catch (err) {
      // During an outage journeybee_database_up says it; one line per scrape would say it again.
      const level = isDatabaseUnavailable(err) ? 'debug' : 'warn';
      sources.logger[level]({ err: { message: (err as Error).message } }, 'metrics: backlog not read');
      this.backlogUp.set(0);
    }
    return (await processMetrics().metrics()) + (await this.registry.metrics()) + backlog;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export interface MetricsSources {
  pool: pg.Pool;
  /** Open notification streams of this process. */
  sseClients: () => number;
  logger: Logger;
  /** Whether the database answers (db/availability.ts). */
  availability?: Pick<DatabaseAvailability, 'up' | 'outages'>;
}

const isScrape = (request: FastifyRequest) => request.routeOptions.url === METRICS_PATH;

function routeLabel(request: FastifyRequest): string {
  return request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
}

const methodLabel = (request: FastifyRequest) => (METHODS.has(request.method) ? request.method : 'OTHER');

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameToken(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export interface MetricsRouteOptions extends MetricsSources {
  metrics: Metrics;
  /** METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <token>`. */
  token: string | undefined;
}

// Outside /v1: no API key, never rate limited, not in the OpenAPI document.
export const metricsRoutes: FastifyPluginAsyncZod<MetricsRouteOptions> = async (app, opts) => {
  const { metrics, token } = opts;
  app.get(METRICS_PATH, { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    if (token !== undefined) {
      const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
      if (presented === undefined || !sameToken(presented, token)) {
        throw new ApiError('unauthorized', 'Missing or invalid metrics token', undefined, {
          'WWW-Authenticate': 'Bearer',
        });
      }
    }
    const text = await metrics.render(opts);
    return reply.type(metrics.contentType).header('Cache-Control', 'no-store').send(text);
  });
};
