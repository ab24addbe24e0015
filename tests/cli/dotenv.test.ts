/**
 * `.env` in the working folder, read by the real built CLI (`node dist/cli/main.js`) at boot:
 * its settings apply, the environment wins over it, no file is fine, a malformed one is refused
 * with a message naming the file and the line (never a value).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dotEnvProblems } from '../../src/config/index.js';
import { createTestDatabase } from '../helpers/app.js';
import { connectionRefused, freePort, killChildren, runCli, ServerProcess } from '../helpers/process.js';

let dbUrl: string;
let drop: () => Promise<void>;
const dirs: string[] = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  dbUrl = db.url;
  drop = db.drop;
});

afterAll(async () => {
  await killChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await drop?.();
});

/** A fresh working folder, with `.env` holding `content` when given. */
function workdir(content?: string | Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jb-dotenv-'));
  dirs.push(dir);
  if (content !== undefined) writeFileSync(path.join(dir, '.env'), content);
  return dir;
}

/** Only PATH and HOME (and Redis when the run has it): the rest must come from `.env`. */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...extra,
  };
}

async function stopGracefully(server: ServerProcess): Promise<void> {
  server.kill('SIGTERM');
  expect(await server.waitForExit(15_000)).toEqual({ code: 0, signal: null });
}

describe('.env in the working folder', () => {
  it('serve takes PORT, LOG_LEVEL and DATABASE_URL from it', async () => {
    const port = await freePort();
    const cwd = workdir(
      `# settings for this folder\n\nPORT=${port}\nLOG_LEVEL=warn\nexport DATABASE_URL="${dbUrl}"\n`,
    );
    const server = await ServerProcess.start(bareEnv(), 30_000, { cwd, port });
    await stopGracefully(server);
    // warn: not even the "listening" line (info), which the next test shows is there at info.
    expect(server.stdout).toBe('');
    expect(server.stderr).toBe('');
    // The file's database, not an embedded one in ./data.
    expect(existsSync(path.join(cwd, 'data'))).toBe(false);
  });

  it('the environment wins over the file, even an empty variable', async () => {
    const filePort = await freePort();
    const envPort = await freePort();
    const cwd = workdir(`PORT=${filePort}\nLOG_LEVEL=warn\nDATABASE_URL=${dbUrl}\n`);
    // LOG_LEVEL='' in the environment means the default (info), not the file's warn.
    const server = await ServerProcess.start(bareEnv({ PORT: String(envPort), LOG_LEVEL: '' }), 30_000, {
      cwd,
      port: envPort,
    });
    expect(await connectionRefused(filePort)).toBe(true);
    await stopGracefully(server);
    const listening = server.logLines().filter((l) => String(l.msg).startsWith('Journeybee listening on'));
    expect(listening.map((l) => l.msg)).toEqual([`Journeybee listening on http://127.0.0.1:${envPort}`]);
  });

  it('every command reads it; no .env is fine', async () => {
    const withFile = await runCli(
      ['migrate', '--json'],
      bareEnv(),
      20_000,
      workdir(`DATABASE_URL=${dbUrl}\n`),
    );
    expect(withFile).toMatchObject({ code: 0, stderr: '', stdout: '{"migrated":true}\n' });
    const without = await runCli(['migrate', '--json'], bareEnv({ DATABASE_URL: dbUrl }), 20_000, workdir());
    expect(without).toMatchObject({ code: 0, stderr: '', stdout: '{"migrated":true}\n' });
  });

  it('the forms Node reads as meant are accepted: comments, export, quotes, multi-line values', async () => {
    const cwd = workdir(
      [
        '# a comment',
        '',
        '  export A_1 = two words # trailing comment',
        'B="multi',
        'line" # comment',
        "C='single # not a comment'",
        'D=`back`',
        'E=',
        'F=""',
        `DATABASE_URL=${dbUrl}`,
        'CRLF=yes\r',
      ].join('\n'),
    );
    const res = await runCli(['migrate', '--json'], bareEnv(), 20_000, cwd);
    expect(res).toMatchObject({ code: 0, stderr: '', stdout: '{"migrated":true}\n' });
  });

  const SECRET = 's3cr3t-value-never-echoed';
  const malformed: [string, string | Buffer, RegExp][] = [
    ['a line without =', `A=1\npostgres://u:${SECRET}@h/db\n`, /line 2: expected NAME=value/],
    ['a name with a space', `MY KEY=${SECRET}\n`, /line 1: expected NAME=value/],
    ['a name starting with a digit', `1A=${SECRET}\n`, /line 1: expected NAME=value/],
    ['no name', `=${SECRET}\n`, /line 1: expected NAME=value/],
    [
      'an unclosed quote',
      `A=1\nB="${SECRET}\nC=2\n`,
      /line 2: the value of B opens a " quote that is never closed/,
    ],
    [
      'text after a closing quote',
      `A='${SECRET}' trailing\n`,
      /line 1: unexpected text after the closing ' of A's value/,
    ],
    ['a NUL character', `A=${SECRET}\0\n`, /line 1: contains a NUL character/],
    ['bytes that are not UTF-8', Buffer.from([0x41, 0x3d, 0xff, 0xfe, 0x0a]), /not UTF-8 text/],
  ];

  for (const [what, content, message] of malformed) {
    it(`${what}: serve and migrate (plain and --json) exit 1, naming the file and the line, not the value`, async () => {
      const cwd = workdir(content);
      const file = path.join(cwd, '.env');
      // Everything the commands need is in the environment: the file is refused, not skipped.
      const env = bareEnv({ DATABASE_URL: dbUrl, PORT: '0' });
      for (const args of [['serve'], ['migrate'], ['migrate', '--json']]) {
        const res = await runCli(args, env, 20_000, cwd);
        const label = `${args.join(' ')}: ${JSON.stringify(res)}`;
        expect(res.code, label).toBe(1);
        expect(res.stdout, label).toBe('');
        const error = args.includes('--json') ? JSON.parse(res.stderr).error : res.stderr;
        expect(error, label).toContain(`Invalid ${file}`);
        expect(error, label).toMatch(message);
        expect(res.stderr, label).not.toContain(SECRET);
        expect(res.stderr, label).not.toContain('    at ');
      }
    });
  }

  it('a .env that is a directory is refused, not ignored', async () => {
    const cwd = workdir();
    mkdirSync(path.join(cwd, '.env'));
    const res = await runCli(['migrate', '--json'], bareEnv({ DATABASE_URL: dbUrl }), 20_000, cwd);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stderr).error).toBe(`Cannot read ${path.join(cwd, '.env')}: it is a directory`);
  });
});

describe('dotEnvProblems', () => {
  it('lists every malformed line, by number, and accepts the rest', () => {
    expect(dotEnvProblems('A=1\nnot a line\nB="x\n"\nC=3\n4D=4\nE="open')).toEqual([
      'line 2: expected NAME=value (a name of letters, digits and _, not starting with a digit)',
      'line 6: expected NAME=value (a name of letters, digits and _, not starting with a digit)',
      'line 7: the value of E opens a " quote that is never closed',
    ]);
    expect(dotEnvProblems('')).toEqual([]);
    expect(dotEnvProblems('A="a=b#c" # d\nB=`x\n\ny`\n')).toEqual([]);
  });
});
