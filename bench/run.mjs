// npm run bench: the API against the bare Fastify + pg floor (bench/floor/), on the same
// machine and PostgreSQL, in the same run. 10 connections, 10 s per scenario (BENCH_SECONDS).
// Prints requests/s, p50/p99 latency, the ratio to the floor route it compares with (POST /leads
// for creates, GET /leads/:id for by-id reads, GET /leads for lists), and the server's memory.
//
// Backends: "external" is the machine's PostgreSQL (BENCH_PG_URL, default
// postgres://postgres@127.0.0.1:5432/postgres — fresh databases are created on it and dropped),
// "embedded" is Journeybee's own embedded PostgreSQL in a temporary data folder (removed, its
// server stopped). BENCH_BACKENDS=external limits the run to one. The whole run is bounded by
// BENCH_DEADLINE_SECONDS (default 900); past it, as on Ctrl-C, everything is stopped and removed.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { floorScenarios } from './floor.mjs';
import { leadScenarios } from './leads.mjs';
import {
  children,
  cli,
  connections,
  freePort,
  measure,
  postgresRssMb,
  query,
  rssMb,
  seconds,
  sleep,
  start,
  stop,
  waitFor,
  withDb,
} from './lib.mjs';
import { benchWebhooks, formatWebhookResult } from './webhooks.mjs';

const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const backends = (process.env.BENCH_BACKENDS ?? 'external,embedded').split(',');
const deadlineSeconds = Number(process.env.BENCH_DEADLINE_SECONDS ?? 900);
const quiet = { info() {}, warn() {}, error: console.error };

const log = (line) => console.log(`  · ${line}`);

// What a run cut short (Ctrl-C, SIGTERM, the deadline) still owes: our embedded PostgreSQL
// handles, and undo steps (drop a database, remove a data folder). See abort().
const openHandles = new Set();
const owed = new Set();
let aborting = false;

/** Runs `work`, then `undo` — also when the run is aborted meanwhile. */
async function owing(undo, work) {
  owed.add(undo);
  try {
    return await work();
  } finally {
    // Once aborting, abort() alone undoes, in its order.
    if (!aborting) {
      owed.delete(undo);
      await undo();
    }
  }
}

/** Runs `work` with Journeybee's embedded PostgreSQL of `dataDir` (started, or attached to). */
async function withEmbedded(dataDir, database, work) {
  const { openEmbeddedPostgres } = await import('../dist/db/embedded.js');
  const handle = await openEmbeddedPostgres({ dataDir, logger: quiet, database });
  openHandles.add(handle);
  try {
    return await work(handle.connectionString);
  } finally {
    // Stops the server unless another Journeybee process (the API) still uses it.
    openHandles.delete(handle);
    await handle.release();
  }
}

/** Removes an embedded data folder, stopping a server the API left running in it first. */
async function removeEmbedded(dataDir) {
  if (existsSync(path.join(dataDir, 'pg', 'postmaster.pid')))
    await withEmbedded(dataDir, 'postgres', () => {});
  await rm(dataDir, { recursive: true, force: true });
}

