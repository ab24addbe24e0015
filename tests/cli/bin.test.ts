import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/process.js';

// `npx journeybee` runs the bin file itself (shebang + executable bit), not `node dist/…`:
// the other CLI tests go through node, so this one runs it the way a newcomer does.
describe('the journeybee bin', () => {
  it('is executable and runs on its own', async () => {
    expect(statSync(CLI).mode & 0o111).not.toBe(0);
    const { stdout } = await promisify(execFile)(CLI, ['--help'], { timeout: 20_000 });
    expect(stdout).toContain('Usage: journeybee');
  });
});
