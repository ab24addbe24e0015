// npm run bench: the API against the bare Fastify + pg floor (bench/floor/, plus bench/floor-extra.mjs
// for search and partners), on the same machine and PostgreSQL, in the same run, each floor route
// measured right before the API scenario it is the floor of, with both tables holding the same
// number of rows. 10 connections, 10 s per scenario (BENCH_SECONDS) after a 2 s warm-up. Prints
// requests/s, p50/p99 latency and the ratio to the floor route of every scenario as it runs, the
// server's memory (idle before, peak under load, idle after), and at the end one table per backend
// like issue 10's Targets table: scenario | req/s | p50 | p99 | ratio to floor | target.
//
// Backends: "external" is the machine's PostgreSQL (BENCH_PG_URL, default
// postgres://postgres@127.0.0.1:5432/postgres — fresh databases are created on it and dropped),
// "embedded" is Journeybee's own embedded PostgreSQL in a temporary data folder (the floor in a
// database of its own on the same server; removed, its server stopped). BENCH_BACKENDS=external
// limits the run to one. The whole run is bounded by BENCH_DEADLINE_SECONDS (default 900); past
// it, as on Ctrl-C, everything is stopped and removed. BENCH_ONLY=deals,report runs only those
// groups of scenarios (leads, users, partners, deals, webhooks, big, report; bench/lib.mjs).
// `npm run bench --soak` (or `-- --soak`) runs the soak and scale benchmark instead (bench/soak.mjs).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BIG_LEADS, bigScenarios } from './big.mjs';
import { dealScenarios } from './deals.mjs';
import { startFloor } from './floor.mjs';
import { LEADS, leadScenarios, prepareLeads } from './leads.mjs';
import {
  children,
  cli,
  connections,
  freePort,
  measure,
  only,
  postgresRssMb,
  query,
  request,
  rssMb,
  seconds,
  sleep,
  start,
  stop,
  waitFor,
  watchRss,
  withDb,
} from './lib.mjs';
import { partnerScenarios } from './partners.mjs';
import {
  reportSoak,
  SCALE_SECONDS,
  SOAK_SECONDS,
  soakBackend,
  soakDeadlineSeconds,
  soakRequested,
} from './soak.mjs';
import { benchWebhooks, formatWebhookResult } from './webhooks.mjs';

const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const backends = (process.env.BENCH_BACKENDS ?? 'external,embedded').split(',');
// `npm run bench --soak` / `npm run bench -- --soak`: the soak and scale benchmark instead.
const soak = soakRequested();
const deadlineSeconds = Number(
  process.env.BENCH_DEADLINE_SECONDS ?? (soak ? soakDeadlineSeconds(backends.length) : 900),
);
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

/** The API server's environment: on `dbUrl`, else the embedded PostgreSQL of `dataDir`. */
function apiEnv(port, dbUrl, dataDir) {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    ...(dbUrl ? { DATABASE_URL: dbUrl } : { DATABASE_URL: '', JOURNEYBEE_DATA_DIR: dataDir }),
    REDIS_URL: '',
    // The webhook scenarios deliver to a receiver on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  };
}

/**
 * The soak (bench/soak.mjs) on `backend`: a database of its own on the machine's PostgreSQL, or
 * an embedded PostgreSQL in a temporary folder (also the external servers' data folder); removed
 * after, also when the run is cut short.
 */
