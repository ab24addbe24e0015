import { conflict } from '../../../core/errors.js';
import type { Db } from '../../../db/database.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { customFields } from '../../../db/schema/index.js';
import { CatalogueService } from '../catalogue.service.js';
import * as create from './custom-fields.create.js';
import {
  type CustomFieldDefinition,
  type CustomFieldRow,
  optionsColumn,
} from './custom-fields.repository.js';
import type { CreateCustomFieldInput, UpdateCustomFieldInput } from './custom-fields.schemas.js';
import * as update from './custom-fields.update.js';

/**
 * Custom field definitions: a catalogue whose select types also own an ordered list of options,
 * read with the definition in the same statement.
 */
export class CustomFieldService extends CatalogueService<typeof customFields, CustomFieldDefinition> {
  constructor(db: Db) {
    super(db, {
      table: customFields,
      noun: 'Custom field',
      name: (field) => field.label,
      duplicate: (field) => update.duplicateMessage(field as CustomFieldRow),
      uniqueKey: (field) => `${field.category}\u0000${String(field.label).toLowerCase()}`,
      // Stored values were checked against the type; entities of another category could not hold them.
      immutable: update.IMMUTABLE,
      extra: { options: optionsColumn },
    });
  }

  /** The definition and its options, in one statement. */
  override async create(companyId: number, input: CreateCustomFieldInput): Promise<CustomFieldDefinition> {
    try {
      return await create.write(this.db, companyId, input);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(update.duplicateMessage(input));
      throw err;
    }
  }

  /**
   * Without `options`, the catalogue's one guarded UPDATE. With them: facts → rules → write
   * (the option list is matched against the stored one; see custom-fields.update.ts).
   */
  override async update(
    companyId: number,
    id: number,
    input: UpdateCustomFieldInput,
  ): Promise<CustomFieldDefinition> {
    if (input.options === undefined) return super.update(companyId, id, input);
    const facts = await update.facts(this.db, companyId, id, input.label);
    const plan = update.rules(facts, input);
    let written: update.Written;
    try {
      written = await update.write(this.db, companyId, plan);
    } catch (err) {
      // The label was taken since the facts were read.
      if (isUniqueViolation(err)) throw conflict(update.duplicateMessage({ ...facts!, ...plan.changes }));
      throw err;
    }
    return update.outcome(plan, written);
  }
}
