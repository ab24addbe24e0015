// The soak and scale benchmark (issue 12 item 8): `npm run bench --soak` (npm passes it as
// npm_config_soak=true) or `npm run bench -- --soak`, on the backends of BENCH_BACKENDS; the server
// is started by bench/run.mjs's code (production build from dist/, rate limit raised).
//
// Each phase seeds its own `seed --demo` companies (A sends leads to its accepted partner B),
// gives A a webhook endpoint (leads.create, leads.update) pointing at a local receiver, opens
// SOAK_SSE_CLIENTS notification streams for B's two users (half B's admin, half B's partnerships
// user through `userId`, with B's admin key) that stay open the whole phase, and drives
// SOAK_CONNECTIONS autocannon connections, each repeating the cycle in MIX: a campaign lead create,
// a get and an update of that lead, a page of the list, a get of an older lead, a create sent to
// the partner (the seed's full example body: tags, custom fields, attribution, B's users) which
// notifies both of B's users, a search, a filtered page. Every non-2xx answer or socket error is
// an error (the first few printed with their bodies). After the load, a drain (at most
// SOAK_DRAIN_SECONDS) waits for every webhook delivery and every stream event expected, as the
// API counts them after the load (autocannon drops the answers in flight when it stops): one
// leads.create per lead of A (and every lead answered 201 delivered, by id), one leads.update per
// lead of A now 'contacted', and on each stream one lead_received per lead of B (the copies of
// A's partner creates; the API's count of each B user's notifications must agree). Repeats and
// bad signatures are counted too.
//
//   soak:  SOAK_SECONDS (600) against one process; the server's RSS (VmRSS) sampled every
//          SOAK_SAMPLE_SECONDS (10; a tenth of shorter soaks than 100 s), printed with the req/s of each window. RSS is "flat" when
//          the mean of the last minute is within 10 % of the mean of the first minute after a
//          60 s warm-up (for runs shorter than 5 min: warm-up = a fifth of the run, windows =
//          the smaller of 60 s and half of the rest).
//   scale: the same load for SOAK_SCALE_SECONDS (60) against 1 process, then against 2 processes
//          on the same PostgreSQL (the second joins the first's embedded PostgreSQL, or the same
//          DATABASE_URL), connections split between them (connection i to process i mod 2), streams
//          too; req/s of each (after SOAK_SCALE_WARMUP_SECONDS (10) of untimed warm-up) and the ratio.
//
// The results go to bench/results/soak-<time>.json (SOAK_OUT overrides). Numbers from a shared
// machine are noisy: the client, the servers and PostgreSQL share its cores.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';
import { cli, freePort, postgresRssMb, request, root, rssMb, sleep, start, stop, waitFor } from './lib.mjs';