async function soakOn(backend) {
  console.log(`\n[${backend}]`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jb-soak-'));
  const db = `jb_soak_${Date.now()}`;
  const dbUrl = backend === 'external' ? withDb(adminUrl, db) : undefined;
  const undo = async () => {
    if (dbUrl) await query(adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await removeEmbedded(dataDir);
  };
  return owing(undo, async () => {
    if (dbUrl) await query(adminUrl, `CREATE DATABASE ${db}`);
    return soakBackend({
      backend,
      // On external, the data folder holds nothing but what a server writes there.
      apiEnv: (port) => ({ ...apiEnv(port, dbUrl, dataDir), JOURNEYBEE_DATA_DIR: dataDir }),
      dataDir: dbUrl ? undefined : dataDir,
      database: db,
      log,
    });
  });
}

/**
 * Starts the API on `dbUrl` (or on an embedded PostgreSQL of its own when undefined; the floor
 * then gets a database on that server) and runs every scenario, the floor's next to the API's,
 * adding its rows to `results` as they are measured.
 */
async function apiScenarios(backend, results, dbUrl, floorDbUrl) {
  const port = await freePort();
  const dataDir = backend === 'embedded' ? await mkdtemp(path.join(os.tmpdir(), 'jb-bench-')) : undefined;
  const env = apiEnv(port, dbUrl, dataDir);
  const server = start(process.execPath, ['dist/cli/main.js', 'serve'], env);
  const undo = async () => {
    await stop(server);
    if (dataDir) await removeEmbedded(dataDir);
  };
  /** `work(apiDbUrl, floorDbUrl)`, on the embedded server's databases for the embedded backend. */
  const withDatabases = (work) =>
    dbUrl
      ? work(dbUrl, floorDbUrl)
      : withEmbedded(dataDir, 'journeybee', (api) =>
          withEmbedded(dataDir, 'floor', (floor) => work(api, floor)),
        );
  return owing(undo, async () => {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/readyz`, server);
    // A company of 25 users for GET /v1/users: its admin and key by the CLI, the rest by the API
    // (a CLI command is a process start, a second of CPU each on a busy machine).
    const company = await cli(['companies', 'create', '--name', 'Bench Co'], env);
    await cli(['users', 'create', '--company', String(company.id), '--email', 'user0@bench.test'], env);
    const { key } = await cli(
      ['keys', 'create', '--company', String(company.id), '--permission', 'write'],
      env,
    );
    const headers = { authorization: `Bearer ${key}` };
    for (let i = 1; i < 25; i++) {
      const user = await request(`${base}/v1/users`, {
        method: 'POST',
        headers,
        body: { email: `user${i}@bench.test`, role: 'partnerships' },
      });
      if (user.status !== 201)
        throw new Error(`POST /v1/users answered ${user.status}: ${JSON.stringify(user.body)}`);
    }
    await sleep(1000);
    const idleBefore = await rssMb(server.pid);
    const rss = watchRss(server.pid);
    /** Keeps rows, printing them as they come (a run cut short has printed what it measured). */
    const keep = (rows) => {
      for (const r of rows) {
        printRow(r);
        results.push(r);
      }
    };
    let webhooks;
    let bigLoadMs = 0;
    await withDatabases(async (apiDb, floorDb) => {
      const demo = await prepareLeads({ env, dbUrl: apiDb, log });
      const floor = await startFloor(floorDb, demo.rows);
      log(`the API's leads table and the floor's hold ${demo.rows.toLocaleString('en-US')} rows each`);
      try {
        if (only('leads')) keep(await leadScenarios({ base, dbUrl: apiDb, demo, floor }));
        if (only('users')) {
          const usersUrl = `${base}/v1/users?page=1&pageSize=10`;
          const { body } = await request(usersUrl, { headers });
          const users = await measure('GET /v1/users?page=1&pageSize=10', { url: usersUrl, headers });
          const usersFloor = floor.measured.list ?? (await floor.list());
          if (!floor.measured.list) keep([usersFloor]);
          keep([{ ...users, floor: usersFloor, check: `record-count ${body.meta?.['record-count']}` }]);
        }
        if (only('partners')) keep(await partnerScenarios({ base, demo, floor }));
        if (only('deals')) keep(await dealScenarios({ base, demo, floor }));
        // Event-to-delivery latency and delivery throughput: 1,000 lead creates to a local receiver.
        if (only('webhooks')) {
          const campaign = await fetch(`${base}/v1/campaigns`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ title: 'Webhook bench' }),
          }).then((r) => r.json());
          webhooks = await benchWebhooks({
            baseUrl: base,
            writeKey: key,
            campaignId: campaign.id,
            dbUrl: apiDb,
            log,
          });
        }
        const big = await bigScenarios({
          base,
          env,
          dbUrl: apiDb,
          log,
          msPerLead: demo.msPerLead,
          deadlineAt: started + deadlineSeconds * 1000,
          floor,
        });
        keep(big.results);
        bigLoadMs = big.loadMs;
      } finally {
        await floor.stop();
      }
    });
    rss.stop();
    await sleep(2000);
    const idleAfter = await rssMb(server.pid);
    const pgRss = dataDir ? await postgresRssMb(dataDir) : 0;
    return { webhooks, bigLoadMs, memory: { idleBefore, peak: rss.peak(), idleAfter, pgRss } };
  });
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** '0.06×', the API row's requests/s as a ratio to its floor row's. */
const ratioOf = (r) => (r.floor?.rps ? `${fmt(r.rps / r.floor.rps, 2)}×` : '');

/** '≥ 0.45× ✓' / 'p99 < 20 ms ✗' (met or missed), '—' when issue 10 sets none. */
function targetOf(r) {
  if (r.target?.ratio !== undefined) {
    const met = r.floor?.rps && r.rps / r.floor.rps >= r.target.ratio;
    return `≥ ${fmt(r.target.ratio, 2)}× ${met ? '✓' : '✗'}`;
  }
  if (r.target?.p99 !== undefined) return `p99 < ${r.target.p99} ms ${r.p99 < r.target.p99 ? '✓' : '✗'}`;
  return '—';
}

function printRow(r) {
  if (r.skipped) {
    console.log(`  ${r.title.padEnd(56)} skipped: ${r.skipped}`);
    return;
  }
  const ratio = r.floor ? ` (${ratioOf(r)} ${r.floor.route})` : '';
  const notes = [
    r.total === 0 ? `!! no request completed in ${seconds} s` : '',
    r.non2xx ? `!! ${r.non2xx} non-2xx/errors` : '',
    r.check ?? '',
  ]
    .filter(Boolean)
    .join('; ');
  console.log(
    `  ${r.title.padEnd(56)} ${fmt(r.rps).padStart(7)} req/s${ratio.padEnd(22)}  p50 ${r.p50} ms  p99 ${r.p99} ms` +
      (notes ? `  ${notes}` : ''),
  );
}

/** Issue 10's Targets table, as measured: every API scenario of one backend. */
function printTable(backend, results) {
  console.log(`\n### ${backend}\n`);
  console.log('| scenario | req/s | p50 | p99 | ratio to floor | target |');
  console.log('|---|---:|---:|---:|---|---|');
  for (const r of results) {
    if (r.isFloor) continue;
    if (r.skipped) {
      console.log(`| ${r.title} | skipped: ${r.skipped} | | | | ${targetOf(r)} |`);
      continue;
    }
    const ratio = r.floor ? `${ratioOf(r)} of ${r.floor.route} (${fmt(r.floor.rps)}/s)` : '—';
    const errors = r.total === 0 ? ' (!! none completed)' : r.non2xx ? ` (!! ${r.non2xx} non-2xx)` : '';
    console.log(
      `| ${r.title} | ${fmt(r.rps)}${errors} | ${r.p50} ms | ${r.p99} ms | ${ratio} | ${targetOf(r)} |`,
    );
  }
}

const secondsSince = (t0) => (Date.now() - t0) / 1000;
const summaries = [];

async function benchBackend(backend) {
  const t0 = Date.now();
  const db = `jb_bench_${Date.now()}`;
  console.log(`\n[${backend}]`);
  const summary = { backend, results: [] };
  summaries.push(summary);
  let api;
  if (backend === 'external') {
    const drop = async () => {
      await query(adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await query(adminUrl, `DROP DATABASE IF EXISTS ${db}_floor WITH (FORCE)`);
    };
    await owing(drop, async () => {
      await query(adminUrl, `CREATE DATABASE ${db}`);
      await query(adminUrl, `CREATE DATABASE ${db}_floor`);
      api = await apiScenarios(
        backend,
        summary.results,
        withDb(adminUrl, db),
        withDb(adminUrl, `${db}_floor`),
      );
    });
  } else {
    api = await apiScenarios(backend, summary.results, undefined);
  }
  if (api.webhooks) console.log(formatWebhookResult(api.webhooks));
  const { idleBefore, peak, idleAfter, pgRss } = api.memory;
  const memory =
    `server RSS idle ${fmt(idleBefore, 1)} MB at start, peak ${fmt(peak.mb, 1)} MB under load` +
    (peak.during ? ` (during ${peak.during})` : '') +
    `, idle ${fmt(idleAfter, 1)} MB after` +
    (pgRss ? `; embedded PostgreSQL processes ${fmt(pgRss, 1)} MB` : '');
  console.log(`  memory: ${memory}`);
  const took = secondsSince(t0);
  console.log(`  [${backend}] took ${fmt(took)} s`);
  Object.assign(summary, { memory, bigLoadMs: api.bigLoadMs, took });
}

async function main() {
  const [load1] = os.loadavg();
  if (soak) {
    console.log(
      `Journeybee soak — ${SOAK_SECONDS} s soak, ${SCALE_SECONDS} s per scale phase, ${os.cpus().length} cores, ` +
        `load average ${fmt(load1, 2)} at start`,
    );
    const soaked = [];
    for (const backend of backends) soaked.push(await soakOn(backend));
    const { ok } = await reportSoak(soaked, { out: process.env.SOAK_OUT, started });
    // Errors, lost deliveries or stream events fail the run.
    if (!ok) process.exitCode = 1;
    return;
  }
  console.log(
    `Journeybee bench — ${connections} connections, ${seconds} s per scenario, ${os.cpus().length} cores, ` +
      `load average ${fmt(load1, 2)} at start; ${fmt(LEADS)} leads for the lead scenarios, ` +
      `${fmt(BIG_LEADS)} in one company for the big list`,
  );
  for (const backend of backends) await benchBackend(backend);
  printSummary();
}

const started = Date.now();

/** The tables of every backend measured, also of one a deadline or Ctrl-C cut short. */
function printSummary(cutShort) {
  if (soak) return;
  console.log(
    '\n## Summary (ratios: requests/s against the floor route measured just before, same row counts)',
  );
  for (const { backend, results, memory, bigLoadMs, took } of summaries) {
    printTable(backend, results);
    if (took === undefined) {
      console.log(`\n${backend}: cut short (${cutShort}); the rows above are what it measured.`);
      continue;
    }
    console.log(`\n${backend}: ${memory}.`);
    const big = bigLoadMs ? `${fmt(BIG_LEADS)} leads loaded in ${fmt(bigLoadMs / 1000, 1)} s` : 'no big load';
    console.log(`${backend}: ${big}; the backend took ${fmt(took)} s.`);
  }
  console.log(
    `\nload average ${os
      .loadavg()
      .map((n) => fmt(n, 2))
      .join(', ')} at the end; the run took ${fmt(secondsSince(started))} s (deadline ${deadlineSeconds} s)`,
  );
}

/**
 * Ends a run cut short without leaving anything behind: children stopped first (the API server
 * releases its embedded PostgreSQL), then our own handles released (the last user stops the
 * server), then the databases and folders still owed are removed.
 */
async function abort(why, code) {
  aborting = true;
  printSummary(why);
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
