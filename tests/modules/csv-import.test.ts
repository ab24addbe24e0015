import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMPORT_ROWS } from '../../src/modules/csv/csv.import.js';
import { uniq, useTestApp } from '../helpers/app.js';
import { createOk } from '../helpers/catalogue-api.js';
import { makeCustomField, makeTag } from '../helpers/catalogue-factories.js';
import { makeTenant } from '../helpers/factories.js';
import { countRows, createLead, uniqueEmail } from '../helpers/leads.js';

// POST /v1/leads/import over HTTP on the real database: automatic and explicit column mapping,
// the dry run's report (row, column, field, message) that writes nothing, the real run that
// writes every row with its event or, if one row fails, nothing; duplicates within the file
// and against the company's leads; tags, campaigns and custom fields by label; the file's own
// problems (empty, header only, ragged, unclosed quote, not UTF-8, too many rows); and an
// export of one company imported into another.

const ctx = useTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });
const db = () => ctx.t.database.db;

type Tenant = Awaited<ReturnType<typeof makeTenant>>;

interface Setup {
  tenant: Tenant;
  campaign: { id: number; title: string };
  budget: Awaited<ReturnType<typeof makeCustomField>>;
  colour: Awaited<ReturnType<typeof makeCustomField>>;
  sizes: Awaited<ReturnType<typeof makeCustomField>>;
}

/** A company with a campaign, two lead tags and three lead custom fields (labels fixed). */
async function setup(opts: { requiredBudget?: boolean } = {}): Promise<Setup> {
  const tenant = await makeTenant(db());
  const campaign = await createOk(ctx.t.api, tenant.writeKey, '/v1/campaigns', { title: 'Spring' });
  const lead = { category: 'lead' as const };
  await makeTag(db(), tenant.company.id, { label: 'Hot', association: 'lead' });
  await makeTag(db(), tenant.company.id, { label: 'Enterprise', association: 'lead' });
  // A partner tag of the same company: not a lead tag.
  await makeTag(db(), tenant.company.id, { label: 'Partnerish', association: 'partner' });
  return {
    tenant,
    campaign,
    budget: await makeCustomField(db(), tenant.company.id, 'number', {
      ...lead,
      label: 'Budget',
      required: opts.requiredBudget ?? false,
    }),
    colour: await makeCustomField(db(), tenant.company.id, 'select', { ...lead, label: 'Colour' }),
    sizes: await makeCustomField(db(), tenant.company.id, 'multi_select', {
      ...lead,
      label: 'Sizes',
      options: ['S', 'M', 'L'],
    }),
  };
}

const csv = (rows: (string | number)[][]) => stringify(rows, { record_delimiter: 'windows' });

async function importCsv(key: string, body: string | Buffer, query = '', contentType = 'text/csv') {
  return ctx.t.api.post(`/v1/leads/import${query}`, {
    key,
    rawBody: body,
    headers: { 'content-type': contentType },
  });
}

const leadCount = (companyId: number) => countRows(db(), 'leads', sql`company_id = ${companyId}`);
const eventCount = (companyId: number) =>
  countRows(db(), 'events', sql`company_id = ${companyId} AND type = 'leads.create'`);

async function listAll(key: string) {
  const res = await ctx.t.api.get('/v1/leads?pageSize=50&sort=created_at', { key });
  expect(res.status).toBe(200);
  return res.body.data as Record<string, any>[];
}

