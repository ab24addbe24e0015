import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../src/db/database.js';
import {
  type CustomFieldType,
  categories,
  customFieldOptions,
  customFields,
  type PartnerType,
  stages,
  tags,
  tiers,
} from '../../src/db/schema/index.js';
import { uniq } from './app.js';

// Catalogue rows (tags, tiers, categories, stages, custom field definitions) inserted directly:
// the catalogue API is another module's, and these tests only need rows to point at.

type Overrides<T extends PgTable> = Partial<T['$inferInsert']>;

async function insertRow<T extends PgTable>(db: Db, table: T, values: T['$inferInsert']) {
  const [row] = await db.insert(table).values(values).returning();
  return row as T['$inferSelect'];
}

export const makeTag = (db: Db, companyId: number, overrides: Overrides<typeof tags> = {}) =>
  insertRow(db, tags, {
    company_id: companyId,
    label: `Tag ${uniq()}`,
    association: 'partner',
    ...overrides,
  });

export const makeTier = (db: Db, companyId: number, overrides: Overrides<typeof tiers> = {}) =>
  insertRow(db, tiers, {
    company_id: companyId,
    label: `Tier ${uniq()}`,
    background_color: '#FFD700',
    ...overrides,
  });

export const makeCategory = (db: Db, companyId: number, overrides: Overrides<typeof categories> = {}) =>
  insertRow(db, categories, { company_id: companyId, label: `Category ${uniq()}`, ...overrides });

export const makeStage = (db: Db, companyId: number, overrides: Overrides<typeof stages> = {}) =>
  insertRow(db, stages, {
    company_id: companyId,
    pipeline: 'partner',
    label: `Stage ${uniq()}`,
    series: 1,
    phase: 'discovery',
    ...overrides,
  });

/** A custom field definition with options (`['Red', 'Blue']`) for the select types. */
export async function makeCustomField(
  db: Db,
  companyId: number,
  type: CustomFieldType,
  opts: {
    category?: 'partner' | 'lead' | 'lead_deal';
    required?: boolean;
    partner_type?: PartnerType;
    label?: string;
    options?: string[];
  } = {},
) {
  const { options = type.endsWith('select') ? ['Red', 'Green', 'Blue'] : [], ...rest } = opts;
  const [field] = await db
    .insert(customFields)
    .values({ company_id: companyId, label: `${type} ${uniq()}`, type, category: 'partner', ...rest })
    .returning();
  const optionRows = options.length
    ? await db
        .insert(customFieldOptions)
        .values(options.map((label, series) => ({ custom_field_id: field!.id, label, series })))
        .returning()
    : [];
  return { ...field!, options: optionRows };
}
