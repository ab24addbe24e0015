/**
 * The real built CLI (`node dist/cli/main.js`, run `npm run build` first) against this file's
 * database, and a real server on the same database to prove the keys it prints.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startTestApp, type TestApp, uniq } from '../helpers/app.js';
import { type CliResult, childEnv, killChildren, runCli } from '../helpers/process.js';

let t: TestApp;
let drop: () => Promise<void>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  env = childEnv(db.url);
  t = await startTestApp(db.url);
});

afterAll(async () => {
  await killChildren();
  await t?.close();
  await drop?.();
});

const cli = (...args: string[]) => runCli(args, env);

/** A successful `--json` run: exit 0, nothing on stderr, exactly one JSON value on one stdout line. */
function json(result: CliResult): any {
  expect(result.stderr, 'stderr').toBe('');
  expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
  expect(result.stdout.endsWith('\n')).toBe(true);
  expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(result.stdout);
}

/** A successful human run: exit 0, nothing on stderr, text that is not JSON. */
function human(result: CliResult): string {
  expect(result.stderr, 'stderr').toBe('');
  expect(result.code).toBe(0);
  expect(() => JSON.parse(result.stdout)).toThrow();
  return result.stdout;
}

async function newCompany(): Promise<{ id: number; domain: string }> {
  const domain = `c${uniq()}.example`;
  const company = json(
    await cli('companies', 'create', '--name', `Company ${domain}`, '--domain', domain, '--json'),
  );
  return { id: company.id, domain };
}

