/**
 * `npm run bench --soak` keeps working: the soak and scale benchmark (bench/soak.mjs, through
 * bench/run.mjs) run for a few seconds with a tiny load on this run's backend (embedded, or the
 * external PostgreSQL of DATABASE_URL), reporting 0 errors, every webhook delivery and stream
 * event it expected, and every field of its results file. No timing is asserted: the numbers are
 * the benchmark's, this only checks that it runs and counts right.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLI, ROOT } from '../helpers/process.js';

const backend = inject('backend');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** `node bench/run.mjs <args>` with `env`, killed (by its pid) if it outlives `timeoutMs`. */
function runBench(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  const child = spawn(process.execPath, ['bench/run.mjs', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    // SIGTERM lets the bench clean up (servers, database, data folder) before it exits.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run bench --soak', () => {
  it(`runs the soak and the 1- and 2-process scale phases on ${backend}, with 0 errors and nothing lost`, async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`npm run build\` first`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jb-soak-test-'));
    dirs.push(dir);
    const out = path.join(dir, 'soak.json');
    const { code, output } = await runBench(
      [],
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // npm's spelling of `npm run bench --soak`.
        npm_config_soak: 'true',
        BENCH_BACKENDS: backend,
        BENCH_PG_URL: inject('adminUrl'),
        SOAK_SECONDS: '10',
        SOAK_SCALE_SECONDS: '5',
        SOAK_SCALE_WARMUP_SECONDS: '2',
        SOAK_CONNECTIONS: '4',
        SOAK_SSE_CLIENTS: '4',
        SOAK_DRAIN_SECONDS: '60',
        SOAK_OUT: out,
      },
      150_000,
    );
    expect(code, output).toBe(0);
    expect(output).toContain('## Soak summary');
    expect(output).toMatch(/2 processes \/ 1 process = [\d.]+× requests\/s/);

    const doc = JSON.parse(await readFile(out, 'utf8'));
    expect(doc.settings).toMatchObject({ SOAK_SECONDS: 10, SOAK_SCALE_SECONDS: 5, SOAK_SSE_CLIENTS: 4 });
    expect(doc.ok).toBe(true);
    expect(doc.results).toHaveLength(1);
    const [result] = doc.results;
    expect(result.backend).toBe(backend);
    const { soak, scale } = result;
    for (const r of [soak, scale.one, scale.two]) {
      expect(r.errors, `${r.title}: ${JSON.stringify(r.errorSamples)}`).toBe(0);
      expect(r.requests).toBeGreaterThan(0);
      // Every kind of request in the mix was made.
      expect(Object.keys(r.byKind).sort()).toEqual(['create', 'get', 'list', 'search', 'update']);
      expect(r.creates).toBeGreaterThan(0);
      expect(r.partnerCreates).toBeGreaterThan(0);
      expect(r.webhooks.lost, JSON.stringify(r.webhooks)).toBe(0);
      expect(r.webhooks.delivered).toBe(r.webhooks.expected);
      expect(r.webhooks.expected).toBeGreaterThanOrEqual(r.creates + r.updates);
      expect(r.webhooks.badSignatures).toBe(0);
      expect(r.webhooks.clientCountsConsistent).toBe(true);
      expect(r.sse.clients).toBe(4);
      expect(r.sse.allExact, JSON.stringify(r.sse)).toBe(true);
      expect(r.sse.min).toBe(r.sse.expectedPerClient);
      expect(r.sse.endedEarly).toBe(0);
      expect(r.ok).toBe(true);
      expect(r.cpu.servers).toHaveLength(r.processes);
    }
    expect(scale.one.processes).toBe(1);
    expect(scale.two.processes).toBe(2);
    expect(scale.ratio).toBeCloseTo(scale.two.rps / scale.one.rps);
    // The RSS curve: a sample a second (a tenth of the 10 s soak), each with its RSS and req/s.
    expect(soak.samples.length).toBeGreaterThanOrEqual(5);
    for (const s of soak.samples) {
      expect(s.rssMb).toBeGreaterThan(0);
      expect(Number.isFinite(s.rps)).toBe(true);
    }
    expect(soak.rss).toMatchObject({ flat: expect.any(Boolean), definition: expect.any(String) });
    expect(soak.rss.idleMb).toBeGreaterThan(0);
    expect(Number.isFinite(soak.rss.change)).toBe(true);
  }, 180_000);
});
