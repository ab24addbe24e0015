import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { ROOT } from '../helpers/process.js';

// The served document passes `redocly lint` with the committed redocly.yaml: no error and no
// warning. A rule is only ever turned off there, with its reason, never ignored here.

const ctx = useTestApp();
const run = promisify(execFile);

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

describe('openapi: redocly lint', () => {
  it('finds no error and no warning in GET /v1/openapi.json', async () => {
    const res = await ctx.t.api.get('/v1/openapi.json');
    expect(res.status).toBe(200);
    const dir = await mkdtemp(path.join(tmpdir(), 'jb-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      await writeFile(file, res.text);
      const cli = path.join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
      const args = [cli, 'lint', file, '--config', path.join(ROOT, 'redocly.yaml')];
      // Exit code 1 means problems: read the report either way.
      const { stdout } = await run(process.execPath, [...args, '--format=json', '--max-problems=1000'], {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        maxBuffer: 64 * 1024 * 1024,
      }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
      const report = JSON.parse(stdout) as LintReport;
      const problems = report.problems.map(
        (p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`,
      );
      expect(problems).toEqual([]);
      expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // A hang guard, not a speed check: the linter is a child process that needs CPU time.
  }, 120_000);
});
