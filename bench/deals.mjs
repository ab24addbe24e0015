// Deal create (issue 11): POST /v1/deals on a lead the first demo company sent to its partner
// (the seed's full example), so every deal is a partnership deal: both sides, each with its
// default stage, the tier's commission copied, the `deals.create` event to both companies.
// Against the floor's one-row INSERT (POST /leads), measured just before.

import { postScenario, problem, skipped, unique } from './leads.mjs';
import { measure, request } from './lib.mjs';

/** Returns the rows measured, the floor row included (see leadScenarios). */
export async function dealScenarios({ base, demo, floor }) {
  const { a, headers } = demo;
  const title = 'POST /v1/deals (partnership deal, on a sent lead)';
  const side = a.partners[0];
  const lead = await request(`${base}/v1/leads`, {
    method: 'POST',
    headers,
    body: {
      company_name: 'Deal Bench Co',
      email: `${unique('deal')}@bench.test`,
      associationType: 'referral',
      partnershipLead: { partnership_id: side.partnership_id, sendToPartner: true },
    },
  });
  if (lead.status !== 201) return [skipped(title, `POST /v1/leads answered ${lead.status}`)];
  const body = () => ({
    lead_id: lead.body.id,
    label: `Deal ${unique('d')}`,
    deal_value: '1250.50',
    currency_code: 'USD',
  });
  const why = problem(await request(`${base}/v1/deals`, { method: 'POST', headers, body: body() }), 201);
  if (why) return [skipped(title, why)];
  const createFloor = await floor.create();
  return [
    createFloor,
    { ...(await measure(title, postScenario(base, '/v1/deals', headers, body))), floor: createFloor },
  ];
}