const num = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: "${v}" is not a positive number`);
  return n;
};

export const SOAK_SECONDS = num('SOAK_SECONDS', 600);
export const SCALE_SECONDS = num('SOAK_SCALE_SECONDS', 60);
const CONNECTIONS = num('SOAK_CONNECTIONS', 10);
const SSE_CLIENTS = num('SOAK_SSE_CLIENTS', 20);
/** Every 10 s; a tenth of the soak when it is shorter than 100 s (a smoke run). */
const SAMPLE_SECONDS = num('SOAK_SAMPLE_SECONDS', Math.min(10, SOAK_SECONDS / 10));
const DRAIN_SECONDS = num('SOAK_DRAIN_SECONDS', 120);
/** Untimed traffic before each scale phase's measured seconds. */
const SCALE_WARMUP_SECONDS = num('SOAK_SCALE_WARMUP_SECONDS', 10);
/** How many error answers are kept (and printed) with their bodies. */
const ERRORS_KEPT = 5;
const RSS_TOLERANCE = 0.1;

/** `--soak` on the command line, or `npm run bench --soak` (npm's npm_config_soak). */
export function soakRequested() {
  const npm = process.env.npm_config_soak;
  return process.argv.includes('--soak') || (npm !== undefined && npm !== '' && npm !== 'false');
}

/** The longest a soak of `backends` backends should take, drains and starts included. */
export const soakDeadlineSeconds = (backends) =>
  backends * (SOAK_SECONDS + 2 * (SCALE_SECONDS + SCALE_WARMUP_SECONDS) + 3 * DRAIN_SECONDS + 300);

const fmt = (n, d = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : 'n/a';
const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : Number.NaN);

/** A receiver on 127.0.0.1 answering 200 at once; keeps each delivery's id, type, lead id. */
async function startReceiver() {
  const byId = new Map();
  const state = { secret: undefined, total: 0, duplicates: 0, badSignatures: 0, byId };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      const body = Buffer.concat(chunks).toString('utf8');
      state.total++;
      const id = req.headers['webhook-id'];
      if (byId.has(id)) {
        state.duplicates++;
        return;
      }
      try {
        new Webhook(state.secret).verify(body, req.headers);
      } catch {
        state.badSignatures++;
      }
      let json;
      try {
        json = JSON.parse(body);
      } catch {}
      byId.set(id, { type: json?.type, leadId: json?.data?.lead?.id });
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    state,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * One notification stream, on a socket of its own, counting the `notification` events (ids, and
 * repeats); resolves once the 200 has arrived (the stream is subscribed by then).
 */
function openStream(base, key, userId) {
  const url = new URL(`/v1/notifications/stream${userId ? `?userId=${userId}` : ''}`, base);
  return new Promise((resolve, reject) => {
    const stream = {
      url: url.href,
      ids: new Set(),
      duplicates: 0,
      types: {},
      ended: false,
      error: undefined,
    };
    const req = http.get(
      url,
      { agent: false, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () =>
            reject(new Error(`GET ${url.pathname}: ${res.statusCode} ${text.slice(0, 300)}`)),
          );
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          buffer += d;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end).split('\n');
            buffer = buffer.slice(end + 2);
            if (!block.includes('event: notification')) continue;
            const id = block.find((l) => l.startsWith('id: '))?.slice(4);
            if (stream.ids.has(id)) {
              stream.duplicates++;
              continue;
            }
            stream.ids.add(id);
            let type;
            try {
              type = JSON.parse(block.find((l) => l.startsWith('data: ')).slice(6)).type;
            } catch {}
            stream.types[type] = (stream.types[type] ?? 0) + 1;
          }
        });
        res.on('end', () => {
          stream.ended = true;
        });
        res.on('error', (err) => {
          stream.error = err.message;
        });
        stream.close = () => req.destroy();
        resolve(stream);
      },
    );
    req.on('error', (err) => {
      stream.error = err.message;
      reject(err);
    });
    req.setTimeout(10_000, () => {
      if (!stream.close) req.destroy(new Error(`GET ${url.pathname}: no answer in 10 s`));
    });
  });
}

/** CPU seconds a process has used (user + system; Linux's 100 ticks a second). */
async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The machine's CPU ticks, busy and all, from /proc/stat. */
async function machineTicks() {
  const [, ...ticks] = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = ticks[3] + ticks[4];
  const all = ticks.slice(0, 8).reduce((s, x) => s + x, 0);
  return { busy: all - idle, all };
}

/** CPU seconds of each pid of `pids`, 0 for one gone. */
const cpuOf = (pids) => Promise.all(pids.map((pid) => cpuSeconds(pid).catch(() => 0)));

/**
 * Where the CPU went while `work` ran: each server process, PostgreSQL (`postgresPids()`: the
 * embedded server's processes, or the backends of our database on the external one), this script
 * (the load generator, the receiver and the streams), and the whole machine (busy share of all
 * its cores). In cores: 1.0 is one core busy for the whole time.
 */
async function cpuDuring(pids, postgresPids, work) {
  const pgBefore = new Map();
  const pg0 = await postgresPids();
  for (const [i, x] of (await cpuOf(pg0)).entries()) pgBefore.set(pg0[i], x);
  const before = { servers: await cpuOf(pids), client: process.cpuUsage(), machine: await machineTicks() };
  const t0 = Date.now();
  const result = await work();
  const seconds = (Date.now() - t0) / 1000;
  const servers = (await cpuOf(pids)).map((x, i) => x - before.servers[i]);
  const client = process.cpuUsage(before.client);
  const machine = await machineTicks();
  const pg1 = await postgresPids();
  const postgres = (await cpuOf(pg1)).reduce((sum, x, i) => sum + x - (pgBefore.get(pg1[i]) ?? 0), 0);
  const cores = os.cpus().length;
  return {
    result,
    cpu: {
      seconds,
      cores,
      servers: servers.map((x) => x / seconds),
      postgres: postgres / seconds,
      client: (client.user + client.system) / 1e6 / seconds,
      machine: ((machine.busy - before.machine.busy) / (machine.all - before.machine.all)) * cores,
    },
  };
}

/** The pids of the embedded PostgreSQL of `dataDir` (postmaster and children). */
async function embeddedPids(dataDir) {
  const pidFile = await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => null);
  if (!pidFile) return [];
  const postmaster = Number(pidFile.split('\n')[0]);
  const pids = [postmaster];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) pids.push(Number(entry));
  }
  return pids;
}

/** The pids of the backends serving `database` on this machine's PostgreSQL ("postgres: user db …"). */
async function backendPids(database) {
  const pids = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    // "postgres: 15/main: postgres jb_soak_… 127.0.0.1(41922) idle" (the cluster name is optional).
    if (/^postgres: (?:\S+: )?\S+ (\S+) /.exec(cmd)?.[1] === database) pids.push(Number(entry));
  }
  return pids;
}

/** The `record-count` of a list. */
async function countOf(url, headers) {
  const res = await request(url, { headers });
  const n = res.body?.meta?.['record-count'];
  if (res.status !== 200 || !Number.isInteger(n))
    throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return n;
}

/** What a phase's traffic did: counts per kind, errors with bodies, ids made. */
function tally() {
  return {
    completed: 0,
    byKind: {},
    non2xx: 0,
    errors: [],
    createdIds: [],
    partnerCreates: 0,
    updates: 0,
    pool: [],
  };
}

/** An onResponse counting into `t` as `kind`; `onOk` sees the 2xx bodies. */
function counted(t, kind, onOk) {
  return (status, body, context) => {
    t.completed++;
    t.byKind[kind] = (t.byKind[kind] ?? 0) + 1;
    if (status < 200 || status > 299) {
      t.non2xx++;
      if (t.errors.length < ERRORS_KEPT)
        t.errors.push({ kind, request: context.sent, status, body: String(body).slice(0, 500) });
      return;
    }
    onOk?.(body, context);
  };
}

/** The cycle every connection repeats: 3 writes that make events, 5 reads. */
export const MIX = [
  'POST /v1/leads (campaign)',
  'GET /v1/leads/{new id}',
  'PATCH /v1/leads/{new id}',
  'GET /v1/leads?page=1&pageSize=10',
  'GET /v1/leads/{older id}',
  'POST /v1/leads (sent to the partner)',
  'GET /v1/leads?search=acme',
  'GET /v1/leads?status=contacted&page=2',
];

let sequence = 0;
const runTag = Date.now().toString(36);

/** autocannon's request list for MIX, against company `a` (partner `b`), counting into `t`. */
function mixRequests(a, b, example, t) {
  const headers = { authorization: `Bearer ${a.keys.write}`, 'content-type': 'application/json' };
  const side = a.partners[0];
  const fieldOfType = (type) => a.customFields.find((f) => f.type === type).id;
  const campaignBody = () => {
    const n = sequence++;
    return JSON.stringify({
      associationType: 'campaigns',
      companyCampaignId: a.campaigns[0].id,
      email: `soak-${runTag}-${n}@soak.test`,
      // One in a hundred matches the search.
      company_name: n % 100 === 0 ? `Acme Soak ${n}` : `Soak Campaign ${n}`,
      first_name: 'Sam',
    });
  };
  const partnerBody = () =>
    JSON.stringify({
      ...example,
      email: `soak-${runTag}-${sequence++}@partner.test`,
      partnershipLead: {
        ...example.partnershipLead,
        partnership_id: side.partnership_id,
        partners_company_id: side.partner_company_id,
        company_partnerships_id: side.id,
        partnerUsers: b.users.map((u) => u.id),
      },
      tags: a.tags.map((x) => x.id),
      customFields: example.customFields.map((f) => ({ ...f, customFieldId: fieldOfType(f.type) })),
      attributions: example.attributions.map((x) => ({ ...x, id: side.id })),
    });
  const older = () => t.pool[Math.floor(Math.random() * t.pool.length)];
  const created = (kind) => (body, context) => {
    const id = JSON.parse(body).id;
    t.createdIds.push(id);
    if (kind === 'partner') t.partnerCreates++;
    else context.id = id;
    if (t.pool.length < 5000) t.pool.push(id);
    else t.pool[Math.floor(Math.random() * t.pool.length)] = id;
  };
  /** A request of the cycle; `make(req, context)` varies it (its method and path noted for errors). */
  const step = (method, path, kind, make, onOk) => ({
    method,
    path,
    headers,
    setupRequest: (req, context) => {
      const made = make ? make(req, context) : req;
      context.sent = `${made.method} ${made.path}`;
      return made;
    },
    onResponse: counted(t, kind, onOk),
  });
  const withPath = (p) => (req, context) => ({ ...req, path: p(context) });
  return [
    step('POST', '/v1/leads', 'create', (req) => ({ ...req, body: campaignBody() }), created('campaign')),
    step(
      'GET',
      '/v1/leads/0',
      'get',
      withPath((c) => `/v1/leads/${c.id ?? older()}`),
    ),
    // A fresh lead ('new') becomes 'contacted': always a change, so always a leads.update.
    step(
      'PATCH',
      '/v1/leads/0',
      'update',
      (req, context) =>
        context.id === undefined
          ? { ...req, method: 'GET', path: `/v1/leads/${older()}`, body: undefined }
          : { ...req, path: `/v1/leads/${context.id}`, body: JSON.stringify({ status: 'contacted' }) },
      (_body, context) => {
        if (context.id !== undefined) t.updates++;
      },
    ),
    step('GET', '/v1/leads?page=1&pageSize=10', 'list'),
    step(
      'GET',
      '/v1/leads/0',
      'get',
      withPath(() => `/v1/leads/${older()}`),
    ),
    step('POST', '/v1/leads', 'create', (req) => ({ ...req, body: partnerBody() }), created('partner')),
    step('GET', '/v1/leads?page=1&pageSize=10&search=acme', 'search'),
    step('GET', '/v1/leads?page=2&pageSize=10&status=contacted', 'list'),
  ];
}

/** One autocannon run over `urls` (connection i to urls[i mod n]); resolves with its totals. */
function cannon(urls, connections, seconds, requests) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: urls, connections, duration: seconds, requests, timeout: 30 },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    instance.on('error', reject);
  }).then((r) => ({
    total: r.requests.total,
    non2xx: r.non2xx,
    socketErrors: r.errors + r.timeouts,
    p50: r.latency.p50,
    p99: r.latency.p99,
  }));
}

/** RSS flatness per the header's definition, over `samples` [{t, rssMb}] of a `seconds` run. */
export function rssVerdict(samples, seconds) {
  const warmup = seconds >= 300 ? 60 : seconds / 5;
  const window = Math.min(60, (seconds - warmup) / 2);
  const first = samples.filter((s) => s.t > warmup && s.t <= warmup + window).map((s) => s.rssMb);
  const last = samples.filter((s) => s.t > seconds - window).map((s) => s.rssMb);
  const firstMb = mean(first);
  const lastMb = mean(last);
  const change = (lastMb - firstMb) / firstMb;
  // Beside the verdict: the band after the warm-up (V8 grows and shrinks its heap in steps, so
  // single samples swing) and the least-squares trend over it, which a leak would make steep.
  const after = samples.filter((s) => s.t > warmup);
  const tMean = mean(after.map((s) => s.t));
  const mbMean = mean(after.map((s) => s.rssMb));
  const slope =
    after.reduce((sum, s) => sum + (s.t - tMean) * (s.rssMb - mbMean), 0) /
    after.reduce((sum, s) => sum + (s.t - tMean) ** 2, 0);
  return {
    definition: `mean RSS of (${fmt(seconds - window)} s, ${fmt(seconds)} s] against the mean of (${fmt(warmup)} s, ${fmt(warmup + window)} s] (after a ${fmt(warmup)} s warm-up), within ${RSS_TOLERANCE * 100} %`,
    warmupSeconds: warmup,
    windowSeconds: window,
    firstMb,
    lastMb,
    change,
    afterWarmup: {
      minMb: Math.min(...after.map((s) => s.rssMb)),
      maxMb: Math.max(...after.map((s) => s.rssMb)),
      slopeMbPerMinute: slope * 60,
    },
    flat: first.length > 0 && last.length > 0 && Math.abs(change) <= RSS_TOLERANCE,
  };
}

/**
 * One phase: fresh demo companies, a webhook, SSE clients, `seconds` of MIX against `servers`
 * ([{base, pid, env}], connections split between them), then the drain. `onSample` gets every
 * sample (RSS of each server, req/s of the window) when given.
 */
async function phase({ title, servers, seconds, warmupSeconds = 0, postgresPids, log, onSample }) {
  const env = servers[0].env;
  const demo = await cli(['seed', '--demo'], env);
  const [a, b] = demo.companies;
  const headers = { authorization: `Bearer ${a.keys.write}` };
  const example = JSON.parse(await readFile(path.join(root, 'bench/seed-lead-example.json'), 'utf8'));
  const receiver = await startReceiver();
  const streams = [];
  const t = tally();
  try {
    const hook = await request(`${servers[0].base}/v1/webhooks`, {
      method: 'POST',
      headers,
      body: { url: receiver.url, events: ['leads.create', 'leads.update'], description: 'soak receiver' },
    });
    if (hook.status !== 201)
      throw new Error(`POST /v1/webhooks: ${hook.status} ${JSON.stringify(hook.body)}`);
    receiver.state.secret = hook.body.secret;
    // B's streams: half its admin's (its key's user), half its partnerships user's (`userId`).
    for (let i = 0; i < SSE_CLIENTS; i++) {
      const server = servers[i % servers.length];
      streams.push(await openStream(server.base, b.keys.write, i % 2 ? b.users[1].id : undefined));
    }
    // Older leads for the gets before the first creates have answered: 10 made up front.
    const requests = mixRequests(a, b, example, t);
    for (let i = 0; i < 10; i++) {
      const res = await request(`${servers[0].base}/v1/leads`, {
        method: 'POST',
        headers,
        body: {
          associationType: 'campaigns',
          companyCampaignId: a.campaigns[0].id,
          email: `soak-${runTag}-pre-${sequence++}@soak.test`,
          company_name: 'Soak Early Co',
        },
      });
      if (res.status !== 201) throw new Error(`POST /v1/leads: ${res.status} ${JSON.stringify(res.body)}`);
      t.createdIds.push(res.body.id);
      t.pool.push(res.body.id);
    }
    log(
      `${title}: ${fmt(seconds)} s, ${CONNECTIONS} connections over ${servers.length} process(es), ` +
        `${streams.length} notification streams, webhook → ${receiver.url}` +
        (warmupSeconds ? `, after a ${warmupSeconds} s warm-up` : ''),
    );

    // A fresh process runs cold (its JIT, its pool): a warm-up of the same traffic, not timed.
    const warmup = warmupSeconds
      ? await cannon(
          servers.map((s) => s.base),
          CONNECTIONS,
          warmupSeconds,
          requests,
        )
      : { non2xx: 0, socketErrors: 0 };
    const samples = [];
    const t0 = Date.now();
    let last = { at: t0, completed: 0 };
    const sample = async () => {
      const at = Date.now();
      const rss = await Promise.all(servers.map((s) => rssMb(s.pid).catch(() => Number.NaN)));
      const s = {
        t: Math.round((at - t0) / 1000),
        rssMb: rss[0],
        ...(rss.length > 1 ? { rssMbEach: rss } : {}),
        rps: (t.completed - last.completed) / ((at - last.at) / 1000),
        deliveries: receiver.state.byId.size,
        errors: t.non2xx,
      };
      last = { at, completed: t.completed };
      samples.push(s);
      onSample?.(s);
    };
    const timer = setInterval(() => sample().catch(() => {}), SAMPLE_SECONDS * 1000);
    let run;
    let cpu;
    try {
      ({ result: run, cpu } = await cpuDuring(
        servers.map((s) => s.pid),
        postgresPids,
        () =>
          cannon(
            servers.map((s) => s.base),
            CONNECTIONS,
            seconds,
            requests,
          ),
      ));
    } finally {
      clearInterval(timer);
    }
    const loadSeconds = (Date.now() - t0) / 1000;

    // What the server did, by the API (autocannon drops the answers in flight when it stops, so
    // the client's own counts can be a few short; those requests still commit, so the counts are
    // read once they have stopped moving): A's leads (each made one leads.create), those
    // 'contacted' (each updated once: one leads.update), B's leads (A's partner creates' copies:
    // each notifies both B users). The client's counts must not exceed them.
    const bRead = { authorization: `Bearer ${b.keys.write}` };
    const counts = async () => ({
      aLeads: await countOf(`${servers[0].base}/v1/leads?pageSize=1`, headers),
      aUpdated: await countOf(`${servers[0].base}/v1/leads?pageSize=1&status=contacted`, headers),
      bLeads: await countOf(`${servers[0].base}/v1/leads?pageSize=1`, bRead),
    });
    let settled = await counts();
    for (let tries = 0; tries < 30; tries++) {
      await sleep(1000);
      const again = await counts();
      const same = JSON.stringify(again) === JSON.stringify(settled);
      settled = again;
      if (same) break;
    }
    const { aLeads, aUpdated, bLeads } = settled;
    const created = new Set(t.createdIds);
    const expectedDeliveries = aLeads + aUpdated;
    // The drain: every delivery and every stream event expected, or the bound.
    const drainStart = Date.now();
    const drained = () =>
      receiver.state.byId.size >= expectedDeliveries && streams.every((s) => s.ids.size >= bLeads);
    while (!drained() && Date.now() - drainStart < DRAIN_SECONDS * 1000) await sleep(100);
    const drainSeconds = (Date.now() - drainStart) / 1000;
    // A moment more for a late repeat to show.
    await sleep(1000);

    const deliveredCreates = new Set();
    let deliveredUpdates = 0;
    const other = {};
    for (const d of receiver.state.byId.values()) {
      if (d.type === 'leads.create') deliveredCreates.add(d.leadId);
      else if (d.type === 'leads.update') deliveredUpdates++;
      else other[d.type] = (other[d.type] ?? 0) + 1;
    }
    const missingCreated = [...created].filter((id) => !deliveredCreates.has(id)).length;
    const webhooks = {
      expected: expectedDeliveries,
      expectedCreates: aLeads,
      expectedUpdates: aUpdated,
      delivered: receiver.state.byId.size,
      deliveredCreates: deliveredCreates.size,
      deliveredUpdates,
      other,
      // Leads answered 201 without a delivery, and short counts.
      missingCreated,
      lost:
        Math.max(missingCreated, aLeads - deliveredCreates.size) + Math.max(0, aUpdated - deliveredUpdates),
      duplicates: receiver.state.duplicates,
      badSignatures: receiver.state.badSignatures,
      clientCounts: { creates: created.size, updates: t.updates },
      clientCountsConsistent: created.size <= aLeads && t.updates <= aUpdated && t.partnerCreates <= bLeads,
    };
    // The notifications the relay wrote, by the API: one per B lead for each of B's two users.
    const notified = [
      await countOf(`${servers[0].base}/v1/notifications?pageSize=1`, bRead),
      await countOf(`${servers[0].base}/v1/notifications?pageSize=1&userId=${b.users[1].id}`, bRead),
    ];
    const perStream = streams.map((s) => s.ids.size);
    const sse = {
      clients: streams.length,
      expectedPerClient: bLeads,
      notifiedByApi: notified,
      clientPartnerCreates: t.partnerCreates,
      min: Math.min(...perStream),
      max: Math.max(...perStream),
      allExact:
        perStream.every((n) => n === bLeads) &&
        notified.every((n) => n === bLeads) &&
        t.partnerCreates <= bLeads,
      duplicates: streams.reduce((s, x) => s + x.duplicates, 0),
      endedEarly: streams.filter((s) => s.ended || s.error).length,
      types: streams.reduce((acc, s) => {
        for (const [k, v] of Object.entries(s.types)) acc[k] = (acc[k] ?? 0) + v;
        return acc;
      }, {}),
    };
    const errors = run.non2xx + run.socketErrors + warmup.non2xx + warmup.socketErrors;
    const result = {
      title,
      processes: servers.length,
      connections: CONNECTIONS,
      seconds: loadSeconds,
      requests: run.total,
      rps: run.total / loadSeconds,
      p50: run.p50,
      p99: run.p99,
      byKind: t.byKind,
      errors,
      socketErrors: run.socketErrors + warmup.socketErrors,
      warmupSeconds,
      errorSamples: t.errors,
      creates: created.size,
      partnerCreates: t.partnerCreates,
      updates: t.updates,
      webhooks,
      sse,
      drainSeconds,
      cpu,
      samples,
    };
    result.ok =
      errors === 0 &&
      webhooks.lost === 0 &&
      webhooks.badSignatures === 0 &&
      webhooks.clientCountsConsistent &&
      sse.allExact &&
      sse.endedEarly === 0;
    return result;
  } finally {
    for (const s of streams) s.close?.();
    await receiver.close();
  }
}

/** 'server 0.9, PostgreSQL 0.5, this script 0.1; the machine 2.0 of 2 (others 0.5)'. */
const cpuLine = (c) => {
  const ours = c.servers.reduce((s, x) => s + x, 0) + c.postgres + c.client;
  return (
    `server${c.servers.length > 1 ? 's' : ''} ${c.servers.map((x) => fmt(x, 2)).join(' + ')}, ` +
    `PostgreSQL ${fmt(c.postgres, 2)}, this script ${fmt(c.client, 2)}; the whole machine ${fmt(c.machine, 2)} of ${c.cores} ` +
    `(other processes ${fmt(Math.max(0, c.machine - ours), 2)})`
  );
};

function printPhase(r, log) {
  const kinds = Object.entries(r.byKind)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  log(
    `${r.title}: ${fmt(r.requests)} requests in ${fmt(r.seconds, 1)} s = ${fmt(r.rps)} req/s ` +
      `(p50 ${r.p50} ms, p99 ${r.p99} ms; ${kinds}); errors ${r.errors}`,
  );
  for (const e of r.errorSamples) log(`  !! ${e.status} ${e.request}: ${e.body}`);
  log(`  CPU (cores busy on average): ${cpuLine(r.cpu)}`);
  const w = r.webhooks;
  const other = Object.entries(w.other)
    .map(([k, v]) => `, ${v} ${k} !!`)
    .join('');
  log(
    `  webhooks: delivered ${fmt(w.delivered)} of ${fmt(w.expected)} expected ` +
      `(leads.create ${fmt(w.deliveredCreates)}/${fmt(w.expectedCreates)}, leads.update ${fmt(w.deliveredUpdates)}/${fmt(w.expectedUpdates)}${other}), ` +
      `lost ${w.lost}, duplicates ${w.duplicates}, bad signatures ${w.badSignatures}; drained in ${fmt(r.drainSeconds, 1)} s` +
      (w.clientCountsConsistent ? '' : ` !! the client counted more (${JSON.stringify(w.clientCounts)})`),
  );
  const s = r.sse;
  log(
    `  notification streams: ${s.clients} clients, each expected ${fmt(s.expectedPerClient)} events (B's leads; ` +
      `the API lists ${s.notifiedByApi.map((n) => fmt(n)).join(' and ')} notifications of B's two users), ` +
      `got ${fmt(s.min)}…${fmt(s.max)}${s.allExact ? ' (all exact)' : ' !!'}, duplicates ${s.duplicates}, ended early ${s.endedEarly}`,
  );
}

