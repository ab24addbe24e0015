/**
 * Real embedded PostgreSQL 18 instances in temporary folders; other processes are tests/fixtures/embedded/child.ts.
 * Tests run in order and some reuse the previous test's folder to avoid paying for initdb again.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgresHandle, openEmbeddedPostgres } from '../../src/db/embedded.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'tests/fixtures/embedded/child.ts');
const IS_ROOT = process.getuid?.() === 0;

// Everything logged by in-process handles, to check that no password ever leaks.
const logs: string[] = [];
const logFn =
  (level: string) =>
  (obj: object | string, msg?: string): void => {
    logs.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
  };
const logger = { info: logFn('info'), warn: logFn('warn'), error: logFn('error') };

let base: string;
const tempDirs: string[] = [];
const dataDirs: string[] = [];
const handles: EmbeddedPostgresHandle[] = [];
const children: Child[] = [];
const strayPids: number[] = [];

beforeAll(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'jb-embedded-'));
  // mkdtemp makes 0700 dirs; data folders below must be reachable by the `postgres` user when we are root.
  await fs.chmod(base, 0o711);
  tempDirs.push(base);
});

afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  // Several handles on one folder release one after another (a lock), and each one that is not
  // the last recounts for up to 3 s before it leaves the server running.
  await Promise.all(handles.map((h) => withTimeout(h.release(), 30_000).catch(() => {})));
  for (const pid of strayPids) {
    kill(pid, 'SIGKILL');
    kill(pid, 'SIGCONT');
  }
  // Stop every server still running in one of our folders, by the pid in its postmaster.pid.
  for (const dir of dataDirs) {
    const pid = postmasterPid(dir);
    if (pid && isPostmasterOf(pid, dir)) {
      kill(pid, 'SIGQUIT');
      if (!(await waitFor(() => !alive(pid), 5_000))) kill(pid, 'SIGKILL');
    }
  }
  // A server that was still shutting down may write one last file: rm retries on ENOTEMPTY.
  for (const dir of tempDirs) {
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}, 120_000);

describe('openEmbeddedPostgres', () => {
  let firstDir: string;
  let first: EmbeddedPostgresHandle;

  it('first start: initialises a fresh folder and starts a private, durable server', async () => {
    firstDir = newDataDir('first'); // does not exist yet
    const t0 = Date.now();
    first = track(await openEmbeddedPostgres({ dataDir: firstDir, logger }));
    console.log(`first start: ${Date.now() - t0} ms`);
    expect(first.started).toBe(true);

    await fs.access(path.join(firstDir, 'pg', 'PG_VERSION'));
    const credFile = path.join(firstDir, 'credentials.json');
    expect((await fs.stat(credFile)).mode & 0o777).toBe(0o600);
    const { password } = JSON.parse(await fs.readFile(credFile, 'utf8')) as { password: string };
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(new URL(first.connectionString).password).toBe(password);

    const url = new URL(first.connectionString);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toBe('/journeybee');
    expect(Number(url.port)).not.toBe(5432);

    const rows = await query(
      first.connectionString,
      `SELECT current_database() AS db, current_setting('listen_addresses') AS listen,
              current_setting('fsync') AS fsync, current_setting('max_connections')::int AS max,
              current_setting('server_version_num')::int AS version`,
    );
    expect(rows[0]).toMatchObject({ db: 'journeybee', listen: '127.0.0.1', fsync: 'on' });
    expect(rows[0]?.max).toBeGreaterThanOrEqual(100);
    expect(rows[0]?.version).toBeGreaterThanOrEqual(180000);

    // The admin connection can create databases (what the app's tests need).
    await query(first.adminConnectionString, 'CREATE DATABASE scratch');

    // A detached daemon: own session, not our child, running as `postgres` when we are root.
    const pid = postmasterPid(firstDir)!;
    const stat = procStat(pid);
    expect(stat.ppid).not.toBe(process.pid);
    expect(stat.sid).toBe(pid);
    if (IS_ROOT) expect((await fs.stat(`/proc/${pid}`)).uid).not.toBe(0);

    expect(logs.join('\n')).not.toContain(password);
  }, 30_000);

  it('a second process attaches to the running server instead of starting another', async () => {
    const pid = postmasterPid(firstDir);
    const child = startChild(firstDir);
    const ready = await child.next('ready');
    console.log(`attach (child process, open only): ${ready.ms} ms`);
    expect(ready.started).toBe(false);
    expect(ready.connectionString).toBe(first.connectionString);
    expect(postmasterPid(firstDir)).toBe(pid);
    expect(postmastersOf(firstDir)).toEqual([pid]);
    child.send({ cmd: 'exit' });
    await child.exited;
    expect(child.stderr()).not.toContain(new URL(first.connectionString).password);
  }, 30_000);

  it("Ctrl-C of the starting process's whole process group does not reach the server", async () => {
    const dir = newDataDir('sigint');
    // Its own process group, standing in for a terminal's foreground job.
    const child = startChild(dir, { ownProcessGroup: true });
    expect((await child.next('ready')).started).toBe(true);
    const pid = postmasterPid(dir)!;
    kill(-child.proc.pid!, 'SIGINT');
    await child.exited;
    expect(alive(pid)).toBe(true);

    const h = track(await openEmbeddedPostgres({ dataDir: dir, logger }));
    expect(h.started).toBe(false);
    await h.release();
    expect(alive(pid)).toBe(false);
  }, 30_000);

  it('release() stops the server only when the last Journeybee process lets go', async () => {
    const dir = newDataDir('release');
    const a = startChild(dir);
    expect((await a.next('ready')).started).toBe(true);
    const b = startChild(dir);
    const bReady = await b.next('ready');
    expect(bReady.started).toBe(false);
    const pid = postmasterPid(dir)!;

    a.send({ cmd: 'release' });
    await a.next('released');
    expect(alive(pid)).toBe(true);
    b.send({ cmd: 'query', sql: 'SELECT 42 AS answer' });
    expect((await b.next('result')).rows).toEqual([{ answer: 42 }]);

    b.send({ cmd: 'release' });
    await b.next('released');
    expect(alive(pid)).toBe(false);
    await expect(fs.access(path.join(dir, 'pg', 'postmaster.pid'))).rejects.toThrow();
    for (const c of [a, b]) {
      c.proc.stdin.end();
      await c.exited;
    }
  }, 30_000);

  describe('crash recovery', () => {
    let dir: string;

    it('kill -9 of the starting process: the orphaned server is reused and committed rows survive', async () => {
      dir = newDataDir('crash');
      const child = startChild(dir);
      expect((await child.next('ready')).started).toBe(true);
      child.send({ cmd: 'query', sql: "CREATE TABLE t (v text); INSERT INTO t VALUES ('committed')" });
      await child.next('result');
      const pid = postmasterPid(dir)!;

      child.proc.kill('SIGKILL');
      await child.exited;
      expect(alive(pid)).toBe(true); // orphaned, re-parented, still holding folder and port

      const t0 = Date.now();
      const h = track(await openEmbeddedPostgres({ dataDir: dir, logger }));
      console.log(`attach to orphan (in-process): ${Date.now() - t0} ms`);
      expect(h.started).toBe(false);
      expect(postmasterPid(dir)).toBe(pid);
      expect(await query(h.connectionString, 'SELECT v FROM t')).toEqual([{ v: 'committed' }]);
    }, 30_000);

    it('kill -9 of the server itself: restarted with WAL recovery, rows intact', async () => {
      const pid = postmasterPid(dir)!;
      kill(pid, 'SIGKILL');
      await waitFor(() => !alive(pid), 5_000);

      const h = track(await openEmbeddedPostgres({ dataDir: dir, logger }));
      expect(h.started).toBe(true);
      expect(postmasterPid(dir)).not.toBe(pid);
      expect(await query(h.connectionString, 'SELECT v FROM t')).toEqual([{ v: 'committed' }]);
    }, 30_000);

    it('stale postmaster.pid with a dead pid, an unrelated process, or garbage', async () => {
      await stopServer(dir);
      const pgData = path.join(dir, 'pg');

      // A pid that certainly exited.
      const done = spawn('true');
      await new Promise((r) => done.on('exit', r));
      await writePidFile(pgData, done.pid!);
      let h = track(await openEmbeddedPostgres({ dataDir: dir, logger }));
      expect(h.started).toBe(true);
      await stopServer(dir);

      // A live process that is not postgres (postgres itself would refuse to start on it).
      const sleeper = spawn('sleep', ['60']);
      strayPids.push(sleeper.pid!);
      await writePidFile(pgData, sleeper.pid!);
      h = track(await openEmbeddedPostgres({ dataDir: dir, logger }));
      expect(h.started).toBe(true);
      expect(alive(sleeper.pid!)).toBe(true); // never touched
      await stopServer(dir);

      // A live postgres serving a different folder must be left alone too.
      const otherPid = postmasterPid(firstDir)!;
      await writePidFile(pgData, otherPid);
      h = track(await openEmbeddedPostgres({ dataDir: dir, logger }));
      expect(h.started).toBe(true);
      expect(alive(otherPid)).toBe(true);
      expect(await query(first.connectionString, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      await stopServer(dir);

      await fs.writeFile(path.join(pgData, 'postmaster.pid'), '');
      h = track(await openEmbeddedPostgres({ dataDir: dir, logger }));
      expect(h.started).toBe(true);
      expect(await query(h.connectionString, 'SELECT v FROM t')).toEqual([{ v: 'committed' }]);
    }, 40_000);

    it('a server that accepts no connections is killed and restarted, within a bounded time', async () => {
      const pid = postmasterPid(dir)!;
      strayPids.push(pid);
      kill(pid, 'SIGSTOP'); // alive, ours, but wedged

      const t0 = Date.now();
      const h = track(await openEmbeddedPostgres({ dataDir: dir, logger }));
      const ms = Date.now() - t0;
      console.log(`recover from wedged server: ${ms} ms`);
      expect(h.started).toBe(true);
      expect(ms).toBeLessThan(20_000);
      expect(alive(pid)).toBe(false);
      expect(postmastersOf(dir)).toEqual([postmasterPid(dir)]);
      expect(await query(h.connectionString, 'SELECT v FROM t')).toEqual([{ v: 'committed' }]);

      const { password } = JSON.parse(await fs.readFile(path.join(dir, 'credentials.json'), 'utf8'));
      expect(logs.join('\n')).not.toContain(password);
      expect(await fs.readFile(path.join(dir, 'postgres.log'), 'utf8')).not.toContain(password);
    }, 40_000);
  });

  it('two processes opening the same empty folder at once end up sharing one server', async () => {
    // An empty mkdtemp folder (mode 0700) used directly as the data folder.
    const dir = await fs.mkdtemp(path.join(base, 'concurrent-'));
    dataDirs.push(dir);
    // Debris of an earlier process killed mid-init: a stale startup lock and a half-written cluster.
    const lockDir = path.join(dir, 'startup.lock');
    await fs.mkdir(lockDir);
    const minuteAgo = new Date(Date.now() - 60_000);
    await fs.utimes(lockDir, minuteAgo, minuteAgo);
    await fs.mkdir(path.join(dir, 'pg.init-deadbeef'));
    await fs.writeFile(path.join(dir, 'pg.init-deadbeef', 'PG_VERSION'), '18\n');

    const [a, b] = [startChild(dir), startChild(dir)];
    const [ra, rb] = await Promise.all([a.next('ready'), b.next('ready')]);
    expect([ra.started, rb.started].sort()).toEqual([false, true]);
    expect(ra.connectionString).toBe(rb.connectionString);
    expect(postmastersOf(dir)).toEqual([postmasterPid(dir)]);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('pg.init-'))).toEqual([]);

    for (const c of [a, b]) {
      c.send({ cmd: 'release' });
      await c.next('released');
      c.proc.stdin.end();
      await c.exited;
    }
    expect(postmastersOf(dir)).toEqual([]);
  }, 30_000);

  it('a data folder that is a file, or below one, is refused at once and the file left untouched', async () => {
    const file = path.join(base, 'not-a-folder');
    await fs.writeFile(file, 'keep me\n', { mode: 0o600 });
    const old = new Date('2020-01-02T03:04:05Z');
    await fs.utimes(file, old, old);
    const snapshot = async () => {
      const st = await fs.stat(file);
      return {
        uid: st.uid,
        gid: st.gid,
        mode: st.mode,
        mtimeMs: st.mtimeMs,
        text: await fs.readFile(file, 'utf8'),
      };
    };
    const before = await snapshot();
    const entries = (await fs.readdir(base)).sort();
    // Before the fix this waited ~3 minutes for a lock inside the file (and, as root, chowned it).
    await expect(openEmbeddedPostgres({ dataDir: file, logger })).rejects.toThrow(
      `the data folder ${file} is not a directory`,
    );
    await expect(openEmbeddedPostgres({ dataDir: path.join(file, 'data'), logger })).rejects.toThrow(
      `the data folder ${path.join(file, 'data')} cannot be created: a parent is not a directory`,
    );
    expect(await snapshot()).toEqual(before);
    expect((await fs.readdir(base)).sort()).toEqual(entries);
  }, 15_000);
});

// ---------------------------------------------------------------------------------------------------------

interface ChildEvent {
  event: string;
  started?: boolean;
  connectionString?: string;
  ms?: number;
  rows?: unknown[];
  message?: string;
}
interface Child {
  proc: ChildProcessWithoutNullStreams;
  exited: Promise<unknown>;
  next(event: string, timeoutMs?: number): Promise<ChildEvent>;
  send(msg: object): void;
  stderr(): string;
}

function startChild(dataDir: string, opts: { ownProcessGroup?: boolean } = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], {
    cwd: ROOT,
    detached: opts.ownProcessGroup ?? false,
  });
  const queue: ChildEvent[] = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  readline.createInterface({ input: proc.stdout }).on('line', (line) => {
    queue.push(JSON.parse(line) as ChildEvent);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise((r) => proc.on('exit', r));
  const child: Child = {
    proc,
    exited,
    stderr: () => stderr,
    send: (msg) => proc.stdin.write(`${JSON.stringify(msg)}\n`),
    next: (event, timeoutMs = 20_000) =>
      withTimeout(
        new Promise<ChildEvent>((resolve, reject) => {
          const check = () => {
            const i = queue.findIndex((e) => e.event === event || e.event === 'error');
            if (i >= 0) {
              const [e] = queue.splice(i, 1);
              if (e?.event === 'error') reject(new Error(`child error: ${e.message}`));
              else resolve(e!);
            } else {
              waiters.push(check);
            }
          };
          check();
          void exited.then(() => reject(new Error(`child exited before "${event}": ${stderr}`)));
        }),
        timeoutMs,
      ),
  };
  children.push(child);
  return child;
}

function newDataDir(name: string): string {
  const dir = path.join(base, name);
  dataDirs.push(dir);
  return dir;
}

function track(h: EmbeddedPostgresHandle): EmbeddedPostgresHandle {
  handles.push(h);
  return h;
}

async function query(connectionString: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString, application_name: 'embedded-test' });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Stop a folder's server the way an operator would, leaving a clean shutdown behind. */
async function stopServer(dir: string): Promise<void> {
  const pid = postmasterPid(dir)!;
  kill(pid, 'SIGINT'); // fast shutdown
  expect(await waitFor(() => !alive(pid), 10_000)).toBe(true);
}

async function writePidFile(pgData: string, pid: number): Promise<void> {
  const lines = [
    pid,
    pgData,
    Math.floor(Date.now() / 1000),
    54321,
    '',
    '127.0.0.1',
    '  1234  5678',
    'ready   ',
  ];
  await fs.writeFile(path.join(pgData, 'postmaster.pid'), `${lines.join('\n')}\n`);
}

function postmasterPid(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8'), 10);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

function isPostmasterOf(pid: number, dir: string): boolean {
  const argv = cmdline(pid);
  return path.basename(argv[0] ?? '') === 'postgres' && argv.includes(path.join(dir, 'pg'));
}

/** Live postmasters (not backends) serving this folder, found by scanning /proc. */
function postmastersOf(dir: string): number[] {
  return readdirNumeric('/proc').filter((pid) => isPostmasterOf(pid, dir));
}

function readdirNumeric(dir: string): number[] {
  return readdirSync(dir)
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

function procStat(pid: number): { ppid: number; sid: number } {
  // Fields after the parenthesised command: state ppid pgrp session ...
  const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
  return { ppid: Number(rest[1]), sid: Number(rest[3]) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]);
}
