/**
 * `journeybee backup` and `journeybee restore` through the real built CLI, on the test run's
 * PostgreSQL (embedded or DATABASE_URL) and on an embedded data folder of their own:
 * backup → wipe (a fresh database) → restore → every API read of both companies equal byte for
 * byte and every table's content equal; a backup taken under writes restores whole transactions
 * only; refusals (non-empty instance, damaged, truncated or foreign files, another schema
 * version, a running server) leave the target exactly as it was.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { REFERENCE_TABLES, verifyBackup } from '../../src/db/backup.js';
import { committedMigrationCount } from '../../src/db/migrations-count.js';
import {
  type ApiClient,
  ApiClient as Client,
  createTestDatabase,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { demo, seedExampleBody } from '../helpers/leads.js';
import { childEnv, killChildren, runCli, ServerProcess } from '../helpers/process.js';

// The apps of this file share one secret key (webhook secrets are stored encrypted with it: a
// restored instance needs the key of the one backed up, as docs/operations.md says).
const ENV = {
  JOURNEYBEE_SECRET_KEY: randomBytes(32).toString('base64'),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  RATE_LIMIT_PER_MINUTE: '100000',
};
const CLI_MS = 120_000;

const databases: { url: string; drop(): Promise<void> }[] = [];
let dir: string;

async function freshDatabase(): Promise<string> {
  const db = await createTestDatabase();
  databases.push(db);
  return db.url;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'jb-backup-'));
  chmodSync(dir, 0o711); // the embedded database's `postgres` user must reach data folders below it
});

afterAll(async () => {
  await killChildren();
  for (const db of databases) await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], dbUrl: string) => runCli([...args, '--json'], childEnv(dbUrl, ENV), CLI_MS);

async function query<T extends pg.QueryResultRow = any>(dbUrl: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: dbUrl, application_name: 'backup-test-probe' });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Every table of the public schema and drizzle's, with its row count and a digest of its rows. */
async function fingerprint(dbUrl: string): Promise<Record<string, string>> {
  const tables = await query<{ t: string }>(
    dbUrl,
    `SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND (n.nspname = 'public' OR (n.nspname = 'drizzle' AND c.relname = '__drizzle_migrations'))
      ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [row] = await query<{ n: number; digest: string | null }>(
      dbUrl,
      `SELECT count(*)::int AS n, md5(string_agg(x::text, E'\\n' ORDER BY x::text)) AS digest FROM ${t} x`,
    );
    out[t] = `${row?.n} ${row?.digest}`;
  }
  return out;
}

const rowCount = (fp: Record<string, string>, table: string) => Number(fp[`public.${table}`]?.split(' ')[0]);

/**
 * Every GET of the OpenAPI document a key can make: lists as they come, and each `{param}` filled
 * with the ids of the list above it (its first five items). Status and body text, by path.
 */
async function walk(api: ApiClient, key: string): Promise<Map<string, string>> {
  const doc = (await api.get('/v1/openapi.json')).body as { paths: Record<string, { get?: unknown }> };
  const templates = Object.keys(doc.paths).filter(
    (p) => doc.paths[p]?.get && !/^\/(healthz|readyz)$|\/auth\/|\/stream$/.test(p),
  );
  const out = new Map<string, string>();
  const read = async (p: string) => {
    const res = await api.get(p, { key });
    // The export names the moment it was made; everything else in it must be equal.
    out.set(p, `${res.status} ${res.text.replace(/"exported_at":"[^"]*"/, '"exported_at":"…"')}`);
    return res;
  };
  const expand = async (done: string, rest: string): Promise<void> => {
    const m = /\/\{[^}]+\}/.exec(rest);
    if (!m) {
      await read(done + rest);
      return;
    }
    const list = done + rest.slice(0, m.index);
    const res = await api.get(list, { key });
    const items = ((res.body as { data?: { id: unknown }[] })?.data ?? []).slice(0, 5);
    for (const item of items) await expand(`${list}/${String(item.id)}`, rest.slice(m.index + m[0].length));
  };
  for (const t of templates) await expand('', t);
  return out;
}

