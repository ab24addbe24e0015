import { describe, expect, it } from 'vitest';
import { type RespondFacts, rules } from '../../src/modules/partners/partners.respond.js';
import { thrown } from './partners-fixtures.js';

// POST /v1/partners/{id}/accept and /decline, their rules without a database.

const invited = { companyId: 2, userId: null, keyId: 200 };
const facts = (over: Partial<RespondFacts> = {}): RespondFacts => ({
  partnership_id: 40,
  status: 'pending',
  company_id: 1,
  partner_company_id: 2,
  invited_by_user_id: 10,
  ...over,
});

describe('partners accept / decline rules', () => {
  it('accepting tells the user who invited; declining tells no one', () => {
    expect(rules(facts(), invited, 5, 'accept')).toEqual({
      partnershipId: 40,
      sideId: 5,
      to: 'accepted',
      inviterId: 1,
      inviterMeta: { reason: 'partnership_accepted', notifyUserIds: [10] },
      apiKeyId: 200,
    });
    expect(rules(facts({ invited_by_user_id: null }), invited, 5, 'accept').inviterMeta).toEqual({
      reason: 'partnership_accepted',
      notifyUserIds: [],
    });
    expect(rules(facts(), invited, 5, 'decline')).toMatchObject({ to: 'declined', inviterMeta: null });
  });

  it('404 when not the caller’s, 403 for the inviting company, 409 unless pending', () => {
    expect(thrown(() => rules(undefined, invited, 5, 'accept')).status).toBe(404);
    expect(thrown(() => rules(facts(), { ...invited, companyId: 1 }, 5, 'decline'))).toEqual({
      status: 403,
      error: 'Only the invited company can decline this partnership',
      code: 'forbidden',
    });
    for (const status of ['accepted', 'declined', 'inactive'] as const) {
      expect(thrown(() => rules(facts({ status }), invited, 5, 'accept'))).toEqual({
        status: 409,
        error: `This partnership is ${status}: only a pending invitation can be accepted`,
        code: 'conflict',
      });
    }
  });
});
