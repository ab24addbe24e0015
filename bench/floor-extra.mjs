// The floor's extra routes, for what the shared floor (bench/floor/pg-leads.mjs, kept verbatim)
// has no route for: written for this project's bench in the same bare style — Fastify 5 + pg
// Pool(max 10), no validation, auth, logging or serialisation schema. Tables: floor-extra.sql.
//   GET  /leads/search?q=  -> 10 rows of search_leads matching '%q%' (trigram index) + their count
//   POST /partners         -> one parameterised INSERT ... RETURNING id            (201 {id})
//   GET  /partners         -> 10 rows ORDER BY id DESC  +  count(*) of the company (run concurrently)
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

await app.listen({ host: '127.0.0.1', port });
console.log(`floor extras on http://127.0.0.1:${port}`);
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () =>
    app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0)),
  );
