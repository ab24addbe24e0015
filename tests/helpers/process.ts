/**
 * Spawning the real built CLI (`node dist/cli/main.js …`): one-shot commands and `serve`.
 * Children get only the environment a test gives them, are tracked, and are killed by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { uniq } from './app.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');

const children = new Set<ChildProcess>();

function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`npm run build\` first`);
}

/** A minimal environment: the file's database, Redis when the run has one, nothing inherited. */
export function childEnv(databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: databaseUrl,
    ...(process.env.REDIS_URL
      ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `jbtest:${uniq()}:` }
      : {}),
    ...extra,
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs one CLI command to completion (killed, and the test failed, if it takes over `timeoutMs`),
 * in the project folder unless `cwd` says otherwise.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 20_000,
  cwd = ROOT,
): Promise<CliResult> {
  assertBuilt();
  const started = Date.now();
  const proc = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return withTimeout(done, timeoutMs, `journeybee ${args.join(' ')}`).catch((err: Error) => {
    proc.kill('SIGKILL');
    throw new Error(`${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`);
  });
}

/** A port nobody listens on right now (the kernel picks it; we release it for the child). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves true when a new TCP connection to the port is refused. */
export function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `journeybee serve` in a child process, on a port chosen here, with its output captured. */
export class ServerProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;

  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
  ) {
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => {
      proc.on('close', (code, signal) => {
        children.delete(proc);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /**
   * Starts `serve` and waits until /readyz answers 200. `opts.port`: the caller has set the port
   * itself (in `env`, or in the `.env` of `opts.cwd`), so PORT is not set here.
   */
  static async start(
    env: NodeJS.ProcessEnv,
    readyTimeoutMs = 30_000,
    opts: { cwd?: string; port?: number } = {},
  ): Promise<ServerProcess> {
    assertBuilt();
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      const proc = spawn(process.execPath, [CLI, 'serve'], {
        cwd: opts.cwd ?? ROOT,
        env: opts.port ? { HOST: '127.0.0.1', ...env } : { ...env, PORT: String(port), HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(proc);
      const server = new ServerProcess(proc, port);
      try {
        await server.waitReady(readyTimeoutMs);
        return server;
      } catch (err) {
        proc.kill('SIGKILL');
        await server.exited;
        // Someone took the port between our probe and the child's listen: try another one.
        if (attempt < 3 && !opts.port && server.stderr.includes('EADDRINUSE')) continue;
        throw new Error(`${(err as Error).message}\nstdout: ${server.stdout}\nstderr: ${server.stderr}`);
      }
    }
  }

  private async waitReady(ms: number): Promise<void> {
    await waitFor(
      async () => {
        if (this.exit) throw new Error(`server exited during startup (${JSON.stringify(this.exit)})`);
        try {
          const res = await fetch(`${this.url}/readyz`);
          await res.arrayBuffer();
          return res.status === 200;
        } catch {
          return false;
        }
      },
      ms,
      'the server to be ready',
    );
  }

  /** The log: every stdout line must be one JSON object. */
  logLines(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`log line is not JSON: ${line}`);
        }
      });
  }

  waitForExit(ms: number): Promise<Exit> {
    return withTimeout(this.exited, ms, `server pid ${this.pid} to exit`);
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.exit) this.proc.kill(signal);
  }
}

/** afterAll: SIGKILL every child this file started that is still running. */
export async function killChildren(): Promise<void> {
  const waiting = [...children].map(
    (proc) =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('close', () => resolve());
        proc.kill('SIGKILL');
      }),
  );
  await withTimeout(Promise.all(waiting), 10_000, 'children to die').catch(() => {});
  children.clear();
}
