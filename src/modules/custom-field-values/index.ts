// The public face of this module: what other modules may import.

export { customFieldValuesRepository } from './custom-field-values.repository.js';
export {
  CustomFieldValue,
  type CustomFieldValueInputItem,
  CustomFieldValuesInput,
  StoredValue,
} from './custom-field-values.schemas.js';
export {
  type CheckedValues,
  type CustomFieldTarget,
  checkCustomFieldValues,
  customFieldValuesFor,
  removeCustomFieldValues,
  saveCustomFieldValues,
} from './custom-field-values.service.js';
