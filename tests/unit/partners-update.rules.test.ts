import { describe, expect, it } from 'vitest';
import { UpdatePartnerBody } from '../../src/modules/partners/partners.schemas.js';
import { invitationChange, rules, type UpdateFacts } from '../../src/modules/partners/partners.update.js';
import { CATEGORY, NO_FIELDS, refs, STAGE, TIER, tag, thrown, user } from './partners-fixtures.js';

// PATCH /v1/partners/{id}, its rules without a database.

const caller = { companyId: 1, userId: 10, keyId: 100 };
const facts = (over: Partial<UpdateFacts> = {}): UpdateFacts => ({
  partnership_id: 40,
  status: 'pending',
  partner_type: 'referral',
  company_id: 1,
  partner_company_id: 2,
  refs: refs(),
  fields: NO_FIELDS,
  ...over,
});
const patch = (body: Record<string, unknown>, f = facts()) =>
  rules(f, caller, 5, UpdatePartnerBody.parse(body));

describe('partners update rules', () => {
  it('not the caller’s side: 404', () => {
    expect(thrown(() => rules(undefined, caller, 5, {}))).toEqual({
      status: 404,
      error: 'Partner not found',
      code: 'not_found',
    });
  });

  it('sets only what is sent: null clears, lists are picked from the facts', () => {
    expect(patch({})).toMatchObject({ set: {}, tags: undefined, users: undefined, fields: undefined });
    const f = facts({
      refs: refs({ stage: STAGE, tier: TIER, category: CATEGORY, tags: [tag(3)], users: [user(4)] }),
    });
    expect(
      patch(
        {
          stageUuid: STAGE.uuid,
          tierId: TIER.id,
          categoryId: null,
          tags: [3],
          assignedUsers: [4],
          fallbackData: null,
        },
        f,
      ),
    ).toMatchObject({
      sideId: 5,
      partnershipId: 40,
      set: { stage_id: STAGE.id, tier_id: TIER.id, category_id: null, fallback_data: null },
      tags: [tag(3)],
      users: [user(4)],
      statusChange: undefined,
      apiKeyId: 100,
    });
  });

  it('reports every unknown id at once', () => {
    const error = thrown(() => patch({ tags: [3], tierId: 8, assignedUsers: [4, 5] }));
    expect(error.details).toEqual([
      { path: 'tags', message: 'Unknown referral partner tag id(s) for your company: 3' },
      { path: 'tierId', message: 'Unknown referral tier id(s) for your company: 8' },
      { path: 'assignedUsers[0]', message: 'no active user with id 4 in your company' },
      { path: 'assignedUsers[1]', message: 'no active user with id 5 in your company' },
    ]);
  });

  it('inactive: only the inviting company sends or withdraws; the status decides', () => {
    const change = (status: UpdateFacts['status'], inactive: boolean) =>
      invitationChange({ status, company_id: 1 }, 1, inactive);
    expect(change('pending', true)).toEqual({ from: 'pending', to: 'inactive' });
    expect(change('inactive', true)).toBeUndefined();
    expect(change('inactive', false)).toEqual({ from: 'inactive', to: 'pending' });
    expect(change('pending', false)).toBeUndefined();
    expect(change('accepted', false)).toBeUndefined();
    expect(thrown(() => change('accepted', true))).toEqual({
      status: 409,
      error: 'This partnership is accepted: only a pending invitation can be withdrawn',
      code: 'conflict',
    });
    expect(thrown(() => change('declined', false)).error).toBe(
      'This partnership was declined: delete it and invite the partner again',
    );
    expect(thrown(() => invitationChange({ status: 'pending', company_id: 2 }, 1, true))).toEqual({
      status: 403,
      error: 'Only the inviting company can send or withdraw the invitation',
      code: 'forbidden',
    });
    // The status rule comes before the body's 400s, as it always did.
    expect(thrown(() => patch({ inactive: true, tierId: 8 }, facts({ company_id: 2 }))).status).toBe(403);
    expect(patch({ inactive: true }).statusChange).toEqual({ from: 'pending', to: 'inactive' });
  });
});
