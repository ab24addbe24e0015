import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/core/errors.js';
import { type CreateFacts, rules } from '../../src/modules/leads/leads.create.js';
import { CreateLeadBody } from '../../src/modules/leads/leads.schemas.js';

// POST /v1/leads' rules without a database: facts in, a plan or the seed's 400 out.

const caller = { companyId: 1, userId: 10, keyId: 100 };
const PARTNER = 2;

const noFields = { definitions: [], required: [] };
const numberField = {
  id: 50,
  label: 'Deal size',
  type: 'number' as const,
  category: 'lead' as const,
  partner_type: null,
  required: false,
  optionIds: [],
};

const facts = (over: Partial<CreateFacts> = {}): CreateFacts => ({
  ownId: 1000,
  copyId: 1001,
  partnershipLeadId: 7000,
  partnership: {
    id: 5,
    status: 'accepted',
    partner_type: 'referral',
    side_id: 6,
    partner_company_id: PARTNER,
  },
  campaignIds: [30],
  tagIds: [40, 41],
  attributionIds: [6],
  sentByIds: [10],
  partnerUserIds: [20, 21],
  fields: { definitions: [numberField], required: [] },
  partnerFields: noFields,
  ...over,
});

const referral = (over: Record<string, unknown> = {}) =>
  CreateLeadBody.parse({
    email: ' Ann@Example.test ',
    associationType: 'referral',
    partnershipLead: { partnership_id: 5, sendToPartner: true, partnerUsers: [20, { id: 21 }] },
    tags: [40, 41],
    customFields: [{ customFieldId: 50, type: 'number', value: { number: 3 } }],
    attributions: [{ id: 6, attributedDate: '2024-01-15T10:30:00+02:00' }],
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

describe('lead create rules', () => {
  it('plans the lead, the copy, their links and the partnership lead, with the response known up front', () => {
    const plan = rules(facts(), caller, referral());
    expect(plan.own).toMatchObject({
      id: 1000,
      company_id: 1,
      created_by_user_id: 10,
      email: 'Ann@Example.test',
      source: 'partnership',
      status: 'new',
      origin: 'own',
      association_type: 'referral',
      partner_type: 'referral',
      campaign_id: null,
    });
    expect(plan.copy).toMatchObject({
      row: {
        id: 1001,
        company_id: PARTNER,
        created_by_user_id: null,
        origin: 'received',
        partnership_lead_input: null,
      },
      userIds: [20, 21],
      fields: { set: [], clear: [] },
    });
    expect(plan.copy!.row.uuid).not.toBe(plan.own.uuid);
    expect(plan.tagIds).toEqual([40, 41]);
    expect(plan.fields.set).toEqual([{ fieldId: 50, value: { number: 3 } }]);
    expect(plan.attributions).toEqual([{ id: 6, attributed_date: '2024-01-15T08:30:00.000Z', series: 1 }]);
    expect(plan.partnershipLead).toEqual({
      id: 7000,
      partnershipId: 5,
      partnerType: 'referral',
      partnerCompanyId: PARTNER,
    });
    expect(plan.response).toEqual({ id: 1000, uuid: plan.own.uuid, partnershipLeadId: 7000 });
  });

  it('a campaign lead: no copy, no partnership lead, source campaign', () => {
    const input = CreateLeadBody.parse({
      email: 'a@example.test',
      associationType: 'campaigns',
      companyCampaignId: 30,
    });
    const plan = rules(facts({ copyId: null, partnershipLeadId: null, partnership: null }), caller, input);
    expect(plan.own).toMatchObject({ source: 'campaign', campaign_id: 30, partner_type: null });
    expect(plan.copy).toBeNull();
    expect(plan.partnershipLead).toBeNull();
    expect(plan.response.partnershipLeadId).toBeNull();
  });

  it('names every problem in one 400 with the seed message, in the order they always came', () => {
    const input = referral({
      partnershipLead: {
        partnership_id: 5,
        company_partnerships_id: 99,
        sendToPartner: true,
        partnerUsers: [20, 22],
        sentBy: { userId: 11 },
      },
      companyCampaignId: 31,
      tags: [40, 42],
      attributions: [{ id: 7, attributedDate: '2024-01-15T10:30:00Z' }],
      customFields: [{ customFieldId: 51, type: 'text', value: { text: 'x' } }],
      partnerCustomFields: [{ customFieldId: 60, type: 'text', value: { text: 'x' } }],
    });
    expect(refusal(() => rules(facts(), caller, input))).toEqual({
      code: 'bad_request',
      message: 'Invalid field values or missing required association',
      details: [
        { path: 'partnershipLead.sentBy.userId', message: 'no user in your company with id 11' },
        {
          path: 'partnershipLead.company_partnerships_id',
          message: 'must be your company partnership 6 of partnership 5',
        },
        { path: 'companyCampaignId', message: 'no campaign in your company with id 31' },
        { path: 'tags[1]', message: 'no lead tag in your company with id 42' },
        { path: 'attributions[0].id', message: 'no company partnership of yours with id 7' },
        { path: 'customFields[0].customFieldId', message: 'no lead custom field with id 51 in your company' },
        {
          path: 'partnershipLead.partnerUsers[1]',
          message: 'no active user of the partner company with id 22',
        },
        {
          path: 'partnerCustomFields[0].customFieldId',
          message: "no lead custom field with id 60 in the partner's company",
        },
      ],
    });
  });

  it('a partnership that is not accepted, or of the other type, is one problem; the copy is then not checked', () => {
    for (const partnership of [
      {
        id: 5,
        status: 'pending',
        partner_type: 'referral' as const,
        side_id: 6,
        partner_company_id: PARTNER,
      },
      {
        id: 5,
        status: 'accepted',
        partner_type: 'reseller' as const,
        side_id: 6,
        partner_company_id: PARTNER,
      },
      null,
    ]) {
      expect(
        refusal(() => rules(facts({ partnership, partnerUserIds: [] }), caller, referral())).details,
      ).toEqual([
        {
          path: 'partnershipLead.partnership_id',
          message: 'no accepted referral partnership of your company with id 5',
        },
      ]);
    }
  });

  it('partner users and values without sendToPartner; a partnershipLead on a campaign lead', () => {
    const input = referral({
      partnershipLead: { partnership_id: 5, partnerUsers: [20] },
      partnerCustomFields: [{ customFieldId: 60, type: 'text', value: { text: 'x' } }],
    });
    expect(refusal(() => rules(facts({ copyId: null }), caller, input)).details).toEqual([
      { path: 'partnershipLead.partnerUsers', message: 'applies only with sendToPartner: true' },
      { path: 'partnerCustomFields', message: 'applies only with partnershipLead.sendToPartner: true' },
    ]);
    const campaign = CreateLeadBody.parse({
      email: 'a@example.test',
      associationType: 'campaigns',
      partnershipLead: { partnership_id: 5 },
    });
    expect(refusal(() => rules(facts(), caller, campaign)).details).toEqual([
      { path: 'partnershipLead', message: 'applies to referral and reseller leads only' },
      { path: 'companyCampaignId', message: 'is required for campaign leads' },
    ]);
  });
});
