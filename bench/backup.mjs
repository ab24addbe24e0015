// `journeybee backup` and `journeybee restore` at 100 k and 1 M leads (issue 12 §4), by hand:
//
//   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/backup.mjs
//
// DATABASE_URL is a maintenance connection: the script makes its own databases beside it
// (jb_bench_backup_src / _dst, dropped at the end). BENCH_BACKUP_LEADS=100000,1000000 (default)
// are the sizes, reached by loading leads into one company as bench/big.mjs does (loadLeads).
// Prints, per size: backup seconds, file bytes, restore seconds, and each command's peak RSS.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadLeads } from './leads.mjs';
import { pgClient, root, withDb } from './lib.mjs';

const admin = process.env.DATABASE_URL;
if (!admin)
  throw new Error('set DATABASE_URL to a maintenance connection (the script makes its own databases)');
const SIZES = (process.env.BENCH_BACKUP_LEADS ?? '100000,1000000').split(',').map(Number);
const SRC = 'jb_bench_backup_src';
const DST = 'jb_bench_backup_dst';
// Prints the process's peak RSS on exit (stderr), so the child measures itself.
const RSS_HOOK =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxrss_kb="+process.resourceUsage().maxRSS+"\\n"))';

async function sql(db, text, values = []) {
  const c = await pgClient(withDb(admin, db), 600_000);
  try {
    return (await c.query(text, values)).rows;
  } finally {
    await c.end();
  }
}

function journeybee(args, db) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, 'dist/cli/main.js', ...args, '--json'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: withDb(admin, db) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`journeybee ${args.join(' ')} exited ${code}: ${err}`));
      const rss = Number(/maxrss_kb=(\d+)/.exec(err)?.[1] ?? 0);
      resolve({
        ...JSON.parse(out.trim().split('\n').pop()),
        wallSeconds: (Date.now() - t0) / 1000,
        rssMb: rss / 1024,
      });
    });
  });
}

async function recreate(db) {
  await sql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await sql('postgres', `CREATE DATABASE ${db}`);
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'jb-bench-backup-'));
const results = [];
try {
  await recreate(SRC);
  await journeybee(['migrate'], SRC);
  let loaded = 0;
  for (const size of SIZES) {
    const t0 = Date.now();
    // loadLeads numbers its leads 1…count (emails included): each step loads into a company of its own.
    const company = await journeybee(['companies', 'create', '--name', `Backup Co ${size}`], SRC);
    const user = await journeybee(
      ['users', 'create', '--company', String(company.id), '--email', `b${size}@bench.test`],
      SRC,
    );
    const [campaign] = await sql(
      SRC,
      `INSERT INTO campaigns (company_id, title) VALUES ($1, 'Bench') RETURNING id`,
      [company.id],
    );
    await loadLeads(withDb(admin, SRC), {
      companyId: company.id,
      userId: user.id,
      campaignId: campaign.id,
      count: size - loaded,
    });
    loaded = size;
    const [{ n }] = await sql(SRC, 'SELECT count(*)::int AS n FROM leads');
    console.error(`loaded ${n} leads in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await sql(SRC, 'VACUUM ANALYZE');
    const file = path.join(dir, `backup-${size}.jbk`);
    const backup = await journeybee(['backup', '--out', file], SRC);
    await recreate(DST);
    const restore = await journeybee(['restore', '--in', file], DST);
    const [{ m }] = await sql(DST, 'SELECT count(*)::int AS m FROM leads');
    if (m !== n) throw new Error(`restored ${m} leads of ${n}`);
    const row = {
      leads: n,
      rows: backup.rows,
      file_mb: +(backup.bytes / 1024 / 1024).toFixed(1),
      bytes: (await stat(file)).size,
      backup_s: +backup.seconds.toFixed(1),
      backup_rss_mb: Math.round(backup.rssMb),
      restore_s: +restore.seconds.toFixed(1),
      restore_rss_mb: Math.round(restore.rssMb),
    };
    console.error(JSON.stringify(row));
    results.push(row);
  }
} finally {
  await sql('postgres', `DROP DATABASE IF EXISTS ${SRC} WITH (FORCE)`).catch(() => {});
  await sql('postgres', `DROP DATABASE IF EXISTS ${DST} WITH (FORCE)`).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
console.table(results);
