import { describe, expect, it } from 'vitest';
import { FieldProblems } from '../../src/core/field-problems.js';
import {
  type CustomFieldFacts,
  checkCustomFieldInput,
  type FieldDefinition,
} from '../../src/modules/custom-field-values/index.js';

// The engine's pure check, without a database: the facts are what customFieldFacts reads.

const field = (over: Partial<FieldDefinition> & Pick<FieldDefinition, 'id' | 'type'>): FieldDefinition => ({
  label: `F${over.id}`,
  category: 'lead',
  partner_type: null,
  required: false,
  optionIds: [],
  ...over,
});

const facts: CustomFieldFacts = {
  definitions: [
    field({ id: 1, type: 'text' }),
    field({ id: 2, type: 'select', optionIds: [10, 11] }),
    field({ id: 3, type: 'number', required: true }),
    field({ id: 4, type: 'boolean', category: 'partner' }),
    field({ id: 5, type: 'date', partner_type: 'reseller' }),
    field({ id: 6, type: 'multi_select', optionIds: [20, 21] }),
  ],
  required: [
    { id: 3, label: 'F3', stored: false },
    { id: 7, label: 'F7', stored: true },
    { id: 8, label: 'F8', stored: false },
  ],
};

function check(input: Parameters<typeof checkCustomFieldInput>[2], owner?: string) {
  const problems = new FieldProblems();
  const checked = checkCustomFieldInput(facts, { category: 'lead', partnerType: 'referral', owner }, input, {
    path: ['customFields'],
    problems,
  });
  const details = problems.count ? problems.toError().details : [];
  return { checked, details };
}

describe('checkCustomFieldInput', () => {
  it('sets fitting values, clears nulls, and asks for the required fields not given nor stored', () => {
    const { checked, details } = check([
      { customFieldId: 1, type: 'text', value: { text: 'Hi' } },
      { customFieldId: 2, type: 'select', value: null },
      { customFieldId: 3, type: 'number', value: { number: 2 } },
      { customFieldId: 6, type: 'multi_select', value: { multi_select: [21, 20] } },
    ]);
    expect(checked).toEqual({
      set: [
        { fieldId: 1, value: { text: 'Hi' } },
        { fieldId: 3, value: { number: 2 } },
        { fieldId: 6, value: { multi_select: [21, 20] } },
      ],
      clear: [2],
    });
    expect(details).toEqual([{ path: 'customFields', message: "'F8' (custom field 8) is required" }]);
  });

  it('names every mistake at its item, in order, with the owner in the message', () => {
    const { details } = check(
      [
        { customFieldId: 99, type: 'text', value: { text: 'x' } },
        { customFieldId: 4, type: 'boolean', value: { boolean: true } },
        { customFieldId: 5, type: 'date', value: { date: '2024-01-01' } },
        { customFieldId: 1, type: 'number', value: { number: 1 } },
        { customFieldId: 2, type: 'select', value: { select: 12 } },
        { customFieldId: 3, type: 'number', value: null },
        { customFieldId: 6, type: 'multi_select', value: { multi_select: [20, 20] } },
        { customFieldId: 1, type: 'text', value: { text: 'again' } },
        { customFieldId: 8, type: 'text', value: { number: 1 } },
      ],
      "the partner's company",
    );
    expect(details).toEqual([
      {
        path: 'customFields[0].customFieldId',
        message: "no lead custom field with id 99 in the partner's company",
      },
      { path: 'customFields[1].customFieldId', message: "'F4' is a partner field, not a lead field" },
      { path: 'customFields[2].customFieldId', message: "'F5' applies to reseller partners only" },
      { path: 'customFields[3].type', message: "'F1' is a text field, not number" },
      { path: 'customFields[4].value', message: "'F2' has no option 12" },
      { path: 'customFields[5].value', message: "'F3' is required and cannot be removed" },
      { path: 'customFields[6].value', message: "'F6' lists option 20 more than once" },
      { path: 'customFields[7].customFieldId', message: 'custom field 1 is already given at index 3' },
      {
        path: 'customFields[8].customFieldId',
        message: "no lead custom field with id 8 in the partner's company",
      },
    ]);
  });
});
