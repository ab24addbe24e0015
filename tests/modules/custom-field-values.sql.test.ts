import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckedValues,
  type CustomFieldFacts,
  customFieldFacts,
  customFieldValuesWrite,
} from '../../src/modules/custom-field-values/index.js';
import { useTestApp } from '../helpers/app.js';
import { makeCustomField } from '../helpers/catalogue-factories.js';
import { makeTenant } from '../helpers/factories.js';

// The engine's SQL pieces, as a `facts → rules → write` command uses them: the facts fragment
// (definitions, required fields, what is stored) and the write fragment (set + clear as CTEs,
// and the values after the statement, from one snapshot).

const ctx = useTestApp({}, { relay: false });
const db = () => ctx.t.database.db;

type Tenant = Awaited<ReturnType<typeof makeTenant>>;
type Field = Awaited<ReturnType<typeof makeCustomField>>;
let me: Tenant;
let other: Tenant;
let text: Field;
let select: Field;
let required: Field;
let resellerOnly: Field;
let theirs: Field;

beforeAll(async () => {
  me = await makeTenant(db());
  other = await makeTenant(db());
  text = await makeCustomField(db(), me.company.id, 'text', { category: 'lead' });
  select = await makeCustomField(db(), me.company.id, 'select', { category: 'lead' });
  required = await makeCustomField(db(), me.company.id, 'number', { category: 'lead', required: true });
  resellerOnly = await makeCustomField(db(), me.company.id, 'boolean', {
    category: 'lead',
    required: true,
    partner_type: 'reseller',
  });
  theirs = await makeCustomField(db(), other.company.id, 'text', { category: 'lead' });
});

async function facts(scope: Parameters<typeof customFieldFacts>[0]): Promise<CustomFieldFacts> {
  const { rows } = await db().execute<{ f: CustomFieldFacts }>(sql`SELECT ${customFieldFacts(scope)} AS f`);
  return rows[0]!.f;
}

/** Runs the write fragment on lead-entity `entityId` and returns the values after it, by field. */
async function write(entityId: number, checked: CheckedValues, isNew = false) {
  const { ctes, after } = customFieldValuesWrite({
    name: 'fields',
    companyId: me.company.id,
    category: 'lead',
    entityId: sql`(SELECT ${entityId}::int)`,
    checked,
    isNew,
  });
  const { rows } = await db().execute<{ custom_field_id: number; value: unknown; uuid: string }>(
    sql`WITH ${sql.join([sql`marker AS (SELECT 1)`, ...ctes], sql`, `)}
      SELECT a.custom_field_id, a.value, a.uuid FROM ${after} a ORDER BY a.custom_field_id`,
  );
  return rows;
}

async function stored(entityId: number) {
  const { rows } = await db().execute<{ custom_field_id: number; value: unknown }>(
    sql`SELECT custom_field_id, value FROM custom_field_values
      WHERE entity_type = 'lead' AND entity_id = ${entityId} ORDER BY custom_field_id`,
  );
  return rows;
}

describe('customFieldFacts', () => {
  it('reads the named fields of the company only, with their options, and the required ones', async () => {
    const f = await facts({
      companyId: me.company.id,
      category: 'lead',
      partnerType: 'referral',
      ids: [text.id, select.id, theirs.id, text.id],
    });
    expect(f.definitions.map((d) => d.id).sort((a, b) => a - b)).toEqual([text.id, select.id]);
    const sel = f.definitions.find((d) => d.id === select.id)!;
    expect(sel).toMatchObject({ type: 'select', category: 'lead', required: false, partner_type: null });
    expect(sel.optionIds).toEqual(select.options.map((o) => o.id));
    // The reseller-only field does not apply to a referral entity.
    expect(f.required).toEqual([{ id: required.id, label: required.label, stored: false }]);
  });

  it('takes expressions for the company and partner type, and counts stored values on update', async () => {
    await write(900_001, { set: [{ fieldId: required.id, value: { number: 1 } }], clear: [] }, true);
    const f = await facts({
      companyId: sql`(SELECT ${me.company.id}::int)`,
      category: 'lead',
      partnerType: sql`(SELECT NULL::text)`,
      ids: [],
      entityId: 900_001,
    });
    expect(f.definitions).toEqual([]);
    expect(f.required).toEqual([
      { id: required.id, label: required.label, stored: true },
      { id: resellerOnly.id, label: resellerOnly.label, stored: false },
    ]);
  });
});

describe('customFieldValuesWrite', () => {
  it('inserts the values of a new entity and returns them', async () => {
    const after = await write(
      900_002,
      {
        set: [
          { fieldId: text.id, value: { text: 'Hi' } },
          { fieldId: select.id, value: { select: select.options[0]!.id } },
        ],
        clear: [],
      },
      true,
    );
    expect(after.map((r) => [r.custom_field_id, r.value])).toEqual([
      [text.id, { text: 'Hi' }],
      [select.id, { select: select.options[0]!.id }],
    ]);
    expect(await stored(900_002)).toEqual(after.map(({ uuid: _, ...r }) => r));
  });

  it('upserts, clears, keeps the rest, and reports the values as they are after the statement', async () => {
    await write(900_003, {
      set: [
        { fieldId: text.id, value: { text: 'Old' } },
        { fieldId: select.id, value: { select: select.options[0]!.id } },
        { fieldId: required.id, value: { number: 5 } },
      ],
      clear: [],
    });
    const before = await write(900_003, { set: [], clear: [] });
    const after = await write(900_003, {
      set: [{ fieldId: text.id, value: { text: 'New' } }],
      clear: [select.id],
    });
    expect(after.map((r) => [r.custom_field_id, r.value])).toEqual([
      [text.id, { text: 'New' }],
      [required.id, { number: 5 }],
    ]);
    // An upsert keeps the stored value's identity.
    expect(after[0]!.uuid).toBe(before[0]!.uuid);
    expect(await stored(900_003)).toEqual(after.map(({ uuid: _, ...r }) => r));
  });
});
