// The floor: the shared bench-floor's bare Fastify + pg server (copied into bench/floor/),
// measured on the same machine and PostgreSQL in the same run, so the API's figures can be quoted
// as ratios to it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, measure, pgClient, root, start, stop, waitFor } from './lib.mjs';

// Inside the repo, so `fastify` and `pg` resolve from our node_modules (same versions as the floor pins).
const dir = path.join(root, 'bench', 'floor');
const FLOOR_ROWS = 10_000;

/** The floor's three routes: `{list, byId, create}`, each a result row. */
export async function floorScenarios(dbUrl) {
  const schema = await readFile(path.join(dir, 'schema.sql'), 'utf8');
  const c = await pgClient(dbUrl);
  try {
    await c.query(schema);
    await c.query(
      `INSERT INTO leads (company_name, email, company_id)
       SELECT 'Co ' || g, 'e' || g || '@x.test', 1 FROM generate_series(1, ${FLOOR_ROWS}) g`,
    );
    await c.query('ANALYZE leads');
  } finally {
    await c.end();
  }
  const port = await freePort();
  const child = start(process.execPath, [path.join(dir, 'pg-leads.mjs')], {
    BASELINE_DB_URL: dbUrl,
    PORT: String(port),
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/leads/1`, child);
    // Reads first, on exactly FLOOR_ROWS rows; the POST run adds rows afterwards.
    const list = await measure(`floor GET /leads (10 rows + count of ${FLOOR_ROWS / 1000}k)`, {
      url: `${base}/leads`,
    });
    const byId = await measure('floor GET /leads/:id', { url: `${base}/leads/${FLOOR_ROWS / 2}` });
    const create = await measure('floor POST /leads', {
      url: `${base}/leads`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ company_name: 'Floor Co', email: 'floor@x.test', company_id: 1 }),
    });
    return { list, byId, create };
  } finally {
    await stop(child);
  }
}