describe('POST /v1/leads/import: mapping and the real run', () => {
  it('maps headers by field name and custom field label, and writes every lead with its event', async () => {
    const s = await setup();
    const body = csv([
      [
        'email',
        'first_name',
        'last_name',
        'company_name',
        'phone_number',
        'status',
        'tags',
        'associationType',
        'campaign_title',
        'budget',
        'Colour',
        'Sizes',
        'Shoe size',
      ],
      [
        ' Ada@Example.test ',
        'Ada',
        'Lovelace',
        'Analytical, Ltd',
        '+44 20',
        'qualified',
        'hot; Enterprise',
        'campaigns',
        'Spring',
        '1200.5',
        'blue',
        'S;L',
        '42',
      ],
      ['', 'Zoë', '日本語', 'Only a company', '', '', '', 'campaigns', 'spring', '', '', '', ''],
    ]);
    const before = await eventCount(s.tenant.company.id);
    const res = await importCsv(s.tenant.writeKey, `\uFEFF${body}`);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      dry_run: false,
      imported: 2,
      ids: [expect.any(Number), expect.any(Number)],
      columns: {
        email: 'email',
        first_name: 'first_name',
        last_name: 'last_name',
        company_name: 'company_name',
        phone_number: 'phone_number',
        status: 'status',
        tags: 'tags',
        associationType: 'associationType',
        campaign_title: 'campaign',
        budget: 'custom:Budget',
        Colour: 'custom:Colour',
        Sizes: 'custom:Sizes',
        'Shoe size': null,
      },
    });
    const [ada, zoe] = await Promise.all(
      res.body.ids.map(
        async (id: number) => (await ctx.t.api.get(`/v1/leads/${id}`, { key: s.tenant.readKey })).body,
      ),
    );
    expect(ada).toMatchObject({
      // Trimmed, as POST /v1/leads stores it.
      email: 'Ada@Example.test',
      first_name: 'Ada',
      last_name: 'Lovelace',
      company_name: 'Analytical, Ltd',
      phone_number: '+44 20',
      status: 'qualified',
      source: 'campaign',
      association_type: 'campaigns',
      campaign_id: s.campaign.id,
      created_by_user_id: s.tenant.admin.id,
    });
    expect(ada.tags.map((t: { label: string }) => t.label)).toEqual(['Enterprise', 'Hot']);
    expect(
      Object.fromEntries(ada.custom_fields.map((f: { label: string; value: unknown }) => [f.label, f.value])),
    ).toEqual({
      Budget: { number: 1200.5 },
      Colour: { select: s.colour.options[2]!.id },
      Sizes: { multi_select: [s.sizes.options[0]!.id, s.sizes.options[2]!.id] },
    });
    expect(zoe).toMatchObject({
      email: null,
      first_name: 'Zoë',
      last_name: '日本語',
      status: 'new',
      tags: [],
    });
    expect(zoe.custom_fields).toEqual([]);
    // One leads.create event a lead, as POST /v1/leads writes it (the webhook's lead.created).
    expect(await eventCount(s.tenant.company.id)).toBe(before + 2);
    const { rows } = await db().execute<{ payload: { lead: { id: number; email: string | null } } }>(
      sql`SELECT payload FROM events WHERE company_id = ${s.tenant.company.id} AND type = 'leads.create' ORDER BY id`,
    );
    expect(rows.slice(-2).map((r) => r.payload.lead.id)).toEqual(res.body.ids);
  });

  it('takes an explicit mapping (JSON in the query), ignores what it maps to null, auto-maps the rest', async () => {
    const s = await setup();
    const body = csv([
      ['E-Mail', 'Vorname', 'Firma', 'Farbe', 'Intern', 'Tel', 'associationType', 'companyCampaignId'],
      ['max@example.test', 'Max', 'Muster GmbH', 'Red', 'secret', '+49 30 1', 'campaigns', s.campaign.id],
    ]);
    const mapping = {
      'E-Mail': 'email',
      Vorname: 'first_name',
      Firma: 'company_name',
      Farbe: 'custom:colour',
      Intern: null,
      Tel: 'phone',
    };
    const res = await importCsv(
      s.tenant.writeKey,
      body,
      `?mapping=${encodeURIComponent(JSON.stringify(mapping))}`,
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body.columns).toEqual({
      'E-Mail': 'email',
      Vorname: 'first_name',
      Firma: 'company_name',
      Farbe: 'custom:Colour',
      Intern: null,
      Tel: 'phone_number',
      associationType: 'associationType',
      companyCampaignId: 'companyCampaignId',
    });
    const lead = (await ctx.t.api.get(`/v1/leads/${res.body.ids[0]}`, { key: s.tenant.readKey })).body;
    expect(lead).toMatchObject({
      email: 'max@example.test',
      first_name: 'Max',
      company_name: 'Muster GmbH',
      phone_number: '+49 30 1',
    });
    expect(lead.custom_fields).toEqual([
      expect.objectContaining({ label: 'Colour', value: { select: s.colour.options[0]!.id } }),
    ]);
  });

  it('refuses a mapping it cannot use, naming the problem, and writes nothing', async () => {
    const s = await setup();
    const body = csv([
      ['a', 'b'],
      ['x@example.test', 'y'],
    ]);
    const cases: [string, string][] = [
      ['{"a": "nope"}', "Invalid column mapping: mapping of 'a': unknown field 'nope'"],
      [
        '{"a": "custom:Nope"}',
        "Invalid column mapping: mapping of 'a': no lead custom field labelled 'Nope'",
      ],
      ['{"c": "email"}', "Invalid column mapping: mapping names 'c', which is not a header of the file"],
      ['{"a": "email", "b": "email"}', "Invalid column mapping: 'a' and 'b' both map to 'email'"],
      ['{"a": 5}', `Invalid column mapping: mapping of 'a' must be a field name, "custom:<label>", or null`],
    ];
    for (const [mapping, error] of cases) {
      const res = await importCsv(s.tenant.writeKey, body, `?mapping=${encodeURIComponent(mapping)}`);
      expect({ mapping, status: res.status, error: res.body.error, code: res.body.code }).toEqual({
        mapping,
        status: 400,
        error,
        code: 'bad_request',
      });
    }
    const notJson = await importCsv(s.tenant.writeKey, body, '?mapping=%7Bnope');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/Invalid query parameter 'mapping'/);
    const dup = await importCsv(
      s.tenant.writeKey,
      csv([
        ['email', 'email'],
        ['a@x.test', 'b@x.test'],
      ]),
    );
    expect(dup.status).toBe(400);
    expect(dup.body.error).toBe("Invalid column mapping: the header 'email' appears more than once");
    expect(await leadCount(s.tenant.company.id)).toBe(0);
  });
});