describe('journeybee CLI: happy paths', () => {
  it('migrate --json prints one JSON object; migrate prints a sentence; both idempotent', async () => {
    expect(json(await cli('migrate', '--json'))).toEqual({ migrated: true });
    expect(human(await cli('migrate'))).toBe('Migrations applied.\n');
  });

  it('companies create --json prints exactly {id, uuid, name, domain}', async () => {
    const domain = `Acme-${uniq()}.Example`;
    const company = json(
      await cli('companies', 'create', '--name', '  Acme Inc ', '--domain', domain, '--json'),
    );
    expect(company).toEqual({
      id: expect.any(Number),
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      name: 'Acme Inc',
      domain: domain.toLowerCase(),
    });
    expect(Number.isInteger(company.id) && company.id > 0).toBe(true);

    const bare = json(await cli('companies', 'create', '--name', 'No Domain', '--json'));
    expect(bare).toEqual({
      id: expect.any(Number),
      uuid: expect.any(String),
      name: 'No Domain',
      domain: null,
    });
    expect(bare.id).toBeGreaterThan(company.id);

    const text = human(await cli('companies', 'create', '--name', 'Readable Ltd'));
    expect(text).toMatch(/^Created company \d+ \(Readable Ltd\)\.\n$/);
  });

  it('users create --json prints the user, and the user is real', async () => {
    const company = await newCompany();
    const email = `Ann.Lee-${uniq()}@${company.domain}`;
    const user = json(
      await cli(
        'users',
        'create',
        '--company',
        String(company.id),
        '--email',
        email,
        '--first-name',
        'Ann',
        '--last-name',
        'Lee',
        '--role',
        'partnerships',
        '--json',
      ),
    );
    expect(user).toEqual({
      id: expect.any(Number),
      uuid: expect.any(String),
      company_id: company.id,
      email,
      first_name: 'Ann',
      last_name: 'Lee',
      role: 'partnerships',
    });
    // Defaults: admin, no names.
    const minimal = json(
      await cli(
        'users',
        'create',
        '--company',
        String(company.id),
        '--email',
        `min-${uniq()}@x.example`,
        '--json',
      ),
    );
    expect(minimal).toMatchObject({
      first_name: null,
      last_name: null,
      role: 'admin',
      company_id: company.id,
    });

    const text = human(
      await cli('users', 'create', '--company', String(company.id), '--email', `h-${uniq()}@x.example`),
    );
    expect(text).toMatch(
      new RegExp(`^Created user \\d+ <h-[0-9a-f]+@x\\.example> in company ${company.id}\\.\\n$`),
    );

    // The server sees the CLI's user, through a key acting as it.
    const key = json(
      await cli(
        'keys',
        'create',
        '--company',
        String(company.id),
        '--permission',
        'read',
        '--user',
        String(user.id),
        '--json',
      ),
    );
    const got = await t.api.get(`/v1/users/${user.id}`, { key: key.key });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: user.id,
      uuid: user.uuid,
      email,
      first_name: 'Ann',
      role: 'partnerships',
    });
  });

  it('keys create/list/revoke: printed keys work on a running server, list never shows a key, revoke is immediate', async () => {
    const company = await newCompany();
    const c = String(company.id);
    const admin = json(
      await cli('users', 'create', '--company', c, '--email', `admin-${uniq()}@x.example`, '--json'),
    );

    const write = json(
      await cli(
        'keys',
        'create',
        '--company',
        c,
        '--permission',
        'write',
        '--user',
        String(admin.id),
        '--name',
        'ci',
        '--json',
      ),
    );
    expect(Object.keys(write)).toEqual(['id', 'key', 'permission', 'company_id']);
    expect(write).toEqual({
      id: expect.any(Number),
      key: expect.stringMatching(/^jb_api_[0-9A-Za-z]{32,}$/),
      permission: 'write',
      company_id: company.id,
    });
    const read = json(await cli('keys', 'create', '--company', c, '--permission', 'read', '--json'));
    expect(read).toEqual({
      id: expect.any(Number),
      key: expect.any(String),
      permission: 'read',
      company_id: company.id,
    });
    expect(read.key).not.toBe(write.key);

    // Human output shows the key once, on its own line, with a warning to store it.
    const humanKey = human(
      await cli('keys', 'create', '--company', c, '--permission', 'read', '--name', 'human'),
    );
    expect(humanKey).toMatch(
      /^Created read key \d+ for company \d+:\n\n {2}jb_api_[0-9A-Za-z]{32,}\n\nStore it now/,
    );

    // The printed keys work against the server that was already running.
    const created = await t.api.post('/v1/users', {
      key: write.key,
      body: { email: `w-${uniq()}@x.example` },
    });
    expect(created.status).toBe(201);
    expect((await t.api.get(`/v1/users/${created.body.id}`, { key: read.key })).status).toBe(200);
    const denied = await t.api.post('/v1/users', { key: read.key, body: { email: `r-${uniq()}@x.example` } });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe('Write access required for this operation');

    // keys list: prefixes, never a key or its hash.
    const listed = await cli('keys', 'list', '--company', c, '--json');
    const list = json(listed);
    expect(list.data).toHaveLength(3);
    expect(list.data.map((k: { id: number }) => k.id)).toEqual(expect.arrayContaining([write.id, read.id]));
    const row = list.data.find((k: { id: number }) => k.id === write.id);
    expect(row).toMatchObject({
      prefix: expect.stringMatching(/^jb_api_/),
      permission: 'write',
      name: 'ci',
      company_id: company.id,
      user_id: admin.id,
      revoked_at: null,
    });
    expect(write.key.startsWith(row.prefix)).toBe(true);
    expect(row.prefix.length).toBeLessThan(write.key.length - 24);
    for (const k of list.data) expect(Object.keys(k)).not.toContain('key_hash');
    for (const { key } of [write, read]) {
      const sha = createHash('sha256').update(key).digest('hex');
      expect(listed.stdout).not.toContain(key.slice('jb_api_'.length));
      expect(listed.stdout).not.toContain(sha);
    }
    const humanList = human(await cli('keys', 'list', '--company', c));
    expect(humanList).toContain(`${row.prefix}…`);
    expect(humanList).not.toContain(write.key);
    expect(humanList.split('\n')[0]).toMatch(/ID.*PREFIX.*PERMISSION/);

    // Revoke: the running server refuses the key on the very next request (no cache).
    expect((await t.api.get('/v1/users', { key: write.key })).status).toBe(200);
    const revoked = await cli('keys', 'revoke', String(write.id));
    expect(human(revoked)).toBe(`Revoked key ${write.id}.\n`);
    const refused = await t.api.get('/v1/users', { key: write.key });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('Invalid API key');
    expect((await t.api.get('/v1/users', { key: read.key })).status).toBe(200);

    const again = json(await cli('keys', 'revoke', String(write.id), '--json'));
    expect(again).toEqual({ id: write.id, revoked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    const after = json(await cli('keys', 'list', '--company', c, '--json'));
    expect(after.data.find((k: { id: number }) => k.id === write.id).revoked_at).toBe(again.revoked_at);
    expect(after.data.find((k: { id: number }) => k.id === read.id).revoked_at).toBeNull();
  });

  it('debug logging goes to stderr and never into --json stdout', async () => {
    const r = await runCli(['companies', 'create', '--name', 'Loud', '--json'], {
      ...env,
      LOG_LEVEL: 'debug',
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'Loud' });
  });

  it('--help exits 0 with usage on stdout', async () => {
    const r = await cli('keys', 'create', '--help');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('--permission <permission>');
  });
});