async function apiScenarios(backend, dbUrl) {
  const port = await freePort();
  const dataDir = backend === 'embedded' ? await mkdtemp(path.join(os.tmpdir(), 'jb-bench-')) : undefined;
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    ...(dbUrl ? { DATABASE_URL: dbUrl } : { DATABASE_URL: '', JOURNEYBEE_DATA_DIR: dataDir }),
    REDIS_URL: '',
    // The webhook scenario delivers to a receiver on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  };
  const server = start(process.execPath, ['dist/cli/main.js', 'serve'], env);
  const undo = async () => {
    await stop(server);
    if (dataDir) await removeEmbedded(dataDir);
  };
  return owing(undo, async () => {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/readyz`, server);
    const company = await cli(['companies', 'create', '--name', 'Bench Co'], env);
    for (let i = 0; i < 25; i++) {
      await cli(['users', 'create', '--company', String(company.id), '--email', `user${i}@bench.test`], env);
    }
    const { key } = await cli(
      ['keys', 'create', '--company', String(company.id), '--permission', 'write'],
      env,
    );
    const headers = { authorization: `Bearer ${key}` };
    await sleep(1000);
    const idleBefore = await rssMb(server.pid);
    const users = await measure('GET /v1/users?page=1&pageSize=10', {
      url: `${base}/v1/users?page=1&pageSize=10`,
      headers,
    });
    const leads = dbUrl
      ? await leadScenarios({ base, env, dbUrl, log })
      : await withEmbedded(dataDir, 'journeybee', (url) => leadScenarios({ base, env, dbUrl: url, log }));
    // Event-to-delivery latency and delivery throughput: 1,000 lead creates to a local receiver.
    const campaign = await fetch(`${base}/v1/campaigns`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Webhook bench' }),
    }).then((r) => r.json());
    const webhooks = await benchWebhooks({
      baseUrl: base,
      writeKey: key,
      campaignId: campaign.id,
      dbUrl,
      log,
    });
    await sleep(2000);
    const idleAfter = await rssMb(server.pid);
    const pgRss = dataDir ? await postgresRssMb(dataDir) : 0;
    return {
      results: [{ ...users, floor: 'list' }, ...leads],
      webhooks,
      memory: { idleBefore, idleAfter, pgRss },
    };
  });
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function printRow(r, floorRps) {
  if (r.skipped) {
    console.log(`  ${r.title.padEnd(48)} skipped: ${r.skipped}`);
    return;
  }
  const ratio = floorRps ? ` (${fmt(r.rps / floorRps, 2)}× floor)` : '';
  const notes = [r.non2xx ? `!! ${r.non2xx} non-2xx/errors` : '', r.check ?? ''].filter(Boolean).join('; ');
  console.log(
    `  ${r.title.padEnd(48)} ${fmt(r.rps).padStart(7)} req/s${ratio.padEnd(15)}  p50 ${r.p50} ms  p99 ${r.p99} ms` +
      (notes ? `  ${notes}` : ''),
  );
}

async function benchBackend(backend) {
  const db = `jb_bench_${Date.now()}`;
  console.log(`\n[${backend}]`);
  let floor;
  let api;
  if (backend === 'external') {
    const drop = async () => {
      await query(adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await query(adminUrl, `DROP DATABASE IF EXISTS ${db}_floor WITH (FORCE)`);
    };
    await owing(drop, async () => {
      await query(adminUrl, `CREATE DATABASE ${db}`);
      await query(adminUrl, `CREATE DATABASE ${db}_floor`);
      floor = await floorScenarios(withDb(adminUrl, `${db}_floor`));
      api = await apiScenarios(backend, withDb(adminUrl, db));
    });
  } else {
    // The floor on an embedded PostgreSQL of its own, for a like-for-like ratio.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jb-bench-floor-'));
    floor = await owing(
      () => removeEmbedded(dir),
      () => withEmbedded(dir, 'floor', floorScenarios),
    );
    api = await apiScenarios(backend, undefined);
  }
  for (const r of Object.values(floor)) printRow(r);
  for (const r of api.results) printRow(r, floor[r.floor]?.rps);
  console.log(formatWebhookResult(api.webhooks));
  console.log(
    `  memory: server RSS idle ${fmt(api.memory.idleBefore, 1)} MB at start, ${fmt(api.memory.idleAfter, 1)} MB after load` +
      (api.memory.pgRss ? `; embedded PostgreSQL processes ${fmt(api.memory.pgRss, 1)} MB` : ''),
  );
}

async function main() {
  const [load1] = os.loadavg();
  console.log(
    `Journeybee bench — ${connections} connections, ${seconds} s per scenario, ${os.cpus().length} cores, ` +
      `load average ${fmt(load1, 2)} at start`,
  );
  for (const backend of backends) await benchBackend(backend);
  console.log(
    `\nload average ${os
      .loadavg()
      .map((n) => fmt(n, 2))
      .join(', ')} at the end`,
  );
}

/**
 * Ends a run cut short without leaving anything behind: children stopped first (the API server
 * releases its embedded PostgreSQL), then our own handles released (the last user stops the
 * server), then the databases and folders still owed are removed.
 */
async function abort(why, code) {
  aborting = true;
  console.error(`bench: ${why}; stopping and cleaning up`);
  try {
    for (const child of children) await stop(child);
    for (const handle of openHandles) await handle.release();
    for (const undo of owed) await undo().catch((err) => console.error(`bench: cleanup: ${err.message}`));
  } finally {
    console.error('bench: cleaned up');
    process.exit(code);
  }
}

// Listeners stay registered: proper-lockfile's signal-exit re-raises a signal that no other
// listener handles any more, which would kill the run in the middle of its cleanup.
process.on('SIGINT', () => aborting || abort('interrupted', 130));
process.on('SIGTERM', () => aborting || abort('terminated', 143));
// A closed pipe (`| head`) must not end the run before its cleanup.
process.stdout.on('error', () => {});
const deadline = setTimeout(() => abort(`over ${deadlineSeconds} s`, 1), deadlineSeconds * 1000);
deadline.unref();

try {
  await main();
} catch (err) {
  // Aborting makes the run's own steps fail; abort() reports and exits when it is done.
  if (!aborting) throw err;
  await new Promise(() => {});
} finally {
  clearTimeout(deadline);
  for (const child of children) await stop(child);
}
