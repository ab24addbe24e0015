// Lead scenarios (issue 4's "Done when"), on `seed --demo` data with BENCH_LEADS (100,000)
// leads loaded into the first demo company. Each scenario first sends one request: a route the
// server does not have (404 "Route … not found") is reported as "skipped: endpoint missing",
// any other unexpected answer as skipped with that answer, so a run never measures errors.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cli, measure, pgClient, query, request, root } from './lib.mjs';

const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);
/** One company name in a thousand has it: the search matches LEADS / 1000 leads. */
const SEARCH = 'acme';
/** Inserting into the trigram index is most of the load's time; a busy machine needs minutes. */
const LOAD_TIMEOUT_MS = 300_000;
const LOAD_BATCH = 2_000;

const runTag = Date.now().toString(36);
let sequence = 0;
const uniqueEmail = (kind) => `${kind}-${runTag}-${sequence++}@bench.test`;

/** `{title, floor, skipped}` in place of a result. */
const skipped = (title, reason) => ({ title, skipped: reason });

function problem(res, expectedStatus) {
  if (res.status === 404 && typeof res.body?.error === 'string' && res.body.error.startsWith('Route '))
    return 'endpoint missing';
  if (res.status !== expectedStatus)
    return `probe answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  return undefined;
}

/**
 * Leads through the API's own database, as fast as PostgreSQL inserts them: the lead_counters
 * trigger keeps the company's count right, and `search_text` is a generated column. In batches,
 * each its own transaction: the trigger updates one counter row per lead, and within a single
 * transaction every update walks the row's growing chain of versions (100,000 leads in one
 * statement took minutes; in batches, seconds).
 */
async function loadLeads(dbUrl, company) {
  const t0 = Date.now();
  const c = await pgClient(dbUrl, LOAD_TIMEOUT_MS);
  try {
    for (let from = 1; from <= LEADS; from += LOAD_BATCH) {
      await c.query(
        `INSERT INTO leads (company_id, created_by_user_id, company_name, email, first_name, last_name,
                            phone_number, source, association_type, campaign_id, created_at, updated_at)
         SELECT $1, $2,
                CASE WHEN g % 1000 = 0 THEN 'Acme Holdings ' || g ELSE 'Company ' || g END,
                'lead' || g || '@bench' || (g % 500) || '.test',
                'First' || (g % 1000), 'Last' || (g % 2000), '+1-555-' || lpad((g % 10000)::text, 4, '0'),
                'campaign', 'campaigns', $3,
                now() - make_interval(secs => $4 - g), now() - make_interval(secs => $4 - g)
         FROM generate_series($5::int, $6::int) g`,
        [
          company.id,
          company.users[0].id,
          company.campaigns[0].id,
          LEADS,
          from,
          Math.min(from + LOAD_BATCH - 1, LEADS),
        ],
      );
    }
    await c.query('ANALYZE leads');
    await c.query('ANALYZE lead_counters');
  } finally {
    await c.end();
  }
  return Date.now() - t0;
}

async function liveLeads(dbUrl, companyId, search) {
  const { rows } = await query(
    dbUrl,
    `SELECT count(*)::int AS n FROM leads
     WHERE company_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR search_text LIKE '%' || $2 || '%')`,
    [companyId, search ?? null],
  );
  return rows[0].n;
}

// The seed's Create Lead "Example Request" body (seeds/003_879244d9949a04d2.txt of the shared
// contract), copied verbatim into the project so the benchmark runs on a fresh clone.
const SEED_EXAMPLE = path.join(root, 'bench/seed-lead-example.json');

/** The seed's Example Request body (003). */
async function seedExample() {
  return JSON.parse(await readFile(SEED_EXAMPLE, 'utf8'));
}

/**
 * The seed's example with the demo's ids: its partnership (sent to the partner), the caller's
 * tags, number and text custom fields and company partnership, the partner's users.
 */
function fullBody(example, a, b) {
  const side = a.partners[0];
  const fieldOfType = (type) => a.customFields.find((f) => f.type === type).id;
  return () => ({
    ...example,
    email: uniqueEmail('full'),
    partnershipLead: {
      ...example.partnershipLead,
      partnership_id: side.partnership_id,
      partners_company_id: side.partner_company_id,
      company_partnerships_id: side.id,
      partnerUsers: b.users.map((u) => u.id),
    },
    tags: a.tags.map((t) => t.id),
    customFields: example.customFields.map((f) => ({ ...f, customFieldId: fieldOfType(f.type) })),
    attributions: example.attributions.map((x) => ({ ...x, id: side.id })),
  });
}

const simpleBody = (a) => () => ({
  associationType: 'campaigns',
  companyCampaignId: a.campaigns[0].id,
  email: uniqueEmail('simple'),
  company_name: 'Simple Campaign Co',
});

/** POST /v1/leads with a new body (a unique email) for every request. */
function postScenario(base, headers, makeBody) {
  return {
    url: base,
    requests: [
      {
        method: 'POST',
        path: '/v1/leads',
        headers: { ...headers, 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(makeBody()) }),
      },
    ],
  };
}

/**
 * Runs the lead scenarios against the API at `base`; `dbUrl` reaches the API's database.
 * Returns result rows, each with `floor` naming the floor route it is compared with.
 */
export async function leadScenarios({ base, env, dbUrl, log }) {
  const demo = await cli(['seed', '--demo'], env);
  const [a, b] = demo.companies;
  const headers = { authorization: `Bearer ${a.keys.write}` };
  const results = [];

  const ms = await loadLeads(dbUrl, a);
  log(`loaded ${LEADS.toLocaleString('en-US')} leads into company ${a.id} in ${(ms / 1000).toFixed(1)} s`);

  // Lists first, while the company has exactly LEADS leads.
  const lists = [
    ['GET /v1/leads?page=1&pageSize=10', '/v1/leads?page=1&pageSize=10', undefined],
    [`GET /v1/leads?…&search=${SEARCH}`, `/v1/leads?page=1&pageSize=10&search=${SEARCH}`, SEARCH],
  ];
  for (const [title, path, search] of lists) {
    const probe = await request(base + path, { headers });
    const why = problem(probe, 200);
    if (why) {
      results.push(skipped(title, why));
      continue;
    }
    const expected = await liveLeads(dbUrl, a.id, search);
    const got = probe.body.meta?.['record-count'];
    const check =
      got === expected
        ? `record-count ${got.toLocaleString('en-US')} exact`
        : `!! record-count ${got}, database has ${expected}`;
    results.push({ ...(await measure(title, { url: base + path, headers })), floor: 'list', check });
  }

  // A lead as the seed makes it (tags, custom fields, attribution, partner copy) with a note,
  // for GET /v1/leads/{id}; a loaded one if POST /v1/leads is not there.
  const makeFull = fullBody(await seedExample(), a, b);
  const created = await request(`${base}/v1/leads`, { method: 'POST', headers, body: makeFull() });
  let leadId = created.body?.id;
  if (created.status === 201) {
    const note = await request(`${base}/v1/leads/${leadId}/notes`, {
      method: 'POST',
      headers,
      body: {
        document: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Hi' }] }] },
      },
    });
    if (note.status !== 201) log(`note on lead ${leadId} answered ${note.status}`);
  } else {
    const { rows } = await query(dbUrl, 'SELECT max(id) AS id FROM leads WHERE company_id = $1', [a.id]);
    leadId = rows[0].id;
  }
  const byIdTitle = 'GET /v1/leads/{id}';
  const byIdUrl = `${base}/v1/leads/${leadId}`;
  const why = problem(await request(byIdUrl, { headers }), 200);
  if (why) results.push(skipped(byIdTitle, why));
  else results.push({ ...(await measure(byIdTitle, { url: byIdUrl, headers })), floor: 'byId' });

  const posts = [
    ['POST /v1/leads (simple campaign body)', simpleBody(a)],
    ['POST /v1/leads (seed full body, to partner)', makeFull],
  ];
  for (const [title, makeBody] of posts) {
    const reason = problem(
      await request(`${base}/v1/leads`, { method: 'POST', headers, body: makeBody() }),
      201,
    );
    if (reason) results.push(skipped(title, reason));
    else results.push({ ...(await measure(title, postScenario(base, headers, makeBody))), floor: 'create' });
  }
  return results;
}
