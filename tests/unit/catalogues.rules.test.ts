import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/core/errors.js';
import {
  assertUnchanged,
  firstCollision,
  inUse,
  missingEntries,
  sentFields,
  updatePlan,
} from '../../src/modules/catalogues/catalogue.rules.js';

// The rules every catalogue shares (catalogue.rules.ts), without a database.

const bodyOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, ...err.toBody() };
    throw err;
  }
  throw new Error('expected an ApiError');
};

describe('update: the plan and the immutable fields', () => {
  it('keeps the fields sent (null included), leaves out the ones not sent', () => {
    expect(sentFields({ label: 'A', partner_type: null, text_color: undefined })).toEqual({
      label: 'A',
      partner_type: null,
    });
  });

  it('moves repeated immutable fields out of the changes', () => {
    expect(updatePlan({ label: 'VIP', association: 'lead', text_color: undefined }, ['association'])).toEqual(
      {
        repeated: { association: 'lead' },
        changes: { label: 'VIP' },
      },
    );
    expect(updatePlan({ label: 'VIP' }, ['association'])).toEqual({
      repeated: {},
      changes: { label: 'VIP' },
    });
  });

  it('accepts a repeated value equal to the stored one, refuses another (400 naming the stored one)', () => {
    expect(() => assertUnchanged({ association: 'lead' }, { association: 'lead' })).not.toThrow();
    expect(bodyOf(() => assertUnchanged({ association: 'partner' }, { association: 'lead' }))).toEqual({
      status: 400,
      error: "Invalid field 'association': cannot be changed (it is 'lead')",
      code: 'bad_request',
      details: [{ path: 'association', message: "cannot be changed (it is 'lead')" }],
    });
  });

  it('names the first field that differs', () => {
    const body = bodyOf(() =>
      assertUnchanged({ type: 'text', category: 'lead' }, { type: 'number', category: 'x' }),
    );
    expect(body.details).toEqual([{ path: 'type', message: "cannot be changed (it is 'number')" }]);
  });
});

describe('delete: in use', () => {
  it('says how many records refer to the entry, or just that it is in use when the count saw none', () => {
    expect(inUse('Tag', 'VIP', 3).message).toBe('Tag "VIP" is in use by 3 record(s) and cannot be deleted');
    expect(inUse('Tag', 'VIP', 0).message).toBe('Tag "VIP" is in use and cannot be deleted');
    expect(inUse('Tag', 'VIP').status).toBe(409);
  });
});

describe('bulk update: missing ids and the first collision', () => {
  it('names every id that is not among those found, at its index', () => {
    expect(missingEntries('Stage', 'stages', [{ id: 1 }, { id: 2 }], [1, 2])).toBeUndefined();
    const error = missingEntries('Stage', 'stages', [{ id: 1 }, { id: 7 }, { id: 9 }], [1])!;
    expect({ status: error.status, ...error.toBody() }).toEqual({
      status: 404,
      error: 'Stage not found: 7, 9',
      code: 'not_found',
      details: [
        { path: 'stages[1].id', message: 'no such entry: 7' },
        { path: 'stages[2].id', message: 'no such entry: 9' },
      ],
    });
  });

  const key = (entry: { label?: string }) => String(entry.label).toLowerCase();
  const entries = [
    { id: 1, label: 'A' },
    { id: 2, label: 'B' },
    { id: 3, label: 'C' },
  ];

  it('applies the changes one by one, in the order sent', () => {
    // B → A2 collides with the A2 that the first change made.
    expect(
      firstCollision(
        entries,
        [
          { id: 1, label: 'A2' },
          { id: 2, label: 'a2' },
        ],
        key,
      ),
    ).toEqual({ id: 2, label: 'a2' });
    // A → B collides with B as it still is.
    expect(
      firstCollision(
        entries,
        [
          { id: 1, label: 'B' },
          { id: 2, label: 'D' },
        ],
        key,
      ),
    ).toEqual({ id: 1, label: 'B' });
  });

  it('finds nothing when no step collides (a label freed earlier in the list may be taken)', () => {
    expect(
      firstCollision(
        entries,
        [
          { id: 2, label: 'D' },
          { id: 1, label: 'b' },
          { id: 3, label: 'c', series: 4 },
        ],
        key,
      ),
    ).toBeUndefined();
  });
});
