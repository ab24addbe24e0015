/**
 * `npm run bench` runs on a fresh clone: its floor server and the seed's example body live in
 * bench/, and they are verbatim copies of the shared originals (checked when ../shared is there).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.js';

const SHARED = path.resolve(ROOT, '../shared');
const bench = (file: string) => readFileSync(path.join(ROOT, 'bench', file), 'utf8');

/** The copy below its header comment (the lines up to the first blank line). */
const body = (text: string) => text.slice(text.indexOf('\n\n') + 2);

describe('bench/ needs nothing outside the project', () => {
  it('no bench script reads ../shared', () => {
    const scripts = readdirSync(path.join(ROOT, 'bench'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.mjs'),
    );
    expect(scripts).toContain('floor/pg-leads.mjs');
    for (const f of scripts) {
      const code = bench(f)
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('//'));
      expect(code.join('\n'), f).not.toMatch(/\.\.\/shared|['"`]shared\//);
    }
  });

  it.skipIf(!existsSync(path.join(SHARED, 'bench-floor')))(
    'bench/floor/ is the shared bench-floor, byte for byte below its header',
    () => {
      for (const f of ['pg-leads.mjs', 'schema.sql']) {
        const original = readFileSync(path.join(SHARED, 'bench-floor', f), 'utf8');
        expect(body(bench(`floor/${f}`)), f).toBe(original);
      }
    },
  );

  it.skipIf(!existsSync(path.join(SHARED, 'seeds')))(
    "bench/seed-lead-example.json is the seed's Create Lead example request",
    () => {
      const seed = readFileSync(path.join(SHARED, 'seeds/003_879244d9949a04d2.txt'), 'utf8');
      const json = /-d '(\{[\s\S]*?\})'/.exec(seed.slice(seed.indexOf('Example Request')))?.[1];
      expect(json).toBeDefined();
      expect(JSON.parse(bench('seed-lead-example.json'))).toEqual(JSON.parse(json!));
    },
  );
});
