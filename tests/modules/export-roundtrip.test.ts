/**
 * GET /v1/export → `journeybee import` into a second, fresh instance (its own database): every
 * API read of the company, through a key made for it there, equals the original, ids aside
 * (uuids equal). Both companies of a partnership are exported and imported, so the shared rows
 * (partnerships, sent and received leads, partnership deals and their payments) re-link.
 * Plus: tenancy, roles, webhook secrets, and the files an import must refuse, writing nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { committedMigrationCount } from '../../src/db/migrations-count.js';
import { createTestDatabase, startTestApp, type TestApp, uniq } from '../helpers/app.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { createLead, demo, seedExampleBody } from '../helpers/leads.js';
import { sendLead } from '../helpers/notifications.js';
import { invitePartner, newDomain } from '../helpers/partners.js';
import { childEnv, killChildren, runCli } from '../helpers/process.js';

const SECRET_KEY = randomBytes(32).toString('base64');
const ENV = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  RATE_LIMIT_PER_MINUTE: '100000',
  JOURNEYBEE_SECRET_KEY: SECRET_KEY,
};

let source: TestApp;
let target: TestApp;
let drops: (() => Promise<void>)[] = [];
let targetUrl = '';
let dir = '';
let me: DemoCompany;
let partner: DemoCompany;
/** The pending partnership's new partner company (not exported: a stub in the target). */
let pendingPartnerUuid = '';
let notedLeadUuid = '';
let webhookSecret = '';
const files: Record<string, string> = {};
const imported: Record<string, any> = {};
const keys: Record<string, string> = {};
let unrelated: Awaited<ReturnType<typeof makeTenant>>;