const bodyOf = (reads: Map<string, string>, p: string) => JSON.parse(reads.get(p)!.replace(/^\d+ /, ''));

/** Leads, notes, a webhook, and the keys' last use pinned (reads do not rewrite it). */
async function fill(t: TestApp, me: DemoCompany, partner: DemoCompany): Promise<void> {
  const note = {
    document: {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Called — 💬 "yes"\tthen\\left' }] }],
    },
  };
  for (const [a, b] of [
    [me, partner],
    [partner, me],
  ] as const) {
    for (let i = 0; i < 3; i++) {
      const lead = await t.api.post('/v1/leads', { key: a.keys.write, body: seedExampleBody(a, b) });
      expect(lead.status, lead.text).toBe(201);
      const n = await t.api.post(`/v1/leads/${lead.body.id}/notes`, { key: a.keys.write, body: note });
      expect(n.status, n.text).toBe(201);
    }
    const deleted = await t.api.post('/v1/leads', { key: a.keys.write, body: seedExampleBody(a, b) });
    expect((await t.api.delete(`/v1/leads/${deleted.body.id}`, { key: a.keys.write })).status).toBe(204);
    const hook = await t.api.post('/v1/webhooks', {
      key: a.keys.write,
      body: { url: 'http://127.0.0.1:9/hook', events: ['leads.create'], description: 'CRM' },
    });
    expect(hook.status, hook.text).toBe(201);
  }
  await t.database.pool.query(`UPDATE api_keys SET last_used_at = now() + interval '1 day'`);
}

describe('reference tables', () => {
  it('a freshly migrated database has rows in exactly the reference tables (and drizzle’s)', async () => {
    const fp = await fingerprint(await freshDatabase());
    const filled = Object.entries(fp)
      .filter(([, v]) => !v.startsWith('0 '))
      .map(([k]) => k)
      .sort();
    expect(filled).toEqual(
      ['drizzle.__drizzle_migrations', ...REFERENCE_TABLES.map((t) => `public.${t}`)].sort(),
    );
  });
});

