import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { committedMigrationCount } from '../../src/db/migrations-count.js';
import { hashToken, newToken } from '../../src/lib/tokens.js';
import { generateApiKey, hashApiKey } from '../../src/modules/api-keys/api-keys.crypto.js';
import { startTestApp, type TestApp, uniq } from '../helpers/app.js';
import { databaseUrl } from '../helpers/global-setup.js';

// Upgrading from the previous release (commit 15c49f2: migrations 0000-0013, pinned under
// tests/fixtures/release-15c49f2): a database that release migrated and filled, then today's
// start-up (runMigrations, as `journeybee serve` does), then every row read back through the API.

const RELEASE = fileURLToPath(new URL('../fixtures/release-15c49f2', import.meta.url));
const RELEASE_MIGRATIONS = 14;

const KEY = generateApiKey();
const SESSION = newToken();

// Written against the release's schema, fixed ids so the reads can name them.
const FILL = `
INSERT INTO companies (id, name, domain, default_currency) OVERRIDING SYSTEM VALUE VALUES
  (1, 'Acme Old', 'acme-old.test', 'EUR'), (2, 'Partner Old', 'partner-old.test', 'USD');
INSERT INTO users (id, company_id, email, first_name, last_name, role) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 'ada@acme-old.test', 'Ada', 'Admin', 'admin'),
  (2, 1, 'bo@acme-old.test', 'Bo', 'Seller', 'partnerships'),
  (3, 2, 'cy@partner-old.test', 'Cy', 'Partner', 'admin');
INSERT INTO api_keys (id, company_id, user_id, name, prefix, key_hash, permission) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 1, 'old key', '${KEY.slice(0, 13)}', '${hashApiKey(KEY)}', 'write');
INSERT INTO partnerships (id, company_id, partner_company_id, partner_type, status, invited_by_user_id, accepted_at) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 2, 'referral', 'accepted', 1, now());
INSERT INTO company_partnerships (id, partnership_id, company_id, partner_company_id) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 1, 2), (2, 1, 2, 1);
INSERT INTO company_partnership_users (company_partnership_id, user_id) VALUES (1, 2);
INSERT INTO contacts (id, company_id, company_partnership_id, email, first_name, last_name, position) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 1, 'dee@partner-old.test', 'Dee', 'Contact', 'CTO');
INSERT INTO tags (id, company_id, label, association) OVERRIDING SYSTEM VALUE VALUES (1, 1, 'hot', 'lead');
INSERT INTO custom_fields (id, company_id, label, type, category) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 'Size', 'select', 'lead'), (2, 1, 'Notes', 'text', 'lead');
INSERT INTO custom_field_options (id, custom_field_id, label, series) OVERRIDING SYSTEM VALUE VALUES (1, 1, 'Large', 1), (2, 1, 'Small', 2);
INSERT INTO leads (id, company_id, created_by_user_id, company_name, email, first_name, last_name, source, status,
    association_type) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 1, 'Lead Co', 'lee@lead.test', 'Lee', 'Lead', 'manual', 'new', 'referral'),
  (2, 1, 2, 'Other Co', 'oz@other.test', 'Oz', 'Other', 'manual', 'contacted', 'referral');
INSERT INTO leads (id, company_id, source, status, association_type, email, partner_type) OVERRIDING SYSTEM VALUE VALUES
  (3, 2, 'partnership', 'new', 'referral', 'lee@lead.test', 'referral');
INSERT INTO partnership_leads (id, partnership_id, partner_type, sent_by_company_id, received_by_company_id,
    sent_by_user_id, sender_lead_id, receiver_lead_id) OVERRIDING SYSTEM VALUE VALUES (1, 1, 'referral', 1, 2, 1, 1, 3);
INSERT INTO lead_attributions (lead_id, company_partnership_id, attributed_date, series) VALUES (1, 1, now(), 1);
INSERT INTO lead_tags (lead_id, tag_id) VALUES (1, 1);
INSERT INTO lead_users (lead_id, user_id) VALUES (1, 2);
INSERT INTO custom_field_values (company_id, custom_field_id, entity_type, entity_id, value) VALUES
  (1, 1, 'lead', 1, '{"select": 1}'), (1, 2, 'lead', 1, '{"text": "big one"}');
INSERT INTO lead_notes (id, lead_id, company_id, created_by_user_id, document) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 1, 1, '{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"called them"}]}]}');
INSERT INTO webhook_endpoints (id, company_id, url, description, events, secret_encrypted) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 'https://hooks.example.test/old', 'old hook', '{lead.created}', 'v1:not-a-real-secret');
INSERT INTO events (id, company_id, type, payload, api_key_id, actor_user_id, relayed_at) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 'lead.created', '{"id":1}', 1, 1, now());
INSERT INTO webhook_deliveries (id, company_id, endpoint_id, event_id, event_type, status, attempts, last_status_code, delivered_at) OVERRIDING SYSTEM VALUE VALUES
  (1, 1, 1, 1, 'lead.created', 'succeeded', 1, 200, now());
INSERT INTO notifications (company_id, user_id, type, title, body, event_id) VALUES
  (1, 1, 'lead.created', 'A new lead', 'Lee Lead', 1);
INSERT INTO idempotency_keys (api_key_id, key, request_hash, response_status, response_body) VALUES
  (1, 'old-idem', 'abc', 201, '{}');
INSERT INTO sessions (token_hash, user_id, company_id, csrf_secret, expires_at) VALUES
  ('${hashToken(SESSION)}', 1, 1, 'csrf', now() + interval '1 day');
INSERT INTO invitations (company_id, kind, email, role, invited_by_user_id, token_hash, expires_at) VALUES
  (1, 'user', 'new@acme-old.test', 'partnerships', 1, '${hashApiKey('old-invite')}', now() + interval '1 day');
SELECT setval(pg_get_serial_sequence(t, 'id'), 100) FROM unnest(ARRAY['companies','users','partnerships',
  'company_partnerships','contacts','tags','custom_fields','custom_field_options','leads','lead_notes',
  'webhook_endpoints','events','webhook_deliveries','api_keys','partnership_leads']) AS t;
`;