const doc = (text: string) => ({
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

async function ok(res: Promise<{ status: number; body: any }>, status = 201) {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

/** A company with every kind of object, made through the API with its admin's write key. */
async function build() {
  const api = source.api;
  const key = me.keys.write;
  const post = (p: string, body: unknown) => ok(api.post(p, { key, body }));
  const patch = (p: string, body: unknown) => ok(api.patch(p, { key, body }), 200);
  await post('/v1/users', { email: `bo-${uniq()}@example.test`, first_name: 'Bo', role: 'partnerships' });
  const tier = await post('/v1/tiers', { label: `Gold ${uniq()}`, background_color: '#FFD700' });
  const category = await post('/v1/categories', { label: `Tech ${uniq()}` });
  const partnerStage = await post('/v1/stages/partner-stages', {
    label: `Active ${uniq()}`,
    phase: 'active',
    partner_type: 'referral',
  });
  await post('/v1/stages/lead-deal-stages', { label: `Discovery ${uniq()}`, phase: 'discovery' });
  const won = await post('/v1/stages/lead-deal-stages', { label: `Won ${uniq()}`, phase: 'closed_won' });
  const pending = await post('/v1/stages/payment-stages', { label: `Pending ${uniq()}`, phase: 'pending' });
  const select = await post('/v1/custom-fields', {
    label: `Size ${uniq()}`,
    type: 'select',
    category: 'lead',
    options: [{ label: 'S' }, { label: 'M' }, { label: 'L' }],
  });
  const multi = await post('/v1/custom-fields', {
    label: `Regions ${uniq()}`,
    type: 'multi_select',
    category: 'lead',
    options: [{ label: 'EU' }, { label: 'US' }],
  });
  const dealField = await post('/v1/custom-fields', {
    label: `Score ${uniq()}`,
    type: 'number',
    category: 'lead_deal',
  });
  const partnerField = await post('/v1/custom-fields', {
    label: `Notes ${uniq()}`,
    type: 'text',
    category: 'partner',
  });
  const dealTag = await post('/v1/tags', { label: `Hot ${uniq()}`, association: 'lead_deal' });
  const partnerTag = await post('/v1/tags', { label: `Key ${uniq()}`, association: 'partner' });
  await post('/v1/campaigns', {
    title: `Spring ${uniq()}`,
    start_date: '2026-03-01',
    end_date: '2026-05-31',
  });

  // The accepted partnership (the demo's), dressed up; and a pending one with a new company.
  const side = me.partners[0]!;
  await patch(`/v1/partners/${side.id}`, {
    tierId: tier.id,
    categoryId: category.id,
    stageUuid: partnerStage.uuid,
    tags: [partnerTag.id],
    assignedUsers: [me.users[0]!.id],
    customFields: [{ customFieldId: partnerField.id, type: 'text', value: { text: 'met at a fair' } }],
  });
  const pendingSide = await invitePartner(api, key, newDomain());
  pendingPartnerUuid = pendingSide.partner.uuid;
  await post('/v1/contacts', {
    email: `cat-${uniq()}@example.test`,
    first_name: 'Cat',
    partnership_id: side.id,
  });

  // Leads: sent to the partner (tags, custom values, attribution), with select values and a
  // note; a campaign lead that was deleted; a lead received from the partner.
  const sent = await createLead(api, key, {
    ...seedExampleBody(me, partner),
    customFields: [
      { customFieldId: select.id, type: 'select', value: { select: select.options[1].id } },
      {
        customFieldId: multi.id,
        type: 'multi_select',
        value: { multi_select: multi.options.map((o: any) => o.id) },
      },
    ],
  });
  await post(`/v1/leads/${sent.id}/notes`, { document: doc('Call on Monday'), mentions: [me.users[0]!.id] });
  // A note that mentions the second user in its document too (ids the import must remap).
  const second = me.users[1]!;
  await post(`/v1/leads/${sent.id}/notes`, {
    document: {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Ask ' },
            { type: 'mention', attrs: { id: second.id, label: 'the second user' } },
          ],
        },
      ],
    },
    mentions: [second.id],
  });
  notedLeadUuid = sent.uuid;
  const gone = await createLead(api, key, {
    email: `gone-${uniq()}@example.test`,
    associationType: 'campaigns',
    companyCampaignId: me.campaigns[0]!.id,
  });
  expect((await api.delete(`/v1/leads/${gone.id}`, { key })).status).toBe(204);
  await sendLead(api, partner.keys.write, partner.partners[0]!.partnership_id, [me.users[0]!.id]);
  await sendLead(api, partner.keys.write, partner.partners[0]!.partnership_id);

  // A partnership deal with tags, users, values, a note, commission and payments.
  const deal = await post('/v1/deals', {
    lead_id: sent.id,
    deal_value: '1250.55',
    tags: [dealTag.id],
    assignedUsers: [me.users[0]!.id],
    customFields: [{ customFieldId: dealField.id, type: 'number', value: { number: 7 } }],
  });
  await ok(
    api.request('PUT', `/v1/deals/${deal.id}/commission`, {
      key,
      body: {
        calculation: {
          entries: [
            {
              payment_stage_id: pending.id,
              calculation: { type: 'recurring', option: 'percentage', value: '10', number_of_occurrences: 2 },
            },
          ],
        },
      },
    }),
    200,
  );
  await patch(`/v1/deals/${deal.id}`, { payment_stage_id: pending.id, stage_uuid: won.uuid });
  const payments = await ok(api.get(`/v1/deals/${deal.id}/payments`, { key }), 200);
  expect(payments).toHaveLength(2);
  await patch(`/v1/deals/${deal.id}/payments/${payments[0].id}`, { approved: true });
  await post(`/v1/deals/${deal.id}/notes`, { document: doc('Signed') });
  // The partner's own deal on the lead it received, so both sides have a side.
  await post('/v1/deals', {
    lead_id: (
      await createLead(api, key, {
        email: `solo-${uniq()}@example.test`,
        associationType: 'campaigns',
        companyCampaignId: me.campaigns[0]!.id,
      })
    ).id,
  });

  const hook = await post('/v1/webhooks', {
    url: 'http://127.0.0.1:9/hook',
    events: ['leads.create'],
    description: 'CRM',
  });
  webhookSecret = hook.secret;
  await ok(
    api.post('/v1/webhooks', {
      key: partner.keys.write,
      body: { url: 'http://127.0.0.1:9/b', events: ['leads.update'] },
    }),
  );
}

