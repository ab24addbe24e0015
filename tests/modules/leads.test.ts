import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys, idempotencyKeys, leads } from '../../src/db/schema/index.js';
import { createTestDatabase, uniq, useTestApp } from '../helpers/app.js';
import { makeCustomField } from '../helpers/catalogue-factories.js';
import { startCustomApp } from '../helpers/custom-app.js';
import {
  campaignBody,
  countRows,
  createLead,
  demo,
  eventsOf,
  getLead,
  leadRowCounts,
  seedExampleBody,
  uniqueEmail,
} from '../helpers/leads.js';

// POST /v1/leads as the seed (003) specifies it, on `seed --demo` data: the example request
// read back field for field, the partner's copy seen by the partner, the outbox events, one
// transaction for everything, Idempotency-Key, and the duplicate rule under a race.

const ctx = useTestApp();
const db = () => ctx.t.database.db;

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
// The demo's lead tags (src/cli/seed.ts), as lists show them: by label.
const DEMO_TAG_COLORS: Record<string, string> = { Hot: '#DC2626', Enterprise: '#2563EB' };

type Demo = Awaited<ReturnType<typeof demo>>;

const tagRefs = (company: Demo['me']) =>
  [...company.tags]
    .sort((a, b) => a.label.localeCompare(b.label))
    .map((t) => ({
      id: t.id,
      label: t.label,
      background_color: DEMO_TAG_COLORS[t.label],
      text_color: '#FFFFFF',
    }));

const userRefs = (company: Demo['me']) =>
  company.users.map((u) => ({
    id: u.id,
    email: u.email,
    first_name: u.first_name,
    last_name: u.last_name,
    color: null,
  }));

/** What the seed example's body sets, on the sender's lead and on the partner's copy alike. */
const exampleFields = (body: ReturnType<typeof seedExampleBody>) => ({
  company_name: body.company_name,
  email: body.email,
  phone_number: body.phone_number,
  first_name: body.first_name,
  last_name: body.last_name,
  source: body.source,
  status: 'new',
  association_type: body.associationType,
  partner_type: body.associationType,
  campaign_id: null,
  campaign_title: null,
});

/** The partnership lead of a referral `sender` sent to `receiver`, as `direction` sees it. */
const exchange = (
  sender: Demo['me'],
  receiver: Demo['me'],
  id: number | null,
  direction: 'sent' | 'received',
) => ({
  id,
  created_at: ISO,
  partnership_id: sender.partners[0]!.partnership_id,
  sent_by_company_id: sender.id,
  sent_by_company_name: sender.name,
  received_by_company_id: receiver.id,
  received_by_company_name: receiver.name,
  partner_type: 'referral',
  direction,
});

async function writeKeyId(companyId: number) {
  const [row] = await db()
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.company_id, companyId), eq(apiKeys.permission, 'write')));
  return row!.id;
}

