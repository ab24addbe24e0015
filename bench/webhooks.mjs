// Webhook delivery benchmark: event-to-delivery latency (p50/p99) and delivery throughput for
// 1,000 lead creates against a local receiver.
//
//   benchWebhooks({ baseUrl, writeKey, campaignId })  — against a running server (bench/run.mjs)
//   node bench/webhooks.mjs                            — standalone: starts its own server(s)
//
// The server must run with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true (the receiver is on 127.0.0.1)
// and a rate limit above the creates sent (RATE_LIMIT_PER_MINUTE). Event-to-delivery latency is
// measured two ways, to the moment the receiver has read the request: from the create's 201
// response (the event committed just before it; a delivery can even win that race), and from the
// event's `timestamp` (when its transaction started, on the database's clock, so it includes the
// rest of the create's transaction). The server, the database and this script share one host
// and its clock. Throughput is deliveries per second from the first arrival to the last, with the
// creates sent as fast as `concurrency` connections allow; creates per second are reported
// beside it (the worker keeps up when the two match).

import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { children, cli, freePort, query, request, start, stop, waitFor, withDb } from './lib.mjs';

const now = () => performance.timeOrigin + performance.now();

function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A receiver on 127.0.0.1 that answers 200 at once and notes when each request arrived. */
function startReceiver() {
  const arrivals = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      const body = Buffer.concat(chunks).toString('utf8');
      let json;
      try {
        json = JSON.parse(body);
      } catch {}
      arrivals.push({ at, headers: req.headers, body, json });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/hook`,
        arrivals,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    );
  });
}

/** Pauses the endpoint, queues `count` deliveries of one event by SQL, resumes, times the drain. */
async function drainBacklog({ baseUrl, headers, webhookId, receiver, dbUrl, eventUuid, count, timeoutMs }) {
  const patch = (active) =>
    request(`${baseUrl}/v1/webhooks/${webhookId}`, { method: 'PATCH', headers, body: { active } });
  await patch(false);
  await query(
    dbUrl,
    `INSERT INTO webhook_deliveries (company_id, endpoint_id, event_id, event_type)
     SELECT ev.company_id, $1, ev.id, ev.type FROM events ev, generate_series(1, $3::int)
     WHERE ev.uuid = $2`,
    [webhookId, eventUuid, count],
  );
  const before = receiver.arrivals.length;
  const startedAt = now();
  await patch(true);
  const deadline = Date.now() + timeoutMs;
  while (receiver.arrivals.length - before < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const got = receiver.arrivals.slice(before);
  const seconds = (got.at(-1).at - startedAt) / 1000;
  return { count, delivered: got.length, seconds, deliveriesPerSecond: got.length / seconds };
}

/**
 * Creates `count` leads (campaign leads of `campaignId`; users when the server has no
 * POST /v1/leads) through `baseUrl` with `writeKey`, each delivered to a local receiver by a
 * webhook made for the run (and deleted after it). Returns the measurements.
 */
export async function benchWebhooks({
  baseUrl,
  writeKey,
  campaignId,
  count = 1000,
  concurrency = 10,
  timeoutMs = 120_000,
  dbUrl,
  log = () => {},
}) {
  const headers = { authorization: `Bearer ${writeKey}` };
  const receiver = await startReceiver();
  const run = Math.random().toString(36).slice(2, 8);
  let webhookId;
  try {
    // Leads when the server has them, else users: whichever answers 201 to a first create.
    const leadBody = (email) => ({
      email,
      company_name: `Bench ${email}`,
      associationType: 'campaigns',
      companyCampaignId: campaignId,
    });
    let kind = 'leads';
    const probe = await request(`${baseUrl}/v1/leads`, {
      method: 'POST',
      headers,
      body: leadBody(`probe-${run}@bench.test`),
    });
    if (probe.status !== 201) {
      log(`POST /v1/leads answered ${probe.status}: measuring POST /v1/users instead`);
      kind = 'users';
    }
    const event = kind === 'leads' ? 'leads.create' : 'users.create';
    const created = await request(`${baseUrl}/v1/webhooks`, {
      method: 'POST',
      headers,
      body: { url: receiver.url, events: [event], description: 'benchmark receiver' },
    });
    if (created.status !== 201)
      throw new Error(`POST /v1/webhooks: ${created.status} ${JSON.stringify(created.body)}`);
    webhookId = created.body.id;
    const secret = created.body.secret;

    const emails = Array.from({ length: count }, (_, i) => `wh-${run}-${i}@bench.test`);
    const createMs = [];
    const respondedAt = new Map();
    let next = 0;
    let failures = 0;
    const startedAt = now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < emails.length) {
          const email = emails[next++];
          const body = kind === 'leads' ? leadBody(email) : { email };
          const t0 = now();
          const res = await request(`${baseUrl}/v1/${kind}`, { method: 'POST', headers, body });
          respondedAt.set(email, now());
          createMs.push(respondedAt.get(email) - t0);
          if (res.status !== 201) failures++;
        }
      }),
    );
    const createdAt = now();
    if (failures) log(`!! ${failures} creates did not answer 201`);

    // Every event delivered (bounded), then a moment more to see any duplicate.
    const wanted = new Set(emails);
    const emailOf = (a) => a.json?.data?.[kind === 'leads' ? 'lead' : 'user']?.email;
    const deadline = Date.now() + timeoutMs;
    const delivered = () => receiver.arrivals.filter((a) => wanted.has(emailOf(a)));
    while (delivered().length < count - failures && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const mine = delivered();

    const ids = new Set(mine.map((a) => a.headers['webhook-id']));
    const verifier = new Webhook(secret);
    let badSignatures = 0;
    for (const a of mine) {
      try {
        verifier.verify(a.body, a.headers);
      } catch {
        badSignatures++;
      }
    }
    const sorted = (list) => list.sort((x, y) => x - y);
    const fromResponse = sorted(mine.map((a) => a.at - respondedAt.get(emailOf(a))));
    const fromEvent = sorted(mine.map((a) => a.at - Date.parse(a.json.timestamp)));
    const stats = (list) => ({ p50: percentile(list, 0.5), p99: percentile(list, 0.99), max: list.at(-1) });
    const arrivals = mine.map((a) => a.at).sort((x, y) => x - y);
    const span = (arrivals.at(-1) - arrivals[0]) / 1000;
    createMs.sort((x, y) => x - y);
    const drain = dbUrl
      ? await drainBacklog({
          baseUrl,
          headers,
          webhookId,
          receiver,
          dbUrl,
          eventUuid: mine[0]?.json.id,
          count,
          timeoutMs,
        })
      : undefined;
    return {
      drain,
      endpoint: `POST /v1/${kind}`,
      event,
      count,
      concurrency,
      delivered: ids.size,
      duplicates: mine.length - ids.size,
      badSignatures,
      latencyMs: stats(fromResponse),
      latencyFromEventTimestampMs: stats(fromEvent),
      createsPerSecond: count / ((createdAt - startedAt) / 1000),
      createMs: { p50: percentile(createMs, 0.5), p99: percentile(createMs, 0.99) },
      deliveriesPerSecond: span > 0 ? mine.length / span : Number.NaN,
      lastDeliveryAfterLastCreateMs: arrivals.at(-1) - createdAt,
    };
  } finally {
    if (webhookId)
      await request(`${baseUrl}/v1/webhooks/${webhookId}`, { method: 'DELETE', headers }).catch(() => {});
    await receiver.close();
  }
}

const fmt = (n, d = 1) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d }) : 'n/a';

export function formatWebhookResult(r) {
  return [
    `  webhooks: ${r.count} × ${r.endpoint} (${r.concurrency} connections) → ${r.event} to a local receiver`,
    `    event-to-delivery latency from the 201: p50 ${fmt(r.latencyMs.p50)} ms, p99 ${fmt(r.latencyMs.p99)} ms, max ${fmt(r.latencyMs.max)} ms`,
    `    from the event timestamp (transaction start): p50 ${fmt(r.latencyFromEventTimestampMs.p50)} ms, p99 ${fmt(r.latencyFromEventTimestampMs.p99)} ms`,
    `    throughput ${fmt(r.deliveriesPerSecond, 0)} deliveries/s (creates ${fmt(r.createsPerSecond, 0)}/s, create p50 ${fmt(r.createMs.p50)} ms)`,
    `    delivered ${r.delivered}/${r.count}, duplicates ${r.duplicates}, bad signatures ${r.badSignatures}` +
      `, last delivery ${fmt(r.lastDeliveryAfterLastCreateMs, 0)} ms after the last create`,
    ...(r.drain
      ? [
          `    backlog drain: ${r.drain.delivered}/${r.drain.count} pending deliveries sent in ${fmt(r.drain.seconds, 2)} s = ${fmt(r.drain.deliveriesPerSecond, 0)} deliveries/s`,
        ]
      : []),
  ].join('\n');
}

/** Standalone: a server per backend (as bench/run.mjs starts them), seeded with `seed --demo`. */
async function main() {
  const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const backends = (process.env.BENCH_BACKENDS ?? 'external,embedded').split(',');
  const count = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 1000);
  for (const backend of backends) {
    const db = `jb_bench_wh_${Date.now()}`;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jb-bench-wh-'));
    if (backend === 'external') await query(adminUrl, `CREATE DATABASE ${db}`);
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '100000000',
      LOG_LEVEL: 'warn',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      JOURNEYBEE_DATA_DIR: dataDir,
      DATABASE_URL: backend === 'external' ? withDb(adminUrl, db) : '',
      REDIS_URL: '',
    };
    const server = start(process.execPath, ['dist/cli/main.js', 'serve'], env);
    let embedded;
    try {
      const baseUrl = `http://127.0.0.1:${port}`;
      await waitFor(`${baseUrl}/readyz`, server);
      const demo = await cli(['seed', '--demo'], env);
      const company = demo.companies[0];
      // The drain phase writes to the server's database: the embedded one is attached to here.
      let dbUrl = env.DATABASE_URL;
      if (!dbUrl) {
        const { openEmbeddedPostgres } = await import('../dist/db/embedded.js');
        const quiet = { info() {}, warn() {}, error: console.error };
        embedded = await openEmbeddedPostgres({ dataDir, logger: quiet });
        dbUrl = embedded.connectionString;
      }
      console.log(`[${backend}]`);
      const result = await benchWebhooks({
        baseUrl,
        writeKey: company.keys.write,
        campaignId: company.campaigns[0]?.id,
        count,
        dbUrl,
        log: (line) => console.log(`  ${line}`),
      });
      console.log(formatWebhookResult(result));
    } finally {
      await embedded?.release();
      await stop(server);
      if (backend === 'external') await query(adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}
