import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { customFieldValues } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/catalogue-api.js';
import { makeCustomField } from '../helpers/catalogue-factories.js';
import { makeApiKey, makeTenant } from '../helpers/factories.js';
import { invitePartner, newDomain, partnerBody } from '../helpers/partners.js';

// The custom field value engine, through the partner endpoints that use it: every type's
// valid and invalid values, options, required fields, ownership, and upserts on PATCH.

const ctx = useTestApp();
const db = () => ctx.t.database.db;

type Tenant = Awaited<ReturnType<typeof makeTenant>>;
type Field = Awaited<ReturnType<typeof makeCustomField>>;
let me: Tenant;
let f: Record<
  'text' | 'textarea' | 'number' | 'date' | 'boolean' | 'select' | 'multi_select' | 'otherSelect',
  Field
>;

beforeAll(async () => {
  me = await makeTenant(db());
  const make = (type: Field['type'], label: string) => makeCustomField(db(), me.company.id, type, { label });
  f = {
    text: await make('text', 'Website notes'),
    textarea: await make('textarea', 'Long notes'),
    number: await make('number', 'Seats'),
    date: await make('date', 'Signed on'),
    boolean: await make('boolean', 'Certified'),
    select: await make('select', 'Colour'),
    multi_select: await make('multi_select', 'Regions'),
    otherSelect: await make('select', 'Other'),
  };
});

/** A fresh key of `me` per request batch, so many cases stay inside the rate limit. */
async function key() {
  return (await makeApiKey(db(), me.company.id, 'write', { userId: me.admin.id })).key;
}

const value = (field: Field, v: unknown) => ({ customFieldId: field.id, type: field.type, value: v });
const opt = (field: Field, i: number) => field.options[i]!.id;

async function createWith(customFields: unknown[], tenant: Tenant = me) {
  const k = tenant === me ? await key() : tenant.writeKey;
  return ctx.t.api.post('/v1/partners', { key: k, body: partnerBody(newDomain(), { customFields }) });
}

