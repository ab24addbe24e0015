// The public face of this module: what other modules may import.

export { customFieldValuesRepository } from './custom-field-values.repository.js';
export {
  type CheckedValues,
  type CheckInput,
  type CustomFieldCategory,
  type CustomFieldFacts,
  type CustomFieldTarget,
  checkCustomFieldInput,
  type FieldDefinition,
  NO_VALUES,
} from './custom-field-values.rules.js';
export {
  CustomFieldValue,
  type CustomFieldValueInputItem,
  CustomFieldValuesInput,
  StoredValue,
} from './custom-field-values.schemas.js';
export {
  type CheckOptions,
  checkCustomFieldValues,
  customFieldValuesFor,
  removeCustomFieldValues,
  saveCustomFieldValues,
} from './custom-field-values.service.js';
export {
  type CustomFieldScope,
  type CustomFieldValuesCtes,
  type CustomFieldValuesWrite,
  customFieldFacts,
  customFieldValuesWrite,
} from './custom-field-values.sql.js';