describe('POST /v1/leads: the seed example', () => {
  it('answers 201 {id, uuid, partnershipLeadId} and reads back field for field', async () => {
    const { me, partner } = await demo(db());
    const body = seedExampleBody(me, partner);
    const side = me.partners[0]!;

    const res = await ctx.t.api.post('/api/v1/leads', { key: me.keys.write, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), uuid: UUID, partnershipLeadId: expect.any(Number) });
    expect(Object.keys(res.body)).toEqual(['id', 'uuid', 'partnershipLeadId']);

    const [number, text] = body.customFields;
    expect(await getLead(ctx.t.api, me.keys.read, res.body.id)).toEqual({
      id: res.body.id,
      uuid: res.body.uuid,
      company_id: me.id,
      created_by_user_id: me.users[0]!.id, // the demo keys act as the admin
      ...exampleFields(body),
      tags: tagRefs(me),
      assigned_users: [],
      partnership_leads: [exchange(me, partner, res.body.partnershipLeadId, 'sent')],
      lead_deals: [],
      custom_fields: [
        {
          id: number!.customFieldId,
          label: 'Deal size',
          type: 'number',
          value: { number: 100000 },
          custom_field_value_id: expect.any(Number),
        },
        {
          id: text!.customFieldId,
          label: 'Referral notes',
          type: 'text',
          value: { text: 'High-value prospect from referral' },
          custom_field_value_id: expect.any(Number),
        },
      ],
      attributions: [{ id: side.id, attributed_date: '2024-01-15T10:30:00.000Z', series: 1 }],
      notes: [],
      integration_name: null,
      integration_custom_fields: null,
      powerups: null,
      partnership_lead_input: body.partnershipLead,
      partner_custom_fields: null,
      created_at: ISO,
      updated_at: ISO,
    });
  });

  it("creates the partner's copy: the partner's key sees it as received, assigned to its users", async () => {
    const { me, partner } = await demo(db());
    const body = seedExampleBody(me, partner);
    const created = await createLead(ctx.t.api, me.keys.write, body);

    const received = await ctx.t.api.get('/v1/leads', { key: partner.keys.read });
    expect(received.status).toBe(200);
    expect(received.body.meta).toEqual({ 'record-count': 1, 'page-count': 1 });
    const copy = received.body.data[0];
    expect(copy).toEqual({
      id: expect.any(Number),
      uuid: UUID,
      company_id: partner.id,
      created_by_user_id: null,
      ...exampleFields(body),
      tags: [],
      assigned_users: userRefs(partner),
      partnership_leads: [exchange(me, partner, created.partnershipLeadId, 'received')],
      lead_deals: [],
      created_at: ISO,
      updated_at: ISO,
    });
    expect(copy.id).not.toBe(created.id);
    // The copy is the partner's own lead: none of the sender's tags, values or input.
    expect(await getLead(ctx.t.api, partner.keys.read, copy.id)).toMatchObject({
      custom_fields: [],
      attributions: [],
      partnership_lead_input: null,
    });
    // And each side reads only its own lead.
    expect((await ctx.t.api.get(`/v1/leads/${created.id}`, { key: partner.keys.read })).status).toBe(404);
    expect((await ctx.t.api.get(`/v1/leads/${copy.id}`, { key: me.keys.read })).status).toBe(404);
    const mine = await ctx.t.api.get('/v1/leads', { key: me.keys.read });
    expect(mine.body.data.map((l: { id: number }) => l.id)).toEqual([created.id]);
  });

  it('stores every field of the seed body and returns it on GET', async () => {
    const { me, partner } = await demo(db());
    const side = me.partners[0]!;
    const partnerField = await makeCustomField(db(), partner.id, 'select', {
      category: 'lead',
      label: 'Region',
    });
    const [emea] = partnerField.options;
    const body = {
      company_name: '  Globex  ',
      email: ' Hank@Globex.Example ',
      phone_number: '+44 20 7946 0000',
      first_name: 'Hank',
      last_name: 'Scorpio',
      source: 'lead_submission_form',
      status: 'qualified',
      associationType: 'referral',
      companyCampaignId: me.campaigns[0]!.id,
      partnershipLead: {
        partnership_id: side.partnership_id,
        partners_company_id: partner.id,
        company_partnerships_id: side.id,
        sendToPartner: true,
        assignedFromPartnerLead: false,
        formSubmissionLead: true,
        formDirection: 'inbound',
        partners_company_name: partner.name,
        partnerUsers: [{ id: partner.users[1]!.id }],
        sentBy: { userId: me.users[1]!.id, email: me.users[1]!.email, companyName: me.name },
      },
      tags: [{ id: me.tags[0]!.id }],
      customFields: [],
      partnerCustomFields: [{ customFieldId: partnerField.id, type: 'select', value: { select: emea!.id } }],
      attributions: [
        { id: side.id, attributedDate: '2024-02-01T08:00:00+02:00' },
        { id: side.id, attributedDate: '2024-03-01T00:00:00Z' },
      ],
      integrationName: 'Pipedrive',
      integrationCustomFields: [
        { uuid: 'f-1', value: 'text' },
        { uuid: 'f-2', value: { nested: [1, 2] } },
      ],
      powerups: { pipedrive: { person_id: 11, organization_id: 22, deal_id: 33 } },
    };
    const created = await createLead(ctx.t.api, me.keys.write, body);
    const lead = await getLead(ctx.t.api, me.keys.read, created.id);
    expect(lead).toMatchObject({
      company_name: 'Globex',
      email: 'Hank@Globex.Example',
      phone_number: '+44 20 7946 0000',
      source: 'lead_submission_form',
      status: 'qualified',
      campaign_id: me.campaigns[0]!.id,
      campaign_title: me.campaigns[0]!.title,
      tags: [expect.objectContaining({ id: me.tags[0]!.id })],
      attributions: [
        { id: side.id, attributed_date: '2024-02-01T06:00:00.000Z', series: 1 },
        { id: side.id, attributed_date: '2024-03-01T00:00:00.000Z', series: 2 },
      ],
      integration_name: 'Pipedrive',
      integration_custom_fields: body.integrationCustomFields,
      powerups: body.powerups,
      partnership_lead_input: { ...body.partnershipLead, partnerUsers: [partner.users[1]!.id] },
      partner_custom_fields: body.partnerCustomFields,
    });

    // The copy: the partner's custom value and the one partner user asked for.
    const [copy] = (await ctx.t.api.get('/v1/leads', { key: partner.keys.read })).body.data;
    const partnerView = await getLead(ctx.t.api, partner.keys.read, copy.id);
    expect(partnerView).toMatchObject({
      status: 'new',
      source: 'partnership',
      campaign_id: null,
      integration_name: null,
      powerups: null,
      assigned_users: [expect.objectContaining({ id: partner.users[1]!.id })],
      custom_fields: [
        {
          id: partnerField.id,
          label: 'Region',
          type: 'select',
          value: { select: emea!.id },
          custom_field_value_id: expect.any(Number),
        },
      ],
    });
  });

  it('a referral without sendToPartner records the partnership lead only; a campaign lead none', async () => {
    const { me, partner } = await demo(db());
    const body = seedExampleBody(me, partner);
    const referral = await createLead(ctx.t.api, me.keys.write, {
      ...body,
      partnershipLead: { partnership_id: me.partners[0]!.partnership_id },
    });
    expect(referral.partnershipLeadId).toEqual(expect.any(Number));
    const lead = await getLead(ctx.t.api, me.keys.read, referral.id);
    expect(lead.partnership_leads).toEqual([
      expect.objectContaining({
        id: referral.partnershipLeadId,
        direction: 'sent',
        received_by_company_id: partner.id,
      }),
    ]);
    expect((await ctx.t.api.get('/v1/leads', { key: partner.keys.read })).body.meta['record-count']).toBe(0);

    const campaign = await createLead(ctx.t.api, me.keys.write, campaignBody(me));
    expect(campaign.partnershipLeadId).toBeNull();
    expect(await getLead(ctx.t.api, me.keys.read, campaign.id)).toMatchObject({
      source: 'campaign',
      association_type: 'campaigns',
      partner_type: null,
      campaign_id: me.campaigns[0]!.id,
      campaign_title: me.campaigns[0]!.title,
      partnership_leads: [],
    });
  });
});

