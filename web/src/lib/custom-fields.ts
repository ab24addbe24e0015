import type { Schemas } from '../api/client';

type Definition = Schemas['CustomField'];
type Value = Schemas['CustomFieldValue'];

/** A stored custom value as text, with option labels from the field's definition. */
/** The value shapes of API.md's custom fields, as the OpenAPI document types them. */
type FieldValue =
  | { text: string }
  | { number: number }
  | { date: string }
  | { boolean: boolean }
  | { select: number }
  | { multi_select: number[] };

export function customValueText(value: Value, definitions: Definition[] | undefined): string {
  const options = definitions?.find((d) => d.id === value.id)?.options ?? [];
  const optionLabel = (id: number) => options.find((o) => o.id === id)?.label ?? `#${id}`;
  const v = value.value as Record<string, unknown>;
  switch (value.type) {
    case 'text':
    case 'textarea':
      return String(v.text ?? '');
    case 'number':
      return String(v.number ?? '');
    case 'date':
      return String(v.date ?? '');
    case 'boolean':
      return v.boolean ? 'Yes' : 'No';
    case 'select':
      return optionLabel(Number(v.select));
    case 'multi_select':
      return ((v.multi_select as number[] | undefined) ?? []).map(optionLabel).join(', ');
  }
}

/**
 * The `{customFieldId, type, value}` entries of a lead form, from its inputs named
 * `cf-<id>` (checkboxes of a multi-select share the name). Empty optional fields are left out.
 */
export function customFieldInputs(
  form: HTMLFormElement,
  definitions: Definition[],
): Schemas['SetCustomFieldValue'][] {
  const data = new FormData(form);
  const out: Schemas['SetCustomFieldValue'][] = [];
  for (const d of definitions) {
    const name = `cf-${d.id}`;
    const raw = String(data.get(name) ?? '').trim();
    let value: FieldValue | undefined;
    switch (d.type) {
      case 'text':
      case 'textarea':
        if (raw) value = { text: raw };
        break;
      case 'number':
        if (raw) value = { number: Number(raw) };
        break;
      case 'date':
        if (raw) value = { date: raw };
        break;
      case 'boolean':
        // A checkbox: unchecked is a real "no" only when the field is required.
        if (data.has(name) || d.required) value = { boolean: data.has(name) };
        break;
      case 'select':
        if (raw) value = { select: Number(raw) };
        break;
      case 'multi_select': {
        const ids = data.getAll(name).map(Number);
        if (ids.length > 0) value = { multi_select: ids };
        break;
      }
    }
    if (value) out.push({ customFieldId: d.id, type: d.type, value });
  }
  return out;
}
