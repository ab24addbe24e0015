import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/core/errors.js';
import { UpdateLeadBody } from '../../src/modules/leads/leads.schemas.js';
import { rules, type UpdateFacts } from '../../src/modules/leads/leads.update.js';

// PATCH /v1/leads/{id}'s rules without a database.

const caller = { companyId: 1, userId: 10, keyId: 100 };
const lead = { id: 9, partner_type: 'referral' as const, email: 'a@example.test', company_name: null };
const facts = (over: Partial<UpdateFacts> = {}): UpdateFacts => ({
  lead,
  userIds: [10, 11],
  tagIds: [40],
  fields: null,
  ...over,
});

function refusal(run: () => unknown) {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    return { code: e.code, message: e.message, details: e.details };
  }
  throw new Error('the rules accepted the body');
}

describe('lead update rules', () => {
  it('plans only what is sent', () => {
    const input = UpdateLeadBody.parse({
      first_name: ' Ada ',
      phone_number: null,
      tags: [40],
      assignedUsers: [],
    });
    expect(rules(facts(), caller, 9, input)).toEqual({
      caller,
      id: 9,
      columns: { first_name: 'Ada', phone_number: null },
      tagIds: [40],
      userIds: [],
      fields: undefined,
    });
  });

  it("404 before anything else for a lead that is not the caller's live lead", () => {
    const input = UpdateLeadBody.parse({ tags: [41] });
    expect(refusal(() => rules(facts({ lead: null }), caller, 9, input))).toEqual({
      code: 'not_found',
      message: 'Lead not found or not accessible',
      details: undefined,
    });
  });

  it('every problem in one 400: the contact rule, users, tags, custom fields', () => {
    const input = UpdateLeadBody.parse({
      email: null,
      assignedUsers: [12, 10],
      tags: [41],
      customFields: [{ customFieldId: 50, type: 'number', value: null }],
    });
    const required = {
      id: 50,
      label: 'Deal size',
      type: 'number' as const,
      category: 'lead' as const,
      partner_type: null,
      required: true,
      optionIds: [],
    };
    const fields = { definitions: [required], required: [{ id: 50, label: 'Deal size', stored: true }] };
    expect(refusal(() => rules(facts({ fields }), caller, 9, input)).details).toEqual([
      { path: 'email', message: 'a lead needs an email or a company_name' },
      { path: 'assignedUsers[0]', message: 'no active user in your company with id 12' },
      { path: 'tags[0]', message: 'no lead tag in your company with id 41' },
      { path: 'customFields[0].value', message: "'Deal size' is required and cannot be removed" },
    ]);
  });

  it('a lead keeps its company name when the email goes', () => {
    const input = UpdateLeadBody.parse({ email: null });
    expect(rules(facts({ lead: { ...lead, company_name: 'Acme' } }), caller, 9, input).columns).toEqual({
      email: null,
    });
  });
});