describe('POST /v1/leads/import: the report', () => {
  let s: Setup;
  let existing: string;
  let body: string;
  beforeAll(async () => {
    s = await setup({ requiredBudget: true });
    existing = uniqueEmail('existing');
    await createLead(ctx.t.api, s.tenant.writeKey, {
      email: existing,
      associationType: 'campaigns',
      companyCampaignId: s.campaign.id,
      customFields: [{ customFieldId: s.budget.id, type: 'number', value: { number: 1 } }],
    });
    const good = () => uniqueEmail('good');
    const twice = uniqueEmail('twice');
    body = csv([
      ['Email', 'First', 'Status', 'Tags', 'Association', 'Campaign', 'Budget', 'Colour', 'Sizes'],
      /* 2 */ [good(), 'Ok', 'new', 'Hot', 'campaigns', 'Spring', '10', 'Red', 'M'],
      /* 3 */ ['not-an-email', 'Bad', 'nope', 'Hot; Cold', 'campaigns', 'Spring', 'ten', 'Purple', 'S; XL'],
      /* 4 */ [twice, 'First', '', '', 'campaigns', 'Spring', '1', '', ''],
      /* 5 */ [` ${twice.toUpperCase()} `, 'Second', '', '', 'campaigns', 'Spring', '2', '', ''],
      /* 6 */ [existing, 'Existing', '', '', 'campaigns', 'Spring', '3', '', ''],
      /* 7 */ ['', 'No contact', '', '', 'campaigns', 'Autumn', '', '', ''],
      /* 8 */ [good(), 'Partnerish', '', 'Partnerish', 'referral', '', '4', '', ''],
      /* 9 */ [good(), 'Fine too', 'lost', 'enterprise', 'campaigns', 'SPRING', '-5e3', 'blue', ''],
    ]);
  });

  const mapping = {
    Email: 'email',
    First: 'first_name',
    Status: 'status',
    Tags: 'tags',
    Association: 'associationType',
    Campaign: 'campaign',
  };
  const query = (dry: boolean) => `?dry_run=${dry}&mapping=${encodeURIComponent(JSON.stringify(mapping))}`;

  const expectedErrors = () => [
    { row: 3, column: 'Tags', field: 'tags', error: "no lead tag in your company labelled 'Cold'" },
    { row: 3, column: 'Budget', field: 'custom:Budget', error: "'ten' is not a number" },
    { row: 3, column: 'Colour', field: 'custom:Colour', error: "'Colour' has no option 'Purple'" },
    { row: 3, column: 'Sizes', field: 'custom:Sizes', error: "'Sizes' has no option 'XL'" },
    { row: 3, column: 'Email', field: 'email', error: 'must be a valid email address' },
    { row: 3, column: 'Status', field: 'status', error: expect.stringMatching(/^must be one of: new, /) },
    { row: 5, column: 'Email', field: 'email', error: 'duplicate: the same email as row 4' },
    { row: 6, column: 'Email', field: 'email', error: 'duplicate: a lead of your company has this email' },
    { row: 7, column: 'Campaign', field: 'campaign', error: "no campaign in your company titled 'Autumn'" },
    { row: 7, column: 'Email', field: 'email', error: 'a lead needs an email or a company_name' },
    { row: 7, column: null, field: 'company_name', error: 'a lead needs an email or a company_name' },
    { row: 8, column: 'Tags', field: 'tags', error: "no lead tag in your company labelled 'Partnerish'" },
  ];

  it('dry run: every problem by row, column and field, and nothing written', async () => {
    const leadsBefore = await leadCount(s.tenant.company.id);
    const eventsBefore = await eventCount(s.tenant.company.id);
    const res = await importCsv(s.tenant.writeKey, body, query(true));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ dry_run: true, rows: 8, valid: 3, invalid: 5 });
    expect(res.body.errors).toEqual(expectedErrors());
    expect(res.body.columns).toEqual({
      ...mapping,
      Budget: 'custom:Budget',
      Colour: 'custom:Colour',
      Sizes: 'custom:Sizes',
    });
    expect(await leadCount(s.tenant.company.id)).toBe(leadsBefore);
    expect(await eventCount(s.tenant.company.id)).toBe(eventsBefore);
  });

  it('the Create Lead rules run on each row: the referral row needs its partnership, the required field its value', async () => {
    const rows = csv([
      ['email', 'associationType', 'partnership_id', 'companyCampaignId', 'Budget'],
      [uniqueEmail(), 'referral', '', '', '5'],
      [uniqueEmail(), 'referral', '2147483647', '', '5'],
      [uniqueEmail(), 'campaigns', '', '', '5'],
      [uniqueEmail(), 'campaigns', '', String(s.campaign.id), ''],
      [uniqueEmail(), 'bogus', '', '', '5'],
    ]);
    const res = await importCsv(s.tenant.writeKey, rows, '?dry_run=true');
    expect(res.status, res.text).toBe(200);
    expect(res.body.errors).toEqual([
      { row: 2, column: 'partnership_id', field: 'partnership_id', error: 'is required for referral leads' },
      {
        row: 3,
        column: 'partnership_id',
        field: 'partnership_id',
        error: 'no accepted referral partnership of your company with id 2147483647',
      },
      {
        row: 4,
        column: 'companyCampaignId',
        field: 'companyCampaignId',
        error: 'is required for campaign leads',
      },
      {
        row: 5,
        column: 'Budget',
        field: 'custom:Budget',
        error: `'Budget' (custom field ${s.budget.id}) is required`,
      },
      {
        row: 6,
        column: 'associationType',
        field: 'associationType',
        error: expect.stringMatching(/^must be one of/),
      },
    ]);
  });

  it('real run: one bad row and nothing is written (400 with the same report)', async () => {
    const leadsBefore = await leadCount(s.tenant.company.id);
    const eventsBefore = await eventCount(s.tenant.company.id);
    const res = await importCsv(s.tenant.writeKey, body, query(false));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: '5 of 8 rows fail the Create Lead rules: nothing was imported',
      code: 'bad_request',
      dry_run: false,
      rows: 8,
      valid: 3,
      invalid: 5,
    });
    expect(res.body.errors).toEqual(expectedErrors());
    expect(await leadCount(s.tenant.company.id)).toBe(leadsBefore);
    expect(await eventCount(s.tenant.company.id)).toBe(eventsBefore);
    expect(await countRows(db(), 'custom_field_values', sql`company_id = ${s.tenant.company.id}`)).toBe(1);
  });

  it("another company's tags, campaigns and custom fields are unknown", async () => {
    const other = await makeTenant(db());
    const otherCampaign = await createOk(ctx.t.api, other.writeKey, '/v1/campaigns', { title: 'Spring' });
    const rows = csv([
      ['email', 'tags', 'associationType', 'campaign', 'companyCampaignId'],
      [uniqueEmail(), 'Hot', 'campaigns', 'Spring', ''],
      [uniqueEmail(), '', 'campaigns', '', String(s.campaign.id)],
    ]);
    const res = await importCsv(other.writeKey, rows, '?dry_run=true');
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([
      { row: 2, column: 'tags', field: 'tags', error: "no lead tag in your company labelled 'Hot'" },
      {
        row: 3,
        column: 'companyCampaignId',
        field: 'companyCampaignId',
        error: `no campaign in your company with id ${s.campaign.id}`,
      },
    ]);
    // Its own campaign of the same title is the one used.
    const own = await importCsv(
      other.writeKey,
      csv([
        ['email', 'associationType', 'campaign'],
        [uniqueEmail(), 'campaigns', 'spring'],
      ]),
    );
    expect(own.status, own.text).toBe(201);
    const lead = (await ctx.t.api.get(`/v1/leads/${own.body.ids[0]}`, { key: other.readKey })).body;
    expect(lead.campaign_id).toBe(otherCampaign.id);
    // Custom fields of another company are not columns.
    const custom = await importCsv(
      other.writeKey,
      csv([
        ['email', 'Budget'],
        ['a@b.test', '1'],
      ]),
      '?dry_run=true&mapping=%7B%22Budget%22%3A%22custom%3ABudget%22%7D',
    );
    expect(custom.status).toBe(400);
    expect(custom.body.error).toBe(
      "Invalid column mapping: mapping of 'Budget': no lead custom field labelled 'Budget'",
    );
  });
});

