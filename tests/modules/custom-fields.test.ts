import { describe, expect, it } from 'vitest';
import {
  conflict,
  createOk,
  expectRejected,
  getOk,
  invalid,
  unknownFields,
  useTestApp,
} from '../helpers/catalogue-api.js';
import { use } from '../helpers/catalogue-usage.js';
import { makeTenant } from '../helpers/factories.js';

// Custom field definitions: options for the select types (required there, refused elsewhere),
// option ids that stay stable across PATCHes, options in use that cannot be removed, and the
// type and category that cannot change. (The five verbs are in catalogues.test.ts.)

const ctx = useTestApp();
const PATH = '/v1/custom-fields';
const OPTIONS_REQUIRED = 'is required for select and multi_select fields';
const OPTIONS_FORBIDDEN = 'is only allowed for select and multi_select fields';

const selectField = (options: string[], extra: Record<string, unknown> = {}) => ({
  label: 'Region',
  type: 'select',
  category: 'partner',
  options: options.map((label) => ({ label })),
  ...extra,
});

const labels = (field: { options: { label: string }[] }) => field.options.map((o) => o.label);

describe('custom fields: options on create', () => {
  it.each(['select', 'multi_select'])('a %s field returns its options in order, with ids', async (type) => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const field = await createOk(
      ctx.t.api,
      writeKey,
      PATH,
      selectField(['EMEA', ' APAC ', 'Americas'], { type }),
    );
    expect(field.options).toEqual([
      { id: expect.any(Number), label: 'EMEA' },
      { id: expect.any(Number), label: 'APAC' },
      { id: expect.any(Number), label: 'Americas' },
    ]);
    expect(new Set(field.options.map((o: { id: number }) => o.id)).size).toBe(3);
    expect(await getOk(ctx.t.api, writeKey, `${PATH}/${field.id}`)).toEqual(field);
    const list = await getOk(ctx.t.api, writeKey, PATH);
    expect(list.data).toEqual([field]);
  });

  it.each([
    [{ label: 'x', category: 'lead' }, invalid('type', 'is required')],
    [
      { label: 'x', type: 'url', category: 'lead' },
      invalid('type', 'must be one of: text, textarea, number, date, boolean, select, multi_select'),
    ],
    [
      { label: 'x', type: 'text', category: 'contact' },
      invalid('category', 'must be one of: lead, lead_deal, partner'),
    ],
    [
      { label: 'x', type: 'text', category: 'lead', required: 'yes' },
      invalid('required', 'must be true or false'),
    ],
    [{ label: 'x', type: 'select', category: 'lead' }, invalid('options', OPTIONS_REQUIRED)],
    [
      { label: 'x', type: 'multi_select', category: 'lead', options: null },
      invalid('options', OPTIONS_REQUIRED),
    ],
    [selectField([]), invalid('options', 'must list at least one option')],
    [
      { label: 'x', type: 'text', category: 'lead', options: [{ label: 'a' }] },
      invalid('options', OPTIONS_FORBIDDEN),
    ],
    [selectField(['Gold', 'gold']), invalid('options[1].label', 'is listed twice')],
    [selectField(['Gold', '']), invalid('options[1].label', 'must not be empty')],
    [selectField(['Gold'], { options: [{ label: 'Gold', id: 3 }] }), unknownFields(['options[0].id'])],
  ])('400 for %j', async (body, expected) => {
    await expectRejected(ctx.t, 'POST', PATH, body, expected);
  });

  it('accepts options: null on a non-select field and keeps labels unique per category', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const text = await createOk(ctx.t.api, writeKey, PATH, {
      label: 'Notes',
      type: 'text',
      category: 'lead',
      options: null,
    });
    expect(text.options).toBeNull();
    await createOk(ctx.t.api, writeKey, PATH, { label: 'notes', type: 'textarea', category: 'partner' });
    const dup = await ctx.t.api.post(PATH, {
      key: writeKey,
      body: { label: 'NOTES', type: 'date', category: 'lead' },
    });
    expect(dup.body).toEqual(
      conflict("A custom field with label 'NOTES' already exists for category 'lead'"),
    );
  });
});