describe('backup → wipe → restore', () => {
  let source: string;
  let me: DemoCompany;
  let partner: DemoCompany;
  let file: string;
  let before: Record<string, string>;

  beforeAll(async () => {
    source = await freshDatabase();
    const t = await startTestApp(source, ENV, { relay: true });
    try {
      ({ me, partner } = await demo(t.database.db));
      await fill(t, me, partner);
      await new Promise((r) => setTimeout(r, 1500)); // the relay turns the events into notifications
    } finally {
      await t.close();
    }
    file = path.join(dir, 'round-trip.jbk');
    const res = await cli(['backup', '--out', file], source);
    expect(res.code, res.stderr).toBe(0);
    before = await fingerprint(source);
  }, CLI_MS);

  it('prints a summary of the file', async () => {
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    const lines = text.split('\n');
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({
      format: 'journeybee-backup',
      version: 1,
      schema_version: await committedMigrationCount(),
    });
    const trailer = JSON.parse(lines.at(-2)!);
    const content = text.slice(0, text.length - lines.at(-2)!.length - 1);
    expect(trailer.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(header.tables.map((t: { name: string }) => t.name).indexOf('companies')).toBeLessThan(
      header.tables.map((t: { name: string }) => t.name).indexOf('users'),
    );
    expect(rowCount(before, 'leads')).toBe(16); // 8 POSTs, each with the partner's copy
    expect(rowCount(before, 'lead_notes')).toBe(6);
    expect(rowCount(before, 'notifications')).toBeGreaterThan(0);
  });

  it('reads the same wherever the content is cut into pieces (end markers split included)', async () => {
    const whole = await verifyBackup(file);
    // 64 bytes is zlib's smallest piece; the others move the cuts across every marker and line.
    for (const size of [64, 65, 66, 67, 97, 131]) {
      expect((await verifyBackup(file, size)).sha256).toBe(whole.sha256);
    }
    expect(whole.header.tables.reduce((n, t) => n + t.rows, 0)).toBeGreaterThan(100);
  });

  it(
    'restores into a fresh database: every table and every API read of both companies equal',
    async () => {
      const target = await freshDatabase();
      const res = await cli(['restore', '--in', file], target);
      expect(res.code, res.stderr).toBe(0);
      const out = JSON.parse(res.stdout);
      expect(Object.keys(out).sort()).toEqual(['bytes', 'file', 'rows', 'seconds', 'sha256', 'tables']);
      expect(out.bytes).toBe(statSync(file).size);
      expect(out.rows).toBe(Object.values(before).reduce((n, v) => n + Number(v.split(' ')[0]), 0));
      expect(await fingerprint(target)).toEqual(before);
      // The indexes the restore rebuilt after its load are the ones the migrations made.
      const indexes = (db: string) =>
        query(
          db,
          `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname IN ('public', 'drizzle') ORDER BY 2`,
        );
      const rebuilt = await indexes(target);
      expect(rebuilt).toEqual(await indexes(source));
      expect(rebuilt.map((i) => i.indexname)).toContain('leads_search_trgm_idx');

      const a = await startTestApp(source, ENV, { relay: false });
      const b = await startTestApp(target, ENV, { relay: false });
      try {
        for (const company of [me, partner]) {
          for (const key of [company.keys.read, company.keys.write]) {
            const original = await walk(a.api, key);
            const restored = await walk(b.api, key);
            expect(restored).toEqual(original);
            // The walk saw the data (a test that compares two empty answers would prove nothing).
            expect(bodyOf(original, '/v1/leads').data).toHaveLength(7); // 3 own + 4 from the partner
            expect(original.size).toBeGreaterThan(60);
            expect([...original.keys()].some((p) => /^\/v1\/leads\/\d+\/notes\/\d+$/.test(p))).toBe(true);
          }
        }
        expect(await fingerprint(source)).toEqual(before); // the walks wrote nothing
        // Sequences continue: a new lead gets a new id (no duplicate key), in both.
        const maxId = Math.max(
          ...(await query<{ id: number }>(target, 'SELECT id FROM leads')).map((r) => r.id),
        );
        const created = await b.api.post('/v1/leads', {
          key: me.keys.write,
          body: seedExampleBody(me, partner),
        });
        expect(created.status, created.text).toBe(201);
        expect(created.body.id).toBe(maxId + 1);
        const note = await b.api.post(`/v1/leads/${created.body.id}/notes`, {
          key: me.keys.write,
          body: {
            document: {
              type: 'doc',
              content: [{ type: 'paragraph', content: [{ type: 'text', text: 'n' }] }],
            },
          },
        });
        expect(note.status, note.text).toBe(201);
      } finally {
        await a.close();
        await b.close();
      }
    },
    CLI_MS,
  );

  it(
    'refuses a non-empty instance without --force (nothing changed) and replaces it with --force',
    async () => {
      const target = await freshDatabase();
      const t = await startTestApp(target, ENV, { relay: false });
      try {
        await demo(t.database.db);
      } finally {
        await t.close();
      }
      const untouched = await fingerprint(target);
      const refused = await cli(['restore', '--in', file], target);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stderr).error).toMatch(/instance is not empty \(2 companies.*--force/);
      expect(await fingerprint(target)).toEqual(untouched);

      const forced = await cli(['restore', '--in', file, '--force'], target);
      expect(forced.code, forced.stderr).toBe(0);
      expect(await fingerprint(target)).toEqual(before);
    },
    CLI_MS,
  );

  describe('a file that is not a good backup is refused before anything is written', () => {
    let target: string;
    let untouched: Record<string, string>;
    beforeAll(async () => {
      // A non-empty target restored with --force: a refusal that wrote anything would show.
      target = await freshDatabase();
      const t = await startTestApp(target, ENV, { relay: false });
      try {
        await demo(t.database.db);
      } finally {
        await t.close();
      }
      untouched = await fingerprint(target);
    });

    const refuse = async (name: string, bytes: Buffer, message: RegExp) => {
      const bad = path.join(dir, name);
      writeFileSync(bad, bytes);
      const res = await cli(['restore', '--in', bad, '--force'], target);
      expect(res.code, res.stdout).toBe(1);
      expect(JSON.parse(res.stderr).error).toMatch(message);
      expect(await fingerprint(target)).toEqual(untouched);
    };

    /** The uncompressed content with `edit` applied and a correct checksum again. */
    const rewritten = (edit: (lines: string[]) => void) => {
      const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
      lines.splice(-2); // the trailer and the empty string after its newline
      edit(lines);
      const content = `${lines.join('\n')}\n`;
      const sha256 = createHash('sha256').update(content).digest('hex');
      return gzipSync(`${content}${JSON.stringify({ sha256 })}\n`);
    };

    it(
      'a changed byte in the compressed file',
      async () => {
        const bytes = Buffer.from(readFileSync(file));
        const at = Math.floor(bytes.length / 2);
        bytes[at] = (bytes[at] ?? 0) ^ 0x55;
        await refuse('flipped.jbk', bytes, /damaged or incomplete/);
      },
      CLI_MS,
    );

    it(
      'a changed byte in the data (compressed again): the checksum',
      async () => {
        const content = gunzipSync(readFileSync(file));
        const at = content.indexOf('TechCorp Solutions');
        expect(at).toBeGreaterThan(0);
        content[at] = 'X'.charCodeAt(0);
        await refuse('edited.jbk', gzipSync(content), /SHA-256 checksum does not match/);
      },
      CLI_MS,
    );

    it(
      'a truncated file',
      async () => {
        const bytes = readFileSync(file);
        await refuse(
          'truncated.jbk',
          bytes.subarray(0, Math.floor(bytes.length * 0.6)),
          /damaged or incomplete/,
        );
        // Cut on a line of the uncompressed content, compressed whole: framing, not gzip, notices.
        const content = gunzipSync(bytes).toString('utf8');
        await refuse(
          'cut.jbk',
          gzipSync(content.slice(0, content.indexOf('\\.\n', content.length / 2))),
          /truncated/,
        );
      },
      CLI_MS,
    );

    it(
      'a row missing from a table (checksum recomputed): the header’s row count',
      async () => {
        const data = rewritten((lines) => {
          const i = lines.findIndex((l) => l.includes('TechCorp Solutions'));
          lines.splice(i, 1);
        });
        await refuse('short.jbk', data, /rows where the header says/);
      },
      CLI_MS,
    );

    it(
      'a value the database refuses halfway through the load (checksum right): all rolled back',
      async () => {
        const data = rewritten((lines) => {
          // The first row of leads: after the header line and each earlier table's rows and `\.`.
          const tables = JSON.parse(lines[0]!).tables as { name: string; rows: number }[];
          const before = tables.slice(
            0,
            tables.findIndex((t) => t.name === 'leads'),
          );
          expect(before.length).toBeGreaterThan(10); // halfway: many tables are loaded by then
          const i = 1 + before.reduce((n, t) => n + t.rows + 1, 0);
          lines[i] = lines[i]!.replace(/^\d+\t/, 'not-an-id\t');
        });
        await refuse('bad-value.jbk', data, /loading table leads failed, so nothing was restored.*not-an-id/);
      },
      CLI_MS,
    );

    it(
      'another schema version',
      async () => {
        const releaseVersion = await committedMigrationCount();
        const data = rewritten((lines) => {
          const header = JSON.parse(lines[0]!);
          header.schema_version -= 1;
          header.migrations.pop();
          lines[0] = JSON.stringify(header);
        });
        await refuse(
          'old.jbk',
          data,
          new RegExp(
            `schema version ${releaseVersion - 1} .* this release has ${releaseVersion}: restore it with the release that made it`,
          ),
        );
      },
      CLI_MS,
    );

    it(
      'files that are no backup at all',
      async () => {
        await refuse('text.jbk', Buffer.from('hello\n'), /not a Journeybee backup \(not gzip/);
        await refuse('json.jbk', gzipSync('{"format":"something-else"}\n'), /not a Journeybee backup/);
        const missing = await cli(['restore', '--in', path.join(dir, 'nope.jbk')], target);
        expect(missing.code).toBe(1);
        expect(JSON.parse(missing.stderr).error).toMatch(/cannot read .*nope\.jbk/);
      },
      CLI_MS,
    );

    it(
      'a running server on the target',
      async () => {
        const t = await startTestApp(target, ENV, { relay: false });
        try {
          await t.api.get('/readyz');
          const res = await cli(['restore', '--in', file, '--force'], target);
          expect(res.code).toBe(1);
          expect(JSON.parse(res.stderr).error).toMatch(/stop the servers, then restore/);
        } finally {
          await t.close();
        }
        expect(await fingerprint(target)).toEqual(untouched);
      },
      CLI_MS,
    );
  });
});

/** Counts of leads that miss part of what their POST wrote (all zero when no write was cut). */
async function invariants(dbUrl: string) {
  // A POST of the seed's example makes the caller's lead (with 2 tags, 2 custom values and an
  // attribution) and the partner's copy, linked by a partnership_leads row.
  const sender = 'l.id IN (SELECT sender_lead_id FROM partnership_leads)';
  const [row] = await query(
    dbUrl,
    `SELECT (SELECT count(*)::int FROM leads) AS leads,
            (SELECT count(*)::int FROM leads l WHERE ${sender}) AS senders,
            (SELECT count(*)::int FROM leads l WHERE ${sender}
                AND (SELECT count(*) FROM lead_tags WHERE lead_id = l.id) <> 2) AS wrong_tags,
            (SELECT count(*)::int FROM leads l WHERE ${sender} AND (SELECT count(*) FROM custom_field_values
                WHERE entity_type = 'lead' AND entity_id = l.id) <> 2) AS wrong_values,
            (SELECT count(*)::int FROM leads l WHERE ${sender}
                AND (SELECT count(*) FROM lead_attributions WHERE lead_id = l.id) <> 1) AS wrong_attributions,
            (SELECT count(*)::int FROM leads l WHERE NOT EXISTS (SELECT 1 FROM partnership_leads p
                WHERE p.sender_lead_id = l.id OR p.receiver_lead_id = l.id)) AS without_partner_row,
            (SELECT count(*)::int FROM partnership_leads WHERE receiver_lead_id IS NULL) AS without_copy,
            (SELECT count(*)::int FROM companies c WHERE (SELECT coalesce(sum(live), 0) FROM lead_counters WHERE company_id = c.id)
                <> (SELECT count(*) FROM leads WHERE company_id = c.id AND deleted_at IS NULL)) AS wrong_counters`,
  );
  return row as { leads: number; senders: number } & Record<string, number>;
}

describe('a backup taken while writes run', () => {
  it(
    'restores whole transactions only: every lead with its tags, custom values, partner copy, counters',
    async () => {
      const source = await freshDatabase();
      const t = await startTestApp(source, ENV, { relay: false });
      let stop = false;
      let written = 0;
      const writers: Promise<void>[] = [];
      let file = '';
      // The backup's run, and the writes whose requests overlapped it (in flight at some moment of it).
      let backupStart = Number.POSITIVE_INFINITY;
      let backupEnd = Number.POSITIVE_INFINITY;
      let overlapping = 0;
      let leadsBefore = 0;
      let leadsAfter = 0;
      const failures: string[] = [];
      try {
        const { me, partner } = await demo(t.database.db);
        const writer = async (a: DemoCompany, b: DemoCompany) => {
          while (!stop) {
            const began = performance.now();
            const res = await t.api.post('/v1/leads', { key: a.keys.write, body: seedExampleBody(a, b) });
            if (res.status === 201) written += 1;
            else failures.push(`${res.status} ${res.text}`);
            if (began < backupEnd && performance.now() > backupStart) overlapping += 1;
          }
        };
        writers.push(writer(me, partner), writer(partner, me));
        while (written < 20) await new Promise((r) => setTimeout(r, 20));
        file = path.join(dir, 'under-writes.jbk');
        leadsBefore = written;
        backupStart = performance.now();
        const res = await cli(['backup', '--out', file], source);
        backupEnd = performance.now();
        leadsAfter = written;
        expect(res.code, res.stderr).toBe(0);
      } finally {
        stop = true;
        await Promise.all(writers);
        await t.close();
      }
      expect(failures).toEqual([]);
      // Writes were in flight during the backup (counting completions instead failed on a loaded CI
      // machine, where no create finished within the backup's run).
      expect(overlapping).toBeGreaterThan(0);

      const target = await freshDatabase();
      const res = await cli(['restore', '--in', file], target);
      expect(res.code, res.stderr).toBe(0);
      const whole = {
        wrong_tags: 0,
        wrong_values: 0,
        wrong_attributions: 0,
        without_partner_row: 0,
        without_copy: 0,
        wrong_counters: 0,
      };
      // The same checks hold in the source, which has every write: they are what a write makes.
      const all = await invariants(source);
      expect(all).toMatchObject(whole);
      expect(all.senders).toBe(written);
      const perPost = 2;
      expect(all.leads).toBe(perPost * written);
      const restored = await invariants(target);
      expect(restored).toMatchObject(whole);
      expect(restored.leads % perPost).toBe(0);
      expect(restored.leads).toBeGreaterThanOrEqual(perPost * leadsBefore);
      expect(restored.leads).toBeLessThanOrEqual(perPost * (leadsAfter + 2)); // + the two in flight
      expect(restored.leads).toBeLessThan(all.leads);
    },
    CLI_MS,
  );
});

describe('the embedded database', () => {
  const embeddedEnv = (dataDir: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    JOURNEYBEE_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...ENV,
  });
  const run = (args: string[], dataDir: string) => runCli([...args, '--json'], embeddedEnv(dataDir), CLI_MS);

  it('a backup of an embedded data folder restores into another one (and into the run’s database)', async () => {
    const first = path.join(dir, 'embedded-a');
    const second = path.join(dir, 'embedded-b');
    const seeded = await run(['seed', '--demo'], first);
    expect(seeded.code, seeded.stderr).toBe(0);
    const [me, partner] = JSON.parse(seeded.stdout).companies as DemoCompany[];

    let original: Map<string, string>;
    let server = await ServerProcess.start(embeddedEnv(first), CLI_MS);
    try {
      const api = new Client(server.url);
      for (let i = 0; i < 3; i++) {
        const res = await api.post('/v1/leads', {
          key: me!.keys.write,
          body: seedExampleBody(me!, partner!),
        });
        expect(res.status, res.text).toBe(201);
      }
      original = await walk(api, me!.keys.read);
      expect(bodyOf(original, '/v1/leads').data).toHaveLength(3);
    } finally {
      server.kill('SIGTERM');
      await server.waitForExit(30_000);
    }
    const file = path.join(dir, 'embedded.jbk');
    const backup = await run(['backup', '--out', file], first);
    expect(backup.code, backup.stderr).toBe(0);
    const restored = await run(['restore', '--in', file], second);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout).sha256).toBe(JSON.parse(backup.stdout).sha256);

    server = await ServerProcess.start(embeddedEnv(second), CLI_MS);
    try {
      const again = await walk(new Client(server.url), me!.keys.read);
      // The walk itself records the read key's use on the first request of each server: the
      // key list is the one read that shows it, so it is compared without that field.
      const strip = (m: Map<string, string>) =>
        new Map([...m].map(([k, v]) => [k, v.replace(/"last_used_at":"[^"]*"/g, '"last_used_at":"…"')]));
      expect(strip(again)).toEqual(strip(original));
    } finally {
      server.kill('SIGTERM');
      await server.waitForExit(30_000);
    }

    // A damaged file is refused before the data folder is even created.
    const third = path.join(dir, 'embedded-c');
    writeFileSync(path.join(dir, 'damaged.jbk'), readFileSync(file).subarray(0, 100));
    const damaged = await run(['restore', '--in', path.join(dir, 'damaged.jbk')], third);
    expect(damaged.code).toBe(1);
    expect(JSON.parse(damaged.stderr).error).toMatch(/damaged or incomplete/);
    expect(existsSync(third)).toBe(false);

    // The same file into the run's PostgreSQL (another server version when DATABASE_URL is set).
    const target = await freshDatabase();
    const into = await cli(['restore', '--in', file], target);
    expect(into.code, into.stderr).toBe(0);
    expect(rowCount(await fingerprint(target), 'leads')).toBe(6);
  }, 300_000);
});
