import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/core/errors.js';
import { FieldProblems } from '../../src/core/field-problems.js';
import {
  type CommissionFacts,
  checkCalculation,
  rules as commissionRules,
} from '../../src/modules/deals/deals.commission.js';
import { type PaymentFacts, rules as paymentRules } from '../../src/modules/deals/deals.payments.js';
import { CommissionCalculationInput } from '../../src/modules/deals/deals.schemas.js';
import { dealNoteRules } from '../../src/modules/deals/notes/deal-notes.subject.js';

const noteUpdateRules = dealNoteRules.update.rules;

// The pure rules of the commission, payment and deal-note commands: no database.

const actor = { companyId: 1, keyId: 2, userId: 3 };
const calc = (entries: unknown[]) => CommissionCalculationInput.parse({ entries });
const ctx = { paymentStageIds: [10, 11], minorDigits: 2, currencyCode: 'USD' };

function problemsOf(run: (problems: FieldProblems) => void) {
  const problems = new FieldProblems();
  run(problems);
  try {
    problems.throwIfAny();
    return [];
  } catch (err) {
    return (err as ApiError).details ?? [];
  }
}

const thrown = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('did not throw');
};

describe('checkCalculation', () => {
  it('normalizes: type oneOff by default, one occurrence for oneOff, values as canonical strings', () => {
    const out = checkCalculation(
      calc([
        { payment_stage_id: 10, calculation: { option: 'percentage', value: 12.5 } },
        {
          payment_stage_id: 11,
          calculation: { type: 'recurring', option: 'fixed', value: '99.9', number_of_occurrences: 12 },
        },
      ]),
      ctx,
      ['calculation'],
      new FieldProblems(),
    );
    expect(out).toEqual({
      entries: [
        {
          payment_stage_id: 10,
          calculation: { type: 'oneOff', option: 'percentage', value: '12.5', number_of_occurrences: 1 },
        },
        {
          payment_stage_id: 11,
          calculation: { type: 'recurring', option: 'fixed', value: '99.9', number_of_occurrences: 12 },
        },
      ],
    });
  });

  it('a recurring entry without a count has one occurrence', () => {
    const out = checkCalculation(
      calc([{ payment_stage_id: 10, calculation: { type: 'recurring', option: 'fixed', value: '1' } }]),
      ctx,
      [],
      new FieldProblems(),
    );
    expect(out.entries[0]!.calculation.number_of_occurrences).toBe(1);
  });

  it('names each problem at its entry', () => {
    const details = problemsOf((p) =>
      checkCalculation(
        calc([
          { payment_stage_id: 99, calculation: { option: 'fixed', value: '1' } },
          { payment_stage_id: 10, calculation: { option: 'percentage', value: '100' } },
          { payment_stage_id: 10, calculation: { option: 'percentage', value: '100.0001' } },
          { payment_stage_id: 11, calculation: { option: 'fixed', value: '1.005' } },
        ]),
        ctx,
        ['calculation'],
        p,
      ),
    );
    expect(details).toEqual([
      {
        path: 'calculation.entries[0].payment_stage_id',
        message: 'no payment stage in your company with id 99',
      },
      { path: 'calculation.entries[2].payment_stage_id', message: 'payment stage 10 already has an entry' },
      { path: 'calculation.entries[2].calculation.value', message: 'a percentage must be at most 100' },
      { path: 'calculation.entries[3].calculation.value', message: 'USD amounts have at most 2 decimals' },
    ]);
  });

  it("checks a fixed amount's decimals against the currency; without one (a tier) only the schema's 4", () => {
    const yen = { ...ctx, minorDigits: 0, currencyCode: 'JPY' };
    const entry = [{ payment_stage_id: 10, calculation: { option: 'fixed', value: '1.5' } }];
    expect(problemsOf((p) => checkCalculation(calc(entry), yen, [], p))).toEqual([
      { path: 'entries[0].calculation.value', message: 'JPY amounts have no decimals' },
    ]);
    const tier = { ...ctx, minorDigits: null, currencyCode: null };
    expect(problemsOf((p) => checkCalculation(calc(entry), tier, [], p))).toEqual([]);
    // A percentage may have more decimals than the currency.
    const pct = [{ payment_stage_id: 10, calculation: { option: 'percentage', value: '1.2345' } }];
    expect(problemsOf((p) => checkCalculation(calc(pct), yen, [], p))).toEqual([]);
  });
});

