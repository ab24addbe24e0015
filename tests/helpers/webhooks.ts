import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient, createTestDatabase, uniq } from './app.js';
import { waitFor } from './process.js';

// Webhook tests run the production server (startServer: the app and its delivery worker) over
// the file's database, and real HTTP receivers on 127.0.0.1 — never any other address.

/**
 * Loopback receivers are allowed, retries come fast, and the per-key rate limit is out of the way
 * of tests that poll; everything else is production's default.
 */
export function webhookEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    RATE_LIMIT_PER_MINUTE: '100000',
    WEBHOOK_RETRY_SCHEDULE: '0,0.2,0.4',
    JOURNEYBEE_SECRET_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
}

export interface WebhookServer {
  server: RunningServer;
  api: ApiClient;
  stop(): Promise<void>;
}

export async function startWebhookServer(dbUrl: string, env: Record<string, string>): Promise<WebhookServer> {
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    REDIS_KEY_PREFIX: `jbtest:${uniq()}:`,
    ...env,
    DATABASE_URL: dbUrl,
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const server = await startServer(config);
  return { server, api: new ApiClient(server.url), stop: () => server.stop() };
}

export interface WebhookContext {
  /** The running server (app + worker). */
  readonly s: WebhookServer;
  /** A separate pool on the same database, for factories and read-backs. */
  readonly db: Database['db'];
  readonly dbUrl: string;
  readonly env: Record<string, string>;
}

/** One server with its worker over a fresh database for this test file. */
export function useWebhookServer(extra: Record<string, string> = {}): WebhookContext {
  const env = webhookEnv(extra);
  let server: WebhookServer | undefined;
  let database: Database | undefined;
  let drop: (() => Promise<void>) | undefined;
  let url = '';
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    url = created.url;
    server = await startWebhookServer(created.url, env);
    database = await openDatabase(
      loadConfig({ DATABASE_URL: created.url, DATABASE_POOL_SIZE: '4' }),
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await server?.stop();
    await database?.close();
    await drop?.();
  });
  return {
    get s() {
      if (!server) throw new Error('the webhook server has not started');
      return server;
    },
    get db() {
      if (!database) throw new Error('the database has not been opened');
      return database.db;
    },
    get dbUrl() {
      return url;
    },
    env,
  };
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request body had arrived. */
  at: number;
  json: any;
}

type Reply = { status: number; body?: string; headers?: Record<string, string> } | number;

/**
 * A real HTTP server on 127.0.0.1 (port 0) recording every request. `reply` decides each
 * answer (default 200); it may return a promise to hold the response.
 */
export class Receiver {
  readonly received: Received[] = [];
  reply: (r: Received, index: number) => Reply | Promise<Reply> = () => 200;
  /** Unique per receiver (see makeServer). */
  private readonly path = `/hook-${randomBytes(6).toString('hex')}`;
  private server: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  port = 0;

  private constructor() {
    this.server = this.makeServer();
  }

  private makeServer(): http.Server {
    const server = http.createServer((req, res) => {
      // Not this receiver's path: a retry another test's server still sends to a port this one
      // reuses. Refused unseen, so it can shift no count and take no test's scripted answer.
      if (!req.url?.startsWith(this.path)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not this receiver');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const r: Received = { headers: req.headers, body, at: Date.now(), json };
        this.received.push(r);
        void Promise.resolve(this.reply(r, this.received.length - 1)).then(
          (answer) => {
            const {
              status,
              body: text,
              headers,
            } = typeof answer === 'number' ? { status: answer, body: 'ok', headers: {} } : answer;
            if (!res.destroyed)
              res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(text ?? '');
          },
          () => res.destroy(),
        );
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  static async start(port = 0): Promise<Receiver> {
    const receiver = new Receiver();
    await receiver.listen(port);
    return receiver;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  /** Stops listening (connections are refused) and drops open connections. */
  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  close = () => this.down();

  /** Waits (bounded) until `n` requests have arrived. */
  async waitForCount(n: number, ms = 10_000): Promise<Received[]> {
    await waitFor(() => this.received.length >= n, ms, `${n} webhook requests (got ${this.received.length})`);
    return this.received;
  }

  ofType(type: string): Received[] {
    return this.received.filter((r) => r.json?.type === type);
  }
}

/** Verifies a received request with the standardwebhooks library; returns the parsed payload. */
export function verify(secret: string, r: Received): any {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });
}

/** POST /v1/webhooks that must succeed; returns the endpoint with its secret. */
export async function createWebhook(api: ApiClient, key: string, body: Record<string, unknown>) {
  const res = await api.post('/v1/webhooks', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; secret: string; [k: string]: unknown };
}

/** Polls GET …/deliveries/{id} until it has `status` (or `done` holds for it), bounded. */
export async function waitForDelivery(
  api: ApiClient,
  key: string,
  webhookId: number,
  deliveryId: number,
  status: 'succeeded' | 'failed' | ((d: any) => boolean),
  ms = 10_000,
): Promise<any> {
  const done = typeof status === 'string' ? (d: any) => d.status === status : status;
  let last: any;
  await waitFor(
    async () => {
      const res = await api.get(`/v1/webhooks/${webhookId}/deliveries/${deliveryId}`, { key });
      last = res.body;
      return res.status === 200 && done(res.body);
    },
    ms,
    `delivery ${deliveryId}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${JSON.stringify(last)}`);
  });
  return last;
}
