import { expect } from 'vitest';
import { type ApiClient, uniq } from './app.js';
import { createOk } from './catalogue-api.js';
import { createLead } from './leads.js';

// Leads for tests of what hangs off a lead (notes): made and deleted through the leads API.

/** A campaign lead of the key's company: a campaign for it, then POST /v1/leads. */
export async function makeLead(api: ApiClient, key: string) {
  const campaign = await createOk(api, key, '/v1/campaigns', { title: `Campaign ${uniq()}` });
  return createLead(api, key, {
    associationType: 'campaigns',
    companyCampaignId: campaign.id,
    email: `lead-${uniq()}@example.test`,
  });
}

/** DELETE /v1/leads/{id} that must answer 204 (a soft delete). */
export async function deleteLead(api: ApiClient, key: string, id: number): Promise<void> {
  const res = await api.delete(`/v1/leads/${id}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(204);
}
