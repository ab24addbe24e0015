// The floor's extra routes, for what the shared floor (bench/floor/pg-leads.mjs, kept verbatim)
// has no route for: written for this project's bench in the same bare style — Fastify 5 + pg
// Pool(max 10), no validation, auth, logging or serialisation schema. Tables: floor-extra.sql.
//   GET  /leads/search?q=  -> 10 rows of search_leads matching '%q%' (trigram index) + their count
//   POST /partners         -> one parameterised INSERT ... RETURNING id            (201 {id})
//   GET  /partners         -> 10 rows ORDER BY id DESC  +  count(*) of the company (run concurrently)
//   GET  /report?from=&to= -> per partner: leads sent/received, deals, won, won value, commission
//                             owed/paid in the range, the 10 of most won value and the totals
//                             (one statement: the partner report's bare equivalent)
// Each list runs its page and its count concurrently, as the shared floor's GET /leads does.
import Fastify from 'fastify';
import pg from 'pg';

const port = Number(process.env.PORT ?? 3103);
const pool = new pg.Pool({ connectionString: process.env.BASELINE_DB_URL, max: 10 });
const LEAD_COLS =
  'id, company_name, email, phone_number, first_name, last_name, source, status, company_id, created_at';
const PARTNER_COLS = 'id, name, email, partner_type, status, company_id, created_at';

const app = Fastify({ logger: false });

app.get('/leads/search', async (req) => {
  const term = `%${String(req.query.q ?? '').toLowerCase()}%`;
  const [list, count] = await Promise.all([
    pool.query(`SELECT ${LEAD_COLS} FROM search_leads WHERE search_text LIKE $1 ORDER BY id DESC LIMIT 10`, [
      term,
    ]),
    pool.query('SELECT count(*)::int AS n FROM search_leads WHERE search_text LIKE $1', [term]),
  ]);
  return { meta: { total_count: count.rows[0].n }, data: list.rows };
});

app.post('/partners', async (req, reply) => {
  const b = req.body ?? {};
  const { rows } = await pool.query(
    `INSERT INTO partners (name, email, partner_type, company_id) VALUES ($1, $2, COALESCE($3, 'referral'), $4)
     RETURNING id`,
    [b.name, b.email, b.partner_type ?? null, b.company_id],
  );
  reply.code(201);
  return { id: rows[0].id };
});

app.get('/partners', async () => {
  const [list, count] = await Promise.all([
    pool.query(`SELECT ${PARTNER_COLS} FROM partners WHERE company_id = 1 ORDER BY id DESC LIMIT 10`),
    pool.query('SELECT count(*)::int AS n FROM partners WHERE company_id = 1'),
  ]);
  return { meta: { total_count: count.rows[0].n }, data: list.rows };
});

// Per partner, three aggregates each over its own index range; the rows once, then the page and
// the totals, as GET /v1/reports/partners computes them.
const REPORT = `WITH x AS MATERIALIZED (
    SELECT p.id, p.name, l.sent, l.received, d.deals, d.won, d.won_value, d.open_value, pay.owed, pay.paid
      FROM report_partners p
      CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE sent) AS sent, count(*) FILTER (WHERE NOT sent) AS received
        FROM report_leads WHERE partner_id = p.id AND created_at >= $1 AND created_at < $2) l
      CROSS JOIN LATERAL (SELECT count(*) AS deals, count(*) FILTER (WHERE won) AS won,
          coalesce(sum(value) FILTER (WHERE won), 0) AS won_value, coalesce(sum(value) FILTER (WHERE NOT won), 0) AS open_value
        FROM report_deals WHERE partner_id = p.id AND created_at >= $1 AND created_at < $2) d
      CROSS JOIN LATERAL (SELECT
          coalesce(sum(value) FILTER (WHERE completed_at IS NULL AND created_at >= $1 AND created_at < $2), 0) AS owed,
          coalesce(sum(value) FILTER (WHERE completed_at >= $1 AND completed_at < $2), 0) AS paid
        FROM report_payments WHERE partner_id = p.id) pay)
  SELECT t.*, pg.* FROM (SELECT count(*)::int AS total, sum(sent) AS total_sent, sum(received) AS total_received,
      sum(deals) AS total_deals, sum(won) AS total_won, sum(won_value) AS total_won_value, sum(owed) AS total_owed,
      sum(paid) AS total_paid FROM x) t
  LEFT JOIN LATERAL (SELECT * FROM x ORDER BY won_value DESC, name, id LIMIT 10) pg ON true`;

app.get('/report', async (req) => {
  const to = req.query.to ? new Date(`${req.query.to}T00:00:00Z`) : new Date();
  const until = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate() + 1));
  const from = req.query.from ? new Date(`${req.query.from}T00:00:00Z`) : new Date(until - 30 * 86_400_000);
  const { rows } = await pool.query(REPORT, [from, until]);
  return { meta: { total_count: rows[0].total, totals: rows[0] }, data: rows };
});

await app.listen({ host: '127.0.0.1', port });
console.log(`floor extras on http://127.0.0.1:${port}`);
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () =>
    app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0)),
  );
