// Copied verbatim (below this header) from the Journeybee project's shared bench-floor/pg-leads.mjs
// (../shared/bench-floor/ next to a checkout of this project), so that `npm run bench` runs on a
// fresh clone. It is the reference floor: do not optimise or "fix" it, or the ratios stop meaning
// anything; refresh it from the source instead. biome.json leaves it unformatted, so it stays
// byte-identical to its source.

// The floor: bare Fastify 5 + pg Pool(max 10) over a simple leads table.
//   POST /leads     -> one parameterised INSERT ... RETURNING id            (201 {id})
//   GET  /leads     -> SELECT ... ORDER BY id DESC LIMIT 10  +  SELECT count(*)  (run concurrently)
//   GET  /leads/:id -> SELECT ... WHERE id = $1   (extra, for a by-id ratio)
// No validation/auth/serialisation schema: this is the floor, not a fair competitor.
import Fastify from 'fastify';
import pg from 'pg';

const port = Number(process.env.PORT ?? 3102);
const pool = new pg.Pool({ connectionString: process.env.BASELINE_DB_URL, max: 10 });
const COLS = 'id, company_name, email, phone_number, first_name, last_name, source, status, company_id, created_at';

const app = Fastify({ logger: false });

app.post('/leads', async (req, reply) => {
  const b = req.body ?? {};
  const { rows } = await pool.query(
    `INSERT INTO leads (company_name, email, phone_number, first_name, last_name, source, status, company_id)
     VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, 'new'), $8) RETURNING id`,
    [b.company_name, b.email, b.phone_number ?? null, b.first_name ?? null, b.last_name ?? null,
     b.source ?? null, b.status ?? null, b.company_id],
  );
  reply.code(201);
  return { id: rows[0].id };
});

app.get('/leads', async () => {
  const [list, count] = await Promise.all([
    pool.query(`SELECT ${COLS} FROM leads ORDER BY id DESC LIMIT 10`),
    pool.query('SELECT count(*)::int AS n FROM leads'),
  ]);
  return { meta: { total_count: count.rows[0].n }, data: list.rows };
});

app.get('/leads/:id', async (req, reply) => {
  const { rows } = await pool.query(`SELECT ${COLS} FROM leads WHERE id = $1`, [Number(req.params.id)]);
  if (!rows.length) return reply.code(404).send({ error: 'not found' });
  return { data: rows[0] };
});

await app.listen({ host: '127.0.0.1', port });
console.log(`pg-leads baseline on http://127.0.0.1:${port}`);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => app.close().then(() => pool.end()).then(() => process.exit(0)));