async function exportOf(key: string): Promise<string> {
  const res = await source.api.get('/v1/export', { key });
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
  return res.text;
}

const lines = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data: any });

beforeAll(async () => {
  const a = await createTestDatabase();
  const b = await createTestDatabase();
  drops = [a.drop, b.drop];
  targetUrl = b.url;
  source = await startTestApp(a.url, ENV);
  target = await startTestApp(b.url, ENV);
  dir = await mkdtemp(path.join(tmpdir(), 'jb-export-'));
  ({ me, partner } = await demo(source.database.db));
  unrelated = await makeTenant(source.database.db);
  await createLead(source.api, unrelated.writeKey, {
    email: `u-${uniq()}@example.test`,
    company_name: 'Unrelated',
    associationType: 'campaigns',
    companyCampaignId: (
      await ok(source.api.post('/v1/campaigns', { key: unrelated.writeKey, body: { title: 'U' } }))
    ).id,
  });
  await build();
  for (const [name, c] of [
    ['me', me],
    ['partner', partner],
  ] as const) {
    const file = path.join(dir, `${name}.ndjson`);
    await writeFile(file, await exportOf(c.keys.write));
    files[name] = file;
  }
  // The target already holds a company of its own, so no imported row gets its old id back by
  // chance (a reference the import failed to remap would still point at the right row).
  const resident = await makeTenant(target.database.db);
  await makeUser(target.database.db, resident.company.id);
  const run = await importAll(targetUrl, ['me', 'partner']);
  Object.assign(imported, run.imported);
  Object.assign(keys, run.keys);
}, 180_000);

