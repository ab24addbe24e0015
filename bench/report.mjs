// The partner report at 1,000,000 leads (issue 11 §6): GET /v1/reports/partners over the big
// company of bench/big.mjs, its leads sent over BENCH_REPORT_PARTNERS (20) accepted partnerships
// (one lead in five received instead: a partnership lead the partner sent), one deal per ten
// leads, spread over the partnerships like them (a third won on the owner's side, the rest in
// discovery), a commission payment per won deal (every other one completed). Loaded by SQL,
// then VACUUM ANALYZE (what autovacuum does for a live database: the report's index-only scans
// need the visibility map). The floor
// row is the same aggregate over bare tables of the same rows (bench/floor-extra.mjs GET
// /report), measured just before, on the same connections.

import { problem, skipped } from './leads.mjs';
import { measure, pgClient, request } from './lib.mjs';

export const REPORT_PARTNERS = Number(process.env.BENCH_REPORT_PARTNERS ?? 20);
const LOAD_TIMEOUT_MS = 900_000;
const BATCH = 100_000;

/**
 * Partner companies, partnerships (both sides), partnership leads for every lead of
 * `companyId`, deals with both sides and payments. Returns what was made and the milliseconds.
 */
export async function loadReportData(dbUrl, { companyId, partners = REPORT_PARTNERS, tag }) {
  const t0 = Date.now();
  const c = await pgClient(dbUrl, LOAD_TIMEOUT_MS);
  try {
    await c.query('SET synchronous_commit = off');
    const { rows: made } = await c.query(
      `WITH pcs AS (
         INSERT INTO companies (name, domain)
         SELECT 'Report Partner ' || lpad(g::text, 3, '0'), 'rp' || g || '-' || $3 || '.test'
           FROM generate_series(1, $2::int) g RETURNING id),
       ps AS (
         INSERT INTO partnerships (company_id, partner_company_id, partner_type, status, accepted_at)
         SELECT $1, id, 'referral', 'accepted', now() FROM pcs RETURNING id, company_id, partner_company_id),
       sides AS (
         INSERT INTO company_partnerships (partnership_id, company_id, partner_company_id)
         SELECT id, company_id, partner_company_id FROM ps
         UNION ALL SELECT id, partner_company_id, company_id FROM ps RETURNING id)
       SELECT (SELECT count(*)::int FROM sides) AS sides`,
      [companyId, partners, tag],
    );
    const { rows: stages } = await c.query(
      `INSERT INTO stages (company_id, pipeline, label, series, phase)
       VALUES ($1, 'lead_deal', 'Discovery', 1, 'discovery'), ($1, 'lead_deal', 'Won', 2, 'closed_won')
       RETURNING id, phase`,
      [companyId],
    );
    const stage = Object.fromEntries(stages.map((s) => [s.phase, s.id]));
    const { rows: range } = await c.query(
      'SELECT min(id) AS lo, max(id) AS hi FROM leads WHERE company_id = $1 AND deleted_at IS NULL',
      [companyId],
    );
    const lo = Number(range[0].lo);
    const hi = Number(range[0].hi);
    // Lead l goes over partnership k = l % partners (the k-th of the company's, by id).
    const partnersOf = `(SELECT id, partner_company_id, (row_number() OVER (ORDER BY id) - 1)::int AS k
                           FROM partnerships WHERE company_id = $1)`;
    for (let from = lo; from <= hi; from += BATCH) {
      const to = Math.min(from + BATCH - 1, hi);
      await c.query(
        `INSERT INTO partnership_leads (partnership_id, partner_type, sent_by_company_id, received_by_company_id,
                                        sender_lead_id, created_at)
         SELECT p.id, 'referral',
                CASE WHEN l.id % 5 = 0 THEN p.partner_company_id ELSE $1 END,
                CASE WHEN l.id % 5 = 0 THEN $1 ELSE p.partner_company_id END,
                l.id, l.created_at
           FROM leads l JOIN ${partnersOf} p ON p.k = l.id % $4
          WHERE l.company_id = $1 AND l.id BETWEEN $2 AND $3`,
        [companyId, from, to, partners],
      );
      // One deal per ten leads, with the owner's side (won: one in three) and the partner's.
      await c.query(
        `WITH d AS (
           INSERT INTO deals (company_id, partnership_id, label, deal_value, currency_code, created_at, updated_at)
           SELECT $1, p.id, 'Deal ' || l.id, (l.id % 1000) * 10.25, 'USD', l.created_at, l.created_at
             FROM leads l JOIN ${partnersOf} p ON p.k = (l.id / 10) % $4
            WHERE l.company_id = $1 AND l.id BETWEEN $2 AND $3 AND l.id % 10 = 0
           RETURNING id, partnership_id, deal_value, created_at),
         s AS (
           INSERT INTO deal_sides (deal_id, company_id, role, stage_id)
           SELECT d.id, $1, 'owner', CASE WHEN d.id % 3 = 0 THEN $5::int ELSE $6::int END FROM d
           UNION ALL
           SELECT d.id, p.partner_company_id, 'partner', NULL FROM d JOIN partnerships p ON p.id = d.partnership_id
           RETURNING 1)
         INSERT INTO deal_payments (deal_id, company_id, partnership_id, occurrence, payment_value, currency_code,
                                    payment_date, payment_completed, payment_completed_date, created_at, updated_at)
         SELECT d.id, $1, d.partnership_id, 1, round(d.deal_value / 10, 2), 'USD', d.created_at::date,
                d.id % 2 = 0, CASE WHEN d.id % 2 = 0 THEN d.created_at + interval '1 hour' END,
                d.created_at, d.created_at
           FROM d WHERE d.id % 3 = 0`,
        [companyId, from, to, partners, stage.closed_won, stage.discovery],
      );
    }
    for (const table of [
      'partnership_leads',
      'deals',
      'deal_sides',
      'deal_payments',
      'companies',
      'partnerships',
    ])
      await c.query(`VACUUM ANALYZE ${table}`);
    // A page is marked all-visible only once no snapshot older than its rows is left (the API's
    // relay polls meanwhile): vacuum again until the visibility map covers the leads table, as
    // autovacuum would by the time anyone reads the report.
    const visible = async () =>
      (
        await c.query(
          "SELECT round(100 * relallvisible::numeric / greatest(relpages, 1))::int AS pct FROM pg_class WHERE relname = 'partnership_leads'",
        )
      ).rows[0].pct;
    for (let i = 0; i < 5 && (await visible()) < 99; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      await c.query('VACUUM partnership_leads');
    }
    const visiblePct = await visible();
    const { rows: counts } = await c.query(
      `SELECT (SELECT count(*)::int FROM partnership_leads pl JOIN partnerships p ON p.id = pl.partnership_id
                WHERE p.company_id = $1) AS leads,
              (SELECT count(*)::int FROM deals WHERE company_id = $1 AND partnership_id IS NOT NULL) AS deals,
              (SELECT count(*)::int FROM deal_payments WHERE company_id = $1) AS payments`,
      [companyId],
    );
    return { ...counts[0], partners, sides: made[0].sides, visiblePct, ms: Date.now() - t0 };
  } finally {
    await c.end();
  }
}

