import { sql } from 'drizzle-orm';
import { badRequest, conflict } from '../../../core/errors.js';
import type { Db, Executor } from '../../../db/database.js';
import { customFields } from '../../../db/schema/index.js';
import type { Row } from '../catalogue.repository.js';
import { type CatalogueService, type ListQuery, labelledCatalogue } from '../catalogue.service.js';
import { customFieldsRepository } from './custom-fields.repository.js';
import {
  type CreateCustomFieldInput,
  OPTION_TYPES,
  OPTIONS_FORBIDDEN,
  type OptionInput,
  type UpdateCustomFieldInput,
} from './custom-fields.schemas.js';

export type CustomFieldRow = Row<typeof customFields>;
/** A definition as the API returns it: with its options (null unless a select type). */
export type CustomFieldDefinition = CustomFieldRow & { options: { id: number; label: string }[] | null };

/** Custom field definitions: a catalogue whose select types also own an ordered list of options. */
export class CustomFieldService {
  private readonly catalogue: CatalogueService<typeof customFields>;

  constructor(private readonly db: Db) {
    this.catalogue = labelledCatalogue(db, customFields, 'Custom field', {
      duplicate: (field) =>
        `A custom field with label '${field.label}' already exists for category '${field.category}'`,
      // Stored values were checked against the type; entities of another category could not hold them.
      immutable: ['type', 'category'],
    });
  }

  async list(companyId: number, query: ListQuery) {
    const page = await this.catalogue.list(companyId, query);
    return { ...page, data: await this.withOptions(this.db, page.data) };
  }

  async getOrThrow(companyId: number, id: number): Promise<CustomFieldDefinition> {
    return this.one(this.db, await this.catalogue.getOrThrow(companyId, id));
  }

  async create(companyId: number, input: CreateCustomFieldInput): Promise<CustomFieldDefinition> {
    const { options, ...values } = input;
    return this.db.transaction(async (tx) => {
      const field = await this.catalogue.create(companyId, values, tx);
      await customFieldsRepository.insertOptions(
        tx,
        field.id,
        (options ?? []).map((option, i) => ({ label: option.label, series: i + 1 })),
      );
      return this.one(tx, field);
    });
  }

  async update(companyId: number, id: number, input: UpdateCustomFieldInput): Promise<CustomFieldDefinition> {
    const { options, ...values } = input;
    return this.db.transaction(async (tx) => {
      // Locked: new values of this field (their foreign key check) wait until we are done.
      await this.catalogue.getOrThrow(companyId, id, tx, true);
      const changes = options === undefined ? values : { ...values, updated_at: sql`now()` };
      const field = await this.catalogue.update(companyId, id, changes, tx);
      if (options !== undefined) await this.replaceOptions(tx, field, options);
      return this.one(tx, field);
    });
  }

  remove(companyId: number, id: number): Promise<void> {
    return this.catalogue.remove(companyId, id);
  }

  /**
   * Makes `input` the field's option list: ids stay stable (an entry with an id, or without one
   * but with an existing label, keeps that option), new labels are added, and options left out
   * are removed unless a stored value uses them (409).
   */
  private async replaceOptions(tx: Executor, field: CustomFieldRow, input: OptionInput[]): Promise<void> {
    if (!OPTION_TYPES.has(field.type)) {
      throw badRequest(`Invalid field 'options': ${OPTIONS_FORBIDDEN}`, [
        { path: 'options', message: OPTIONS_FORBIDDEN },
      ]);
    }
    const existing = await customFieldsRepository.options(tx, [field.id]);
    const kept = new Set<number>();
    input.forEach((option, i) => {
      if (option.id === undefined) return;
      if (!existing.some((e) => e.id === option.id)) {
        const message = `is not an option of this custom field: ${option.id}`;
        throw badRequest(`Invalid field 'options[${i}].id': ${message}`, [
          { path: `options[${i}].id`, message },
        ]);
      }
      kept.add(option.id);
    });
    const plan = input.map((option) => {
      const match =
        option.id ??
        existing.find((e) => !kept.has(e.id) && e.label.toLowerCase() === option.label.toLowerCase())?.id;
      if (match !== undefined) kept.add(match);
      return { id: match, label: option.label };
    });

    const removed = existing.filter((e) => !kept.has(e.id));
    for (const option of removed) {
      const uses = await customFieldsRepository.countOptionUses(tx, field.id, option.id);
      if (uses > 0) {
        throw conflict(`Option "${option.label}" is in use by ${uses} value(s) and cannot be removed`);
      }
    }
    await customFieldsRepository.deleteOptions(
      tx,
      field.id,
      removed.map((o) => o.id),
    );
    const added: { label: string; series: number }[] = [];
    for (const [i, option] of plan.entries()) {
      if (option.id === undefined) added.push({ label: option.label, series: i + 1 });
      else
        await customFieldsRepository.updateOption(tx, field.id, option.id, {
          label: option.label,
          series: i + 1,
        });
    }
    await customFieldsRepository.insertOptions(tx, field.id, added);
  }

  private async one(db: Executor, field: CustomFieldRow): Promise<CustomFieldDefinition> {
    const [withOptions] = await this.withOptions(db, [field]);
    return withOptions!;
  }

  private async withOptions(db: Executor, fields: CustomFieldRow[]): Promise<CustomFieldDefinition[]> {
    const options = await customFieldsRepository.options(
      db,
      fields.filter((f) => OPTION_TYPES.has(f.type)).map((f) => f.id),
    );
    return fields.map((field) => ({
      ...field,
      options: OPTION_TYPES.has(field.type)
        ? options.filter((o) => o.custom_field_id === field.id).map(({ id, label }) => ({ id, label }))
        : null,
    }));
  }
}
