// 1,000,000 leads in one company (issue 10 §6, BENCH_BIG_LEADS): GET /v1/leads page 1, a page
// filtered by status, and a deep page, each with its exact count, against the target p99 < 20 ms.
// A latency target, so measured over BENCH_BIG_CONNECTIONS (1) connection: one request at a time
// is the list's own time at that size, where 10 connections on a 2-core machine would measure
// their queue (10 × the time per request). A company of its own (made with the CLI), loaded by
// SQL as bench/leads.mjs loads (generate_series, batches, two connections), timed.

import { countCheck, liveLeads, loadLeads, problem, skipped } from './leads.mjs';
import { cli, measure, only, request, seconds } from './lib.mjs';
import { REPORT_PARTNERS, reportScenario } from './report.mjs';

export const BIG_LEADS = Number(process.env.BENCH_BIG_LEADS ?? 1_000_000);
const BIG_CONNECTIONS = Number(process.env.BENCH_BIG_CONNECTIONS ?? 1);
/** Lead g gets STATUSES[g % 10]: 60 % new, 20 % contacted, 10 % qualified, 10 % lost. */
const STATUSES = ['new', 'new', 'new', 'new', 'new', 'new', 'contacted', 'contacted', 'qualified', 'lost'];
const FILTER = 'qualified';
const PAGE_SIZE = 10;
/** Page 5,000 of 10 (the 49,991st lead on): deep, and there at 1,000,000 leads; the last page below 50,000. */
const DEEP_PAGE = Math.max(1, Math.min(5_000, Math.ceil(BIG_LEADS / PAGE_SIZE)));
const TARGET = { p99: 20 };

/**
 * Returns the rows measured (no floor: the target is absolute) and the load's time. Skipped when
 * loading (at `msPerLead`, the rate of this run's first load, plus a fifth) and measuring would
 * end past `deadlineAt`: the run then still ends in time, with everything else measured.
 */
export async function bigScenarios({ base, env, dbUrl, log, msPerLead, deadlineAt, floor }) {
  const title = `${BIG_LEADS.toLocaleString('en-US')} leads in one company`;
  if (!only('big') && !only('report')) return { results: [], loadMs: 0 };
  if (!BIG_LEADS) return { results: [skipped(title, 'BENCH_BIG_LEADS=0')], loadMs: 0 };
  const loadEstimate = msPerLead * BIG_LEADS * 1.2;
  const needed = loadEstimate + 3 * (seconds + 2) * 1000 + 30_000;
  if (Date.now() + needed > deadlineAt) {
    const why =
      `loading them (≈ ${Math.round(loadEstimate / 1000)} s at this run's rate) and measuring would pass ` +
      `BENCH_DEADLINE_SECONDS (${Math.round((deadlineAt - Date.now()) / 1000)} s left)`;
    return { results: [skipped(title, why)], loadMs: 0 };
  }
  const company = await cli(['companies', 'create', '--name', 'Big Co'], env);
  const user = await cli(
    ['users', 'create', '--company', String(company.id), '--email', 'big@bench.test'],
    env,
  );
  const { key } = await cli(
    ['keys', 'create', '--company', String(company.id), '--permission', 'write'],
    env,
  );
  const headers = { authorization: `Bearer ${key}` };
  const campaign = await request(`${base}/v1/campaigns`, {
    method: 'POST',
    headers,
    body: { title: 'Big campaign' },
  });
  if (campaign.status !== 201)
    return { results: [skipped(title, `POST /v1/campaigns answered ${campaign.status}`)], loadMs: 0 };
  const loadMs = await loadLeads(dbUrl, {
    companyId: company.id,
    userId: user.id,
    campaignId: campaign.body.id,
    count: BIG_LEADS,
    statuses: STATUSES,
  });
  const n = BIG_LEADS.toLocaleString('en-US');
  log(`loaded ${n} leads into company ${company.id} in ${(loadMs / 1000).toFixed(1)} s`);

  const list = `/v1/leads?pageSize=${PAGE_SIZE}`;
  const at = `${n} leads, ${BIG_CONNECTIONS} conn.`;
  const scenarios = [
    [`GET /v1/leads?page=1, ${at}`, `${list}&page=1`, {}],
    [`GET /v1/leads?status=${FILTER}, ${at}`, `${list}&page=1&status=${FILTER}`, { status: FILTER }],
    [`GET /v1/leads?page=${DEEP_PAGE}, ${at}`, `${list}&page=${DEEP_PAGE}`, {}],
  ];
  const results = [];
  for (const [title, path, filter] of only('big') ? scenarios : []) {
    const probe = await request(base + path, { headers });
    const why = problem(probe, 200);
    if (why) {
      results.push(skipped(title, why));
      continue;
    }
    let check = countCheck(probe.body.meta?.['record-count'], await liveLeads(dbUrl, company.id, filter));
    if (probe.body.data?.length !== PAGE_SIZE) check += `; !! ${probe.body.data?.length} leads on the page`;
    const opts = { url: base + path, headers, connections: BIG_CONNECTIONS };
    results.push({ ...(await measure(title, opts)), target: TARGET, check });
  }
  if (only('report'))
    results.push(
      ...(await reportScenario({
        base,
        headers,
        dbUrl,
        floor,
        log,
        companyId: company.id,
        leads: BIG_LEADS,
        partners: REPORT_PARTNERS,
        connections: BIG_CONNECTIONS,
      })),
    );
  return { results, loadMs };
}
