// npm run bench: the API against the bare Fastify + pg floor (../shared/bench-floor), on the same
// machine and PostgreSQL, in the same run. 10 connections, 10 s per scenario (BENCH_SECONDS).
// Prints requests/s, p50/p99 latency, the ratio to the floor, and the server's resident memory.
//
// Backends: "external" is the machine's PostgreSQL (BENCH_PG_URL, default
// postgres://postgres@127.0.0.1:5432/postgres — a fresh database is created on it), "embedded"
// is Journeybee's own embedded PostgreSQL in a temporary data folder. BENCH_BACKENDS=external
// limits the run to one.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const floorSrc = path.resolve(root, '../shared/bench-floor');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = 10;
const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const backends = (process.env.BENCH_BACKENDS ?? 'external,embedded').split(',');
const children = new Set();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function withDb(url, db) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function adminQuery(sql) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

function start(cmd, args, env, logFile) {
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (out.length > 1e6) out = out.slice(-1e5);
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  child.on('exit', () => children.delete(child));
  child.output = () => out;
  child.logFile = logFile;
  return child;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function waitFor(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${child.output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${url}:\n${child.output()}`);
}

async function cli(args, env) {
  const child = start(process.execPath, ['dist/cli/main.js', ...args, '--json'], env);
  const code = await new Promise((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`journeybee ${args.join(' ')} failed:\n${child.output()}`);
  return JSON.parse(child.output().trim().split('\n').pop());
}

function rssMb(pid) {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)[1]) / 1024);
}

/** Resident memory of every process of the embedded PostgreSQL (postmaster and its children). */
async function postgresRssMb(dataDir) {
  const pidFile = await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => null);
  if (!pidFile) return 0;
  const postmaster = Number(pidFile.split('\n')[0]);
  const { readdir } = await import('node:fs/promises');
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.split(') ')[1]?.split(' ')[1]);
    if (Number(entry) === postmaster || ppid === postmaster) total += await rssMb(entry).catch(() => 0);
  }
  return total;
}

function run(title, opts) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ connections, duration: seconds, ...opts }, (err, result) => {
      if (err) reject(err);
      else resolve(result);
    });
    instance.on('error', reject);
  }).then((r) => {
    const non2xx = r.non2xx + r.errors + r.timeouts;
    return {
      title,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx,
      total: r.requests.total,
    };
  });
}

async function floorScenarios(dbUrl) {
  const dir = path.join(root, 'bench', 'results', 'floor');
  await mkdir(dir, { recursive: true });
  // Inside the repo, so `fastify` and `pg` resolve from our node_modules (same versions as the floor pins).
  await copyFile(path.join(floorSrc, 'pg-leads.mjs'), path.join(dir, 'pg-leads.mjs'));
  const schema = await readFile(path.join(floorSrc, 'schema.sql'), 'utf8');
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  await c.query(schema);
  await c.query(
    `INSERT INTO leads (company_name, email, company_id) SELECT 'Co ' || g, 'e' || g || '@x.test', 1 FROM generate_series(1, 10000) g`,
  );
  await c.end();
  const port = await freePort();
  const child = start(process.execPath, [path.join(dir, 'pg-leads.mjs')], {
    BASELINE_DB_URL: dbUrl,
    PORT: String(port),
  });
  try {
    await waitFor(`http://127.0.0.1:${port}/leads/1`, child);
    const base = `http://127.0.0.1:${port}`;
    await run('warmup', { url: `${base}/leads`, duration: 2 });
    return [await run('floor GET /leads (10 rows + count)', { url: `${base}/leads` })];
  } finally {
    await stop(child);
  }
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
  };
  const server = start(process.execPath, ['dist/cli/main.js', 'serve'], env);
  try {
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
    await run('warmup', { url: `${base}/v1/users?page=1&pageSize=10`, headers, duration: 2 });
    const results = [
      await run('GET /v1/users?page=1&pageSize=10', { url: `${base}/v1/users?page=1&pageSize=10`, headers }),
    ];
    await sleep(2000);
    const idleAfter = await rssMb(server.pid);
    const pgRss = dataDir ? await postgresRssMb(dataDir) : 0;
    return { results, memory: { idleBefore, idleAfter, pgRss } };
  } finally {
    await stop(server);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function table(rows, floorRps) {
  for (const r of rows) {
    const ratio = floorRps ? ` (${fmt(r.rps / floorRps, 2)}× floor)` : '';
    const errors = r.non2xx ? `  !! ${r.non2xx} non-2xx/errors` : '';
    console.log(
      `  ${r.title.padEnd(44)} ${fmt(r.rps).padStart(7)} req/s${ratio}  p50 ${r.p50} ms  p99 ${r.p99} ms${errors}`,
    );
  }
}

async function main() {
  console.log(
    `Journeybee bench — ${connections} connections, ${seconds} s per scenario, ${os.cpus().length} cores`,
  );
  for (const backend of backends) {
    const db = `jb_bench_${Date.now()}`;
    let apiDbUrl;
    let floorDbUrl;
    if (backend === 'external') {
      await adminQuery(`CREATE DATABASE ${db}`);
      await adminQuery(`CREATE DATABASE ${db}_floor`);
      apiDbUrl = withDb(adminUrl, db);
      floorDbUrl = withDb(adminUrl, `${db}_floor`);
    }
    try {
      console.log(`\n[${backend}]`);
      let floor;
      let api;
      if (backend === 'external') {
        floor = await floorScenarios(floorDbUrl);
        api = await apiScenarios(backend, apiDbUrl);
      } else {
        // The floor on an embedded PostgreSQL of its own, for a like-for-like ratio.
        const { openEmbeddedPostgres } = await import('../dist/db/embedded.js');
        const dir = await mkdtemp(path.join(os.tmpdir(), 'jb-bench-floor-'));
        const quiet = { info() {}, warn() {}, error: console.error };
        const handle = await openEmbeddedPostgres({ dataDir: dir, logger: quiet, database: 'floor' });
        try {
          floor = await floorScenarios(handle.connectionString);
        } finally {
          await handle.release();
          await rm(dir, { recursive: true, force: true });
        }
        api = await apiScenarios(backend, undefined);
      }
      table(floor, undefined);
      table(api.results, floor[0].rps);
      console.log(
        `  memory: server RSS idle ${fmt(api.memory.idleBefore, 1)} MB at start, ${fmt(api.memory.idleAfter, 1)} MB after load` +
          (api.memory.pgRss ? `; embedded PostgreSQL processes ${fmt(api.memory.pgRss, 1)} MB` : ''),
      );
    } finally {
      if (backend === 'external') {
        await adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        await adminQuery(`DROP DATABASE IF EXISTS ${db}_floor WITH (FORCE)`);
      }
    }
  }
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGKILL');
}
