/**
 * JOURNEYBEE_DATA_DIR that is not a directory (a file, a FIFO, or below a file), through the real
 * built CLI: `serve` and `migrate` refuse it at once, naming the variable and the path, and leave
 * the file exactly as it was (owner, mode, content, mtime) with nothing created beside it.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, runCli } from '../helpers/process.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'jb-datadir-'));
  // Reachable by the `postgres` OS user when we are root, so the embedded database's own checks
  // of the folder's parents pass and only the data folder itself is wrong.
  chmodSync(dir, 0o711);
});

afterAll(async () => {
  await killChildren();
  rmSync(dir, { recursive: true, force: true });
});

/** A regular file with a recognisable mode, content and (old) mtime. */
function makeFile(name: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `not a data folder ${name}\n`, { mode: 0o600 });
  const old = new Date('2020-01-02T03:04:05Z');
  utimesSync(file, old, old);
  return file;
}

function snapshot(file: string) {
  const st = statSync(file);
  const content = st.isFile() ? readFileSync(file, 'utf8') : null;
  return { uid: st.uid, gid: st.gid, mode: st.mode, mtimeMs: st.mtimeMs, size: st.size, content };
}

// Only what these tests give: no DATABASE_URL, so the embedded database would be used.
const env = (dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  JOURNEYBEE_DATA_DIR: dataDir,
  ...extra,
});

describe('JOURNEYBEE_DATA_DIR that is not a directory', () => {
  const cases: [string, () => { dataDir: string; blocker: string }][] = [
    [
      'a regular file',
      () => {
        const file = makeFile('plain-file');
        return { dataDir: file, blocker: file };
      },
    ],
    [
      'a folder below a regular file',
      () => {
        const file = makeFile('parent-file');
        return { dataDir: path.join(file, 'nested', 'data'), blocker: file };
      },
    ],
    [
      'a FIFO',
      () => {
        const fifo = path.join(dir, 'a-fifo');
        execFileSync('mkfifo', ['-m', '0600', fifo]);
        return { dataDir: fifo, blocker: fifo };
      },
    ],
  ];

  for (const [what, make] of cases) {
    it(`${what}: serve and migrate (plain and --json) exit 1 at once, naming the variable and the path, touching nothing`, async () => {
      const { dataDir, blocker } = make();
      const before = snapshot(blocker);
      const entries = readdirSync(dir).sort();
      for (const args of [['serve'], ['migrate'], ['migrate', '--json']]) {
        // A regression here is a 3-minute lock wait: the runner's bound (15 s) turns it into a failure.
        const res = await runCli(args, env(dataDir, { PORT: '0' }), 15_000);
        const label = `${args.join(' ')}: ${JSON.stringify(res)}`;
        expect(res.code, label).toBe(1);
        expect(res.stdout, label).toBe('');
        const message = args.includes('--json') ? JSON.parse(res.stderr).error : res.stderr;
        expect(message, label).toContain('JOURNEYBEE_DATA_DIR');
        expect(message, label).toContain(path.resolve(dataDir));
        expect(message, label).toMatch(/not a directory/);
        expect(res.stderr, label).not.toContain('    at ');
        expect(snapshot(blocker), label).toEqual(before);
        expect(readdirSync(dir).sort(), label).toEqual(entries);
      }
    });
  }

  it('is refused even with DATABASE_URL set (the folder also holds secret.key), before connecting', async () => {
    const file = makeFile('with-database-url');
    const before = snapshot(file);
    const res = await runCli(
      ['migrate', '--json'],
      env(file, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' }),
      15_000,
    );
    expect(res.code).toBe(1);
    const { error } = JSON.parse(res.stderr);
    expect(error).toContain(`JOURNEYBEE_DATA_DIR: ${file} exists and is not a directory`);
    expect(error).not.toMatch(/connect/);
    expect(snapshot(file)).toEqual(before);
  });

  it('a folder that does not exist yet (below existing folders) is not refused', async () => {
    // With DATABASE_URL pointing nowhere the command fails on the connection, after the check.
    const dataDir = path.join(dir, 'new', 'data');
    const res = await runCli(
      ['migrate', '--json'],
      env(dataDir, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' }),
      15_000,
    );
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stderr).error).toMatch(/^cannot connect to the database/);
  });
});
