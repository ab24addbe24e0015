import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEAL_COLUMNS, LEAD_COLUMNS, PARTNER_COLUMNS } from '../../src/modules/csv/csv.export.js';
import { cellText } from '../../src/modules/csv/csv.format.js';
import { uniq, useTestApp } from '../helpers/app.js';
import { createOk } from '../helpers/catalogue-api.js';
import { makeCustomField, makeTag } from '../helpers/catalogue-factories.js';
import { makeDeal } from '../helpers/deal-factories.js';
import { makeTenant } from '../helpers/factories.js';
import { createLead, uniqueEmail } from '../helpers/leads.js';
import { invitePartner } from '../helpers/partners.js';

// GET /v1/leads/export.csv, /v1/partners/export.csv, /v1/deals/export.csv over HTTP on the real
// database: the bytes (BOM, CRLF, RFC 4180 quoting, UTF-8), the columns (the API's field names,
// one per custom field by label), every cell read back with csv-parse and compared with what
// the list route answers for the same item, the list's filters, the company's rows only, the
// formula guard, and batches (more leads than one statement reads).

const ctx = useTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });
const db = () => ctx.t.database.db;

type Tenant = Awaited<ReturnType<typeof makeTenant>>;
let me: Tenant;
let other: Tenant;
let campaignId: number;
let fields: Record<'text' | 'number' | 'select' | 'multi', Awaited<ReturnType<typeof makeCustomField>>>;
let hot: { id: number; label: string };
let cold: { id: number; label: string };

