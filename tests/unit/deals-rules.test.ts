import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/core/errors.js';
import { FieldProblems } from '../../src/core/field-problems.js';
import { decimalsOf, moneyProblem, namedCurrency } from '../../src/modules/deals/deals.commands.js';
import * as create from '../../src/modules/deals/deals.create.js';
import { CreateDealBody, UpdateDealBody } from '../../src/modules/deals/deals.schemas.js';
import * as update from '../../src/modules/deals/deals.update.js';

// The deal commands' rules, without a database: facts in, a plan or the API's error out.

const caller = { companyId: 3, keyId: 11, userId: 7 };
const USD = { code: 'USD', uuid: 'usd-uuid', minor_digits: 2 };
const JPY = { code: 'JPY', uuid: 'jpy-uuid', minor_digits: 0 };
const noFields = { definitions: [], required: [] };

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('no error thrown');
}
const paths = (err: ApiError) => err.details?.map((d) => `${d.path}: ${d.message}`);

const lead: create.LeadFact = {
  id: 40,
  uuid: 'lead-uuid',
  company_name: null,
  first_name: 'Ann',
  last_name: 'Lee',
  email: 'ann@example.test',
  partner_type: null,
};

const createFacts = (over: Partial<create.CreateFacts> = {}): create.CreateFacts => ({
  dealId: 900,
  lead,
  byCode: null,
  byUuid: null,
  fallback: USD,
  stage: null,
  firstStage: { id: 5, uuid: 's5', label: 'New', phase: 'discovery' },
  paymentStage: null,
  tagIds: [],
  tagUuids: [],
  userIds: [],
  partnership: null,
  fields: noFields,
  partnerFields: null,
  ...over,
});
const body = (b: unknown) => CreateDealBody.parse(b);

describe('deal create rules', () => {
  it('plans a plain deal: label from the lead, the default currency and first stage, value 0', () => {
    const plan = create.rules(createFacts(), caller, body({ lead_id: 40 }));
    expect(plan.deal).toMatchObject({
      id: 900,
      company_id: 3,
      partnership_id: null,
      created_by_user_id: 7,
      label: 'Ann Lee',
      deal_value: '0',
      currency_code: 'USD',
      commission_calculation: null,
    });
    expect(plan.owner).toEqual({ company_id: 3, role: 'owner', lead_id: 40, stage_id: 5 });
    expect(plan.partner).toBeNull();
    expect(plan.response).toEqual({ id: 900, uuid: plan.deal.uuid });
  });

  it('labels: label, then deal_label, then company name, contact name, email', () => {
    const label = (b: object, l: Partial<create.LeadFact> = {}) =>
      create.rules(createFacts({ lead: { ...lead, ...l } }), caller, body({ lead_id: 40, ...b })).deal.label;
    expect(label({ label: 'A', deal_label: 'B' })).toBe('A');
    expect(label({ deal_label: 'B' })).toBe('B');
    expect(label({}, { company_name: 'Acme' })).toBe('Acme');
    expect(label({}, { first_name: null, last_name: null })).toBe('ann@example.test');
  });

  it('a partnership deal: the partner side, its lead and first stage, the tier calculation', () => {
    const partnership = {
      id: 8,
      status: 'accepted',
      partner_type: 'referral' as const,
      partner_company_id: 4,
      partner_lead_id: 41,
      partner_stage_id: 6,
      commission_calculation: { entries: [] },
    };
    const plan = create.rules(
      createFacts({ partnership, partnerFields: noFields }),
      caller,
      body({ lead_id: 40 }),
    );
    expect(plan.deal).toMatchObject({ partnership_id: 8, commission_calculation: { entries: [] } });
    expect(plan.partner).toEqual({ company_id: 4, role: 'partner', lead_id: 41, stage_id: 6 });
    // An inferred partnership that is not accepted makes a plain deal; a named one is a 400.
    const declined = { ...partnership, status: 'declined' };
    expect(
      create.rules(createFacts({ partnership: declined }), caller, body({ lead_id: 40 })).partner,
    ).toBeNull();
    const err = refusal(() =>
      create.rules(createFacts({ partnership: declined }), caller, body({ lead_id: 40, partnership_id: 8 })),
    );
    expect(err.message).toBe('Invalid field values or missing required association');
    expect(paths(err)).toEqual(['partnership_id: no accepted partnership of your company with id 8']);
  });

  it('reports every problem at once', () => {
    const err = refusal(() =>
      create.rules(
        createFacts({ lead: null, fallback: USD, tagIds: [1], userIds: [] }),
        caller,
        body({
          lead_uuid: '00000000-0000-4000-8000-000000000000',
          deal_value: '1.005',
          stage_id: 99,
          tags: [1, 2],
          assignedUsers: [3],
          partnerCustomFields: [{ customFieldId: 1, type: 'text', value: { text: 'x' } }],
        }),
      ),
    );
    expect(paths(err)).toEqual([
      'lead_uuid: must be a live lead of your company',
      'deal_value: USD amounts have at most 2 decimals',
      'stage_id: no deal stage in your company with id 99',
      'tags[1]: no deal tag in your company with id 2',
      'assignedUsers[0]: no active user in your company with id 3',
      'partnerCustomFields: applies to partnership deals only',
    ]);
  });

  it('tag_uuids join tags, once each', () => {
    const plan = create.rules(
      createFacts({ tagIds: [1], tagUuids: [{ id: 2, uuid: 'AAAAAAAA-0000-4000-8000-000000000000' }] }),
      caller,
      body({ lead_id: 40, tags: [1], tag_uuids: ['aaaaaaaa-0000-4000-8000-000000000000'] }),
    );
    expect(plan.tagIds).toEqual([1, 2]);
  });
});