/** The warn/error lines of a server's JSON log (pino levels 40 and up): how many, the first few. */
function serverWarnings(output) {
  const first = [];
  let count = 0;
  for (const line of output.split('\n')) {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (!(entry?.level >= 40)) continue;
    count++;
    if (first.length < 3) first.push(String(entry.msg).slice(0, 200));
  }
  return { count, first };
}

/**
 * The soak and the scale phases on one backend. `apiEnv(port)` is bench/run.mjs's server
 * environment for this backend's database; `dataDir` the embedded data folder (undefined on
 * external). Returns the results; the servers are stopped before it returns.
 */
export async function soakBackend({ backend, apiEnv, dataDir, database, log }) {
  const postgresPids = () => (dataDir ? embeddedPids(dataDir) : backendPids(database));
  const secretKey = randomBytes(32).toString('hex');
  const servers = [];
  const startServer = async () => {
    const port = await freePort();
    const env = {
      ...apiEnv(port),
      // Both processes sign webhooks with the same key; the request log stays out of the way.
      JOURNEYBEE_SECRET_KEY: secretKey,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    };
    const child = start(process.execPath, ['dist/cli/main.js', 'serve'], env);
    const server = { base: `http://127.0.0.1:${port}`, pid: child.pid, env, child };
    servers.push(server);
    await waitFor(`${server.base}/readyz`, child);
    return server;
  };
  try {
    const one = await startServer();
    await sleep(1000);
    const idleMb = await rssMb(one.pid);
    const pgStartMb = dataDir ? await postgresRssMb(dataDir) : undefined;
    log(`server RSS idle ${fmt(idleMb, 1)} MB; sampling every ${SAMPLE_SECONDS} s`);
    log('    t (s) | RSS (MB) | req/s | deliveries | errors');
    const soak = await phase({
      title: 'soak',
      servers: [one],
      seconds: SOAK_SECONDS,
      postgresPids,
      log,
      onSample: (s) =>
        log(
          `  ${String(s.t).padStart(7)} | ${fmt(s.rssMb, 1).padStart(8)} | ${fmt(s.rps).padStart(5)} | ` +
            `${fmt(s.deliveries).padStart(10)} | ${s.errors}`,
        ),
    });
    soak.rss = { idleMb, ...rssVerdict(soak.samples, SOAK_SECONDS) };
    if (dataDir) soak.rss.postgresMb = { start: pgStartMb, end: await postgresRssMb(dataDir) };
    printPhase(soak, log);
    log(
      `  RSS ${fmt(soak.rss.firstMb, 1)} MB → ${fmt(soak.rss.lastMb, 1)} MB (${fmt(soak.rss.change * 100, 1)} %): ` +
        `${soak.rss.flat ? 'flat' : '!! not flat'} (${soak.rss.definition}); after the warm-up ` +
        `${fmt(soak.rss.afterWarmup.minMb, 1)}…${fmt(soak.rss.afterWarmup.maxMb, 1)} MB, ` +
        `trend ${fmt(soak.rss.afterWarmup.slopeMbPerMinute, 2)} MB/min`,
    );

    const scale = (title, servers) =>
      phase({
        title,
        servers,
        seconds: SCALE_SECONDS,
        warmupSeconds: SCALE_WARMUP_SECONDS,
        postgresPids,
        log,
      });
    const scale1 = await scale('scale, 1 process', [one]);
    printPhase(scale1, log);
    const two = await startServer();
    const scale2 = await scale('scale, 2 processes', [one, two]);
    printPhase(scale2, log);
    const ratio = scale2.rps / scale1.rps;
    log(`2 processes / 1 process: ${fmt(scale2.rps)} / ${fmt(scale1.rps)} req/s = ${fmt(ratio, 2)}×`);
    const logged = servers.map((s) => serverWarnings(s.child.output()));
    for (const [i, w] of logged.entries())
      if (w.count) log(`process ${i + 1} logged ${w.count} warnings/errors, e.g. ${w.first.join(' | ')}`);
    return { backend, soak, scale: { one: scale1, two: scale2, ratio }, serverWarnings: logged };
  } finally {
    // The second process first: the first started the embedded PostgreSQL and stops it.
    for (const s of servers.reverse()) await stop(s.child);
  }
}