describe('POST /v1/leads: events, one transaction', () => {
  it("writes leads.create for the caller's lead and for the partner's copy, in Journeybee's webhook shape", async () => {
    const { me, partner } = await demo(db());
    const body = seedExampleBody(me, partner);
    const created = await createLead(ctx.t.api, me.keys.write, body);
    const copyId = (await ctx.t.api.get('/v1/leads', { key: partner.keys.read })).body.data[0].id;

    const rows = await eventsOf(db(), [me.id, partner.id]);
    expect(rows.map((e) => [e.company_id, e.type, e.api_key_id])).toEqual([
      [me.id, 'leads.create', await writeKeyId(me.id)],
      [partner.id, 'leads.create', null],
    ]);
    const sent = { partnership_uuid: UUID, partner_type: 'referral', sent_date: ISO };
    const sender = me.users[0]!;
    expect(rows[0]!.payload).toEqual({
      lead: {
        id: created.id,
        uuid: created.uuid,
        created_at: ISO,
        updated_at: ISO,
        company_name: 'TechCorp Solutions',
        email: body.email,
        phone_number: '+1-555-123-4567',
        first_name: 'John',
        last_name: 'Smith',
        status: 'new',
        source: 'partnership',
        created_by_user_uuid: UUID,
        created_by_user_email: sender.email,
        created_by_user_first_name: sender.first_name,
        created_by_user_last_name: sender.last_name,
        custom_fields: [
          expect.objectContaining({
            label: 'Deal size',
            type: 'number',
            value: { number: 100000 },
            options: [],
          }),
          expect.objectContaining({ label: 'Referral notes', type: 'text', custom_field_value_uuid: UUID }),
        ],
        tags: [...me.tags]
          .sort((a, b) => a.label.localeCompare(b.label))
          .map((t) => ({ uuid: UUID, label: t.label })),
        assigned_users: [],
        received_from_company: [],
        sent_to_companies: [
          {
            ...sent,
            company_name: partner.name,
            company_domain: partner.domain,
            sent_by_user_email: sender.email,
            sent_by_user_first_name: sender.first_name,
            sent_by_user_last_name: sender.last_name,
          },
        ],
      },
    });
    expect(rows[1]!.payload).toMatchObject({
      lead: {
        id: copyId,
        created_by_user_uuid: null,
        assigned_users: partner.users.map((u) => ({
          uuid: UUID,
          email: u.email,
          first_name: u.first_name,
          last_name: u.last_name,
        })),
        received_from_company: [
          { ...sent, company_name: me.name, company_domain: me.domain, sent_by_user_email: sender.email },
        ],
        sent_to_companies: [],
      },
    });
  });

  it('a create that fails late (invalid partnerCustomFields) leaves no row anywhere', async () => {
    const { me, partner } = await demo(db());
    const required = await makeCustomField(db(), partner.id, 'number', { category: 'lead', required: true });
    const before = await leadRowCounts(db());
    const res = await ctx.t.api.post('/v1/leads', {
      key: me.keys.write,
      body: {
        ...seedExampleBody(me, partner),
        partnerCustomFields: [
          { customFieldId: required.id, type: 'number', value: { text: 'not a number' } },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'Invalid field values or missing required association',
      code: 'bad_request',
      details: [
        {
          path: 'partnerCustomFields[0].value',
          message: `'${required.label}' is a number field: value must be {"number": <finite number>}`,
        },
      ],
    });
    expect(await leadRowCounts(db())).toEqual(before);
  });

  it("a failure at the transaction's last write (the partner's event) rolls back every row before it", async () => {
    const { me, partner } = await demo(db());
    const body = seedExampleBody(me, partner);
    // The outbox insert comes last, after both leads, tags, values, attributions, the copy's
    // users and the partnership lead: a fault there must take all of them back.
    const trigger = `jb_test_${uniq()}`;
    await db().execute(
      sql.raw(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.company_id = ${partner.id} THEN RAISE EXCEPTION 'simulated fault'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER ${trigger} AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION ${trigger}();`),
    );
    try {
      const before = await leadRowCounts(db());
      const res = await ctx.t.api.post('/v1/leads', { key: me.keys.write, body });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'Internal server error', code: 'internal' });
      expect(await leadRowCounts(db())).toEqual(before);
    } finally {
      await db().execute(sql.raw(`DROP TRIGGER ${trigger} ON events; DROP FUNCTION ${trigger}()`));
    }
    // Nothing half-written blocks the same request once the fault is gone.
    await createLead(ctx.t.api, me.keys.write, body);
  });
});

describe('POST /v1/leads: duplicates', () => {
  it('20 concurrent creates with one email: exactly one 201 and nineteen 409s', async () => {
    const { me } = await demo(db());
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ctx.t.api.post('/v1/leads', {
          key: me.keys.write,
          // Spelled differently each time: trimmed and case-insensitive, it is one address.
          body: campaignBody(me, { email: i % 2 ? email.toUpperCase() : ` ${email}` }),
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    for (const r of results.filter((r) => r.status === 409)) {
      expect(r.body).toEqual({ error: 'Duplicate lead or unique constraint violation', code: 'conflict' });
    }
    expect(
      await countRows(db(), 'leads', sql`company_id = ${me.id} AND lower(btrim(email)) = ${email}`),
    ).toBe(1);
  });

  it("the partner's copy is exempt: two partners' referrals of one person both reach the partner", async () => {
    const { me, partner } = await demo(db());
    const email = uniqueEmail('shared');
    // The partner already has this person as its own lead, and receives it twice.
    await createLead(ctx.t.api, partner.keys.write, campaignBody(partner, { email }));
    await createLead(ctx.t.api, me.keys.write, seedExampleBody(me, partner, email));
    const again = await ctx.t.api.post('/v1/leads', {
      key: me.keys.write,
      body: seedExampleBody(me, partner, email),
    });
    expect(again.status).toBe(409); // the sender's own duplicate rule still holds
    const other = await demo(db()); // another sender: a fresh pair, the same email
    await createLead(ctx.t.api, other.me.keys.write, seedExampleBody(other.me, other.partner, email));
    expect(await countRows(db(), 'leads', sql`company_id = ${partner.id} AND email = ${email}`)).toBe(2);
  });
});

describe('POST /v1/leads: Idempotency-Key', () => {
  it('a retry with the same key gets the same lead; one lead is created', async () => {
    const { me } = await demo(db());
    const body = campaignBody(me);
    const key = `lead-${uniq()}`;
    const send = () =>
      ctx.t.api.post('/v1/leads', { key: me.keys.write, body, headers: { 'idempotency-key': key } });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await countRows(db(), 'leads', sql`email = ${body.email}`)).toBe(1);
  });

  it('the response is stored with the lead: a process dying after the commit still replays it', async () => {
    const file = await createTestDatabase();
    // The server "dies" after the create committed and before its reply is serialized, sent and
    // recorded by the onSend hook: the connection drops and nothing else runs for the request.
    let died = false;
    const dying = await startCustomApp(file.url, {
      configure: (app) => {
        // preSerialization runs before every onSend hook, so before the one that records responses.
        app.addHook('preSerialization', (request, reply, _payload, done) => {
          if (
            !died &&
            request.headers['idempotency-key'] === 'dies-after-commit' &&
            reply.statusCode === 201
          ) {
            died = true;
            request.raw.socket.destroy();
            return; // never calls done: the process is gone
          }
          done();
        });
      },
    });
    try {
      const { me } = await demo(dying.database.db);
      const body = campaignBody(me);
      const headers = { 'idempotency-key': 'dies-after-commit' };
      await expect(dying.api.post('/v1/leads', { key: me.keys.write, body, headers })).rejects.toThrow();
      const [stored] = await dying.database.db
        .select()
        .from(idempotencyKeys)
        .where(eq(idempotencyKeys.key, 'dies-after-commit'));
      expect(stored).toMatchObject({ response_status: 201 });

      const retry = await dying.api.post('/v1/leads', { key: me.keys.write, body, headers });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      const [lead] = await dying.database.db.select().from(leads).where(eq(leads.email, body.email));
      expect(retry.body).toEqual({ id: lead!.id, uuid: lead!.uuid, partnershipLeadId: null });
    } finally {
      await dying.close();
      await file.drop();
    }
  });
});
