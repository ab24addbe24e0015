// Export and import at scale (issue 12 item 2), run by hand after `npm run build`:
//   node bench/export.mjs                      # 100,000 and 1,000,000 leads
//   BENCH_EXPORT_SIZES=100000 node bench/export.mjs
// For each size: a server on an embedded PostgreSQL of its own (a temporary data folder), one
// company filled with that many leads by SQL (as bench/big.mjs does), GET /v1/export streamed
// over HTTP to a file while the server's resident memory (VmRSS) is sampled every 100 ms, then
// `journeybee import` of that file into a second, fresh instance (another data folder), timed,
// its memory sampled too. Constant memory means the export's peak RSS at 1 M ≈ at 100 k.

import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadLeads } from './leads.mjs';
import { cli, freePort, request, rssMb, start, stop, waitFor, watchRss } from './lib.mjs';

const SIZES = (process.env.BENCH_EXPORT_SIZES ?? '100000,1000000').split(',').map(Number);
const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };

async function withEmbedded(dataDir, work) {
  const { openEmbeddedPostgres } = await import('../dist/db/embedded.js');
  const handle = await openEmbeddedPostgres({ dataDir, logger: quiet, database: 'journeybee' });
  try {
    return await work(handle.connectionString);
  } finally {
    await handle.release();
  }
}

/** `journeybee <args>` as a child whose RSS is sampled: its exit code, time and peak. */
async function timedCli(args, env) {
  const t0 = Date.now();
  const child = start(process.execPath, ['dist/cli/main.js', ...args], env);
  const rss = watchRss(child.pid, 100);
  const code = await new Promise((r) => child.once('exit', r));
  rss.stop();
  if (code !== 0) throw new Error(`journeybee ${args.join(' ')} failed (${code}):\n${child.output()}`);
  return { ms: Date.now() - t0, peakMb: rss.peak().mb, output: child.output() };
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

async function one(count) {
  const source = await mkdtemp(path.join(os.tmpdir(), 'jb-bench-export-'));
  const target = await mkdtemp(path.join(os.tmpdir(), 'jb-bench-import-'));
  const file = path.join(os.tmpdir(), `jb-bench-export-${count}.ndjson`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const common = { RATE_LIMIT_PER_MINUTE: '100000000', REDIS_URL: '', DATABASE_URL: '', LOG_LEVEL: 'warn' };
  const env = { ...common, PORT: String(port), HOST: '127.0.0.1', JOURNEYBEE_DATA_DIR: source };
  const server = start(process.execPath, ['dist/cli/main.js', 'serve'], env);
  try {
    await waitFor(`${base}/readyz`, server);
    const company = await cli(['companies', 'create', '--name', 'Export Co'], env);
    const user = await cli(
      ['users', 'create', '--company', String(company.id), '--email', 'big@bench.test'],
      env,
    );
    const { key } = await cli(
      ['keys', 'create', '--company', String(company.id), '--permission', 'read'],
      env,
    );
    const write = await cli(
      ['keys', 'create', '--company', String(company.id), '--permission', 'write'],
      env,
    );
    const headers = { authorization: `Bearer ${key}` };
    const campaign = await request(`${base}/v1/campaigns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${write.key}` },
      body: { title: 'Big campaign' },
    });
    if (campaign.status !== 201) throw new Error(`POST /v1/campaigns answered ${campaign.status}`);
    const loadMs = await withEmbedded(source, (url) =>
      loadLeads(url, { companyId: company.id, userId: user.id, campaignId: campaign.body.id, count }),
    );
    console.log(`${count.toLocaleString('en-US')} leads loaded in ${(loadMs / 1000).toFixed(1)} s`);

    const before = await rssMb(server.pid);
    const rss = watchRss(server.pid, 100);
    const t0 = Date.now();
    const res = await fetch(`${base}/v1/export`, { headers });
    if (res.status !== 200) throw new Error(`GET /v1/export answered ${res.status}: ${await res.text()}`);
    await pipeline(Readable.fromWeb(res.body), createWriteStream(file));
    const exportMs = Date.now() - t0;
    rss.stop();
    const { size } = await stat(file);
    const imported = await timedCli(['import', '--in', file, '--json'], {
      ...common,
      JOURNEYBEE_DATA_DIR: target,
    });
    const counts = JSON.parse(imported.output.trim().split('\n').pop()).counts;
    if (counts.lead !== count) throw new Error(`imported ${counts.lead} leads, not ${count}`);
    return {
      leads: count,
      fileMb: mb(size),
      bytesPerLead: Math.round(size / count),
      exportS: (exportMs / 1000).toFixed(1),
      serverRssBeforeMb: before.toFixed(0),
      serverRssPeakMb: rss.peak().mb.toFixed(0),
      importS: (imported.ms / 1000).toFixed(1),
      importRssPeakMb: imported.peakMb.toFixed(0),
    };
  } finally {
    await stop(server);
    // The server's embedded PostgreSQL stops with it; the import's with the CLI.
    await rm(source, { recursive: true, force: true });
    await rm(target, { recursive: true, force: true });
    if (!process.env.BENCH_EXPORT_KEEP) await rm(file, { force: true });
  }
}

const rows = [];
for (const count of SIZES) {
  const row = await one(count);
  console.log(JSON.stringify(row));
  rows.push(row);
}
console.log('\n| leads | file | bytes/lead | export | server RSS before → peak | import | import RSS peak |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.leads.toLocaleString('en-US')} | ${r.fileMb} MB | ${r.bytesPerLead} | ${r.exportS} s | ` +
      `${r.serverRssBeforeMb} → ${r.serverRssPeakMb} MB | ${r.importS} s | ${r.importRssPeakMb} MB |`,
  );
}
