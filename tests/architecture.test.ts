import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The house's layering (issue 10 §4), as dependency-cruiser checks it with .dependency-cruiser.cjs:
// no circles; lib and core import nothing of ours above them; http names no module; modules meet
// only through each other's index.ts. Both directions are tested: src/ breaks no rule, and a
// fixture that breaks each rule once is caught on every one of them (so a rule cannot silently
// stop matching, e.g. after a folder is renamed).

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'node_modules/.bin/depcruise');
const config = path.join(root, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

async function cruise(cwd: string): Promise<Violation[]> {
  const { stdout } = await run(bin, ['src', '--config', config, '--output-type', 'json'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('architecture: layering', () => {
  it('src/ has no import circle and breaks no layering rule', async () => {
    const found = (await cruise(root)).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toEqual([]);
  }, 60_000);

  it('every rule catches its breach in the fixture', async () => {
    const found = await cruise(path.join(root, 'tests/fixtures/layering'));
    const rules = [...new Set(found.map((v) => v.rule.name))].sort();
    expect(rules).toEqual(
      [
        'core-imports-only-lib',
        'db-below-modules',
        'http-names-no-module',
        'jobs-use-module-indexes',
        'lib-is-the-floor',
        'modules-meet-through-index',
        'modules-stay-below-http',
        'no-circular',
      ].sort(),
    );
  }, 60_000);
});