describe('custom field values: every type', () => {
  it('stores and reads back one value of each type, ordered by field', async () => {
    const res = await createWith([
      value(f.multi_select, { multi_select: [opt(f.multi_select, 2), opt(f.multi_select, 0)] }),
      value(f.text, { text: 'Hello' }),
      value(f.textarea, { text: 'line 1\nline 2' }),
      value(f.number, { number: -12.5 }),
      value(f.date, { date: '2024-02-29' }),
      value(f.boolean, { boolean: false }),
      value(f.select, { select: opt(f.select, 1) }),
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const valueId = expect.any(Number);
    expect(res.body.custom_fields).toEqual([
      {
        id: f.text.id,
        label: 'Website notes',
        type: 'text',
        value: { text: 'Hello' },
        custom_field_value_id: valueId,
      },
      {
        id: f.textarea.id,
        label: 'Long notes',
        type: 'textarea',
        value: { text: 'line 1\nline 2' },
        custom_field_value_id: valueId,
      },
      {
        id: f.number.id,
        label: 'Seats',
        type: 'number',
        value: { number: -12.5 },
        custom_field_value_id: valueId,
      },
      {
        id: f.date.id,
        label: 'Signed on',
        type: 'date',
        value: { date: '2024-02-29' },
        custom_field_value_id: valueId,
      },
      {
        id: f.boolean.id,
        label: 'Certified',
        type: 'boolean',
        value: { boolean: false },
        custom_field_value_id: valueId,
      },
      {
        id: f.select.id,
        label: 'Colour',
        type: 'select',
        value: { select: opt(f.select, 1) },
        custom_field_value_id: valueId,
      },
      {
        id: f.multi_select.id,
        label: 'Regions',
        type: 'multi_select',
        value: { multi_select: [opt(f.multi_select, 2), opt(f.multi_select, 0)] },
        custom_field_value_id: valueId,
      },
    ]);
    const rows = await db()
      .select()
      .from(customFieldValues)
      .where(and(eq(customFieldValues.entity_type, 'partner'), eq(customFieldValues.entity_id, res.body.id)));
    expect(rows).toHaveLength(7);
    expect(rows.every((r) => r.company_id === me.company.id)).toBe(true);
  });

  it('accepts the limits: 1000 characters of text, 10000 of textarea, an empty multi_select', async () => {
    const res = await createWith([
      value(f.text, { text: 'x'.repeat(1000) }),
      value(f.textarea, { text: 'y'.repeat(10_000) }),
      value(f.multi_select, { multi_select: [] }),
    ]);
    expect(res.status).toBe(201);
  });

  const shape = {
    text: `'Website notes' is a text field: value must be {"text": "<at most 1000 characters>"}`,
    textarea: `'Long notes' is a textarea field: value must be {"text": "<at most 10000 characters>"}`,
    number: `'Seats' is a number field: value must be {"number": <finite number>}`,
    date: `'Signed on' is a date field: value must be {"date": "YYYY-MM-DD"} with a real calendar date`,
    boolean: `'Certified' is a boolean field: value must be {"boolean": true or false}`,
    select: `'Colour' is a select field: value must be {"select": <option id>}`,
    multi_select: `'Regions' is a multi_select field: value must be {"multi_select": [<option id>, …]}`,
  };
  const invalid: [keyof typeof shape, unknown][] = [
    ['text', { text: 5 }],
    ['text', { number: 1 }],
    ['text', { text: 'a', extra: true }],
    ['text', {}],
    ['text', { text: 'LONG_TEXT' }],
    ['textarea', { text: 'LONG_TEXTAREA' }],
    ['textarea', { textarea: 'y' }],
    ['number', { number: '5' }],
    ['number', { number: null }],
    ['number', { text: '5' }],
    ['date', { date: '2024-02-30' }],
    ['date', { date: '2023-02-29' }],
    ['date', { date: '2024-13-01' }],
    ['date', { date: '15/01/2024' }],
    ['date', { date: '2024-1-5' }],
    ['date', { date: '2024-01-15T00:00:00Z' }],
    ['date', { date: 20240115 }],
    ['boolean', { boolean: 'true' }],
    ['boolean', { boolean: 1 }],
    ['select', { select: 'Red' }],
    ['select', { select: 0 }],
    ['select', { select: [1] }],
    ['multi_select', { multi_select: 1 }],
    ['multi_select', { multi_select: ['Red'] }],
    ['multi_select', { select: 1 }],
  ];
  // Long strings are named in the table and made here, to keep the test names short.
  const long: Record<string, string> = { LONG_TEXT: 'x'.repeat(1001), LONG_TEXTAREA: 'y'.repeat(10_001) };
  it.each(invalid)('%s: %j → 400 at customFields[1].value', async (type, bad) => {
    const badValue = JSON.parse(JSON.stringify(bad), (_k, v) => long[v] ?? v);
    const first = value(f.otherSelect, { select: opt(f.otherSelect, 0) });
    const res = await createWith([first, value(f[type], badValue)]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: `Invalid field 'customFields[1].value': ${shape[type]}`,
      code: 'bad_request',
      details: [{ path: 'customFields[1].value', message: shape[type] }],
    });
  });

  it("select and multi_select take only that field's options, each once", async () => {
    const res = await createWith([
      value(f.select, { select: opt(f.otherSelect, 0) }),
      value(f.multi_select, { multi_select: [opt(f.multi_select, 0), opt(f.select, 0)] }),
      value(f.otherSelect, { select: 999999 }),
    ]);
    expect(res.body.details).toEqual([
      { path: 'customFields[0].value', message: `'Colour' has no option ${opt(f.otherSelect, 0)}` },
      { path: 'customFields[1].value', message: `'Regions' has no option ${opt(f.select, 0)}` },
      { path: 'customFields[2].value', message: "'Other' has no option 999999" },
    ]);
    const twice = await createWith([
      value(f.multi_select, { multi_select: [opt(f.multi_select, 1), opt(f.multi_select, 1)] }),
    ]);
    expect(twice.body.details).toEqual([
      {
        path: 'customFields[0].value',
        message: `'Regions' lists option ${opt(f.multi_select, 1)} more than once`,
      },
    ]);
  });

  it('type must equal the field type; a field may appear once', async () => {
    const res = await createWith([
      { customFieldId: f.number.id, type: 'text', value: { text: '5' } },
      value(f.boolean, { boolean: true }),
      value(f.boolean, { boolean: false }),
    ]);
    expect(res.body.details).toEqual([
      { path: 'customFields[0].type', message: "'Seats' is a number field, not text" },
      {
        path: 'customFields[2].customFieldId',
        message: `custom field ${f.boolean.id} is already given at index 1`,
      },
    ]);
  });
});

describe('custom field values: ownership and scope', () => {
  it("another company's field, a lead field and a field for the other partner type are refused", async () => {
    const other = await makeTenant(db());
    const theirs = await makeCustomField(db(), other.company.id, 'text');
    const lead = await makeCustomField(db(), me.company.id, 'text', {
      category: 'lead',
      label: 'Lead source',
    });
    const reseller = await makeCustomField(db(), me.company.id, 'text', {
      partner_type: 'reseller',
      label: 'Margin',
    });
    const res = await createWith([
      value(theirs, { text: 'x' }),
      value(lead, { text: 'x' }),
      value(reseller, { text: 'x' }),
    ]);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      {
        path: 'customFields[0].customFieldId',
        message: `no partner custom field with id ${theirs.id} in your company`,
      },
      {
        path: 'customFields[1].customFieldId',
        message: "'Lead source' is a lead field, not a partner field",
      },
      { path: 'customFields[2].customFieldId', message: "'Margin' applies to reseller partners only" },
    ]);
    // The other company uses its own field freely.
    expect((await createWith([value(theirs, { text: 'x' })], other)).status).toBe(201);
  });
});

