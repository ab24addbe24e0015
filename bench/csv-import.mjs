// The CSV lead import's rate (issue 12 item 3), run by hand after `npm run build`:
//
//   node bench/csv-import.mjs                 # embedded PostgreSQL in a temporary folder
//   DATABASE_URL=postgres://… node bench/csv-import.mjs
//   BENCH_CSV_ROWS=10000,50000 (default)      # the file sizes, one fresh company each
//
// For each size: a company (CLI), two lead tags, a select custom field and a campaign (API),
// a CSV of that many rows (email, names, company, phone, status, tags, the custom field,
// association and campaign), then POST /v1/leads/import?dry_run=true and the real run, each
// timed end to end (upload, parse, every row through the Create Lead rules, the one
// transaction). Prints rows/s and the server's peak RSS.

import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { cli, freePort, query, request, start, stop, waitFor, watchRss, withDb } from './lib.mjs';

const SIZES = (process.env.BENCH_CSV_ROWS ?? '10000,50000').split(',').map(Number);
/** External PostgreSQL: a database of the bench's own on that server, dropped at the end. */
const serverUrl = process.env.DATABASE_URL || undefined;
const benchDb = `jb_bench_csv_${process.pid}`;
const dbUrl = serverUrl ? withDb(serverUrl, benchDb) : undefined;

function csvFile(rows, campaignId) {
  const lines = [
    'email,first_name,last_name,company_name,phone_number,status,tags,Tier,associationType,companyCampaignId',
  ];
  const statuses = ['new', 'contacted', 'qualified'];
  for (let i = 0; i < rows; i++) {
    lines.push(
      [
        `person${i}-${process.pid}@bench.test`,
        `First${i}`,
        `Last ${i}`,
        `"Company ${i % 977}, Inc."`,
        `+1-555-${String(i).padStart(7, '0')}`,
        statuses[i % 3],
        i % 2 ? 'Hot;Enterprise' : 'Hot',
        i % 5 ? 'Gold' : 'Silver',
        'campaigns',
        String(campaignId),
      ].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** One import over node:http: fetch gives up waiting for headers after 300 s, a big file may take longer. */
function post(url, key, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'text/csv; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.setTimeout(30 * 60_000, () => req.destroy(new Error('no answer in 30 minutes')));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function timedImport(base, key, body, dryRun) {
  const started = performance.now();
  const res = await post(`${base}/v1/leads/import?dry_run=${dryRun}`, key, body);
  const ms = performance.now() - started;
  if (res.status !== (dryRun ? 200 : 201))
    throw new Error(`import answered ${res.status}: ${res.text.slice(0, 500)}`);
  return ms;
}

async function main() {
  if (serverUrl) await query(serverUrl, `CREATE DATABASE ${benchDb}`);
  const port = await freePort();
  const dataDir = dbUrl ? undefined : await mkdtemp(path.join(os.tmpdir(), 'jb-bench-csv-'));
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'warn',
    ...(dbUrl ? { DATABASE_URL: dbUrl } : { DATABASE_URL: '', JOURNEYBEE_DATA_DIR: dataDir }),
    REDIS_URL: '',
  };
  const server = start(process.execPath, ['dist/cli/main.js', 'serve'], env);
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/readyz`, server);
    console.log(`backend: ${dbUrl ? 'external PostgreSQL' : 'embedded PostgreSQL'}`);
    for (const rows of SIZES) {
      const company = await cli(['companies', 'create', '--name', `CSV ${rows}`], env);
      await cli(
        [
          'users',
          'create',
          '--company',
          String(company.id),
          '--email',
          `csv${rows}-${process.pid}@bench.test`,
        ],
        env,
      );
      const { key } = await cli(
        ['keys', 'create', '--company', String(company.id), '--permission', 'write'],
        env,
      );
      const headers = { authorization: `Bearer ${key}` };
      for (const label of ['Hot', 'Enterprise'])
        await request(`${base}/v1/tags`, { method: 'POST', headers, body: { label, association: 'lead' } });
      const field = await request(`${base}/v1/custom-fields`, {
        method: 'POST',
        headers,
        body: {
          label: 'Tier',
          type: 'select',
          category: 'lead',
          options: [{ label: 'Gold' }, { label: 'Silver' }],
        },
      });
      if (field.status !== 201) throw new Error(`custom field: ${JSON.stringify(field.body)}`);
      const campaign = await request(`${base}/v1/campaigns`, {
        method: 'POST',
        headers,
        body: { title: 'CSV' },
      });
      const body = csvFile(rows, campaign.body.id);
      const rss = watchRss(server.pid);
      const dry = await timedImport(base, key, body, true);
      const real = await timedImport(base, key, body, false);
      rss.stop();
      const peak = `${Math.round(rss.peak().mb)} MB`;
      const mib = (Buffer.byteLength(body) / 1024 / 1024).toFixed(1);
      console.log(
        `${rows} rows (${mib} MiB): dry run ${(dry / 1000).toFixed(1)} s = ${Math.round(rows / (dry / 1000))} rows/s; ` +
          `import ${(real / 1000).toFixed(1)} s = ${Math.round(rows / (real / 1000))} rows/s; server peak RSS ${peak}`,
      );
    }
  } finally {
    await stop(server);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (serverUrl) await query(serverUrl, `DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`);
  }
}

await main();