async function freshDatabase() {
  const adminUrl = inject('adminUrl');
  const name = `jb_t_${inject('runId')}_up_${uniq()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`).finally(() => admin.end());
  return {
    url: databaseUrl(adminUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    },
  };
}

const UUID_TABLES = [
  'companies',
  'users',
  'partnerships',
  'company_partnerships',
  'contacts',
  'leads',
  'lead_notes',
  'custom_fields',
  'tags',
  'webhook_endpoints',
  'webhook_deliveries',
] as const;

const applied = async (conn: pg.Client) =>
  (await conn.query<{ hash: string }>('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id')).rows.map(
    (r) => r.hash,
  );

describe('upgrading a database from release 15c49f2', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  // The test's own connection: a client, ended (socket closed) before the database is dropped.
  let conn: pg.Client;
  let t: TestApp;
  let releaseHashes: string[] = [];
  // Each old row's uuid by id, read before the upgrade: the API must answer with the same ones.
  const old = Object.fromEntries(UUID_TABLES.map((t) => [t, {}])) as Record<
    (typeof UUID_TABLES)[number],
    Record<number, string>
  >;
  const api = () => t.api;
  const get = async (path: string) => {
    const res = await api().get(path, { key: KEY });
    expect(res.status, `${path}: ${res.text}`).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    db = await freshDatabase();
    conn = new pg.Client({ connectionString: db.url });
    await conn.connect();
    // The release's start-up: drizzle's migrator over its own folder.
    await migrate(drizzle(conn), { migrationsFolder: RELEASE });
    await conn.query(FILL);
    for (const table of UUID_TABLES) {
      const { rows } = await conn.query<{ id: number; uuid: string }>(`SELECT id, uuid FROM ${table}`);
      for (const r of rows) old[table][r.id] = r.uuid;
    }
  });
  afterAll(async () => {
    await t?.close();
    await conn?.end();
    await db?.drop();
  });

  it('the fixture is the release: 14 migrations recorded', async () => {
    releaseHashes = await applied(conn);
    expect(releaseHashes).toHaveLength(RELEASE_MIGRATIONS);
    expect(Object.values(old).every((byId) => Object.keys(byId).length > 0)).toBe(true);
  });

  it('two processes starting at once on the old database migrate it once (advisory lock)', async () => {
    const a = new pg.Pool({ connectionString: db.url, max: 1 });
    const b = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      await Promise.all([runMigrations(a), runMigrations(b)]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    const hashes = await applied(conn);
    expect(hashes).toHaveLength(await committedMigrationCount());
    expect(new Set(hashes).size).toBe(hashes.length);
    // Today's 0000-0013 are the release's, byte for byte (drizzle hashes each file's SQL).
    expect(hashes.slice(0, RELEASE_MIGRATIONS)).toEqual(releaseHashes);
  });

  it('starting again applies nothing', async () => {
    const before = await conn.query(
      'SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id',
    );
    const again = new pg.Pool({ connectionString: db.url, max: 1 });
    await runMigrations(again).finally(() => again.end());
    const after = await conn.query(
      'SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id',
    );
    expect(after.rows).toEqual(before.rows);
  });

  it('today’s app reads every old row back', async () => {
    t = await startTestApp(db.url, {}, { relay: false });
    const me = await get('/v1/me');
    expect(me.user).toMatchObject({ id: 1, uuid: old.users[1], email: 'ada@acme-old.test', role: 'admin' });
    expect(me.company).toMatchObject({
      id: 1,
      uuid: old.companies[1],
      name: 'Acme Old',
      default_currency: 'EUR',
    });
    expect(me.authentication.api_key).toMatchObject({ id: 1, name: 'old key', permission: 'write' });

    expect((await get('/v1/users')).data).toMatchObject([
      {
        id: 1,
        uuid: old.users[1],
        email: 'ada@acme-old.test',
        first_name: 'Ada',
        last_name: 'Admin',
        role: 'admin',
      },
      {
        id: 2,
        uuid: old.users[2],
        email: 'bo@acme-old.test',
        first_name: 'Bo',
        last_name: 'Seller',
        role: 'partnerships',
      },
    ]);

    expect((await get('/v1/partners')).data).toMatchObject([
      {
        id: 1,
        uuid: old.company_partnerships[1],
        partnership: { id: 1, uuid: old.partnerships[1], status: 'accepted', partner_type: 'referral' },
        partner: { id: 2, uuid: old.companies[2], name: 'Partner Old', email_domain: 'partner-old.test' },
        assigned_users: [{ id: 2, email: 'bo@acme-old.test' }],
      },
    ]);

    expect((await get('/v1/contacts')).data).toMatchObject([
      {
        id: 1,
        uuid: old.contacts[1],
        email: 'dee@partner-old.test',
        first_name: 'Dee',
        last_name: 'Contact',
        position: 'CTO',
        company_name: 'Partner Old',
        partnership_id: 1,
      },
    ]);

    const leads = await get('/v1/leads');
    expect(leads.data.map((l: any) => [l.id, l.uuid, l.email]).sort()).toEqual([
      [1, old.leads[1], 'lee@lead.test'],
      [2, old.leads[2], 'oz@other.test'],
    ]);
    const note = {
      id: 1,
      uuid: old.lead_notes[1],
      lead_id: 1,
      document: {
        type: 'doc',
        content: [{ type: 'paragraph', content: [{ type: 'text', text: 'called them' }] }],
      },
      created_by: { id: 1, first_name: 'Ada', last_name: 'Admin' },
    };
    const lead = await get('/v1/leads/1');
    expect(lead).toMatchObject({
      id: 1,
      uuid: old.leads[1],
      company_name: 'Lead Co',
      email: 'lee@lead.test',
      first_name: 'Lee',
      last_name: 'Lead',
      source: 'manual',
      status: 'new',
      association_type: 'referral',
      tags: [{ id: 1, label: 'hot' }],
      assigned_users: [{ id: 2, email: 'bo@acme-old.test' }],
      partnership_leads: [
        { id: 1, partnership_id: 1, sent_by_company_id: 1, received_by_company_id: 2, direction: 'sent' },
      ],
      attributions: [{ id: 1, series: 1 }],
      notes: [note],
      lead_deals: [],
    });
    expect(lead.custom_fields).toEqual([
      { id: 1, label: 'Size', type: 'select', value: { select: 1 }, custom_field_value_id: 1 },
      { id: 2, label: 'Notes', type: 'text', value: { text: 'big one' }, custom_field_value_id: 2 },
    ]);
    expect((await get('/v1/leads/2')).lead_deals).toEqual([]);
    expect((await get('/v1/leads/1/notes')).data).toMatchObject([note]);

    expect((await get('/v1/custom-fields')).data).toMatchObject([
      {
        id: 1,
        uuid: old.custom_fields[1],
        label: 'Size',
        options: [
          { id: 1, label: 'Large' },
          { id: 2, label: 'Small' },
        ],
      },
      { id: 2, uuid: old.custom_fields[2], label: 'Notes', type: 'text' },
    ]);
    expect((await get('/v1/tags')).data).toMatchObject([
      { id: 1, uuid: old.tags[1], label: 'hot', association: 'lead' },
    ]);

    expect((await get('/v1/webhooks')).data).toMatchObject([
      {
        id: 1,
        uuid: old.webhook_endpoints[1],
        url: 'https://hooks.example.test/old',
        description: 'old hook',
        events: ['lead.created'],
        active: true,
      },
    ]);
    expect((await get('/v1/webhooks/1/deliveries')).data).toMatchObject([
      { id: 1, uuid: old.webhook_deliveries[1], event_type: 'lead.created', status: 'succeeded' },
    ]);

    expect((await get('/v1/notifications')).data).toMatchObject([
      { type: 'lead.created', title: 'A new lead', body: 'Lee Lead', user_id: 1, read_at: null },
    ]);
  });

  it('a console session the release opened still signs its user in', async () => {
    const res = await api().get('/v1/me', { headers: { cookie: `jb_session=${SESSION}` } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      user: { id: 1, email: 'ada@acme-old.test' },
      authentication: { type: 'session' },
    });
  });

  it('the new features work on the old data: a deal on an old lead', async () => {
    const res = await api().post('/v1/deals', { key: KEY, body: { lead_id: 2, label: 'First deal' } });
    expect(res.status, res.text).toBe(201);
    expect((await get(`/v1/deals/${res.body.id}`)).label).toBe('First deal');
  });
});
