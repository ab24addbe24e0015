import type { Schemas } from '../api/client';
import { Checkbox, Choices, SelectField, TextAreaField, TextField } from './Field';

/** One control for a custom field, rendered from its definition (type, options, required). */
export function CustomFieldInput({
  field,
  error,
}: {
  field: Schemas['CustomField'];
  error?: string | undefined;
}) {
  const name = `cf-${field.id}`;
  const common = { label: field.label, name, required: field.required, error };
  switch (field.type) {
    case 'text':
      return <TextField {...common} />;
    case 'textarea':
      return <TextAreaField {...common} rows={3} />;
    case 'number':
      return <TextField {...common} type="number" step="any" inputMode="decimal" />;
    case 'date':
      return <TextField {...common} type="date" />;
    case 'boolean':
      return <Checkbox label={field.label} name={name} value="true" error={error} />;
    case 'select':
      return (
        <SelectField {...common}>
          <option value="">{field.required ? 'Choose…' : 'None'}</option>
          {(field.options ?? []).map((o) => (
            <option key={o.id} value={String(o.id)}>
              {o.label}
            </option>
          ))}
        </SelectField>
      );
    case 'multi_select':
      return (
        <Choices legend={field.required ? `${field.label} (required)` : field.label} error={error} inline>
          {(field.options ?? []).map((o) => (
            <Checkbox key={o.id} label={o.label} name={name} value={String(o.id)} />
          ))}
        </Choices>
      );
  }
}
