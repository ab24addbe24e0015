// The floor: the shared bench-floor's bare Fastify + pg server (copied verbatim into bench/floor/)
// plus bench/floor-extra.mjs (the same bare style, for search and partners, which the shared floor
// has no route for), measured on the same machine and PostgreSQL in the same run, each route right
// next to the API scenario it is the floor of, so the API's figures can be quoted as ratios to it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, measure, pgClient, root, start, stop, waitFor } from './lib.mjs';

// Inside the repo, so `fastify` and `pg` resolve from our node_modules (same versions as the floor pins).
const dir = path.join(root, 'bench');
const json = { 'content-type': 'application/json' };

/**
 * The floor's leads: `rows` rows shaped like the API's loaded leads (bench/leads.mjs), so a
 * `search` matches as many: one company name in a thousand is 'Acme Holdings …'. search_leads
 * is the same rows with their search text, indexed with trigrams once filled.
 */
async function fill(c, rows) {
  await c.query(
    `INSERT INTO leads (company_name, email, first_name, last_name, phone_number, source, company_id)
     SELECT CASE WHEN g % 1000 = 0 THEN 'Acme Holdings ' || g ELSE 'Company ' || g END,
            'lead' || g || '@bench' || (g % 500) || '.test',
            'First' || (g % 1000), 'Last' || (g % 2000), '+1-555-' || lpad((g % 10000)::text, 4, '0'),
            'campaign', 1
     FROM generate_series(1, $1::int) g`,
    [rows],
  );
  await c.query(
    `INSERT INTO search_leads (id, company_name, email, phone_number, first_name, last_name, source, status,
                               company_id, created_at)
     SELECT id, company_name, email, phone_number, first_name, last_name, source, status, company_id, created_at
     FROM leads`,
  );
  await c.query('CREATE INDEX search_leads_trgm_index ON search_leads USING gin (search_text gin_trgm_ops)');
  await c.query('ANALYZE leads');
  await c.query('ANALYZE search_leads');
}

/**
 * Starts the floor on `dbUrl` (an empty database) with `rows` leads, the API's count. Returns
 * its scenarios, each a measured result row, and `stop()`. Reads are measured first, while the
 * floor's tables hold exactly `rows` leads; the POST runs add rows afterwards.
 */