describe('POST /v1/leads/import: the file', () => {
  let key: string;
  beforeAll(async () => {
    key = (await makeTenant(db())).writeKey;
  });

  it.each([
    ['an empty file', '', 'The CSV file is empty: it needs a header row and at least one row'],
    ['a BOM only', '\uFEFF', 'The CSV file is empty: it needs a header row and at least one row'],
    ['a header only', 'email,first_name\r\n', 'The CSV file has a header row but no rows'],
    [
      'a ragged row',
      'email,first_name\r\na@b.test,A\r\nc@d.test\r\n',
      "The CSV's row 3 has a different number of cells than its header",
    ],
    [
      'an unclosed quote',
      'email,first_name\r\na@b.test,"A\r\nc@d.test,C\r\n',
      'The CSV has an unclosed quote (from row 2)',
    ],
  ])('%s is a 400 naming the problem', async (_what, body, error) => {
    const res = await importCsv(key, body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error, code: 'bad_request' });
  });

  it('refuses bytes that are not UTF-8, another charset, and another content type', async () => {
    const latin1 = Buffer.from('email,first_name\r\na@b.test,M\xfcller\r\n', 'latin1');
    const bad = await importCsv(key, latin1);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'Request body is not valid UTF-8', code: 'bad_request' });
    const charset = await importCsv(key, 'email\r\na@b.test\r\n', '', 'text/csv; charset=iso-8859-1');
    expect(charset.status).toBe(415);
    expect(charset.body.code).toBe('unsupported_media_type');
    const json = await ctx.t.api.post('/v1/leads/import', { key, body: { email: 'a@b.test' } });
    expect(json.status).toBe(415);
    const text = await importCsv(key, 'email\r\na@b.test\r\n', '', 'text/plain');
    expect(text.status).toBe(415);
    const quoted = await importCsv(
      key,
      'email\r\na@b.test\r\n',
      '?dry_run=true',
      'text/csv; charset="UTF-8"',
    );
    expect(quoted.status).toBe(200);
    const dry = await importCsv(key, 'email\r\na@b.test\r\n', '?dry_run=yes');
    expect(dry.status).toBe(400);
    expect(dry.body.details).toEqual([{ path: 'dry_run', message: 'must be true or false' }]);
  });

  it(`takes a file over 1 MiB, refuses more than ${MAX_IMPORT_ROWS} rows (413) and more than 20 MiB (413)`, async () => {
    const header = 'email,associationType\r\n';
    const big =
      header + Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => `r${i}@x.test,campaigns`).join('\r\n');
    expect(Buffer.byteLength(big)).toBeGreaterThan(1024 * 1024);
    const tooMany = await importCsv(key, big, '?dry_run=true');
    expect(tooMany.status).toBe(413);
    expect(tooMany.body).toEqual({
      error: `The CSV file has ${MAX_IMPORT_ROWS + 1} rows: at most ${MAX_IMPORT_ROWS} are imported at once`,
      code: 'payload_too_large',
    });
    const huge = header + `${'x'.repeat(1000)}@x.test,campaigns\r\n`.repeat(21 * 1024);
    const tooBig = await importCsv(key, huge, '?dry_run=true');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe('payload_too_large');
  });

  it('a read key is refused (403) and writes nothing', async () => {
    const tenant = await makeTenant(db());
    const res = await importCsv(tenant.readKey, 'email\r\na@b.test\r\n');
    expect(res.status).toBe(403);
    expect(await leadCount(tenant.company.id)).toBe(0);
  });
});

