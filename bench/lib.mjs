// Helpers for bench/run.mjs: child processes (always stopped, every wait bounded), the
// journeybee CLI, autocannon runs and memory readings.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const seconds = Number(process.env.BENCH_SECONDS ?? 10);
export const connections = 10;
/**
 * BENCH_ONLY=deals,report runs only those groups of scenarios (and what they need loaded):
 * leads, users, partners, deals, webhooks, big (the lead lists at 1 M), report. Unset: all.
 */
export const GROUPS = ['leads', 'users', 'partners', 'deals', 'webhooks', 'big', 'report'];
const onlyGroups = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((g) => g.trim()) : GROUPS;
for (const g of onlyGroups)
  if (!GROUPS.includes(g)) throw new Error(`BENCH_ONLY: no group "${g}" (${GROUPS.join(', ')})`);
export const only = (group) => onlyGroups.includes(group);
/** Every child this script started and has not seen exit. */
export const children = new Set();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A sleep that does not keep the process alive: the bound of a race that usually ends sooner. */
const bound = (ms) => new Promise((r) => setTimeout(r, ms).unref());

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export function withDb(url, db) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A connected pg client whose connect and every query are bounded. */
export async function pgClient(connectionString, queryTimeoutMs = 30_000) {
  const c = new pg.Client({
    connectionString,
    connectionTimeoutMillis: 10_000,
    query_timeout: queryTimeoutMs,
    application_name: 'journeybee-bench',
  });
  // A connection lost (a server stopped by an abort) fails the query in flight; unheard, the
  // client's 'error' event would end the process in the middle of its cleanup.
  c.on('error', () => {});
  await c.connect();
  return c;
}

export async function query(connectionString, sql, params = [], timeoutMs = 30_000) {
  const c = await pgClient(connectionString, timeoutMs);
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

export function start(cmd, args, env) {
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const keep = (d) => {
    out += d;
    if (out.length > 1e6) out = out.slice(-1e5);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => children.delete(child));
  child.output = () => out;
  return child;
}

const exited = (child) => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM, then SIGKILL after 15 s: the server gets to close its pool and embedded PostgreSQL. */
export async function stop(child) {
  if (exited(child)) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([done, bound(15_000)]);
  if (!exited(child)) child.kill('SIGKILL');
}

export async function waitFor(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(child)) throw new Error(`server exited early:\n${child.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {}
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${url}:\n${child.output()}`);
}

/** `journeybee <args> --json`, bounded; returns the JSON it printed last. */
export async function cli(args, env, timeoutMs = 60_000) {
  const child = start(process.execPath, ['dist/cli/main.js', ...args, '--json'], env);
  const code = await Promise.race([
    new Promise((r) => child.once('exit', r)),
    bound(timeoutMs).then(() => 'timeout'),
  ]);
  if (code === 'timeout') await stop(child);
  if (code !== 0) throw new Error(`journeybee ${args.join(' ')} failed (${code}):\n${child.output()}`);
  return JSON.parse(child.output().trim().split('\n').pop());
}

/** One bounded HTTP request; the body parsed as JSON when it is JSON. */
export async function request(url, { method = 'GET', headers = {}, body } = {}) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, body: json ?? text };
}

export function rssMb(pid) {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)[1]) / 1024);
}

/** The title of the run `measure` is making (its warm-up included), '' between runs. */
let measuring = '';

/**
 * Samples the resident memory of `pid` every `everyMs` until `stop()`: `peak()` is the highest
 * reading and the title `measure` was running then.
 */
export function watchRss(pid, everyMs = 250) {
  let peak = { mb: 0, during: '' };
  const timer = setInterval(() => {
    const during = measuring;
    rssMb(pid)
      .then((mb) => {
        if (mb > peak.mb) peak = { mb, during };
      })
      .catch(() => {});
  }, everyMs);
  timer.unref();
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

/** Resident memory of every process of the embedded PostgreSQL (postmaster and its children). */
export async function postgresRssMb(dataDir) {
  const pidFile = await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => null);
  if (!pidFile) return 0;
  const postmaster = Number(pidFile.split('\n')[0]);
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.split(') ')[1]?.split(' ')[1]);
    if (Number(entry) === postmaster || ppid === postmaster) total += await rssMb(entry).catch(() => 0);
  }
  return total;
}

/**
 * One autocannon run (`connections` connections, `seconds` s unless `opts` says otherwise).
 * `opts` goes to autocannon as is: `url`, `headers`, `method`, `body`, or `requests` with a
 * `setupRequest` to vary each request.
 */
export function run(title, opts) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ connections, duration: seconds, ...opts }, (err, result) => {
      if (err) reject(err);
      else resolve(result);
    });
    instance.on('error', reject);
  }).then((r) => ({
    title,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx + r.errors + r.timeouts,
    total: r.requests.total,
  }));
}

/** A warm-up of `warmupSeconds`, then the measured run. */
export async function measure(title, opts, warmupSeconds = 2) {
  measuring = title;
  try {
    await run('warmup', { ...opts, duration: warmupSeconds });
    return await run(title, opts);
  } finally {
    measuring = '';
  }
}