/** Fetches a CSV export: its raw bytes, headers and records (parsed with csv-parse). */
async function exportCsv(path: string, key: string) {
  const res = await fetch(ctx.t.api.baseUrl + path, { headers: { authorization: `Bearer ${key}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  const records: string[][] = res.status === 200 ? parse(text, { bom: true }) : [];
  return { status: res.status, headers: res.headers, bytes, text, records };
}

/** The records as objects by header. */
const byHeader = (records: string[][]) => {
  const [header, ...rows] = records;
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
};

/** A cell as the export writes a value of the API (with the formula guard). */
const expected = (value: unknown) => {
  const text = cellText(value);
  return typeof value !== 'number' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
};

const pick = (row: unknown, path: string) =>
  path.split('.').reduce<unknown>((at, p) => (at as Record<string, unknown> | null)?.[p], row);

beforeAll(async () => {
  me = await makeTenant(db());
  other = await makeTenant(db());
  campaignId = (await createOk(ctx.t.api, me.writeKey, '/v1/campaigns', { title: `Spring ${uniq()}` })).id;
  const lead = { category: 'lead' as const };
  fields = {
    text: await makeCustomField(db(), me.company.id, 'text', { ...lead, label: 'Notes, "quoted"' }),
    number: await makeCustomField(db(), me.company.id, 'number', { ...lead, label: 'Budget' }),
    select: await makeCustomField(db(), me.company.id, 'select', { ...lead, label: 'Colour' }),
    multi: await makeCustomField(db(), me.company.id, 'multi_select', {
      ...lead,
      label: 'Sizes',
      options: ['S', 'M', 'L'],
    }),
  };
  hot = await makeTag(db(), me.company.id, { label: 'Hot', association: 'lead' });
  cold = await makeTag(db(), me.company.id, { label: 'Cold; really', association: 'lead' });
});

const campaignLead = (overrides: Record<string, unknown>) => ({
  email: uniqueEmail(),
  associationType: 'campaigns',
  companyCampaignId: campaignId,
  ...overrides,
});

describe('GET /v1/leads/export.csv', () => {
  it('writes UTF-8 with a BOM, CRLF line ends and RFC 4180 quoting, and reads back as the API shows the leads', async () => {
    const tricky = await createLead(
      ctx.t.api,
      me.writeKey,
      campaignLead({
        company_name: 'Müller, Søn & "Partners"',
        first_name: 'Zoë\nline two',
        last_name: '日本語 ✓',
        phone_number: '+1-555-0100',
        status: 'qualified',
        tags: [hot.id, cold.id],
        customFields: [
          { customFieldId: fields.text.id, type: 'text', value: { text: 'a,b\r\n"c"' } },
          { customFieldId: fields.number.id, type: 'number', value: { number: -12.5 } },
          {
            customFieldId: fields.select.id,
            type: 'select',
            value: { select: fields.select.options[1]!.id },
          },
          {
            customFieldId: fields.multi.id,
            type: 'multi_select',
            value: { multi_select: [fields.multi.options[0]!.id, fields.multi.options[2]!.id] },
          },
        ],
      }),
    );
    const injected = await createLead(
      ctx.t.api,
      me.writeKey,
      campaignLead({
        first_name: '=HYPERLINK("http://evil.test")',
        last_name: '@SUM(A1)',
        company_name: '-2+3',
      }),
    );
    const otherCampaign = (await createOk(ctx.t.api, other.writeKey, '/v1/campaigns', { title: 'Other' })).id;
    await createLead(ctx.t.api, other.writeKey, {
      email: uniqueEmail(),
      associationType: 'campaigns',
      companyCampaignId: otherCampaign,
    });

    const res = await exportCsv('/v1/leads/export.csv', me.readKey);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect([...res.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    // Every record ends with CRLF; a bare LF only inside a quoted field.
    expect(res.text.endsWith('\r\n')).toBe(true);
    expect(res.text).toContain('"Müller, Søn & ""Partners"""');
    expect(res.text).toContain('"Zoë\nline two"');
    expect(res.text).toContain('"a,b\r\n""c"""');

    const header = res.records[0]!;
    expect(header).toEqual([...LEAD_COLUMNS, 'Notes, "quoted"', 'Budget', 'Colour', 'Sizes']);
    const rows = byHeader(res.records);
    // The company's leads only, in id order, each equal to the list's item.
    const list = await ctx.t.api.get('/v1/leads?pageSize=50&sort=created_at', { key: me.readKey });
    expect(list.status).toBe(200);
    const items = [...list.body.data].sort((a: { id: number }, b: { id: number }) => a.id - b.id);
    expect(rows.map((r) => Number(r.id))).toEqual(items.map((i: { id: number }) => i.id));
    for (const [i, item] of items.entries()) {
      for (const column of LEAD_COLUMNS) expect(rows[i]![column], column).toBe(expected(pick(item, column)));
    }
    const t = rows.find((r) => Number(r.id) === tricky.id)!;
    expect(t).toMatchObject({
      company_name: 'Müller, Søn & "Partners"',
      first_name: 'Zoë\nline two',
      last_name: '日本語 ✓',
      phone_number: "'+1-555-0100",
      tags: 'Cold; really; Hot',
      'Notes, "quoted"': 'a,b\r\n"c"',
      Budget: '-12.5',
      Colour: 'Green',
      Sizes: 'S; L',
    });
    const detail = await ctx.t.api.get(`/v1/leads/${tricky.id}`, { key: me.readKey });
    expect(detail.body.custom_fields.map((f: { label: string }) => f.label).sort()).toEqual(
      ['Budget', 'Colour', 'Notes, "quoted"', 'Sizes'].sort(),
    );
    // The formula guard: a leading apostrophe, the rest as it was.
    const inj = rows.find((r) => Number(r.id) === injected.id)!;
    expect(inj.first_name).toBe(`'=HYPERLINK("http://evil.test")`);
    expect(inj.last_name).toBe("'@SUM(A1)");
    expect(inj.company_name).toBe("'-2+3");
    // An empty value is an empty cell.
    expect(inj.Budget).toBe('');
  });

  it("applies the list's filters and reads in batches: every matching lead once, no other", async () => {
    const tenant = await makeTenant(db());
    const camp = (await createOk(ctx.t.api, tenant.writeKey, '/v1/campaigns', { title: 'Bulk' })).id;
    // 1,203 leads through the CSV import (three export batches and a bit).
    const lines = ['email,status,associationType,companyCampaignId'];
    for (let i = 0; i < 1203; i++)
      lines.push(`bulk-${i}-${uniq()}@example.test,${i % 3 === 0 ? 'lost' : 'new'},campaigns,${camp}`);
    const imported = await ctx.t.api.post('/v1/leads/import', {
      key: tenant.writeKey,
      rawBody: lines.join('\r\n'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status, imported.text.slice(0, 500)).toBe(201);
    const all = await exportCsv('/v1/leads/export.csv', tenant.readKey);
    const ids = byHeader(all.records).map((r) => Number(r.id));
    expect(ids).toEqual([...imported.body.ids].sort((a: number, b: number) => a - b));
    const lost = await exportCsv('/v1/leads/export.csv?status=lost', tenant.readKey);
    const lostRows = byHeader(lost.records);
    expect(lostRows).toHaveLength(401);
    expect(new Set(lostRows.map((r) => r.status))).toEqual(new Set(['lost']));
    const search = await exportCsv('/v1/leads/export.csv?search=bulk-7-', tenant.readKey);
    expect(byHeader(search.records).map((r) => r.email!.startsWith('bulk-7-'))).toEqual([true]);
    // Nothing matches: the header alone.
    const none = await exportCsv(`/v1/leads/export.csv?campaign=${campaignId}`, tenant.readKey);
    expect(none.records).toHaveLength(1);
  });

  it('refuses what the list refuses, as JSON', async () => {
    const bad = await ctx.t.api.get('/v1/leads/export.csv?status=nope', { key: me.readKey });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('bad_request');
    const page = await ctx.t.api.get('/v1/leads/export.csv?page=2', { key: me.readKey });
    expect(page.status).toBe(400);
    const both = await ctx.t.api.get('/v1/leads/export.csv?assigned=1&unassigned=1', { key: me.readKey });
    expect(both.status).toBe(400);
    const anon = await ctx.t.api.get('/v1/leads/export.csv');
    expect(anon.status).toBe(401);
  });
});

describe('GET /v1/partners/export.csv and /v1/deals/export.csv', () => {
  it('writes the partners the list shows, with the partner custom fields as columns', async () => {
    const tenant = await makeTenant(db());
    const region = await makeCustomField(db(), tenant.company.id, 'text', {
      category: 'partner',
      label: 'Region',
    });
    const first = await invitePartner(ctx.t.api, tenant.writeKey);
    await invitePartner(ctx.t.api, tenant.writeKey, undefined, {
      name: '=cmd|" /C calc"!A0',
      partnerType: 'reseller',
      customFields: [{ customFieldId: region.id, type: 'text', value: { text: 'EMEA, north' } }],
    });
    const res = await exportCsv('/v1/partners/export.csv?sort=created_at', tenant.readKey);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/filename="partners-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(res.records[0]).toEqual([...PARTNER_COLUMNS, 'Region']);
    const list = await ctx.t.api.get('/v1/partners?sort=created_at&pageSize=50', { key: tenant.readKey });
    const rows = byHeader(res.records);
    expect(rows).toHaveLength(list.body.data.length);
    for (const [i, item] of list.body.data.entries()) {
      for (const column of PARTNER_COLUMNS)
        expect(rows[i]![column], column).toBe(expected(pick(item, column)));
    }
    expect(rows[0]!.id).toBe(String(first.id));
    expect(rows[1]!['partner.name']).toBe(`'=cmd|" /C calc"!A0`);
    expect(rows[1]!.Region).toBe('EMEA, north');
    const filtered = await exportCsv('/v1/partners/export.csv?view=reseller', tenant.readKey);
    expect(byHeader(filtered.records).map((r) => r['partnership.partner_type'])).toEqual(['reseller']);
  });

  it('writes the deals the list shows, with the lead_deal custom fields as columns', async () => {
    const tenant = await makeTenant(db());
    const stage = await makeCustomField(db(), tenant.company.id, 'select', {
      category: 'lead_deal',
      label: 'Risk',
      options: ['Low', 'High'],
    });
    const a = await makeDeal(db(), {
      owner: { companyId: tenant.company.id },
      label: 'Alpha, "one"',
      dealValue: '1200.50',
    });
    const b = await makeDeal(db(), {
      owner: { companyId: tenant.company.id },
      label: 'Beta',
      dealValue: '5',
    });
    await makeDeal(db(), { owner: { companyId: me.company.id }, label: 'Not theirs' });
    const set = await ctx.t.api.patch(`/v1/deals/${b.id}`, {
      key: tenant.writeKey,
      body: {
        customFields: [{ customFieldId: stage.id, type: 'select', value: { select: stage.options[1]!.id } }],
      },
    });
    expect(set.status, set.text).toBe(200);
    const res = await exportCsv('/v1/deals/export.csv?sort=created_at', tenant.readKey);
    expect(res.status).toBe(200);
    expect(res.records[0]).toEqual([...DEAL_COLUMNS, 'Risk']);
    const list = await ctx.t.api.get('/v1/deals?sort=created_at&pageSize=50', { key: tenant.readKey });
    const rows = byHeader(res.records);
    expect(rows.map((r) => Number(r.id))).toEqual([a.id, b.id]);
    for (const [i, item] of list.body.data.entries()) {
      for (const column of DEAL_COLUMNS) expect(rows[i]![column], column).toBe(expected(pick(item, column)));
    }
    expect(rows[0]!.label).toBe('Alpha, "one"');
    expect(rows.map((r) => r.Risk)).toEqual(['', 'High']);
    const search = await exportCsv('/v1/deals/export.csv?search=Beta', tenant.readKey);
    expect(byHeader(search.records).map((r) => r.label)).toEqual(['Beta']);
  });
});
