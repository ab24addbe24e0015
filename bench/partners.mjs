// Partner scenarios (issue 10 §6), in the first demo company, each next to its floor route:
// POST /v1/partners inviting a new company every time (a new email domain, so no existing company
// matches and the partner company, its user and both sides of the partnership are made), then
// GET /v1/partners over every partner those creates made, against the floor's one-row INSERT and
// its 10 rows + count(*) with as many partners.

import { postScenario, problem, skipped, unique } from './leads.mjs';
import { measure, request } from './lib.mjs';

const newPartner = () => {
  const tag = unique('partner');
  return {
    name: `Bench Partner ${tag}`,
    partnerType: 'referral',
    emails: [{ email: `contact@${tag}.example`, firstName: 'Pat', lastName: 'Partner' }],
  };
};

/** Returns the rows measured, floor rows included (see leadScenarios). */
export async function partnerScenarios({ base, demo, floor }) {
  const { headers } = demo;
  const results = [];

  const createTitle = 'POST /v1/partners (a new company each time)';
  const createFloor = await floor.partnerCreate();
  results.push(createFloor);
  const why = problem(
    await request(`${base}/v1/partners`, { method: 'POST', headers, body: newPartner() }),
    201,
  );
  if (why) results.push(skipped(createTitle, why));
  else
    results.push({
      ...(await measure(createTitle, postScenario(base, '/v1/partners', headers, newPartner))),
      floor: createFloor,
    });

  const listTitle = 'GET /v1/partners?page=1&pageSize=10';
  const url = `${base}/v1/partners?page=1&pageSize=10`;
  const probe = await request(url, { headers });
  const listWhy = problem(probe, 200);
  if (listWhy) return [...results, skipped(listTitle, listWhy)];
  const count = probe.body.meta?.['record-count'];
  const listFloor = await floor.partnerList(count);
  results.push(listFloor);
  results.push({
    ...(await measure(listTitle, { url, headers })),
    floor: listFloor,
    check: `record-count ${count.toLocaleString('en-US')}`,
  });
  return results;
}