describe('journeybee CLI: users reset-password', () => {
  it('prints a one-time reset link (also the way in for a user made without a password)', async () => {
    const company = await newCompany();
    const email = `reset-${uniq()}@${company.domain}`;
    const user = json(
      await cli('users', 'create', '--company', String(company.id), '--email', email, '--json'),
    );
    const out = json(
      await cli(
        'users',
        'reset-password',
        '--company',
        String(company.id),
        '--email',
        email.toUpperCase(),
        '--json',
      ),
    );
    expect(out).toEqual({
      user_id: user.id,
      company_id: company.id,
      email,
      reset_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:3000\/reset-password\/[A-Za-z0-9_-]{43}$/),
      expires_at: expect.any(String),
    });
    const token = out.reset_url.split('/reset-password/')[1];
    const done = await t.api.post('/v1/auth/password-reset/complete', {
      body: { token, password: 'set from the cli link' },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.user).toMatchObject({ id: user.id, role: 'admin' });
    const login = await t.api.post('/v1/auth/login', { body: { email, password: 'set from the cli link' } });
    expect(login.status).toBe(200);

    const text = human(
      await cli('users', 'reset-password', '--company', String(company.id), '--email', email),
    );
    expect(text).toMatch(/\/reset-password\/[A-Za-z0-9_-]{43}/);
    const unknown = await cli(
      'users',
      'reset-password',
      '--company',
      String(company.id),
      '--email',
      'no@x.test',
      '--json',
    );
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr)).toEqual({
      error: `No active user <no@x.test> in company ${company.id}`,
    });
  });
});