afterAll(async () => {
  await killChildren();
  await source?.close();
  await target?.close();
  for (const drop of drops) await drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The user ids of a note document's mention nodes, in document order. */
function mentionIds(node: any): number[] {
  if (Array.isArray(node)) return node.flatMap(mentionIds);
  if (!node || typeof node !== 'object') return [];
  const own = node.type === 'mention' ? [node.attrs?.id] : [];
  return [...own, ...mentionIds(node.content ?? [])];
}

/** A read without its ids: keys naming an id (`id`, `…_id`, `…Id`, `…_ids`), mentions, option ids. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'id' || /_id$|Id$|_ids$/.test(k) || ['mentions', 'select', 'multi_select'].includes(k))
        continue;
      out[k] = withoutIds(v);
    }
    return out;
  }
  return value;
}

/** Where the imported companies are read: an instance and a read key per company. */
interface Imported {
  app: TestApp;
  keys: Record<string, string>;
}

/** GET `p` on both instances; the reads must be equal but for ids. */
async function same(to: Imported, name: string, p: string, originalKey: string) {
  const before = await source.api.get(p, { key: originalKey });
  const after = await to.app.api.get(p, { key: to.keys[name] });
  expect(before.status, `${p}: ${before.text.slice(0, 200)}`).toBe(200);
  expect({ p, status: after.status }).toEqual({ p, status: 200 });
  expect({ p, body: withoutIds(after.body) }).toEqual({ p, body: withoutIds(before.body) });
  return before.body;
}

/** Every read of company `name` (every list, every object of each), compared with `same`. */
async function everyReadEqual(to: Imported, name: 'me' | 'partner') {
  const c = name === 'me' ? me : partner;
  const key = c.keys.read;
  const get = (p: string) => same(to, name, p, key);
  await get('/v1/company');
  for (const list of [
    '/v1/users',
    '/v1/tags',
    '/v1/tiers',
    '/v1/categories',
    '/v1/stages/partner-stages',
    '/v1/stages/lead-deal-stages',
    '/v1/stages/payment-stages',
    '/v1/custom-fields',
    '/v1/campaigns',
    '/v1/contacts',
    '/v1/webhooks',
  ]) {
    const body = await get(`${list}?pageSize=50`);
    for (const item of body.data) await get(`${list}/${item.uuid}`);
  }
  const partners = await get('/v1/partners?pageSize=50');
  expect(partners.data.length).toBeGreaterThan(0);
  for (const p of partners.data) {
    await get(`/v1/partners/${p.uuid}`);
    // The partner company's people are the partner's: only there when it was imported too.
    if (p.partner.uuid !== pendingPartnerUuid) await get(`/v1/partnerships/${p.uuid}/users`);
  }
  for (const view of ['', '&view=sent', '&view=received', '&status=new']) {
    await get(`/v1/leads?pageSize=50${view}`);
  }
  const leads = await get('/v1/leads?pageSize=50');
  expect(leads.data.length).toBeGreaterThan(1);
  for (const l of leads.data) {
    await get(`/v1/leads/${l.uuid}`);
    await get(`/v1/leads/${l.uuid}/notes`);
  }
  const deals = await get('/v1/deals?pageSize=50');
  expect(deals.data.length).toBeGreaterThan(0);
  for (const d of deals.data) {
    await get(`/v1/deals/${d.uuid}`);
    await get(`/v1/deals/${d.uuid}/notes`);
    await get(`/v1/deals/${d.uuid}/commission`);
    await get(`/v1/deals/${d.uuid}/payments`);
  }
  await get('/v1/reports/partners?pageSize=50');
}

/** `journeybee import` of each file, in order, into the database at `url`; a read key for each. */
async function importAll(url: string, names: string[]) {
  const out: Record<string, any> = {};
  const made: Record<string, string> = {};
  for (const name of names) {
    const res = await runCli(['import', '--in', files[name]!, '--json'], childEnv(url, ENV), 60_000);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    out[name] = JSON.parse(res.stdout);
    const key = await runCli(
      ['keys', 'create', '--company', String(out[name].company.id), '--permission', 'read', '--json'],
      childEnv(url, ENV),
    );
    expect(key.code, key.stderr).toBe(0);
    made[name] = JSON.parse(key.stdout).key;
  }
  return { imported: out, keys: made };
}

describe('export → import round trip', { timeout: 180_000 }, () => {
  it('the export is framed: header first (format, version, schema version, company), end line with counts last', async () => {
    const all = lines(await readFile(files.me!, 'utf8'));
    expect(all[0]).toEqual({
      type: 'export',
      data: {
        format: 'journeybee-export',
        version: 1,
        schema_version: await committedMigrationCount(),
        exported_at: expect.stringMatching(/Z$/),
        company: { id: me.id, uuid: me.uuid, name: me.name },
      },
    });
    const end = all[all.length - 1]!;
    expect(end.type).toBe('end');
    const counted: Record<string, number> = {};
    for (const l of all.slice(1, -1)) counted[l.type] = (counted[l.type] ?? 0) + 1;
    expect(Object.fromEntries(Object.entries(end.data.counts).filter(([, n]) => n !== 0))).toEqual(counted);
    for (const type of [
      'company',
      'user',
      'tag',
      'stage',
      'tier',
      'category',
      'custom_field',
      'custom_field_option',
      'campaign',
      'partnership',
      'company_partnership',
      'company_partnership_tag',
      'company_partnership_user',
      'contact',
      'lead',
      'lead_tag',
      'lead_user',
      'lead_attribution',
      'partnership_lead',
      'lead_note',
      'deal',
      'deal_side',
      'deal_tag',
      'deal_user',
      'deal_payment',
      'deal_note',
      'custom_field_value',
      'webhook_endpoint',
    ]) {
      expect({ type, n: counted[type] ?? 0 }).not.toEqual({ type, n: 0 });
    }
  });

  it('import reports what it loaded, with nothing skipped once both companies are in', () => {
    expect(imported.me.company).toEqual({
      id: expect.any(Number),
      uuid: me.uuid,
      name: me.name,
      created: true,
    });
    // The partner was a stub (made by the first import) and is filled in by its own.
    expect(imported.partner.company).toMatchObject({ uuid: partner.uuid, created: false });
    expect(imported.partner.skipped).toEqual({});
  });

  it('every read of both companies equals the original (ids aside, uuids equal)', async () => {
    const to = { app: target, keys };
    await everyReadEqual(to, 'me');
    await everyReadEqual(to, 'partner');
  });

  it("a note's mentions, in its list and in its document, name the same people after the import", async () => {
    const people = async (app: TestApp, key: string) =>
      new Map(
        ((await app.api.get('/v1/users?pageSize=50', { key })).body.data as any[]).map((u) => [
          u.id,
          u.email,
        ]),
      );
    const mentioned = async (app: TestApp, key: string) => {
      const emails = await people(app, key);
      const notes = (await app.api.get(`/v1/leads/${notedLeadUuid}/notes`, { key })).body.data as any[];
      return notes.map((n) => ({
        list: (n.mentions as number[]).map((id) => emails.get(id)),
        document: mentionIds(n.document).map((id) => emails.get(id)),
      }));
    };
    const before = await mentioned(source, me.keys.read);
    expect(before.some((n) => n.document?.[0] === me.users[1]!.email)).toBe(true);
    expect(await mentioned(target, keys.me!)).toEqual(before);
  });

  it('the other order (the partner first, then the deals’ owner) re-links the same way', async () => {
    const db = await createTestDatabase();
    drops.push(db.drop);
    const app = await startTestApp(db.url, ENV);
    try {
      const run = await importAll(db.url, ['partner', 'me']);
      expect(run.imported.me.skipped).toEqual({});
      await everyReadEqual({ app, keys: run.keys }, 'me');
      await everyReadEqual({ app, keys: run.keys }, 'partner');
    } finally {
      await app.close();
    }
  });

  it('webhook endpoints come back with new secrets, reported once; the export has none', async () => {
    const text = await readFile(files.me!, 'utf8');
    expect(text).not.toContain(webhookSecret);
    expect(text).not.toMatch(/secret|password_hash/);
    expect(imported.me.webhooks).toEqual([
      {
        id: expect.any(Number),
        uuid: expect.any(String),
        url: 'http://127.0.0.1:9/hook',
        secret: expect.stringMatching(/^whsec_/),
      },
    ]);
    expect(imported.me.webhooks[0].secret).not.toBe(webhookSecret);
    // The new secret is the one the target signs with.
    const { SecretBox } = await import('../../src/lib/secret-box.js');
    const { rows } = await target.database.pool.query(
      'SELECT secret_encrypted FROM webhook_endpoints WHERE uuid = $1',
      [imported.me.webhooks[0].uuid],
    );
    const box = new SecretBox({ secretKey: Buffer.from(SECRET_KEY, 'base64'), dataDir: dir });
    expect(await box.decrypt(rows[0].secret_encrypted)).toBe(imported.me.webhooks[0].secret);
  });
});

describe('export: tenancy and roles', () => {
  it("a company's export holds none of another company's own rows", async () => {
    const mine = lines(await readFile(files.me!, 'utf8'));
    const theirs = lines(await readFile(files.partner!, 'utf8'));
    const other = lines(
      await exportOf(
        (await makeApiKey(source.database.db, unrelated.company.id, 'read', { userId: unrelated.admin.id }))
          .key,
      ),
    );
    // Partnerships, shared leads and shared deals (with their payments) belong to both sides.
    const shared = new Set(['partnership', 'partnership_lead', 'deal', 'deal_payment', 'export', 'end']);
    const uuids = (all: typeof mine) =>
      new Set(all.filter((l) => !shared.has(l.type) && l.data.uuid).map((l) => l.data.uuid as string));
    const myUuids = uuids(mine);
    for (const u of [...uuids(theirs), ...uuids(other)]) expect(myUuids.has(u)).toBe(false);
    for (const l of mine) {
      if (shared.has(l.type) || l.type === 'company' || !('company_id' in l.data)) continue;
      expect({ type: l.type, company_id: l.data.company_id }).toEqual({ type: l.type, company_id: me.id });
    }
    expect(
      mine
        .filter((l) => l.type === 'user')
        .map((l) => l.data.email)
        .sort(),
    ).toEqual(
      (
        await source.database.pool.query('SELECT email FROM users WHERE company_id = $1 ORDER BY email', [
          me.id,
        ])
      ).rows.map((r) => r.email),
    );
  });

  it('a partnerships user is refused (403); a read key of an admin may export (it is a read)', async () => {
    const member = await makeUser(source.database.db, me.id, { role: 'partnerships' });
    const memberKey = await makeApiKey(source.database.db, me.id, 'write', { userId: member.id });
    const res = await source.api.get('/v1/export', { key: memberKey.key });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'Admin role required for this operation', code: 'forbidden' });
    const read = await source.api.get('/v1/export', { key: me.keys.read });
    expect(read.status).toBe(200);
    expect(lines(read.text).at(-1)?.type).toBe('end');
    expect((await source.api.get('/v1/export')).status).toBe(401);
  });
});

