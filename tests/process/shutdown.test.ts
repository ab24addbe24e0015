/**
 * `journeybee serve` as a real process (built dist/): SIGTERM drains in-flight requests, exits 0
 * promptly, refuses new connections; the log is JSON lines with request ids and no API keys.
 */
import http from 'node:http';
import { afterAll, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import {
  childEnv,
  connectionRefused,
  killChildren,
  ServerProcess,
  waitFor,
  withTimeout,
} from '../helpers/process.js';

// In-process app on the same database: factories, and checking what the child wrote.
const ctx = useTestApp();
// Children first (hooks run last-registered first), then the app and the database.
afterAll(killChildren);

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A POST held open by the client. It sends `Expect: 100-continue`, so `accepted` resolves once
 * the server has read the headers and dispatched the request; then half the body goes out, and
 * the request stays in flight until `finish()` sends the rest. The agent keeps connections
 * alive, as real clients do.
 */
function slowPost(
  url: string,
  path: string,
  key: string,
  requestId: string,
  body: object,
  agent: http.Agent,
) {
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  let req!: http.ClientRequest;
  let accept!: () => void;
  const accepted = new Promise<void>((resolve) => {
    accept = resolve;
  });
  const response = new Promise<Response>((resolve, reject) => {
    req = http.request(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': String(payload.length),
          'x-request-id': requestId,
          expect: '100-continue',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('continue', () => {
      req.write(payload.subarray(0, half));
      accept();
    });
    req.flushHeaders();
  });
  return { accepted, response, finish: () => req.end(payload.subarray(half)) };
}

it('SIGTERM: in-flight requests finish with 2xx, new connections are refused, exit 0 within seconds', async () => {
  const tenant = await makeTenant(ctx.t.database.db);
  const wrongKey = `jb_api_${'Zz9'.repeat(14)}`;
  const server = await ServerProcess.start(childEnv(ctx.dbUrl, { LOG_LEVEL: 'info' }));

  // Ordinary traffic first: a good key (twice, so a connection is reused), a wrong one, both schemes.
  const ok = await fetch(`${server.url}/v1/users`, {
    headers: { authorization: `Bearer ${tenant.writeKey}`, 'x-request-id': 'list-before-shutdown' },
  });
  expect(ok.status).toBe(200);
  expect(ok.headers.get('x-request-id')).toBe('list-before-shutdown');
  await ok.arrayBuffer();
  expect(
    (await fetch(`${server.url}/v1/users`, { headers: { authorization: `Api-Key ${tenant.readKey}` } }))
      .status,
  ).toBe(200);
  for (const authorization of [`Bearer ${wrongKey}`, `Api-Key ${wrongKey}`, wrongKey]) {
    const res = await fetch(`${server.url}/v1/users`, { headers: { authorization } });
    expect(res.status).toBe(401);
    await res.arrayBuffer();
  }

  // Ten concurrent writes, each held mid-body by the client, on keep-alive connections.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  const run = uniq();
  const inflight = Array.from({ length: 10 }, (_, i) =>
    slowPost(
      server.url,
      '/v1/users',
      tenant.writeKey,
      `inflight-${run}-${i}`,
      { email: `drain-${run}-${i}@x.example` },
      agent,
    ),
  );
  try {
    await withTimeout(Promise.all(inflight.map((r) => r.accepted)), 10_000, 'the server to take all ten');

    const signalled = Date.now();
    server.kill('SIGTERM');
    await waitFor(() => server.stdout.includes('"msg":"shutting down"'), 5_000, 'the shutdown log line');
    // The listener closes at once, while the ten requests are still open.
    await waitFor(() => connectionRefused(server.port), 2_000, 'new connections to be refused');
    expect(server.exit).toBeUndefined();

    for (const r of inflight) r.finish();
    const responses = await withTimeout(
      Promise.all(inflight.map((r) => r.response)),
      5_000,
      'in-flight responses',
    );
    for (const [i, res] of responses.entries()) {
      expect(res.status, res.body).toBe(201);
      expect(res.headers['x-request-id']).toBe(`inflight-${run}-${i}`);
      // The connection is not kept alive past the response, or close() would wait for it.
      expect(res.headers.connection).toBe('close');
    }

    const exit = await server.waitForExit(5_000);
    const took = Date.now() - signalled;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(3_000);
    console.log(`SIGTERM → exit 0 in ${took} ms with ten requests drained`);
    expect(await connectionRefused(server.port)).toBe(true);

    // What the drained requests wrote is there.
    const ids = responses.map((r) => (JSON.parse(r.body) as { id: number }).id);
    for (const id of ids) {
      expect((await ctx.t.api.get(`/v1/users/${id}`, { key: tenant.readKey })).status).toBe(200);
    }
  } finally {
    agent.destroy();
  }

  // The log: JSON lines; request ids; the shutdown; no key, good or bad, anywhere.
  const lines = server.logLines();
  expect(lines.length).toBeGreaterThan(10);
  // Pino's shape or Fastify's (`reqId`, `res.statusCode`): either way, one completion per request.
  const completed = lines
    .filter((l) => l.msg === 'request completed')
    .map((l: any) => ({ id: l.requestId ?? l.reqId, status: l.statusCode ?? l.res?.statusCode }));
  expect(completed).toContainEqual({ id: 'list-before-shutdown', status: 200 });
  for (let i = 0; i < 10; i++) expect(completed).toContainEqual({ id: `inflight-${run}-${i}`, status: 201 });
  expect(completed.filter((l) => l.status === 401)).toHaveLength(3);
  expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
  const output = server.stdout + server.stderr;
  for (const key of [tenant.writeKey, tenant.readKey, wrongKey]) {
    expect(output).not.toContain(key.slice('jb_api_'.length, 'jb_api_'.length + 16));
  }
  expect(output).not.toMatch(/authorization/i);
  expect(server.stderr).toBe('');
}, 90_000);

it('SIGTERM on an idle server exits 0 at once; a second signal is not needed', async () => {
  const server = await ServerProcess.start(childEnv(ctx.dbUrl, { LOG_LEVEL: 'info' }));
  // A keep-alive connection left idle must not hold the shutdown up.
  const agent = new http.Agent({ keepAlive: true });
  await new Promise<void>((resolve, reject) =>
    http
      .get(`${server.url}/healthz`, { agent }, (res) => res.resume().on('end', resolve))
      .on('error', reject),
  );
  const signalled = Date.now();
  server.kill('SIGTERM');
  expect(await server.waitForExit(5_000)).toEqual({ code: 0, signal: null });
  expect(Date.now() - signalled).toBeLessThan(2_000);
  agent.destroy();
});

it('a request that never completes cannot hold shutdown up: SHUTDOWN_TIMEOUT_MS bounds it (exit 1)', async () => {
  const tenant = await makeTenant(ctx.t.database.db);
  const server = await ServerProcess.start(
    childEnv(ctx.dbUrl, { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '500' }),
  );
  const agent = new http.Agent({ keepAlive: true });
  const stalled = slowPost(
    server.url,
    '/v1/users',
    tenant.writeKey,
    `stalled-${uniq()}`,
    { email: 'x@x.example' },
    agent,
  );
  stalled.response.catch(() => {}); // never finished: the socket dies with the process
  try {
    await withTimeout(stalled.accepted, 5_000, 'the server to take the request');
    const signalled = Date.now();
    server.kill('SIGTERM');
    expect(await server.waitForExit(5_000)).toEqual({ code: 1, signal: null });
    const took = Date.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(2_500);
    expect(server.logLines().find((l) => l.msg === 'graceful shutdown timed out')).toMatchObject({
      level: 50,
    });
  } finally {
    agent.destroy();
  }
});