describe('money', () => {
  it('counts decimals as the value has them, trailing zeros aside', () => {
    expect(['10', '10.5', '10.50', '10.505', '0.0000'].map(decimalsOf)).toEqual([0, 1, 1, 3, 0]);
  });

  it('names the currency in the problem', () => {
    const problems = new FieldProblems();
    moneyProblem(problems, ['deal_value'], '1250.5', JPY);
    moneyProblem(problems, ['x'], '1250.50', USD);
    moneyProblem(problems, ['y'], '1.234', USD);
    expect(paths(problems.toError())).toEqual([
      'deal_value: JPY amounts have no decimals',
      'y: USD amounts have at most 2 decimals',
    ]);
  });

  it('a code and a uuid must name the same currency', () => {
    const problems = new FieldProblems();
    expect(
      namedCurrency(
        problems,
        { byCode: USD, byUuid: JPY, fallback: null },
        { currency_code: 'USD', currency_uuid: 'j' },
      ),
    ).toBe(USD);
    expect(paths(problems.toError())).toEqual(['currency_uuid: is currency JPY, not USD']);
  });
});

describe('deal update rules', () => {
  const deal = {
    id: 900,
    role: 'owner' as const,
    stage_id: 5,
    deal_value: '10.5000',
    partner_type: null,
    currency: USD,
  };
  const facts = (over: Partial<update.UpdateFacts> = {}): update.UpdateFacts => ({
    deal,
    byCode: null,
    byUuid: null,
    stage: null,
    paymentStage: null,
    tagIds: [],
    tagUuids: [],
    userIds: [],
    fields: null,
    ...over,
  });
  const patch = (b: unknown) => UpdateDealBody.parse(b);

  it('is 404 without a side of the deal', () => {
    const err = refusal(() => update.rules(facts({ deal: null }), caller, 900, patch({})));
    expect([err.code, err.message]).toEqual(['not_found', 'Deal not found or not accessible']);
  });

  it('refuses the partner every owner field with 403, and lets it move its own stage', () => {
    const partner = facts({ deal: { ...deal, role: 'partner' } });
    for (const field of update.OWNER_FIELDS) {
      const value = field.endsWith('_id')
        ? 1
        : field.endsWith('uuid')
          ? '00000000-0000-4000-8000-000000000000'
          : field === 'deal_value'
            ? '1'
            : field === 'expiration_date'
              ? '2026-01-01'
              : field === 'currency_code'
                ? 'EUR'
                : 'x';
      const err = refusal(() => update.rules(partner, caller, 900, patch({ [field]: value })));
      expect([field, err.code]).toEqual([field, 'forbidden']);
    }
    const stage = { id: 6, uuid: 's6', label: 'Won', phase: 'closed_won' };
    const plan = update.rules({ ...partner, stage }, caller, 900, patch({ stage_id: 6 }));
    expect([plan.stage, plan.notifyPartner, plan.columns]).toEqual([{ id: 6, label: 'Won' }, false, {}]);
  });

  it("the owner's stage move notifies the partner; staying on the stage does not", () => {
    const stage = { id: 6, uuid: 's6', label: 'Won', phase: 'closed_won' };
    expect(update.rules(facts({ stage }), caller, 900, patch({ stage_id: 6 })).notifyPartner).toBe(true);
    const same = { ...stage, id: 5 };
    expect(update.rules(facts({ stage: same }), caller, 900, patch({ stage_id: 5 })).notifyPartner).toBe(
      false,
    );
  });

  it('checks the stored value against a new currency, and a new value against either', () => {
    const jpy = refusal(() =>
      update.rules(facts({ byCode: JPY }), caller, 900, patch({ currency_code: 'JPY' })),
    );
    expect(paths(jpy)).toEqual(['currency_code: JPY amounts have no decimals']);
    const plan = update.rules(
      facts({ byCode: JPY }),
      caller,
      900,
      patch({ currency_code: 'JPY', deal_value: 11 }),
    );
    expect(plan.columns).toEqual({ currency_code: 'JPY', deal_value: '11' });
    const usd = refusal(() => update.rules(facts(), caller, 900, patch({ deal_value: '0.001' })));
    expect(paths(usd)).toEqual(['deal_value: USD amounts have at most 2 decimals']);
  });

  it('plans the columns sent, a null payment stage and null expiration date included', () => {
    const plan = update.rules(
      facts(),
      caller,
      900,
      patch({ deal_label: 'L', payment_stage_id: null, expiration_date: null }),
    );
    expect(plan.columns).toEqual({ label: 'L', payment_stage_id: null, expiration_date: null });
    expect([plan.tagIds, plan.userIds, plan.fields]).toEqual([undefined, undefined, undefined]);
  });
});