describe('commission rules', () => {
  const deal = { id: 7, role: 'owner' as const, partnership_id: 5, currency_code: 'USD', minor_digits: 2 };
  const facts = (over: Partial<CommissionFacts> = {}): CommissionFacts => ({
    deal,
    paymentStageIds: [10],
    ...over,
  });
  const body = {
    calculation: calc([{ payment_stage_id: 10, calculation: { option: 'fixed', value: '1' } }]),
  };

  it('404 unseen, 403 for the partner, 409 without a partnership, in that order', () => {
    expect(thrown(() => commissionRules(facts({ deal: null }), actor, body)).status).toBe(404);
    expect(
      thrown(() =>
        commissionRules(facts({ deal: { ...deal, role: 'partner', partnership_id: null } }), actor, body),
      ).status,
    ).toBe(403);
    expect(
      thrown(() => commissionRules(facts({ deal: { ...deal, partnership_id: null } }), actor, body)).status,
    ).toBe(409);
  });

  it('null removes the commission; entries are planned normalized', () => {
    expect(commissionRules(facts(), actor, { calculation: null })).toEqual({
      actor,
      dealId: 7,
      calculation: null,
    });
    expect(commissionRules(facts(), actor, body).calculation).toEqual({
      entries: [
        {
          payment_stage_id: 10,
          calculation: { type: 'oneOff', option: 'fixed', value: '1', number_of_occurrences: 1 },
        },
      ],
    });
    expect(thrown(() => commissionRules(facts({ paymentStageIds: [] }), actor, body)).status).toBe(400);
  });
});

describe('payment rules', () => {
  const payment = {
    id: 4,
    approved: null,
    payment_processing: false,
    payment_completed: false,
  } as unknown as NonNullable<PaymentFacts['payment']>;
  const facts = (p: Partial<typeof payment> = {}, role: 'owner' | 'partner' = 'owner'): PaymentFacts => ({
    deal: { id: 7, uuid: 'u', label: 'Deal', role },
    payment: {
      ...payment,
      ...p,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    },
  });

  it('completing approves a payment not yet reviewed, and says so', () => {
    const plan = paymentRules(facts(), actor, { payment_completed: true });
    expect(plan).toMatchObject({ changes: { approved: true, payment_completed: true }, completing: true });
  });

  it('only what changes is planned; nothing: the payment as it is', () => {
    expect(
      paymentRules(facts({ approved: true }), actor, { approved: true, payment_processing: true }),
    ).toMatchObject({
      changes: { payment_processing: true },
      completing: false,
    });
    expect(paymentRules(facts({ approved: true }), actor, { approved: true })).toHaveProperty('unchanged');
  });

  it('refuses the transitions a completed or rejected payment cannot make (409)', () => {
    const done = facts({ approved: true, payment_completed: true });
    for (const input of [{ payment_completed: false }, { approved: false }, { approved: null }]) {
      expect(thrown(() => paymentRules(done, actor, input)).status).toBe(409);
    }
    expect(
      thrown(() => paymentRules(facts({ approved: false }), actor, { payment_completed: true })).status,
    ).toBe(409);
    expect(
      paymentRules(facts({ approved: false }), actor, { approved: true, payment_completed: true }),
    ).toMatchObject({
      changes: { approved: true, payment_completed: true },
    });
  });

  it('404 unseen, 403 for the partner, 404 for a payment not on the deal', () => {
    expect(thrown(() => paymentRules({ deal: null, payment: null }, actor, {})).status).toBe(404);
    expect(thrown(() => paymentRules(facts({}, 'partner'), actor, {})).status).toBe(403);
    expect(thrown(() => paymentRules({ ...facts(), payment: null }, actor, {})).message).toBe(
      'Payment not found or not accessible',
    );
  });
});

describe('deal note update rules', () => {
  it('notifies only the users mentioned now and not before', () => {
    const plan = noteUpdateRules(
      {
        dealUuid: 'd',
        activeMentions: [1, 2, 3],
        note: {
          id: 9,
          document: { type: 'doc', content: [] },
          mentions: [1],
          updated_at: new Date(0),
          author: null,
        },
      },
      actor,
      7,
      { mentions: [1, 2, 3, 2] },
    );
    expect(plan).toMatchObject({
      changes: { mentions: [1, 2, 3] },
      event: { type: 'deals.notes_update', meta: { notifyUserIds: [2, 3], reason: 'deal_note_mention' } },
    });
  });
});