/**
 * Loads the report's rows into the big company, measures the floor's GET /report over the same
 * rows, then GET /v1/reports/partners (the default range: the last 30 days hold every lead).
 */
export async function reportScenario({
  base,
  headers,
  dbUrl,
  floor,
  log,
  companyId,
  leads,
  partners,
  connections,
}) {
  const title = `GET /v1/reports/partners, ${leads.toLocaleString('en-US')} leads, ${partners} partners, ${connections} conn.`;
  const url = `${base}/v1/reports/partners?pageSize=10`;
  const probe = await request(url, { headers });
  const why = problem(probe, 200);
  if (why) return [skipped(title, why)];
  const made = await loadReportData(dbUrl, { companyId, partners, tag: Date.now().toString(36) });
  log(
    `report data: ${made.leads.toLocaleString('en-US')} partnership leads, ${made.deals.toLocaleString('en-US')} deals, ` +
      `${made.payments.toLocaleString('en-US')} payments over ${partners} partnerships in ${(made.ms / 1000).toFixed(1)} s (${made.visiblePct} % of the leads' pages all-visible)`,
  );
  const floorRow = await floor.report({ leads, partners });
  const body = (await request(url, { headers })).body;
  const t = body.meta?.totals ?? {};
  const counted = (t.leads_sent ?? 0) + (t.leads_received ?? 0);
  const check =
    body.meta?.['record-count'] === partners && counted === made.leads && t.deals === made.deals
      ? `${partners} partners, ${counted.toLocaleString('en-US')} leads, ${t.deals.toLocaleString('en-US')} deals, won ${t.won_value} USD`
      : `!! report ${JSON.stringify(body.meta).slice(0, 300)}; database has ${made.leads} leads, ${made.deals} deals`;
  return [floorRow, { ...(await measure(title, { url, headers, connections })), floor: floorRow, check }];
}