describe('custom field values: required fields', () => {
  it('must be given on create, not empty; a field for the other partner type is not required', async () => {
    const tenant = await makeTenant(db());
    const required = await makeCustomField(db(), tenant.company.id, 'text', {
      required: true,
      label: 'Owner',
    });
    const regions = await makeCustomField(db(), tenant.company.id, 'multi_select', {
      required: true,
      label: 'Areas',
    });
    await makeCustomField(db(), tenant.company.id, 'number', { required: true, partner_type: 'reseller' });

    const missing = await createWith([value(regions, { multi_select: [opt(regions, 0)] })], tenant);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: `Invalid field 'customFields': 'Owner' (custom field ${required.id}) is required`,
      code: 'bad_request',
      details: [{ path: 'customFields', message: `'Owner' (custom field ${required.id}) is required` }],
    });
    const noneAtAll = await ctx.t.api.post('/v1/partners', { key: tenant.writeKey, body: partnerBody() });
    expect(noneAtAll.body.details).toEqual([
      { path: 'customFields', message: `'Owner' (custom field ${required.id}) is required` },
      { path: 'customFields', message: `'Areas' (custom field ${regions.id}) is required` },
    ]);
    const empty = await createWith(
      [value(required, { text: '  ' }), value(regions, { multi_select: [] })],
      tenant,
    );
    expect(empty.body.details).toEqual([
      { path: 'customFields[0].value', message: "'Owner' is required and cannot be empty" },
      { path: 'customFields[1].value', message: "'Areas' is required and cannot be empty" },
    ]);
    const ok = await createWith(
      [value(required, { text: 'Ann' }), value(regions, { multi_select: [opt(regions, 1)] })],
      tenant,
    );
    expect(ok.status).toBe(201);
  });

  it('on update: stored values count, a required value cannot be removed, a later required field must be filled when custom fields are sent', async () => {
    const tenant = await makeTenant(db());
    const required = await makeCustomField(db(), tenant.company.id, 'text', {
      required: true,
      label: 'Owner',
    });
    const optional = await makeCustomField(db(), tenant.company.id, 'number', { label: 'Seats' });
    const created = await invitePartner(ctx.t.api, tenant.writeKey, newDomain(), {
      customFields: [value(required, { text: 'Ann' }), value(optional, { number: 3 })],
    });
    const patch = (body: unknown) =>
      ctx.t.api.patch(`/v1/partners/${created.id}`, { key: tenant.writeKey, body });

    // Upsert: the same value row is updated in place; the other value is untouched.
    const seatsId = created.custom_fields[1].custom_field_value_id;
    const updated = await patch({ customFields: [value(optional, { number: 4 })] });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.custom_fields).toEqual([
      created.custom_fields[0],
      {
        id: optional.id,
        label: 'Seats',
        type: 'number',
        value: { number: 4 },
        custom_field_value_id: seatsId,
      },
    ]);

    const removeRequired = await patch({ customFields: [value(required, null)] });
    expect(removeRequired.status).toBe(400);
    expect(removeRequired.body.details).toEqual([
      { path: 'customFields[0].value', message: "'Owner' is required and cannot be removed" },
    ]);
    const removed = await patch({ customFields: [value(optional, null)] });
    expect(removed.body.custom_fields).toEqual([created.custom_fields[0]]);

    // A required field created after the partner: sending custom fields must fill it too…
    const later = await makeCustomField(db(), tenant.company.id, 'boolean', {
      required: true,
      label: 'Vetted',
    });
    const incomplete = await patch({ customFields: [value(optional, { number: 1 })] });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.details).toEqual([
      { path: 'customFields', message: `'Vetted' (custom field ${later.id}) is required` },
    ]);
    // …while a PATCH that does not touch custom fields still works.
    const other = await patch({ fallbackData: { name: 'x' } });
    expect(other.status).toBe(200);
    const complete = await patch({ customFields: [value(later, { boolean: true })] });
    expect(complete.status).toBe(200);
    expect(complete.body.custom_fields.map((v: { id: number }) => v.id)).toEqual([required.id, later.id]);
  });
});

describe('custom field values: lists', () => {
  it('each listed partner carries its own values, and the partner company never sees them', async () => {
    const tenant = await makeTenant(db());
    const them = await makeTenant(db());
    const field = await makeCustomField(db(), tenant.company.id, 'text', { label: 'Note' });
    const a = await invitePartner(ctx.t.api, tenant.writeKey, newDomain(), {
      customFields: [value(field, { text: 'A' })],
    });
    const b = await invitePartner(ctx.t.api, tenant.writeKey, them.company.domain!, {
      customFields: [value(field, { text: 'B' })],
    });
    await invitePartner(ctx.t.api, tenant.writeKey, newDomain());
    const list = await ctx.t.api.get('/v1/partners?sort=created_at', { key: tenant.readKey });
    expect(
      list.body.data.map((p: { custom_fields: { value: unknown }[] }) => p.custom_fields.map((v) => v.value)),
    ).toEqual([[{ text: 'A' }], [{ text: 'B' }], []]);
    expect(list.body.data[0].id).toBe(a.id);
    expect(list.body.data[1].id).toBe(b.id);
    const theirs = await ctx.t.api.get('/v1/partners', { key: them.readKey });
    expect(theirs.body.data[0].custom_fields).toEqual([]);
  });
});