describe('custom fields: PATCH', () => {
  it('keeps option ids stable, relabels by id, matches by label, adds and removes unused options', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const field = await createOk(api, writeKey, PATH, selectField(['EMEA', 'APAC', 'Americas']));
    const [emea, apac, americas] = field.options;

    const res = await api.patch(`${PATH}/${field.id}`, {
      key: writeKey,
      body: { options: [{ label: 'LATAM' }, { id: apac.id, label: 'Asia-Pacific' }, { label: 'emea' }] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.options).toEqual([
      { id: expect.any(Number), label: 'LATAM' },
      { id: apac.id, label: 'Asia-Pacific' },
      { id: emea.id, label: 'emea' },
    ]);
    expect([emea.id, apac.id, americas.id]).not.toContain(res.body.options[0].id);
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(field.updated_at));
    expect(await getOk(api, writeKey, `${PATH}/${field.id}`)).toEqual(res.body);

    // Echoing GET's options back changes nothing.
    const echo = await api.patch(`${PATH}/${field.id}`, {
      key: writeKey,
      body: { options: res.body.options },
    });
    expect(echo.body.options).toEqual(res.body.options);
  });

  it('refuses to remove an option a stored value uses (409) and changes nothing', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const single = await createOk(api, writeKey, PATH, selectField(['Gold', 'Silver']));
    const multi = await createOk(
      api,
      writeKey,
      PATH,
      selectField(['Red', 'Blue'], { type: 'multi_select', label: 'Colors' }),
    );
    const db = ctx.t.database.db;
    const undoSingle = await use.customFieldValue(db, company.id, single.id, {
      select: single.options[1].id,
    });
    await use.customFieldValue(db, company.id, multi.id, {
      multi_select: [multi.options[0].id, multi.options[1].id],
    });
    await use.customFieldValue(db, company.id, multi.id, { multi_select: [multi.options[1].id] });

    const dropSilver = await api.patch(`${PATH}/${single.id}`, {
      key: writeKey,
      body: { label: 'Level', options: [{ label: 'Gold' }, { label: 'Bronze' }] },
    });
    expect(dropSilver.status).toBe(409);
    expect(dropSilver.body).toEqual(
      conflict('Option "Silver" is in use by 1 value(s) and cannot be removed'),
    );
    expect(await getOk(api, writeKey, `${PATH}/${single.id}`)).toEqual(single);

    const dropBlue = await api.patch(`${PATH}/${multi.id}`, {
      key: writeKey,
      body: { options: [{ label: 'Red' }] },
    });
    expect(dropBlue.body).toEqual(conflict('Option "Blue" is in use by 2 value(s) and cannot be removed'));

    await undoSingle();
    const freed = await api.patch(`${PATH}/${single.id}`, {
      key: writeKey,
      body: { options: [{ label: 'Gold' }, { label: 'Bronze' }] },
    });
    expect(freed.status).toBe(200);
    expect(labels(freed.body)).toEqual(['Gold', 'Bronze']);
    expect(freed.body.options[0].id).toBe(single.options[0].id);
  });

  it('refuses a change of type or category, options on a non-select field, and unknown option ids', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const text = await createOk(api, writeKey, PATH, { label: 'Website', type: 'text', category: 'partner' });
    const select = await createOk(api, writeKey, PATH, selectField(['A', 'B']));
    const other = await createOk(api, writeKey, PATH, selectField(['C'], { label: 'Other' }));
    const patch = (id: number, body: Record<string, unknown>) =>
      api.patch(`${PATH}/${id}`, { key: writeKey, body });

    expect((await patch(text.id, { type: 'textarea' })).body).toEqual(
      invalid('type', "cannot be changed (it is 'text')"),
    );
    expect((await patch(text.id, { category: 'lead' })).body).toEqual(
      invalid('category', "cannot be changed (it is 'partner')"),
    );
    expect((await patch(text.id, { options: [{ label: 'x' }] })).body).toEqual(
      invalid('options', OPTIONS_FORBIDDEN),
    );
    expect((await patch(select.id, { options: [{ id: other.options[0].id, label: 'C' }] })).body).toEqual(
      invalid('options[0].id', `is not an option of this custom field: ${other.options[0].id}`),
    );
    expect((await patch(select.id, { options: [] })).body).toEqual(
      invalid('options', 'must list at least one option'),
    );
    expect(
      (
        await patch(select.id, {
          options: [
            { id: select.options[0].id, label: 'A' },
            { id: select.options[0].id, label: 'B' },
          ],
        })
      ).body,
    ).toEqual(invalid('options[1].id', 'is listed twice'));
    expect(await getOk(api, writeKey, `${PATH}/${text.id}`)).toEqual(text);
    expect(await getOk(api, writeKey, `${PATH}/${select.id}`)).toEqual(select);

    const same = await patch(text.id, { type: 'text', category: 'partner', required: true });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ type: 'text', category: 'partner', required: true });
  });

  it('filters by partner_type', async () => {
    const { readKey, writeKey } = await makeTenant(ctx.t.database.db);
    const reseller = await createOk(ctx.t.api, writeKey, PATH, {
      label: 'Margin',
      type: 'number',
      category: 'partner',
      partner_type: 'reseller',
    });
    await createOk(ctx.t.api, writeKey, PATH, { label: 'Source', type: 'text', category: 'partner' });
    const list = await getOk(ctx.t.api, readKey, `${PATH}?partner_type=reseller&category=partner`);
    expect(list).toEqual({ data: [reseller], meta: { 'record-count': 1, 'page-count': 1 } });
  });
});