describe('journeybee CLI: errors', () => {
  let company: { id: number; domain: string };
  let otherCompanyUser: number;
  let existingEmail: string;

  beforeAll(async () => {
    company = await newCompany();
    const other = await newCompany();
    existingEmail = `taken-${uniq()}@x.example`;
    json(await cli('users', 'create', '--company', String(company.id), '--email', existingEmail, '--json'));
    const u = json(
      await cli(
        'users',
        'create',
        '--company',
        String(other.id),
        '--email',
        `o-${uniq()}@x.example`,
        '--json',
      ),
    );
    otherCompanyUser = u.id;
  });

  // [what, args (without --json), exit code, message]: 2 = bad usage, 1 = the command failed.
  const cases = (): [string, string[], number, RegExp][] => {
    const c = String(company.id);
    return [
      [
        'missing --company',
        ['users', 'create', '--email', 'a@x.example'],
        2,
        /required option '--company <id>'/,
      ],
      ['missing --email', ['users', 'create', '--company', c], 2, /required option '--email <email>'/],
      ['missing --name', ['companies', 'create'], 2, /required option '--name <name>'/],
      ['missing --permission', ['keys', 'create', '--company', c], 2, /required option '--permission/],
      ['missing key id', ['keys', 'revoke'], 2, /missing required argument 'id'/],
      [
        'non-integer company',
        ['users', 'create', '--company', 'abc', '--email', 'a@x.example'],
        2,
        /--company must be a positive integer/,
      ],
      ['fractional company', ['keys', 'list', '--company', '1.5'], 2, /--company must be a positive integer/],
      ['zero company', ['keys', 'list', '--company', '0'], 2, /--company must be a positive integer/],
      ['non-integer key id', ['keys', 'revoke', 'abc'], 2, /id must be a positive integer/],
      [
        'non-integer user',
        ['keys', 'create', '--company', c, '--permission', 'read', '--user', 'me'],
        2,
        /--user must be a positive integer/,
      ],
      [
        'bad permission',
        ['keys', 'create', '--company', c, '--permission', 'admin'],
        2,
        /Allowed choices are read, write/,
      ],
      [
        'bad role',
        ['users', 'create', '--company', c, '--email', 'a@x.example', '--role', 'boss'],
        2,
        /Allowed choices are admin, partnerships/,
      ],
      ['unknown command', ['companies', 'delete'], 2, /unknown command 'delete'/],
      ['unknown option', ['keys', 'list', '--company', c, '--all'], 2, /unknown option '--all'/],
      ['bad email', ['users', 'create', '--company', c, '--email', 'not-an-email'], 1, /Invalid email/],
      [
        'unknown company (user)',
        ['users', 'create', '--company', '999999', '--email', 'a@x.example'],
        1,
        /Company not found/,
      ],
      [
        'unknown company (key)',
        ['keys', 'create', '--company', '999999', '--permission', 'read'],
        1,
        /Company not found/,
      ],
      ['unknown company (list)', ['keys', 'list', '--company', '999999'], 1, /Company not found/],
      ['unknown key', ['keys', 'revoke', '999999'], 1, /API key not found/],
      [
        'user of another company',
        ['keys', 'create', '--company', c, '--permission', 'read', '--user', String(otherCompanyUser)],
        1,
        /does not belong to company/,
      ],
      [
        'duplicate email',
        ['users', 'create', '--company', c, '--email', existingEmail.toUpperCase()],
        1,
        /already exists/,
      ],
      ['empty name', ['companies', 'create', '--name', ' '], 1, /name must not be empty/],
      ['bad domain', ['companies', 'create', '--name', 'X', '--domain', 'not a domain'], 1, /Invalid domain/],
      [
        'past expiry',
        ['keys', 'create', '--company', c, '--permission', 'read', '--expires-at', '2001-01-01T00:00:00Z'],
        1,
        /Expiry must be in the future/,
      ],
    ];
  };

  it('fail with a clear message on stderr, a non-zero exit, nothing on stdout; --json errors are JSON', async () => {
    const runs = cases().flatMap(([what, args, code, message]) => [
      { what, args, code, message, asJson: false },
      { what, args: [...args, '--json'], code, message, asJson: true },
    ]);
    const results = await mapLimit(runs, 4, (r) => cli(...r.args));
    runs.forEach((r, i) => {
      const res = results[i]!;
      const label = `${r.what}${r.asJson ? ' --json' : ''}: ${JSON.stringify(res)}`;
      expect(res.code, label).toBe(r.code);
      expect(res.stdout, label).toBe('');
      if (r.asJson) {
        expect(res.stderr.trimEnd().split('\n'), label).toHaveLength(1);
        const body = JSON.parse(res.stderr);
        expect(Object.keys(body), label).toEqual(['error']);
        expect(body.error, label).toMatch(r.message);
        expect(body.error, label).not.toMatch(/^error:|unexpected error/);
      } else {
        expect(res.stderr, label).toMatch(r.message);
        expect(res.stderr, label).not.toContain('    at '); // no stack trace
      }
    });
    // Dozens of CLI processes, four at a time: beside the browser tests on two cores this takes
    // well over the default 30 s.
  }, 120_000);

  it('an option swallowing the next flag is refused, not stored (`--name --json`)', async () => {
    const r = await cli('companies', 'create', '--name', '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr).error).toMatch(/--name/);
    const names = await t.database.pool.query(
      `SELECT count(*)::int AS n FROM companies WHERE name = '--json'`,
    );
    expect(names.rows[0].n).toBe(0);
  });

  it('no command: usage on stderr, exit 2', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: journeybee');
  });

  it('environment and database failures: exit 1, one clean message', async () => {
    const badEnv = await runCli(['migrate', '--json'], { ...env, DATABASE_URL: 'mysql://nope' });
    expect(badEnv.code).toBe(1);
    expect(badEnv.stdout).toBe('');
    expect(JSON.parse(badEnv.stderr).error).toMatch(/DATABASE_URL/);

    const down = await runCli(['companies', 'create', '--name', 'X'], {
      ...env,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing',
    });
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr).toMatch(/^journeybee: cannot connect to the database: .*ECONNREFUSED/);
    expect(down.stderr).not.toContain('    at ');
  });
});

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