describe('round trip', () => {
  it('an export of one company imports into another, and exports there the same', async () => {
    const a = await setup();
    const b = await setup();
    const rows = csv([
      [
        'email',
        'first_name',
        'last_name',
        'company_name',
        'tags',
        'associationType',
        'campaign',
        'Budget',
        'Colour',
        'Sizes',
      ],
      [
        uniqueEmail(),
        'Ann, "the first"',
        'Lee\nSmith',
        'Acme',
        'Hot;Enterprise',
        'campaigns',
        'Spring',
        '3.25',
        'Green',
        'M;L',
      ],
      [uniqueEmail(), '=1+2', '@risky', '', '', 'campaigns', 'Spring', '', '', ''],
      ['', 'Only', 'Company', `Ünïcødé ${uniq()}`, 'Enterprise', 'campaigns', 'Spring', '-7', 'Red', 'S'],
    ]);
    const first = await importCsv(a.tenant.writeKey, rows);
    expect(first.status, first.text).toBe(201);

    const exported = await fetch(`${ctx.t.api.baseUrl}/v1/leads/export.csv`, {
      headers: { authorization: `Bearer ${a.tenant.readKey}` },
    });
    const file = await exported.text();
    // Back in without a mapping: the export's headers map by themselves.
    const second = await importCsv(b.tenant.writeKey, file);
    expect(second.status, second.text).toBe(201);
    expect(second.body.imported).toBe(3);

    const again = await fetch(`${ctx.t.api.baseUrl}/v1/leads/export.csv`, {
      headers: { authorization: `Bearer ${b.tenant.readKey}` },
    });
    const parsed = (text: string) => {
      const [header, ...records] = parse(text, { bom: true }) as string[][];
      // What differs between two companies: ids, times, the creating user.
      const keep = header!
        .map((h, i) => [h, i] as const)
        .filter(
          ([h]) =>
            !['id', 'uuid', 'campaign_id', 'created_by_user_id', 'created_at', 'updated_at'].includes(h),
        );
      return records.map((r) => Object.fromEntries(keep.map(([h, i]) => [h, r[i]])));
    };
    const before = parsed(file);
    const after = parsed(await again.text());
    expect(after).toEqual(before);
    // The formula guard's apostrophe is the export's: the import takes it off again.
    expect(before[1]).toMatchObject({ first_name: "'=1+2", last_name: "'@risky" });
    const listB = await listAll(b.tenant.readKey);
    expect(listB.map((l) => l.first_name).sort()).toEqual(['=1+2', 'Ann, "the first"', 'Only'].sort());
    expect(listB.map((l) => l.last_name).sort()).toEqual(['@risky', 'Company', 'Lee\nSmith'].sort());
  });
});
