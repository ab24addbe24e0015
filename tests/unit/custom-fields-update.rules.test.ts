import { describe, expect, it } from 'vitest';
import {
  type Facts,
  outcome,
  rules,
} from '../../src/modules/catalogues/custom-fields/custom-fields.update.js';

// PATCH /v1/custom-fields/{id} with options: the rules over the facts, and the write's outcome,
// without a database.

const NOW = new Date('2025-01-01T00:00:00Z');
const field = (over: Partial<NonNullable<Facts>> = {}): NonNullable<Facts> => ({
  id: 7,
  uuid: '00000000-0000-4000-8000-000000000007',
  company_id: 1,
  label: 'Level',
  type: 'select',
  category: 'lead',
  partner_type: null,
  required: false,
  shared: false,
  created_at: NOW,
  updated_at: NOW,
  options: [
    { id: 1, label: 'Gold' },
    { id: 2, label: 'Silver' },
    { id: 3, label: 'Bronze' },
  ],
  label_taken: false,
  ...over,
});

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    const e = err as { status: number; message: string; details?: unknown };
    return { status: e.status, message: e.message, details: e.details };
  }
  throw new Error('expected an error');
};

describe('custom field update: the rules, in the order the API reports them', () => {
  it('404 for a field that is not the caller’s', () => {
    expect(errorOf(() => rules(undefined, { options: [{ label: 'A' }] }))).toMatchObject({
      status: 404,
      message: 'Custom field not found',
    });
  });

  it('400 for a changed type or category, before anything else', () => {
    expect(
      errorOf(() =>
        rules(field({ label_taken: true }), { type: 'text', label: 'X', options: [{ label: 'A' }] }),
      ),
    ).toMatchObject({ status: 400, message: "Invalid field 'type': cannot be changed (it is 'select')" });
    expect(() =>
      rules(field(), { type: 'select', category: 'lead', options: [{ label: 'A' }] }),
    ).not.toThrow();
  });

  it('409 for a label another field of the category has, then 400 for options on a non-select field', () => {
    expect(
      errorOf(() => rules(field({ label_taken: true }), { label: 'Tier', options: [{ label: 'A' }] })),
    ).toEqual({
      status: 409,
      message: "A custom field with label 'Tier' already exists for category 'lead'",
      details: undefined,
    });
    expect(
      errorOf(() => rules(field({ type: 'text', options: null }), { options: [{ label: 'A' }] })),
    ).toMatchObject({
      status: 400,
      message: "Invalid field 'options': is only allowed for select and multi_select fields",
    });
  });

  it('400 naming the first option id that is not this field’s', () => {
    expect(
      errorOf(() =>
        rules(field(), {
          options: [
            { id: 1, label: 'Gold' },
            { id: 99, label: 'X' },
          ],
        }),
      ),
    ).toEqual({
      status: 400,
      message: "Invalid field 'options[1].id': is not an option of this custom field: 99",
      details: [{ path: 'options[1].id', message: 'is not an option of this custom field: 99' }],
    });
  });

  it('keeps options by id or by label, adds new labels, removes the rest, numbering the list sent', () => {
    const plan = rules(field(), {
      label: 'Tier',
      options: [{ id: 2, label: 'Platinum' }, { label: 'gold' }, { label: 'Copper' }],
    });
    expect(plan).toEqual({
      id: 7,
      changes: { label: 'Tier' },
      kept: [
        { id: 2, label: 'Platinum', series: 1 },
        { id: 1, label: 'gold', series: 2 },
      ],
      added: [{ label: 'Copper', series: 3 }],
      removed: [{ id: 3, label: 'Bronze' }],
    });
  });

  it('an entry with an id takes that option even when another entry carries its label', () => {
    const plan = rules(field(), { options: [{ label: 'Silver' }, { id: 2, label: 'Grey' }] });
    expect(plan.kept).toEqual([{ id: 2, label: 'Grey', series: 2 }]);
    expect(plan.added).toEqual([{ label: 'Silver', series: 1 }]);
    expect(plan.removed.map((o) => o.id)).toEqual([1, 3]);
  });
});

describe('custom field update: the outcome of the write', () => {
  const plan = rules(field(), { options: [{ label: 'Gold' }] });

  it('is the written definition when there is one', () => {
    const written = { ...field(), options: [{ id: 1, label: 'Gold' }] };
    expect(outcome(plan, { field: written, inUse: [] })).toBe(written);
  });

  it('409 naming the first removed option a value uses, with its count', () => {
    expect(
      errorOf(() =>
        outcome(plan, {
          field: undefined,
          inUse: [
            { id: 3, uses: 4 },
            { id: 2, uses: 1 },
          ],
        }),
      ),
    ).toMatchObject({
      status: 409,
      message: 'Option "Silver" is in use by 1 value(s) and cannot be removed',
    });
  });

  it('404 when nothing was written and no option was in use (the field is gone)', () => {
    expect(errorOf(() => outcome(plan, { field: undefined, inUse: [] }))).toMatchObject({ status: 404 });
  });
});