export async function startFloor(dbUrl, rows) {
  const c = await pgClient(dbUrl, 120_000);
  try {
    await c.query(await readFile(path.join(dir, 'floor', 'schema.sql'), 'utf8'));
    await c.query(await readFile(path.join(dir, 'floor-extra.sql'), 'utf8'));
    await fill(c, rows);
  } finally {
    await c.end();
  }
  const [port, extraPort] = [await freePort(), await freePort()];
  const env = { BASELINE_DB_URL: dbUrl };
  const servers = [
    start(process.execPath, [path.join(dir, 'floor', 'pg-leads.mjs')], { ...env, PORT: String(port) }),
    start(process.execPath, [path.join(dir, 'floor-extra.mjs')], { ...env, PORT: String(extraPort) }),
  ];
  const base = `http://127.0.0.1:${port}`;
  const extra = `http://127.0.0.1:${extraPort}`;
  try {
    await waitFor(`${base}/leads/1`, servers[0]);
    await waitFor(`${extra}/partners`, servers[1]);
  } catch (err) {
    for (const s of servers) await stop(s);
    throw err;
  }
  let sequence = 0;
  const k = (n) => `${(n / 1000).toLocaleString('en-US')}k`;
  /** A floor row: `route` names it where an API row is compared with it. */
  const floorRun = async (route, title, opts) => ({ ...(await measure(title, opts)), route, isFloor: true });
  /** The rows measured so far, by method: `measured.list` is the last `list()`. */
  const measured = {};
  const floor = {
    rows,
    measured,
    list: () =>
      floorRun('GET /leads', `floor GET /leads (10 rows + count of ${k(rows)})`, { url: `${base}/leads` }),
    search: (term) =>
      floorRun('GET /leads/search', `floor GET /leads/search?q=${term} (trigram)`, {
        url: `${extra}/leads/search?q=${encodeURIComponent(term)}`,
      }),
    byId: () =>
      floorRun('GET /leads/:id', 'floor GET /leads/:id', { url: `${base}/leads/${Math.ceil(rows / 2)}` }),
    create: () =>
      floorRun('POST /leads', 'floor POST /leads (one INSERT)', {
        url: `${base}/leads`,
        method: 'POST',
        headers: json,
        body: JSON.stringify({ company_name: 'Floor Co', email: 'floor@x.test', company_id: 1 }),
      }),
    partnerCreate: () =>
      floorRun('POST /partners', 'floor POST /partners (one INSERT)', {
        url: extra,
        requests: [
          {
            method: 'POST',
            path: '/partners',
            headers: json,
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({
                name: `Floor Partner ${sequence}`,
                email: `p@p${sequence++}.test`,
                company_id: 1,
              }),
            }),
          },
        ],
      }),
    /** GET /partners with the partners table holding exactly `count` rows of company 1. */
    partnerList: async (count) => {
      const c = await pgClient(dbUrl);
      try {
        await c.query('TRUNCATE partners');
        await c.query(
          `INSERT INTO partners (name, email, company_id)
           SELECT 'Floor Partner ' || g, 'p@p' || g || '.test', 1 FROM generate_series(1, $1::int) g`,
          [count],
        );
        await c.query('ANALYZE partners');
      } finally {
        await c.end();
      }
      return floorRun(
        'GET /partners',
        `floor GET /partners (10 rows + count of ${count.toLocaleString('en-US')})`,
        {
          url: `${extra}/partners`,
        },
      );
    },
    /**
     * GET /report with the report tables holding what bench/report.mjs loads for the API: `leads`
     * leads over `partners` partners (one in five received), a deal per ten, a payment per won one.
     */
    report: async ({ leads, partners }) => {
      const c = await pgClient(dbUrl, 900_000);
      try {
        await c.query('SET synchronous_commit = off');
        await c.query('TRUNCATE report_partners, report_leads, report_deals, report_payments');
        await c.query(
          `INSERT INTO report_partners SELECT g, 'Report Partner ' || lpad(g::text, 3, '0')
             FROM generate_series(1, $1::int) g`,
          [partners],
        );
        await c.query(
          `INSERT INTO report_leads SELECT g, 1 + g % $2, g % 5 <> 0, now() - make_interval(secs => $1 - g)
             FROM generate_series(1, $1::int) g`,
          [leads, partners],
        );
        await c.query(
          `INSERT INTO report_deals SELECT g, 1 + (g / 10) % $2, g % 30 = 0, (g % 1000) * 10.25, now() - make_interval(secs => $1 - g)
             FROM generate_series(10, $1::int, 10) g`,
          [leads, partners],
        );
        await c.query(
          `INSERT INTO report_payments
           SELECT id, partner_id, round(value / 10, 2), CASE WHEN id % 60 = 0 THEN created_at + interval '1 hour' END,
                  created_at FROM report_deals WHERE won`,
        );
        await c.query('CREATE INDEX ON report_leads (partner_id, created_at, sent)');
        await c.query('CREATE INDEX ON report_deals (partner_id, created_at)');
        await c.query('CREATE INDEX ON report_payments (partner_id, created_at)');
        for (const t of ['report_partners', 'report_leads', 'report_deals', 'report_payments'])
          await c.query(`VACUUM ANALYZE ${t}`);
      } finally {
        await c.end();
      }
      return floorRun('GET /report', `floor GET /report (${partners} partners, ${k(leads)} leads)`, {
        url: `${extra}/report`,
        connections: Number(process.env.BENCH_BIG_CONNECTIONS ?? 1),
      });
    },
    stop: async () => {
      for (const s of servers) await stop(s);
    },
  };
  for (const name of ['list', 'search', 'byId', 'create', 'partnerCreate', 'partnerList', 'report']) {
    const measure = floor[name];
    floor[name] = async (...args) => {
      measured[name] = await measure(...args);
      return measured[name];
    };
  }
  return floor;
}