// Each case spawns the CLI (a second or more of a busy machine's CPU).
describe('import: refusals leave nothing behind', { timeout: 180_000 }, () => {
  const counts = async () =>
    (
      await target.database.pool.query(
        `SELECT (SELECT count(*) FROM companies)::int AS companies, (SELECT count(*) FROM users)::int AS users,
           (SELECT count(*) FROM leads)::int AS leads, (SELECT count(*) FROM partnerships)::int AS partnerships`,
      )
    ).rows[0];

  async function refused(content: string, expected: RegExp, args: string[] = []) {
    const file = path.join(dir, `bad-${uniq()}.ndjson`);
    await writeFile(file, content);
    const before = await counts();
    const res = await runCli(['import', '--in', file, '--json', ...args], childEnv(targetUrl, ENV), 60_000);
    expect(res.code, res.stdout).toBe(1);
    expect(JSON.parse(res.stderr).error).toMatch(expected);
    expect(await counts()).toEqual(before);
  }

  /** A fresh company's export, so only the defect under test stands in the way. */
  let fresh = '';
  /** The same data as another company's: new uuids, emails and domain. */
  const copyOf = (text: string) => {
    const tag = uniq();
    return text
      .replace(/"uuid": ?"[0-9a-f-]{36}"/g, () => `"uuid":"${crypto.randomUUID()}"`)
      .replace(/"email": ?"/g, `"email":"${tag}`)
      .replace(/"domain": ?"/g, `"domain":"${tag}`);
  };
  beforeAll(async () => {
    const t = await makeTenant(source.database.db);
    await createLead(source.api, t.writeKey, {
      email: `f-${uniq()}@example.test`,
      company_name: 'F',
      associationType: 'campaigns',
      companyCampaignId: (
        await ok(source.api.post('/v1/campaigns', { key: t.writeKey, body: { title: 'F' } }))
      ).id,
    });
    fresh = await exportOf(t.writeKey);
  });

  it('a file that imports cleanly, as the control', async () => {
    const file = path.join(dir, 'fresh.ndjson');
    const copy = copyOf(fresh);
    await writeFile(file, copy);
    const res = await runCli(['import', '--in', file, '--json'], childEnv(targetUrl, ENV), 60_000);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).counts).toMatchObject({ company: 1, user: 1, lead: 1, campaign: 1 });
    // The same file again: its company is now there, and not empty.
    await refused(copy, /is not empty/);
  });

  it('a truncated file (no end line, or cut inside a line)', async () => {
    const all = fresh.trimEnd().split('\n');
    await refused(`${all.slice(0, -1).join('\n')}\n`, /truncated/);
    await refused(fresh.slice(0, fresh.length - 20), /line \d+: not valid JSON|truncated/);
    // An end line that counts rows the file does not have.
    await refused(`${all.slice(0, 3).join('\n')}\n${all.at(-1)}\n`, /incomplete/);
  });

  it('garbage, an unknown format or version, a newer schema, a malformed row: named by line', async () => {
    const all = fresh.trimEnd().split('\n');
    const header = JSON.parse(all[0]!);
    const withHeader = (data: Record<string, unknown>) =>
      [JSON.stringify({ type: 'export', data: { ...header.data, ...data } }), ...all.slice(1)].join('\n');
    const missing = await runCli(
      ['import', '--in', path.join(dir, 'nope.ndjson'), '--json'],
      childEnv(targetUrl, ENV),
    );
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr).error).toMatch(/^cannot read .*nope\.ndjson$/);
    await refused('hello\n', /line 1: not valid JSON/);
    await refused('', /empty/);
    await refused(withHeader({ format: 'something-else' }), /not a Journeybee export/);
    await refused(withHeader({ version: 2 }), /unsupported export version 2/);
    await refused(withHeader({ schema_version: 9999 }), /newer Journeybee \(schema version 9999/);
    const lead = all.findIndex((l) => l.startsWith('{"type":"lead",'));
    const broken = [...all];
    broken[lead] = JSON.stringify({ type: 'lead', data: { ...JSON.parse(all[lead]!).data, uuid: 'nope' } });
    await refused(broken.join('\n'), new RegExp(`line ${lead + 1}: invalid lead: uuid`));
    const unknown = [...all];
    unknown[lead] = '{"type":"spaceship","data":{}}';
    await refused(unknown.join('\n'), new RegExp(`line ${lead + 1}: unknown type 'spaceship'`));
    const extra = [...all, '{"type":"lead","data":{}}'];
    await refused(extra.join('\n'), /data after the end line/);
  });

  it('into an existing company that is not empty; into one named by --company that is empty', async () => {
    await refused(copyOf(fresh), /is not empty/, ['--company', String(imported.me.company.id)]);
    const made = await runCli(['companies', 'create', '--name', 'Empty', '--json'], childEnv(targetUrl, ENV));
    const empty = JSON.parse(made.stdout).id;
    const file = path.join(dir, 'fresh2.ndjson');
    await writeFile(file, copyOf(fresh));
    const res = await runCli(
      ['import', '--in', file, '--company', String(empty), '--json'],
      childEnv(targetUrl, ENV),
      60_000,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).company).toMatchObject({ id: empty, created: false });
  });
});

// `journeybee export` writes the same lines as the route (but its own exported_at).
describe('journeybee export', { timeout: 120_000 }, () => {
  it('writes the file GET /v1/export streams', async () => {
    const file = path.join(dir, 'cli.ndjson');
    const sourceUrl = (source.config.databaseUrl ?? '') as string;
    const res = await runCli(
      ['export', '--company', String(me.id), '--out', file, '--json'],
      childEnv(sourceUrl, ENV),
      60_000,
    );
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ company_id: me.id, file, bytes: expect.any(Number) });
    const viaHttp = lines(await exportOf(me.keys.read)).slice(1);
    expect(lines(await readFile(file, 'utf8')).slice(1)).toEqual(viaHttp);
    const missing = await runCli(
      ['export', '--company', '2147483647', '--out', file, '--json'],
      childEnv(sourceUrl, ENV),
    );
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr).error).toMatch(/not found/i);
  });
});