const check = (ok) => (ok ? '✓' : '✗');

/** The summary table of every backend soaked, and the results file. */
export async function reportSoak(results, { out, started } = {}) {
  console.log('\n## Soak summary\n');
  console.log(
    '| backend | phase | processes | seconds | req/s | p99 | errors | webhooks delivered / expected | SSE per client (expected) | RSS first → last minute |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---|---|---|');
  for (const { backend, soak, scale } of results) {
    for (const r of [soak, scale.one, scale.two]) {
      const rss = r.rss
        ? `${fmt(r.rss.firstMb, 1)} → ${fmt(r.rss.lastMb, 1)} MB (${fmt(r.rss.change * 100, 1)} %) ${check(r.rss.flat)}`
        : '';
      console.log(
        `| ${backend} | ${r.title} | ${r.processes} | ${fmt(r.seconds)} | ${fmt(r.rps)} | ${r.p99} ms | ${r.errors} ${check(r.errors === 0)} | ` +
          `${fmt(r.webhooks.delivered)} / ${fmt(r.webhooks.expected)} ${check(r.webhooks.lost === 0)} | ` +
          `${fmt(r.sse.min)}…${fmt(r.sse.max)} (${fmt(r.sse.expectedPerClient)}) ${check(r.sse.allExact)} | ${rss} |`,
      );
    }
    const phases = [soak, scale.one, scale.two];
    const errors = phases.reduce((n, r) => n + r.errors, 0);
    const lost = phases.reduce((n, r) => n + r.webhooks.lost, 0);
    const streamsExact = phases.every((r) => r.sse.allExact && r.sse.endedEarly === 0);
    console.log(
      `\n${backend}: ${errors} errors ${check(errors === 0)}; webhook deliveries lost ${lost} ${check(lost === 0)}; ` +
        `every stream got every notification ${check(streamsExact)}; RSS ${soak.rss.flat ? 'flat' : 'not flat'} within 10 % ` +
        `${check(soak.rss.flat)} (${fmt(soak.rss.firstMb, 1)} → ${fmt(soak.rss.lastMb, 1)} MB)` +
        `${SOAK_SECONDS < 300 ? ', a soak under 5 minutes measures warm-up more than flatness' : ''}; ` +
        `2 processes / 1 process = ${fmt(scale.ratio, 2)}× requests/s (${fmt(scale.two.rps)} / ${fmt(scale.one.rps)})`,
    );
  }
  const file =
    out ??
    path.join(
      root,
      'bench/results',
      `soak-${new Date(started ?? Date.now()).toISOString().replace(/[:.]/g, '-')}.json`,
    );
  await mkdir(path.dirname(file), { recursive: true });
  const doc = {
    started: new Date(started ?? Date.now()).toISOString(),
    host: { cores: os.cpus().length, loadavg: os.loadavg() },
    settings: {
      SOAK_SECONDS,
      SOAK_SCALE_SECONDS: SCALE_SECONDS,
      SOAK_SCALE_WARMUP_SECONDS: SCALE_WARMUP_SECONDS,
      SOAK_CONNECTIONS: CONNECTIONS,
      SOAK_SSE_CLIENTS: SSE_CLIENTS,
      SOAK_SAMPLE_SECONDS: SAMPLE_SECONDS,
      mix: MIX,
    },
    results,
  };
  // Lost work fails the run; RSS is a measurement (it needs the full soak to mean anything).
  doc.ok = results.every((r) => [r.soak, r.scale.one, r.scale.two].every((p) => p.ok));
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
  return doc;
}
